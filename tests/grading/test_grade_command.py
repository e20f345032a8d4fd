"""``pylearn grade`` as an instructor uses it: who is graded, every row, the files written."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

from pylearn_jupyter.sealed.sandbox import Docker, Limits, choose_sandbox

from .returned import answer, grade, notebook

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLE = DATA / "sample_chapter.ipynb"
RIGHT = "def reverse_words(text):\n    return ' '.join(reversed(text.split()))\n"
WRONG = "def reverse_words(text):\n    return text\n"
GREET = 'name = input("Name? ")\nprint(f"Hello, {name}!")\n'


@pytest.fixture
def returned(tmp_path):
    folder = tmp_path / "returned"
    (folder / "ada").mkdir(parents=True)
    (folder / "ada" / "chapter.ipynb").write_text(notebook(
        answer("sample.reverse-words", RIGHT), answer("sample.greet", GREET)))
    (folder / "bob").mkdir()
    (folder / "bob" / "chapter.ipynb").write_text(notebook(
        answer("sample.reverse-words", RIGHT), answer("sample.reverse-words", WRONG)))
    (folder / "=cmd").mkdir()
    (folder / "=cmd" / "chapter.ipynb").write_text(notebook(answer("sample.greet", "print(")))
    (folder / "kim.ipynb").write_text("{ not json")
    (folder / "lee.ipynb").write_text(json.dumps({"cells": {"not": "a list"}}))
    (folder / "max.ipynb").write_text(json.dumps({"cells": [
        {"cell_type": "code", "source": 42},
        {"cell_type": "code", "source": answer("sample.greet", GREET)}]}))
    return folder


def test_every_exercise_of_every_learner_gets_exactly_one_row(tmp_path, returned):
    roster = tmp_path / "roster.csv"
    roster.write_text("learner,email\nada,a@example.org\nzoe,z@example.org\n")

    proc = grade(str(SAMPLE), str(returned), "--out", str(tmp_path / "out"),
                 "--roster", str(roster))

    assert proc.returncode == 1, proc.stderr  # unreadable notebooks are problems
    assert "kim.ipynb: cannot be read as a notebook" in proc.stderr
    rows = {(r["learner"], r["exercise_id"]): r for r in
            json.loads((tmp_path / "out" / "grades.json").read_text())["rows"]}
    learners = {"ada", "bob", "=cmd", "kim", "lee", "max", "zoe"}
    assert set(rows) == {(name, ex) for name in learners
                         for ex in ("sample.reverse-words", "sample.greet")}
    status = {key: row["status"] for key, row in rows.items()}
    assert status["ada", "sample.reverse-words"] == "passed"
    assert status["ada", "sample.greet"] == "passed"
    assert status["bob", "sample.reverse-words"] == "duplicate"
    assert "the last one counted" in rows["bob", "sample.reverse-words"]["note"]
    assert rows["bob", "sample.reverse-words"]["tests_passed"] == 1  # the wrong, last one
    assert status["bob", "sample.greet"] == "missing"
    assert status["=cmd", "sample.greet"] == "error"
    assert rows["=cmd", "sample.greet"]["tests_total"] == 2
    assert status["kim", "sample.greet"] == "problem"
    assert status["lee", "sample.reverse-words"] == "problem"
    assert status["max", "sample.greet"] == "passed"  # the one bad cell does not sink the rest
    assert status["zoe", "sample.greet"] == "missing"
    assert rows["zoe", "sample.greet"]["note"] == "nothing returned"
    assert rows["zoe", "sample.reverse-words"]["tests_total"] == 4


def test_gradebook_has_a_row_per_learner_and_totals(tmp_path, returned):
    grade(str(SAMPLE), str(returned), "--out", str(tmp_path / "out"))

    with (tmp_path / "out" / "gradebook.csv").open() as handle:
        book = {row["learner"]: row for row in csv.DictReader(handle)}
    assert book["ada"]["total"] == "2.0" and book["ada"]["max_total"] == "2.0"
    assert book["bob"]["sample.reverse-words"] == "0.25"
    assert book["kim"]["total"] == "0.0"


def test_spreadsheet_formulas_are_neutralised(tmp_path, returned):
    grade(str(SAMPLE), str(returned), "--out", str(tmp_path / "out"))

    for name in ("grades.csv", "gradebook.csv"):
        with (tmp_path / "out" / name).open() as handle:
            cells = [cell for row in csv.reader(handle) for cell in row]
        assert "'=cmd" in cells
        assert not any(cell.startswith(("=", "+", "@")) for cell in cells)


def test_grade_refuses_to_run_without_a_sandbox(tmp_path, returned):
    empty = tmp_path / "bin"
    empty.mkdir()
    env = {**os.environ, "PATH": str(empty)}

    proc = grade(str(SAMPLE), str(returned), "--out", str(tmp_path / "out"), env=env)

    assert proc.returncode == 2
    assert "install bubblewrap" in proc.stderr and "--sandbox none" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_grade_without_sandbox_warns_in_every_report(tmp_path, returned):
    (returned / "ned.ipynb").write_text(notebook(answer(
        "sample.greet", "open('left-here.txt', 'w').write('x')\n" + GREET)))
    here = tmp_path / "here"
    here.mkdir()

    proc = grade(str(SAMPLE), str(returned), "--out", str(tmp_path / "out"), "--sandbox", "none",
                 cwd=here)

    assert list(here.iterdir()) == []  # answers work in a folder of their own, then it goes
    assert "WITHOUT a sandbox" in proc.stdout and "WITHOUT a sandbox" in proc.stderr
    report = json.loads((tmp_path / "out" / "grades.json").read_text())
    assert report["sandbox"] == "none" and "WITHOUT a sandbox" in report["warning"]


def test_docker_backend_confines_the_container():
    command = Docker(Limits(memory=256 * 1024**2, processes=16)).command()

    assert command[:3] == ["docker", "run", "--rm"]
    for flag in (["--network", "none"], ["--pids-limit", "16"], ["--memory", str(256 * 1024**2)],
                 ["--cap-drop", "ALL"], ["--user", "65534:65534"]):
        assert any(command[i:i + 2] == flag for i in range(len(command))), flag
    assert "--read-only" in command
    mounts = [command[i + 1] for i, arg in enumerate(command) if arg == "-v"]
    assert len(mounts) == 1 and mounts[0].endswith(":/opt/pylearn/pylearn_jupyter:ro")


@pytest.mark.skipif(Docker.unavailable() is not None, reason="no Docker engine on this machine")
def test_docker_backend_grades_like_bubblewrap(tmp_path, returned):
    proc = grade(str(SAMPLE), str(returned), "--out", str(tmp_path / "out"), "--sandbox", "docker")

    rows = json.loads((tmp_path / "out" / "grades.json").read_text())["rows"]
    assert any(r["learner"] == "ada" and r["status"] == "passed" for r in rows), proc.stderr


def test_auto_sandbox_is_bubblewrap_here():
    assert choose_sandbox("auto").name == "bwrap"
