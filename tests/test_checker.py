"""The checker on the kinds of code learners really write."""

from __future__ import annotations

import builtins
import sys

import pytest

from pylearn_jupyter.checker import run_tests
from pylearn_jupyter.exercise import Exercise

TESTS = '''
def test_two_words():
    assert reverse_words("hello world") == "world hello"

def test_empty_text():
    assert reverse_words("") == ""

def test_three_words():
    assert reverse_words("a b c") == "c b a"
'''

CORRECT = "def reverse_words(text):\n    return ' '.join(reversed(text.split()))\n"


@pytest.fixture
def exercise() -> Exercise:
    return Exercise(id="strings.reverse-words", title="Reverse the words", chapter="strings",
                    tests=TESTS, time_limit=1.0)


def test_correct_code_passes_every_test(exercise):
    result = run_tests(exercise, CORRECT)

    assert result.status == "passed"
    assert [t.name for t in result.tests] == ["test_two_words", "test_empty_text",
                                              "test_three_words"]
    assert all(t.passed for t in result.tests)


def test_wrong_code_fails_with_expected_actual_and_first_difference(exercise):
    result = run_tests(exercise, "def reverse_words(text):\n    return text\n")

    assert result.status == "failed"
    first = result.tests[0]
    assert not first.passed
    assert first.expected == "'world hello'"
    assert first.actual == "'hello world'"
    assert "first difference at index 0: expected 'w', got 'h'" in first.difference
    assert result.tests[1].passed  # "" reversed is ""


def test_printing_instead_of_returning_is_explained(exercise):
    code = "def reverse_words(text):\n    print(' '.join(reversed(text.split())))\n"

    result = run_tests(exercise, code)

    assert result.status == "failed"
    assert "print the result instead of returning it" in result.tests[0].difference
    assert result.tests[0].actual == "None"
    assert result.tests[0].output == "world hello\n"


def test_crash_shows_only_the_learners_lines(exercise):
    code = "def helper(words):\n    return words[5]\n\ndef reverse_words(text):\n" \
           "    return helper(text.split())\n"

    result = run_tests(exercise, code)

    trace = result.tests[0].traceback
    assert "IndexError: list index out of range" in trace
    assert "line 5, in reverse_words" in trace and "line 2, in helper" in trace
    assert "return words[5]" in trace
    assert "runner.py" not in trace and "pylearn_jupyter" not in trace


def test_exception_at_top_level_is_an_error_verdict(exercise):
    result = run_tests(exercise, "x = 1 / 0\n")

    assert result.status == "error"
    assert result.error.kind == "exception"
    assert "ZeroDivisionError: division by zero" in result.error.summary
    assert "line 1, in your code" in result.error.details


def test_syntax_error_names_the_line_with_a_caret(exercise):
    result = run_tests(exercise, "x = 1\ndef reverse_words(text)\n    return text\n")

    assert result.status == "error"
    assert result.error.kind == "syntax"
    assert "(line 2)" in result.error.summary
    lines = result.error.details.splitlines()
    assert lines[1].strip() == "def reverse_words(text)"
    assert lines[2].strip() == "^"
    assert lines[2].index("^") == lines[1].index(")") + 1


@pytest.mark.parametrize("code", [
    "while True: pass\n",
    "while True:\n    x = 1\n",
    "for i in range(10**12):\n    pass\n",
    "def f(n):\n    return f(n) if n < 0 else f(n - 1) + 1 if n > 10**9 else 0\n"
    "def reverse_words(t):\n    while True:\n        f(1)\n",
    "def reverse_words(t):\n    while True:\n        try:\n            x = [1] * 3\n"
    "        except Exception:\n            pass\n",
])
def test_endless_loops_end_in_a_time_limit_verdict(exercise, code):
    result = run_tests(exercise, code)

    assert result.status == "timeout"
    assert result.error.kind == "timeout"
    assert "reverse the words" in result.error.summary.lower()
    assert "strings.reverse-words" in result.error.summary
    assert 0.9 <= result.duration_s < 3.0
    assert sys.gettrace() is None


def test_checker_works_again_after_a_time_limit(exercise):
    run_tests(exercise, "while True: pass\n")

    assert run_tests(exercise, CORRECT).status == "passed"


def test_rebinding_builtins_cannot_corrupt_the_checker(exercise):
    code = (
        "import builtins\n"
        "builtins.print = None\n"
        "builtins.len = lambda x: 0\n"
        "builtins.repr = lambda x: 'same'\n"
        "builtins.AssertionError = ValueError\n"
        "AssertionError = None\n"
        "print = 5\n"
        "def reverse_words(text):\n"
        "    return text\n"
    )

    result = run_tests(exercise, code)

    assert result.status == "failed"
    assert result.tests[0].expected == "'world hello'"
    assert result.tests[0].actual == "'hello world'"
    assert builtins.print is not None and builtins.len("ab") == 2
    assert run_tests(exercise, CORRECT).status == "passed"


def test_sys_exit_is_an_error_not_an_exit(exercise):
    for code in ("import sys\nsys.exit(3)\n", "exit()\n", "import os\nos._exit(1)\n",
                 "raise SystemExit\n"):
        result = run_tests(exercise, code)
        assert result.status == "error", code
        assert result.error.kind == "exit"
    assert run_tests(exercise, CORRECT).status == "passed"


