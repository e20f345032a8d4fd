"""A learner notebook needs no setup cell, and a broken ``%%exercise`` line gets one
PyLearn sentence instead of an IPython error (in a real IPython shell)."""

from __future__ import annotations

import json

import pytest

from pylearn_jupyter.notebook import setup_from_front_end
from pylearn_jupyter.registry import encode_exercises
from pylearn_jupyter.submission import SUBMISSION_MIME_TYPE

RIGHT = "def double(n):\n    return n * 2\n"
WRONG = "def double(n):\n    return n + 2\n"
CELL = "pylearn-003"


@pytest.fixture
def ready(exercise, shell):
    """The shell as the front end leaves it when the notebook's kernel has started."""
    payload = {"checks": encode_exercises([exercise]), "answers": {CELL: exercise.id}}
    setup_from_front_end(json.dumps(payload))
    return shell


def run(shell, source: str, cell_id: str | None = CELL):
    return shell.run_cell(source, cell_id=cell_id)


def said(capsys) -> list[str]:
    return [line for line in capsys.readouterr().out.splitlines() if line.strip()]


def verdicts(shell) -> list[bool]:
    return [d[SUBMISSION_MIME_TYPE]["passed"] for d in shell.published
            if SUBMISSION_MIME_TYPE in d]


def test_the_front_end_setup_makes_the_magic_work_with_no_setup_cell(ready, capsys):
    run(ready, "%%exercise numbers.double\n" + RIGHT)

    assert verdicts(ready) == [True]
    assert said(capsys) == []


def test_the_setup_payload_is_data_only(shell):
    with pytest.raises(ValueError):
        setup_from_front_end("__import__('os').system('true')")


@pytest.mark.parametrize("line", [
    "%%exercse numbers.double",
    "%exercise numbers.double",
    "%% exercise numbers.double",
    "%%Exercise numbers.double",
    "%%exercises numbers.double",
    "%%%exercise numbers.double",
])
def test_a_misspelt_magic_line_gets_one_pylearn_sentence(ready, capsys, line):
    result = run(ready, line + "\n" + RIGHT)

    lines = said(capsys)
    assert len(lines) == 1, lines
    assert lines[0].startswith("PyLearn: the first line of this cell must be exactly "
                               "%%exercise numbers.double")
    assert line in lines[0]
    assert result.error_before_exec is None and result.error_in_exec is None
    assert verdicts(ready) == []


def test_a_misspelt_line_names_the_cells_exercise_even_without_an_id(ready, capsys):
    run(ready, "%%exrcise\n" + RIGHT)

    assert "exactly %%exercise numbers.double" in said(capsys)[0]


def test_a_magic_line_moved_below_the_code_says_move_it_back(ready, capsys):
    result = run(ready, "# my answer\n%%exercise numbers.double\n" + RIGHT)

    lines = said(capsys)
    assert lines == ["PyLearn: move the line %%exercise numbers.double back to the very top "
                     "of this cell, above everything else, then run the cell again."]
    assert result.error_before_exec is None


def test_an_answer_cell_without_its_magic_line_says_to_put_it_back(ready, capsys):
    result = run(ready, WRONG)

    assert said(capsys) == [
        "PyLearn: this cell was not checked because its first line %%exercise "
        "numbers.double is missing; put that line back at the top of the cell, then run "
        "it again."]
    assert result.success  # the code itself ran: the learner's function exists
    assert ready.user_ns["double"](1) == 3


def test_other_cells_and_other_magics_are_left_alone(ready, capsys):
    run(ready, WRONG, cell_id="scratch-cell")
    run(ready, "%%capture out\nprint('hidden')\n", cell_id="scratch-cell")
    run(ready, "x = '%%exercise numbers.double'\n", cell_id="scratch-cell")

    assert said(capsys) == []
    assert ready.user_ns["x"] == "%%exercise numbers.double"


def test_an_id_of_another_notebook_names_this_cells_exercise(ready, capsys):
    run(ready, "%%exercise numbers.triple\n" + RIGHT)

    assert said(capsys) == ["PyLearn: there is no exercise 'numbers.triple' in this "
                            "notebook; the first line of this cell should be %%exercise "
                            "numbers.double."]


def test_setting_up_twice_registers_each_hook_once(ready, exercise, capsys):
    setup_from_front_end(json.dumps({"checks": encode_exercises([exercise]),
                                     "answers": {CELL: exercise.id}}))
    run(ready, WRONG)

    assert len(said(capsys)) == 1


def test_the_verdict_in_words_travels_with_the_record(ready):
    run(ready, "%%exercise numbers.double\n" + WRONG)

    metadata = next(m for d, m in zip(ready.published, ready.published_metadata, strict=True)
                    if SUBMISSION_MIME_TYPE in d)
    verdict = metadata[SUBMISSION_MIME_TYPE]["verdict"]
    assert verdict["status"] == "failed"
    assert verdict["headline"].startswith("Not yet: Double it")


def test_notebooks_sharing_one_kernel_keep_their_answer_cells_apart(exercise, shell, capsys):
    """JupyterLite runs every exercise notebook of a session in one kernel."""
    from pathlib import Path

    from pylearn_jupyter.course import load_course
    from pylearn_jupyter.notebook import front_end_setup
    from pylearn_jupyter.release import learner_notebook

    chapter = load_course([Path(__file__).parent / "data" / "sample_chapter.ipynb"]).chapters[0]
    first, second = (learner_notebook(chapter, ex.id) for ex in chapter.exercises[:2])
    for notebook in (first, second):
        shell.run_cell(front_end_setup(notebook))
    answer = next(c["id"] for c in first["cells"]
                  if c["metadata"].get("pylearn", {}).get("role") == "answer")

    run(shell, "x = 1\n", cell_id=answer)

    assert said(capsys) == [
        f"PyLearn: this cell was not checked because its first line %%exercise "
        f"{chapter.exercises[0].id} is missing; put that line back at the top of the cell, "
        "then run it again."]
