"""The course's tests match its prompts: every wrong answer kept beside an exercise
(``#| wrong-answer``) fails a visible test, and such answers never reach a learner."""

from __future__ import annotations

import base64
import json
import re
import zlib
from pathlib import Path

import pytest

from pylearn_jupyter.checker import run_tests
from pylearn_jupyter.cli import main as cli_main
from pylearn_jupyter.exercise import Exercise, WrongAnswer, load_chapter, parse_chapter
from pylearn_jupyter.registry import encode_exercises
from pylearn_jupyter.release import learner_notebook, release_folder
from pylearn_jupyter.validate import validate_paths

COURSE = Path(__file__).resolve().parent.parent / "notebooks"
MARKER = "WRONG_ANSWER_MARKER"


# --- the directive -------------------------------------------------------------------

def cell(kind: str, source: str) -> dict:
    data = {"cell_type": kind, "metadata": {}, "source": source}
    if kind == "code":
        data.update(execution_count=None, outputs=[])
    return data


def source_notebook(*wrong: tuple[str, str], hidden: str = "") -> dict:
    """A one-exercise chapter; ``wrong`` holds (directive line, code) pairs."""
    cells = [
        cell("raw", "#| chapter: demo\n#| title: Demo\n#| order: 1"),
        cell("raw", "#| exercise: demo.deposit\n#| title: A deposit"),
        cell("markdown", "Write `deposit(balance, amount)` that returns the new balance; "
                         "`amount` must be above 0, or it raises `ValueError`."),
        cell("code", "#| starter\ndef deposit(balance, amount):\n    ..."),
        cell("code", "#| solution\ndef deposit(balance, amount):\n"
                     "    if amount <= 0:\n        raise ValueError(amount)\n"
                     "    return balance + amount"),
        cell("code", "#| tests\ndef test_adds():\n"
                     "    assert deposit(10, 5) == 15, 'deposit(10, 5) should return 15'\n\n"
                     "def test_refuses_negative():\n"
                     "    try:\n        deposit(10, -1)\n    except ValueError:\n"
                     "        return\n    assert False, 'deposit(10, -1) should raise'"),
    ]
    if hidden:
        cells.append(cell("code", f"#| hidden-tests\n{hidden}"))
    for directive, code in wrong:
        cells.append(cell("code", f"{directive}\n{code}"))
    cells.append(cell("markdown", "#| hint\nCompare `amount` with 0 first."))
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}


ALLOWS_ZERO = ("def deposit(balance, amount):\n    if amount < 0:\n"
               f"        raise ValueError(amount)\n    return balance + amount  # {MARKER}")
NEVER_CHECKS = f"def deposit(balance, amount):\n    return balance + amount  # {MARKER}"
REFUSES_ZERO_TEST = ("def test_refuses_zero():\n    try:\n        deposit(10, 0)\n"
                     "    except ValueError:\n        return\n"
                     "    assert False, 'deposit(10, 0) should raise'")


def write(tmp_path: Path, notebook: dict) -> Path:
    path = tmp_path / "demo.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return path


def test_wrong_answer_cells_are_read_with_their_reason():
    chapter = parse_chapter(source_notebook(("#| wrong-answer: deposits of 0 pass", ALLOWS_ZERO),
                                            ("#| wrong-answer", NEVER_CHECKS)))

    exercise = chapter.exercises[0]
    assert exercise.wrong_answers == [WrongAnswer(ALLOWS_ZERO, "deposits of 0 pass"),
                                      WrongAnswer(NEVER_CHECKS, "")]
    assert exercise.extra_cells == []  # not copied into the learner notebook
    assert len(exercise.hints) == 1


def test_wrong_answers_are_left_out_of_learner_data():
    exercise = parse_chapter(source_notebook(("#| wrong-answer", NEVER_CHECKS))).exercises[0]

    assert "wrong_answers" not in exercise.to_dict(learner=True)
    assert MARKER not in json.dumps(exercise.to_dict(learner=True))
    full = exercise.to_dict()
    assert full["wrong_answers"] == [{"code": NEVER_CHECKS, "reason": ""}]
    assert Exercise.from_dict(full).wrong_answers == exercise.wrong_answers


def _unpacked_texts(text: str) -> list[str]:
    """Every compressed, base64-encoded blob in a notebook's text, unpacked."""
    found = []
    for blob in re.findall(r"[A-Za-z0-9+/=]{80,}", text):
        try:
            found.append(zlib.decompress(base64.b64decode(blob)).decode("utf-8"))
        except (ValueError, zlib.error):
            continue
    return found


def test_release_never_puts_a_wrong_answer_in_a_learner_notebook(tmp_path):
    source = write(tmp_path, source_notebook(("#| wrong-answer: never checks", NEVER_CHECKS)))
    chapter = load_chapter(source)
    out = tmp_path / "handout"

    written = release_folder([chapter], out) + release_folder([chapter], tmp_path / "graded",
                                                             solutions=False)

    assert written
    for path in written:
        text = path.read_text(encoding="utf-8")
        assert MARKER not in text and "wrong-answer" not in text
        unpacked = _unpacked_texts(text)
        assert unpacked, "the exercise data travels in the notebook"
        assert not any(MARKER in u or "wrong_answers" in u for u in unpacked)
    single = json.dumps(learner_notebook(chapter, "demo.deposit"))
    assert MARKER not in single
    assert not any(MARKER in u for u in _unpacked_texts(single))
    packed = zlib.decompress(base64.b64decode(encode_exercises(chapter.exercises)))
    assert MARKER.encode() not in packed