def test_deleting_names_gives_a_normal_verdict(exercise):
    code = "import sys\ndel sys.modules['json']\ndel reverse_words\n"

    result = run_tests(exercise, code)

    assert result.status == "error"
    assert "NameError" in result.error.summary
    import json  # the checker restored the module table

    assert "json" in sys.modules and json.dumps(1) == "1"


def test_missing_function_is_named_in_words(exercise):
    result = run_tests(exercise, "def reverse_word(text):\n    return text\n")

    assert "uses 'reverse_words', but your code does not define it" in result.tests[0].message


def test_always_equal_object_does_not_pass(exercise):
    code = "class Sneaky:\n    def __eq__(self, other):\n        return True\n" \
           "def reverse_words(text):\n    return Sneaky()\n"

    result = run_tests(exercise, code)

    assert result.status == "failed"
    assert "expected a string (str), but got an object of type Sneaky" in \
        result.tests[0].difference


def test_output_is_captured_and_shortened_with_a_notice(exercise):
    result = run_tests(exercise, CORRECT + "for i in range(5000):\n    print('line', i)\n")

    assert result.status == "passed"
    assert result.output.startswith("line 0\nline 1\n")
    assert result.output_truncated
    assert len(result.output) == 10_000


def test_hidden_tests_run_only_when_asked(exercise):
    exercise.hidden_tests = "def test_spaces():\n    assert reverse_words(' a  b ') == 'b a'\n"
    naive = "def reverse_words(text):\n    return ' '.join(reversed(text.split(' ')))\n"

    visible = run_tests(exercise, naive)
    graded = run_tests(exercise, naive, include_hidden=True)

    assert visible.status == "passed"
    assert graded.status == "failed"
    assert graded.tests[-1].hidden and not graded.tests[-1].passed


def test_programs_get_input_and_tests_can_rerun_them():
    exercise = Exercise(
        id="first.greet", title="Greet", chapter="first", input="Ada\n",
        tests="def test_ada():\n    assert output == 'Name? Ada\\nHello, Ada!\\n'\n"
              "def test_bob():\n"
              "    assert run_program(input='Bob\\n').endswith('Hello, Bob!\\n')\n",
    )

    result = run_tests(exercise, "name = input('Name? ')\nprint(f'Hello, {name}!')\n")

    assert result.status == "passed", result


def test_asking_for_more_input_than_given_is_explained():
    exercise = Exercise(id="first.greet", title="Greet", chapter="first", input="",
                        tests="def test_x():\n    pass\n")

    result = run_tests(exercise, "name = input()\n")

    assert result.status == "error"
    assert "asked for input" in result.error.summary


def test_broken_tests_are_reported_as_the_exercises_problem(exercise):
    exercise.tests = "def test_x(:\n    pass\n"

    result = run_tests(exercise, CORRECT)

    assert result.status == "error"
    assert "problem of the exercise, not of your code" in result.error.summary


def test_long_list_difference_points_at_the_index():
    exercise = Exercise(id="lists.squares", title="Squares", chapter="lists",
                        tests="def test_squares():\n"
                              "    assert squares(100) == [i * i for i in range(100)]\n")

    result = run_tests(exercise, "def squares(n):\n"
                                 "    return [i * i if i != 57 else 0 for i in range(n)]\n")

    test = result.tests[0]
    assert test.difference == "first difference at index 57: expected 3249, got 0"
    assert "shortened" in test.expected


def test_json_document_has_the_documented_shape(exercise):
    data = run_tests(exercise, "def reverse_words(text):\n    return text\n").to_json()

    assert set(data) >= {"exercise_id", "passed", "tests", "error", "duration_s"}
    assert data["passed"] is False
    assert set(data["tests"][0]) == {"name", "passed", "message"}
    assert "expected: 'world hello'" in data["tests"][0]["message"]


def test_learner_functions_named_like_builtins_reach_the_tests():
    exercise = Exercise(id="lists.my-max", title="Your own max", chapter="lists",
                        tests="def test_max():\n    assert max([3, 9, 2]) == 9\n"
                              "def test_without_builtin():\n"
                              "    assert 'sorted' not in names_used(), 'no sorted()'\n")

    loop = run_tests(exercise, "def max(values):\n    best = values[0]\n"
                               "    for v in values:\n        if v > best:\n"
                               "            best = v\n    return best\n")
    lazy = run_tests(exercise, "def max(values):\n    return sorted(values)[-1]\n")

    assert loop.status == "passed"
    assert [t.passed for t in lazy.tests] == [True, False]
    assert lazy.tests[1].message == "no sorted()"


def test_tests_can_require_recursion():
    exercise = Exercise(id="rec.fact", title="Factorial", chapter="rec",
                        tests="def test_recursive():\n"
                              "    assert calls_itself('fact'), 'fact must call itself'\n")

    assert run_tests(exercise, "def fact(n):\n    return 1 if n < 2 else n * fact(n - 1)\n"
                     ).status == "passed"
    assert run_tests(exercise, "import math\ndef fact(n):\n    return math.factorial(n)\n"
                     ).status == "failed"


def test_endless_recursion_traceback_is_folded(exercise):
    code = "def reverse_words(text):\n    return reverse_words(text)\n"

    result = run_tests(exercise, code)

    trace = result.tests[0].traceback
    assert "RecursionError" in trace
    assert "[the line above repeated" in trace
    assert len(trace.splitlines()) < 20
