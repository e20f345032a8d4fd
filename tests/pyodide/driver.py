"""Runs inside Pyodide (see runner.mjs): checks learner programs and validates the course.

Prints one JSON document on its last line for tests/test_pyodide.py.
"""

import json
import sys
import time
from pathlib import Path

from pylearn_jupyter.checker import run_tests
from pylearn_jupyter.checker.timelimit import guard_kind
from pylearn_jupyter.exercise import Exercise
from pylearn_jupyter.validate import validate_paths

exercise = Exercise(
    id="strings.reverse-words", title="Reverse the words", chapter="strings", time_limit=1.0,
    tests="def test_two_words():\n    assert reverse_words('hello world') == 'world hello'\n"
          "def test_empty_text():\n    assert reverse_words('') == ''\n",
)
programs = {
    "correct": "def reverse_words(t):\n    return ' '.join(reversed(t.split()))\n",
    "wrong": "def reverse_words(t):\n    return t\n",
    "prints": "def reverse_words(t):\n    print(t)\n",
    "crash": "def reverse_words(t):\n    return t.split()[3]\n",
    "one_line_loop": "while True: pass\n",
    "loop_in_function": "def reverse_words(t):\n    while True:\n        x = 1\n",
    "loop_catching_exception": "def reverse_words(t):\n    while True:\n        try:\n"
                               "            x = 1\n        except Exception:\n            pass\n",
    "range_loop": "for i in range(10**12):\n    pass\n",
    "exit": "import sys\nsys.exit(1)\n",
    "clobber": "import builtins\nbuiltins.len = lambda x: 0\nbuiltins.print = None\n"
               "def reverse_words(t):\n    return t\n",
    "after_all_that": "def reverse_words(t):\n    return ' '.join(reversed(t.split()))\n",
}
checks = {}
for name, code in programs.items():
    started = time.monotonic()
    result = run_tests(exercise, code)
    checks[name] = {
        "status": result.status,
        "duration_s": round(time.monotonic() - started, 3),
        "tests": [[t.name, t.passed, t.difference] for t in result.tests],
    }

# the plain sentences under the errors beginners meet most (same cases as tests/test_explain.py)
EXPLAIN_TESTS = {
    "error": "def test_runs():\n    assert True\n",
    "test": "def test_first_of_empty():\n    first([])\n",
    "test-none": "def test_first():\n    assert_equal(first([1]), 1)\n",
}
explained = {}
for case in json.loads(Path("/repo/tests/explain_cases.json").read_text("utf-8"))["cases"]:
    where = case.get("where", "error")
    result = run_tests(Exercise(id="sample.explain", title="Explain", chapter="sample",
                                tests=EXPLAIN_TESTS[where], time_limit=3.0), case["code"])
    parts = [result.error.summary, result.error.details] if result.error else []
    for test in result.tests:
        parts += [test.message, test.difference or "", test.traceback or ""]
    explained[case["id"]] = "\n".join(parts)

folders = [Path(p) for p in sys.argv[1:]]
report = validate_paths(folders)
print(json.dumps({
    "version": sys.version.split()[0],
    "platform": sys.platform,
    "guard": guard_kind(),
    "checks": checks,
    "explained": explained,
    "validated_exercises": report.exercise_count,
    "problems": [str(p) for p in report.problems],
}))
