"""Fixtures shared by the kernel-side tests: an exercise and an IPython shell."""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell

from pylearn_jupyter.exercise import Exercise, Hint
from pylearn_jupyter.notebook import forget_answer_cells
from pylearn_jupyter.widgets.state import reset_states


@pytest.fixture
def exercise() -> Exercise:
    reset_states()
    return Exercise(
        id="numbers.double", title="Double it", chapter="numbers", version="3",
        solution="def double(n):\n    return 2 * n\n", solution_after=2,
        tests="def test_two():\n    assert double(2) == 4\n"
              "def test_negative():\n    assert double(-5) == -10\n",
        hints=[Hint("Multiply `n` by something."),
               Hint("What is double of a negative number?", test="test_negative"),
               Hint("Use the `*` operator.")],
    )


@pytest.fixture
def shell():
    """A fresh IPython shell; what it displays is kept in ``shell.published`` (data) and
    ``shell.published_metadata``."""
    forget_answer_cells()
    shell = InteractiveShell.instance()
    published: list[dict] = []
    published_metadata: list[dict] = []
    original = shell.display_pub.publish

    def publish(data, metadata=None, **kwargs):
        published.append(data)
        published_metadata.append(metadata or {})

    shell.display_pub.publish = publish
    shell.published = published
    shell.published_metadata = published_metadata
    yield shell
    shell.display_pub.publish = original
    InteractiveShell.clear_instance()
    forget_answer_cells()
