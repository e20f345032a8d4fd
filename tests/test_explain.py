"""A plain sentence under the errors beginners meet most (checker/explain.py), on CPython.

The same learner programs run in Pyodide (tests/test_pyodide.py): tests/explain_cases.json.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pylearn_jupyter.checker import run_tests
from pylearn_jupyter.checker.explain import PREFIX, explain, explain_syntax
from pylearn_jupyter.checker.report import format_learner_traceback
from pylearn_jupyter.exercise import Exercise

CASES = json.loads((Path(__file__).parent / "explain_cases.json").read_text("utf-8"))["cases"]
TESTS = {
    "error": "def test_runs():\n    assert True\n",
    "test": "def test_first_of_empty():\n    first([])\n",
    "test-none": "def test_first():\n    assert_equal(first([1]), 1)\n",
}


def feedback(code: str, where: str = "error") -> str:
    """Everything the learner reads about ``code``: error summary and details, test messages."""
    exercise = Exercise(id="sample.explain", title="Explain", chapter="sample",
                        tests=TESTS[where], time_limit=3.0)
    result = run_tests(exercise, code)
    parts = [result.error.summary, result.error.details] if result.error else []
    for test in result.tests:
        parts += [test.message, test.difference or "", test.traceback or ""]
    return "\n".join(parts)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_each_explained_error_gets_its_plain_sentence(case):
    text = feedback(case["code"], case.get("where", "error"))

    assert case["expect"] in text, text
    if case.get("where") != "test-none":
        [line] = [line for line in text.splitlines() if line.startswith(PREFIX)]
        assert case["expect"] in line, "one line, under the traceback"
        assert text.rstrip().endswith(line)


def test_the_sentence_comes_under_the_learners_traceback():
    text = feedback("def greet(name):\n    return 'Hi ' + nmae\ngreet('Ann')\n")

    assert text.splitlines()[-3:] == [
        "    return 'Hi ' + nmae",
        "NameError: name 'nmae' is not defined",
        f"{PREFIX}Python does not know the name 'nmae' — did you mean 'name'?",
    ]


def test_did_you_mean_looks_only_at_names_in_scope():
    text = feedback("def f():\n    secret_value = 1\nprint(secret_valeu)\n")

    assert "did you mean" not in text
    assert "Python does not know the name 'secret_valeu' here" in text


def test_an_error_outside_the_table_keeps_pythons_message_only():
    text = feedback("import json\njson.loads('{')\n")

    assert "JSONDecodeError" in text
    assert PREFIX not in text


def test_an_exception_with_a_broken_message_is_still_reported():
    class Key:
        def __repr__(self):
            raise RuntimeError("no repr")

    class Odd(KeyError):
        def __str__(self):
            raise RuntimeError("no message")

    try:
        raise Odd(Key())
    except Odd as exc:
        error = exc
    assert format_learner_traceback(error, "").startswith("Odd")
    assert explain(error) is None


def test_a_long_key_is_shortened():
    sentence = explain(KeyError("k" * 500))

    assert sentence is not None and len(sentence) < 200


def test_explain_names_no_sentence_for_errors_it_does_not_know():
    assert explain(RuntimeError("x")) is None
    assert explain(ValueError("something else")) is None
    assert explain_syntax(SyntaxError("invalid syntax")) is None


def test_a_missing_return_keeps_the_checkers_own_hint():
    text = feedback("def first(items):\n    print(items[0])\n", "test-none")

    assert "did you print the result instead of returning it" in text
