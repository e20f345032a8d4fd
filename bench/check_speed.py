"""How fast is a check? PyLearn's in-kernel check against otter-grader's ``grader.check``.

Both check the same small exercise (reverse the words, three tests) in one process, one
after the other, in the same interpreter. PyLearn runs with its time limit active and
executes the learner's code itself; otter checks an environment in which the learner's
cell already ran, so it is also shown with that cell's execution added.
Also prints the wall time of ``pylearn check`` as a process.

otter-grader is not a dependency of the project: this script installs it into a
private virtual environment (under ~/.cache/pylearn-bench) the first time.

    python bench/check_speed.py [--repeat 300]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "pylearn-bench"
OTTER_VENV = CACHE / "otter-venv"

LEARNER_CODE = "def reverse_words(text):\n    return ' '.join(reversed(text.split()))\n"

OTTER_TEST = textwrap.dedent('''
    OK_FORMAT = True
    test = {"name": "q1", "points": 3, "suites": [{"cases": [
      {"code": ">>> reverse_words('hello world')\\n'world hello'",
       "hidden": False, "locked": False},
      {"code": ">>> reverse_words('')\\n''", "hidden": False, "locked": False},
      {"code": ">>> reverse_words('a b c')\\n'c b a'", "hidden": False, "locked": False}],
      "scored": True, "setup": "", "teardown": "", "type": "doctest"}]}
''')

PYLEARN_TESTS = textwrap.dedent('''
    def test_two_words():
        assert reverse_words("hello world") == "world hello"

    def test_empty_text():
        assert reverse_words("") == ""

    def test_three_words():
        assert reverse_words("a b c") == "c b a"
''')

# Runs inside the otter venv with the repository on sys.path.
MEASURE = textwrap.dedent('''
    import json, statistics, sys, time
    from pylearn_jupyter.checker import run_tests
    from pylearn_jupyter.checker.timelimit import guard_kind
    from pylearn_jupyter.exercise import Exercise
    from otter.check.notebook import Notebook

    repeat, code, tests = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    exercise = Exercise(id="strings.reverse-words", title="Reverse the words",
                        chapter="strings", tests=tests)
    grader = Notebook(tests_dir="tests")

    def pylearn_check():
        assert run_tests(exercise, code).passed

    def otter_check():
        env = {}
        exec(code, env)
        t = time.perf_counter()
        result = grader.check("q1", global_env=env)
        return time.perf_counter() - t, result

    def median(fn):
        fn()  # warm up
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return statistics.median(times)

    otter_only = []
    for _ in range(repeat):
        otter_only.append(otter_check()[0])
    assert otter_check()[1].grade == 1.0
    print(json.dumps({
        "guard": guard_kind(),
        "pylearn_s": median(pylearn_check),
        "otter_check_s": statistics.median(otter_only),
        "otter_exec_and_check_s": median(otter_check),
    }))
''')


def ensure_otter() -> Path:
    python = OTTER_VENV / "bin" / "python"
    if not python.exists():
        print("installing otter-grader into", OTTER_VENV, "(first run only)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(OTTER_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "otter-grader"], check=True)
    return python


def cli_wall_time(repeat: int) -> tuple[float, float]:
    """Median wall time of `pylearn check` as a process, passing and looping."""
    with tempfile.TemporaryDirectory() as tmp:
        answer = Path(tmp) / "answer.py"
        answer.write_text("def reverse_words(text):\n    return text\n", encoding="utf-8")
        course = str(REPO / "tests" / "data")
        cmd = [sys.executable, "-m", "pylearn_jupyter.cli", "check", "sample.reverse-words",
               "--code", str(answer), "--json", "--course", course]
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            subprocess.run(cmd, capture_output=True, check=False)
            times.append(time.perf_counter() - t)
        answer.write_text("while True:\n    pass\n", encoding="utf-8")
        t = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=False)
        loop = time.perf_counter() - t
    return statistics.median(times), loop


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--cli-repeat", type=int, default=10)
    args = parser.parse_args()
    python = ensure_otter()
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "tests").mkdir()
        (Path(tmp) / "tests" / "q1.py").write_text(OTTER_TEST, encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        proc = subprocess.run(
            [str(python), "-c", MEASURE, str(args.repeat), LEARNER_CODE, PYLEARN_TESTS],
            cwd=tmp, env=env, capture_output=True, text=True, check=False,
        )
    if proc.returncode != 0:
        print(proc.stderr, file=sys.stderr)
        return 1
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    cli_median, cli_loop = cli_wall_time(args.cli_repeat)
    ms = 1000
    print(f"in-kernel check, 3 tests, median of {args.repeat} "
          f"(PyLearn time limit active: {figures['guard']})")
    print(f"  PyLearn run_tests (runs the cell too)  {figures['pylearn_s'] * ms:8.3f} ms")
    print(f"  otter grader.check                      {figures['otter_check_s'] * ms:8.3f} ms")
    print(f"  otter exec(cell) + grader.check         "
          f"{figures['otter_exec_and_check_s'] * ms:8.3f} ms")
    ratio = figures["pylearn_s"] / figures["otter_check_s"]
    print(f"  ratio PyLearn / otter grader.check      {ratio:8.2f}  (goal <= 1.00)")
    print(f"pylearn check as a process (failing answer), median of {args.cli_repeat}: "
          f"{cli_median * ms:.0f} ms; endless loop with a 2 s limit: {cli_loop * ms:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