def test_cli_release_leaves_wrong_answers_out(tmp_path, capsys):
    source = tmp_path / "source"
    source.mkdir()
    write(source, source_notebook(("#| wrong-answer: never checks", NEVER_CHECKS)))

    assert cli_main(["release", str(source), str(tmp_path / "out")]) == 0

    written = list((tmp_path / "out").glob("*.ipynb"))
    assert written
    for path in written:
        text = path.read_text(encoding="utf-8")
        assert MARKER not in text
        assert not any(MARKER in u for u in _unpacked_texts(text))


def test_validate_accepts_wrong_answers_that_fail_a_visible_test(tmp_path):
    notebook = source_notebook(("#| wrong-answer: never checks the amount", NEVER_CHECKS))

    report = validate_paths([write(tmp_path, notebook)])

    assert report.ok, [str(p) for p in report.problems]


def test_validate_refuses_a_wrong_answer_that_passes_the_visible_tests(tmp_path):
    notebook = source_notebook(("#| wrong-answer: deposits of 0 pass", ALLOWS_ZERO))

    report = validate_paths([write(tmp_path, notebook)])

    messages = [str(p) for p in report.problems]
    assert len(messages) == 1
    assert "[demo.deposit]: wrong answer 1 (deposits of 0 pass) passes every visible test" \
        in messages[0]
    assert "only a hidden test" not in messages[0]


def test_validate_refuses_a_wrong_answer_only_a_hidden_test_catches(tmp_path):
    notebook = source_notebook(("#| wrong-answer", ALLOWS_ZERO), hidden=REFUSES_ZERO_TEST)

    report = validate_paths([write(tmp_path, notebook)])

    messages = [str(p) for p in report.problems]
    assert len(messages) == 1
    assert "wrong answer 1 passes every visible test (only a hidden test catches it" \
        in messages[0]


def test_validate_refuses_a_broken_or_empty_wrong_answer(tmp_path):
    notebook = source_notebook(("#| wrong-answer: typo", "def deposit(balance, amount)\n"),
                               ("#| wrong-answer", ""))

    report = validate_paths([write(tmp_path, notebook)])

    messages = [str(p) for p in report.problems]
    assert any("wrong answer 1 (typo) is not valid Python" in m for m in messages)
    assert any("wrong answer 2 is empty" in m for m in messages)


# --- the built-in course ---------------------------------------------------------------

CHAPTERS = [load_chapter(path) for path in sorted(COURSE.glob("*.ipynb"))]
EXERCISES = [exercise for chapter in CHAPTERS for exercise in chapter.exercises]
WRONG = [pytest.param(exercise, number, wrong, id=f"{exercise.id}-{number}")
         for exercise in EXERCISES
         for number, wrong in enumerate(exercise.wrong_answers, start=1)]


def test_the_course_is_all_there():
    assert len(EXERCISES) == 70


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda ex: ex.id)
def test_solution_passes_every_test(exercise):
    result = run_tests(exercise, exercise.solution or "", include_hidden=True)

    assert result.passed, [(t.name, t.message) for t in result.tests if not t.passed]


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda ex: ex.id)
def test_every_exercise_keeps_a_wrong_answer_with_its_reason(exercise):
    assert exercise.wrong_answers, f"{exercise.id}: add a '#| wrong-answer' cell"
    assert all(w.reason for w in exercise.wrong_answers), "say why each answer is wrong"


@pytest.mark.parametrize(("exercise", "number", "wrong"), WRONG)
def test_wrong_answer_fails_a_visible_test(exercise, number, wrong):
    result = run_tests(exercise, wrong.code)

    assert not result.passed, f"wrong answer {number} ({wrong.reason}) passes the visible tests"
    # It fails on what it does: the code runs and defines what the prompt asks for.
    assert result.status != "error", result.error and result.error.summary
    assert wrong.code.strip() not in (exercise.starter.strip(), (exercise.solution or "").strip())


def test_the_shortcuts_learners_reported_are_kept_and_caught():
    by_id = {exercise.id: exercise for exercise in EXERCISES}
    bank = [w.code for w in by_id["classes.bank-account"].wrong_answers]
    assert any("amount >= self.balance" in code for code in bank)
    assert any("amount < 0" in code and "def deposit" in code for code in bank)
    assert any('split(" ")' in w.code for w in by_id["strings.reverse-words"].wrong_answers)


def test_the_course_validates(capsys):
    assert cli_main(["validate", str(COURSE)]) == 0
    assert "70 exercises" in capsys.readouterr().out


def test_the_released_course_carries_no_wrong_answer(tmp_path):
    written = release_folder(CHAPTERS, tmp_path)

    assert len(written) == len(CHAPTERS)
    # (The starter or a hint may show the same code on purpose: that is not looked for.)
    wrong_code = [w.code for exercise in EXERCISES for w in exercise.wrong_answers
                  if json.dumps(w.code)[1:-1] not in json.dumps(exercise.to_dict(learner=True))]
    for path in written:
        text = path.read_text(encoding="utf-8")
        for readable in [text, *_unpacked_texts(text)]:
            assert "wrong-answer" not in readable and "wrong_answers" not in readable
            assert not [code for code in wrong_code if json.dumps(code)[1:-1] in readable]
