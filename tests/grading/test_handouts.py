"""Graded handouts: ``pylearn release --no-solutions`` leaves no solution anywhere."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from pylearn_jupyter.checker import run_tests
from pylearn_jupyter.course import builtin_course_dir, load_course
from pylearn_jupyter.registry import decode_exercises
from pylearn_jupyter.widgets import ExercisePanel, state_for

COURSE = builtin_course_dir()


def _telltale_lines(text: str, besides: str) -> list[str]:
    """Lines of a solution or hidden test that appear nowhere else in the exercise."""
    return [line.strip() for line in text.splitlines()
            if len(line.strip()) >= 16 and line.strip() not in besides]


def _every_reading(raw: str) -> str:
    """The notebook as text, plus every base64 run in it decoded (zlib-compressed or not)."""
    readings = [raw]
    for run in re.findall(r"[A-Za-z0-9+/=]{40,}", raw):
        try:
            data = base64.b64decode(run)
        except ValueError:
            continue
        for attempt in (lambda d: zlib.decompress(d), lambda d: d):
            try:
                readings.append(attempt(data).decode("utf-8", "replace"))
            except zlib.error:
                continue
    return "\n".join(readings)


@pytest.fixture(scope="module")
def handouts(tmp_path_factory):
    out = tmp_path_factory.mktemp("handouts")
    proc = subprocess.run([sys.executable, "-m", "pylearn_jupyter.cli", "release", str(COURSE),
                           str(out), "--no-solutions"], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "graded handouts" in proc.stdout
    return out


def test_graded_handouts_carry_no_solution_and_no_hidden_test_in_any_encoding(handouts):
    course = load_course()
    readings = {path.name: _every_reading(path.read_text(encoding="utf-8"))
                for path in handouts.glob("*.ipynb")}
    assert len(readings) == len(course.chapters)
    # What a learner may see anywhere in the course; a secret is a line found nowhere in it.
    visible = "\n".join(
        [text for ex in course.exercises
         for text in (ex.starter, ex.prompt, ex.tests, *(h.text for h in ex.hints),
                      *("".join(c.get("source", "")) for c in ex.extra_cells))]
        + ["".join(c.get("source", "")) for ch in course.chapters for c in ch.intro_cells])
    checked = 0
    for exercise in course.exercises:
        secrets = _telltale_lines(exercise.solution or "", visible)
        secrets += _telltale_lines(exercise.hidden_tests, visible)
        for secret in secrets:
            for name, text in readings.items():
                assert secret not in text, f"{exercise.id}: {secret!r} is in {name}"
            checked += 1
    assert checked > 100  # the search really had something to look for


def test_graded_handout_still_checks_the_visible_tests(handouts):
    course = {ex.id: ex for ex in load_course().exercises}
    notebook = json.loads((handouts / "04-strings.ipynb").read_text(encoding="utf-8"))
    exercises = decode_exercises(notebook["metadata"]["pylearn"]["checks"])
    assert exercises and all(ex.solution is None and ex.graded for ex in exercises)
    for handed_out in exercises:
        original = course[handed_out.id]
        right = run_tests(handed_out, original.solution)
        assert right.passed, handed_out.id
        assert not any(t.hidden for t in right.tests)
        assert not run_tests(handed_out, original.starter).passed


def test_solution_button_says_the_instructor_publishes_solutions(handouts):
    notebook = json.loads((handouts / "04-strings.ipynb").read_text(encoding="utf-8"))
    exercise = decode_exercises(notebook["metadata"]["pylearn"]["checks"])[0]
    panel = ExercisePanel(state_for(exercise), run_tests(exercise, exercise.starter))

    assert panel.solution_button.disabled
    assert panel.solution_button.description == "Solution: from your instructor"
    assert "publish" in panel.solution_button.tooltip


def test_self_study_release_keeps_its_solutions(tmp_path):
    source = Path(__file__).resolve().parents[1] / "data"
    proc = subprocess.run([sys.executable, "-m", "pylearn_jupyter.cli", "release", str(source),
                           str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    raw = (tmp_path / "sample_chapter.ipynb").read_text(encoding="utf-8")
    assert "reversed(text.split())" in _every_reading(raw)
