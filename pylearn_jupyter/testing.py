"""What exercise tests use, for authors running a tests cell by hand in JupyterLab.

    from pylearn_jupyter.testing import *

When PyLearn checks an exercise these names (and ``output``, ``run_program``,
``capture_output``, ``learner_source``, ``names_used``, ``calls_itself``) are already
there; see docs/authoring.md.
"""

from .checker.testing import (
    TestFailure,
    assert_close,
    assert_equal,
    assert_raises,
    assert_same_items,
    parametrize,
)

__all__ = ["TestFailure", "assert_close", "assert_equal", "assert_raises", "assert_same_items",
           "parametrize"]
