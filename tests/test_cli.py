"""The `pylearn` command end to end, as a subprocess, and a learner notebook in a real kernel."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from pylearn_jupyter.notebook import front_end_setup
from pylearn_jupyter.submission import SUBMISSION_MIME_TYPE

DATA = Path(__file__).parent / "data"
COURSE = ["--course", str(DATA)]
RIGHT = "def reverse_words(text):\n    return ' '.join(reversed(text.split()))\n"


def pylearn(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pylearn_jupyter.cli", *args],
                          capture_output=True, text=True, timeout=timeout)


def code_file(tmp_path: Path, code: str | bytes, name: str = "answer.py") -> str:
    path = tmp_path / name
    if isinstance(code, bytes):
        path.write_bytes(code)
    else:
        path.write_text(code, encoding="utf-8")
    return str(path)


def test_exercises_lists_id_title_and_chapter_as_json():
    proc = pylearn("exercises", "--json", *COURSE)

    assert proc.returncode == 0
    rows = json.loads(proc.stdout)
    assert {"id": "sample.greet", "title": "Greet someone", "chapter": "sample"}.items() \
        <= rows[1].items()


def test_check_json_passes_with_exit_0(tmp_path):
    proc = pylearn("check", "sample.reverse-words", "--code", code_file(tmp_path, RIGHT),
                   "--json", *COURSE)

    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert data["exercise_id"] == "sample.reverse-words"
    assert data["passed"] is True and data["error"] is None
    assert [t["name"] for t in data["tests"]] == ["test_two_words", "test_empty_text",
                                                  "test_three_words"]
    assert data["duration_s"] >= 0


def test_check_failure_exits_1_and_explains(tmp_path):
    proc = pylearn("check", "sample.reverse-words", "--code",
                   code_file(tmp_path, "def reverse_words(text):\n    return text\n"), *COURSE)

    assert proc.returncode == 1
    assert "✘ Not yet: Reverse the words — 1 of 3 tests passed" in proc.stdout
    assert "first difference at index 0: expected 'w', got 'h'" in proc.stdout


@pytest.mark.parametrize("code, status, words", [
    ("while True:\n    pass\n", "timeout", "stopped after 2 seconds"),
    ("x = sum(range(10**12))\n", "timeout", "stopped after 2 seconds"),
    ("import os\nos._exit(0)\n", "error", "tried to stop Python"),
    ("data = bytearray(4 * 1024**3)\n", "error", "MemoryError"),
    ("import ctypes\nctypes.string_at(0)\n", "error", "stopped suddenly"),
])
def test_check_ends_runaway_code_in_a_verdict(tmp_path, code, status, words):
    proc = pylearn("check", "sample.reverse-words", "--code", code_file(tmp_path, code),
                   "--json", *COURSE, timeout=30)

    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert data["passed"] is False
    assert data["status"] == status
    assert words in data["error"]
    assert "Traceback (most recent call last)" not in proc.stdout + proc.stderr


def test_show_prints_the_prompt_and_the_starter_to_check():
    proc = pylearn("show", "sample.reverse-words", *COURSE)

    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Reverse the words (sample.reverse-words)")
    assert "Write a function `reverse_words(text)`" in proc.stdout
    assert "'pylearn check sample.reverse-words --code FILE'" in proc.stdout
    starter = proc.stdout.split("--code FILE'):\n\n", 1)[1]
    assert starter.startswith("%%exercise sample.reverse-words\n")
    assert "def reverse_words(text):" in starter


def test_check_takes_a_file_that_starts_with_the_exercise_line(tmp_path):
    saved = code_file(tmp_path, "%%exercise sample.reverse-words\n" + RIGHT)
    proc = pylearn("check", "sample.reverse-words", "--code", saved, "--json", *COURSE)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["passed"] is True


def test_check_takes_the_exercise_cell_of_a_notebook(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# My work"),
        nbformat.v4.new_code_cell("print('scratch')"),
        nbformat.v4.new_code_cell("%%exercise sample.reverse-words\n" + RIGHT),
    ])
    path = tmp_path / "mine.ipynb"
    nbformat.write(notebook, path)
    proc = pylearn("check", "sample.reverse-words", "--code", str(path), "--json", *COURSE)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["passed"] is True

    proc = pylearn("check", "sample.greet", "--code", str(path), *COURSE)
    assert proc.returncode == 2
    assert "has no cell starting with '%%exercise sample.greet'" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args, message", [
    (["check", "no.such-exercise", "--code", "{file}"], "there is no exercise 'no.such-exercise'"),
    (["check", "sample.greet", "--code", "{missing}"], "does not exist"),
    (["check", "sample.greet", "--code", "{latin1}"], "is not UTF-8 text"),
    (["check", "sample.greet", "--code", "{folder}"], "is a folder"),
])
def test_usage_problems_exit_2_with_one_sentence(tmp_path, args, message):
    paths = {"file": code_file(tmp_path, "x = 1\n"), "missing": str(tmp_path / "nope.py"),
             "latin1": code_file(tmp_path, "s = 'caf\xe9'\n".encode("latin-1"), "l.py"),
             "folder": str(tmp_path)}

    proc = pylearn(*[a.format(**paths) for a in args], *COURSE)

    assert proc.returncode == 2
    assert proc.stdout == ""
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_validate_exit_codes(tmp_path):
    good = pylearn("validate", str(DATA))
    bad_file = tmp_path / "bad.ipynb"
    bad_file.write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    bad = pylearn("validate", str(bad_file))

    assert good.returncode == 0 and "✔ 2 exercises in 1 chapter(s)" in good.stdout
    assert bad.returncode == 1 and "no chapter cell" in bad.stdout


def test_release_writes_learner_notebooks_and_refuses_invalid_sources(tmp_path):
    out = tmp_path / "out"
    ok = pylearn("release", str(DATA), str(out))
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "b.ipynb").write_text('{"cells": [], "metadata": {}}')
    refused = pylearn("release", str(broken), str(tmp_path / "out2"))

    assert ok.returncode == 0, ok.stderr
    written = json.loads((out / "sample_chapter.ipynb").read_text())
    assert "#| solution" not in json.dumps(written)
    assert refused.returncode == 1 and "Nothing released" in refused.stderr
    assert not (tmp_path / "out2").exists()


def test_learner_notebook_checks_in_a_real_kernel(tmp_path):
    out = tmp_path / "out"
    assert pylearn("release", str(DATA), str(out)).returncode == 0
    notebook = nbformat.read(out / "sample_chapter.ipynb", as_version=4)
    answer = next(c for c in notebook.cells
                  if c.metadata.get("pylearn", {}).get("exercise") == "sample.reverse-words"
                  and c.metadata["pylearn"]["role"] == "answer")
    answer.source = "%%exercise sample.reverse-words\n" + RIGHT
    notebook.cells.insert(notebook.cells.index(answer) + 1,
                          nbformat.v4.new_code_cell("print(reverse_words('x y'))"))
    # What the PyLearn front end runs silently when the kernel starts (no setup cell).
    notebook.cells.insert(0, nbformat.v4.new_code_cell(front_end_setup(notebook)))

    NotebookClient(notebook, timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()

    outputs = answer.outputs
    submissions = [o["data"][SUBMISSION_MIME_TYPE] for o in outputs
                   if o.get("output_type") == "display_data"
                   and SUBMISSION_MIME_TYPE in o.get("data", {})]
    assert len(submissions) == 1 and submissions[0]["passed"] is True
    widgets = [o for o in outputs if "application/vnd.jupyter.widget-view+json"
               in o.get("data", {})]
    assert widgets, "the check panel is displayed"
    following = notebook.cells[notebook.cells.index(answer) + 1]
    assert following.outputs[0]["text"] == "y x\n"


def test_grade_runs_hidden_tests_on_returned_notebooks(tmp_path):
    handout = tmp_path / "handout"
    assert pylearn("release", str(DATA), str(handout)).returncode == 0
    returned = tmp_path / "returned"
    answers = {
        "ada": RIGHT,
        "bob": "def reverse_words(text):\n    return ' '.join(reversed(text.split(' ')))\n",
        "eve": "while True:\n    pass\n",
        "kim": "def reverse_words(text):\n    return text.split()[9]\n",
    }
    for learner, code in answers.items():
        notebook = json.loads((handout / "sample_chapter.ipynb").read_text())
        for cell in notebook["cells"]:
            if cell["source"].startswith("%%exercise sample.reverse-words"):
                cell["source"] = "%%exercise sample.reverse-words\n" + code
        (returned / learner).mkdir(parents=True)
        (returned / learner / "sample_chapter.ipynb").write_text(json.dumps(notebook))

    proc = pylearn("grade", str(DATA), str(returned), "--out", str(tmp_path / "report"),
                   timeout=120)

    assert proc.returncode == 0, proc.stderr
    report = json.loads((tmp_path / "report" / "grades.json").read_text())
    assert report["schema"] == 1 and report["sandbox"] == "bwrap"
    rows = {(r["learner"], r["exercise_id"]): r for r in report["rows"]}
    assert rows["ada", "sample.reverse-words"]["status"] == "passed"
    bob = rows["bob", "sample.reverse-words"]
    assert bob["status"] == "failed" and bob["tests_passed"] == 3 and bob["tests_total"] == 4
    assert bob["points"] == 0.75
    eve = rows["eve", "sample.reverse-words"]
    assert eve["status"] == "time limit" and eve["tests_total"] == 4
    kim = rows["kim", "sample.reverse-words"]["result"]["tests"][0]["traceback"]
    assert "line 3, in reverse_words" in kim  # row 3 of the cell: the %%exercise line is row 1
    assert rows["ada", "sample.greet"]["status"] == "failed"  # the starter was handed back
    assert (tmp_path / "report" / "grades.csv").read_text().startswith("learner,exercise_id")
