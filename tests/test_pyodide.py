"""The checker and the course inside Pyodide itself (npm ``pyodide`` on Node.js).

The browser-only site runs the same code on Pyodide's CPython, where there are no
signals and the time limit uses sys.monitoring: these tests prove it there.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).parent / "pyodide"
REPO = Path(__file__).resolve().parents[1]
EXPLAIN_CASES = json.loads((REPO / "tests" / "explain_cases.json").read_text("utf-8"))["cases"]


@pytest.fixture(scope="module")
def pyodide_run() -> dict:
    node = shutil.which("node")
    assert node, "Node.js is needed for the Pyodide tests: install the Debian package nodejs"
    assert (HERE / "node_modules" / "pyodide").is_dir(), (
        "Pyodide is not installed for the tests: run `npm ci` in tests/pyodide (make test does)"
    )
    folders = ["/repo/tests/data"]
    if any((REPO / "notebooks").glob("*.ipynb")):
        folders.append("/repo/notebooks")
    proc = subprocess.run(
        [node, str(HERE / "runner.mjs"), str(REPO), str(HERE / "driver.py"), *folders],
        capture_output=True, text=True, timeout=600, cwd=HERE,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_runs_on_pyodide_with_the_monitoring_guard(pyodide_run):
    assert pyodide_run["platform"] == "emscripten"
    assert pyodide_run["version"].startswith("3.14")
    assert pyodide_run["guard"] == "sys.monitoring"


@pytest.mark.parametrize("program, status", [
    ("correct", "passed"),
    ("wrong", "failed"),
    ("prints", "failed"),
    ("crash", "failed"),
    ("exit", "error"),
    ("clobber", "failed"),
    ("after_all_that", "passed"),
])
def test_verdicts_on_pyodide(pyodide_run, program, status):
    assert pyodide_run["checks"][program]["status"] == status


@pytest.mark.parametrize("program", [
    "one_line_loop", "loop_in_function", "loop_catching_exception", "range_loop",
])
def test_endless_loops_hit_the_time_limit_on_pyodide(pyodide_run, program):
    check = pyodide_run["checks"][program]
    assert check["status"] == "timeout"
    assert 0.9 <= check["duration_s"] < 3.0


def test_printing_instead_of_returning_is_explained_on_pyodide(pyodide_run):
    difference = pyodide_run["checks"]["prints"]["tests"][0][2]
    assert "print the result instead of returning it" in difference


@pytest.mark.parametrize("case", EXPLAIN_CASES, ids=[case["id"] for case in EXPLAIN_CASES])
def test_each_explained_error_gets_its_plain_sentence_on_pyodide(pyodide_run, case):
    text = pyodide_run["explained"][case["id"]]
    assert case["expect"] in text, text


def test_every_course_exercise_validates_on_pyodide(pyodide_run):
    assert pyodide_run["problems"] == []
    assert pyodide_run["validated_exercises"] >= 2
