"""A helper defined in another cell: the notebook check and the grader say the same thing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from IPython.core.interactiveshell import InteractiveShell

from pylearn_jupyter.exercise import load_chapter
from pylearn_jupyter.notebook import check, load_ipython_extension

DATA = Path(__file__).parent / "data"
HELPER = "def flip(words):\n    return list(reversed(words))\n"
USES_HELPER = "def reverse_words(text):\n    return ' '.join(flip(text.split()))\n"
SENTENCE = ("'flip' is defined in another cell of your notebook, but only this cell is "
            "checked: put 'flip' in this cell too.")


def test_notebook_check_says_the_helper_is_in_another_cell():
    shell = InteractiveShell.instance()
    try:
        load_ipython_extension(shell)
        exercise = next(ex for ex in load_chapter(DATA / "sample_chapter.ipynb").exercises
                        if ex.id == "sample.reverse-words")
        from pylearn_jupyter.registry import register

        register([exercise])
        shell.run_cell(HELPER)
        result = check(exercise.id, USES_HELPER, user_ns=shell.user_ns, show=False)
    finally:
        InteractiveShell.clear_instance()

    assert not result.passed
    assert result.tests[0].traceback.endswith("What it means: " + SENTENCE)


def test_a_name_missing_everywhere_keeps_the_usual_explanation():
    exercise = next(ex for ex in load_chapter(DATA / "sample_chapter.ipynb").exercises
                    if ex.id == "sample.reverse-words")
    from pylearn_jupyter.registry import register

    register([exercise])
    result = check(exercise.id, USES_HELPER, user_ns={}, show=False)

    assert SENTENCE not in result.tests[0].traceback
    assert "NameError: name 'flip' is not defined" in result.tests[0].traceback


def test_grader_says_the_helper_is_in_another_cell(tmp_path):
    returned = tmp_path / "returned"
    returned.mkdir()
    (returned / "ada.ipynb").write_text(json.dumps({"cells": [
        {"cell_type": "code", "source": HELPER},
        {"cell_type": "code", "source": "%%exercise sample.reverse-words\n" + USES_HELPER},
        {"cell_type": "code", "source": "%%exercise sample.greet\nprint(x)\n"},
    ]}))

    proc = subprocess.run(
        [sys.executable, "-m", "pylearn_jupyter.cli", "grade", str(DATA / "sample_chapter.ipynb"),
         str(returned), "--out", str(tmp_path / "out")], capture_output=True, text=True,
        timeout=120)

    assert proc.returncode == 0, proc.stderr
    rows = {r["exercise_id"]: r for r in
            json.loads((tmp_path / "out" / "grades.json").read_text())["rows"]}
    tests = rows["sample.reverse-words"]["result"]["tests"]
    assert tests[0]["traceback"].endswith("What it means: " + SENTENCE)
    greet = rows["sample.greet"]["result"]["error"]["details"]
    assert "'x' is defined in another cell" not in greet  # x is defined nowhere
