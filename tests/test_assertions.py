"""The assertions authors write tests with, in the learner's kernel and in sealed grading.

Every case runs twice: in-process (the notebook check) and sealed (the learner's code in
the bubblewrap sandbox, the tests here), and both must give the same verdicts and words.
"""

from __future__ import annotations

import pytest

from pylearn_jupyter.checker import run_tests
from pylearn_jupyter.exercise import Exercise
from pylearn_jupyter.grade import count_tests
from pylearn_jupyter.sealed import SealedChecker


@pytest.fixture(scope="module")
def sealed():
    with SealedChecker("bwrap") as checker:
        yield checker


@pytest.fixture(params=["kernel", "sealed"])
def check(request, sealed):
    def run(tests: str, code: str):
        exercise = Exercise(id="t.x", title="x", chapter="t", tests=tests)
        if request.param == "kernel":
            return run_tests(exercise, code)
        return sealed.check(exercise, code)

    return run


WORD_COUNT_TESTS = '''
def test_counts():
    assert word_count("a b a") == {"a": 2, "b": 1}
'''


@pytest.mark.parametrize("code", [
    "from collections import Counter\ndef word_count(t):\n    return Counter(t.split())\n",
    "from collections import defaultdict\ndef word_count(t):\n    d = defaultdict(int)\n"
    "    for w in t.split():\n        d[w] += 1\n    return d\n",
    "from collections import OrderedDict\ndef word_count(t):\n"
    "    return OrderedDict((w, t.split().count(w)) for w in t.split())\n",
])
def test_dict_subclasses_count_as_the_dict_they_hold(check, code):
    assert check(WORD_COUNT_TESTS, code).passed


def test_bool_is_still_not_a_number(check):
    result = check("def test_one():\n    assert one() == 1\n", "def one():\n    return True\n")

    assert not result.passed
    assert "expected a whole number (int), but got True or False (bool)" in (
        result.tests[0].difference)


def test_a_wrong_dict_subclass_value_still_fails_with_the_key(check):
    code = "from collections import Counter\ndef word_count(t):\n    return Counter(t)\n"
    result = check(WORD_COUNT_TESTS, code)

    assert not result.passed
    assert "unexpected key(s)" in result.tests[0].difference


RAISES_TESTS = '''
def test_negative_amount():
    with assert_raises(ValueError, match="positive"):
        withdraw(-5)

def test_called_form():
    assert_raises(ValueError, withdraw, -1)
'''


@pytest.mark.parametrize("code, passed, words", [
    ("def withdraw(a):\n    if a < 0:\n        raise ValueError('must be positive')\n",
     True, None),
    ("class Refused(ValueError):\n    pass\n"
     "def withdraw(a):\n    raise Refused('amount must be positive')\n", True, None),
    ("def withdraw(a):\n    return a\n", False,
     "expected ValueError to be raised, but your code raised nothing"),
    ("def withdraw(a):\n    raise TypeError('no')\n", False,
     "expected ValueError, but your code raised TypeError: no"),
    ("def withdraw(a):\n    raise ValueError('nope')\n", False,
     "ValueError was raised, but its message is not the expected one"),
])
def test_assert_raises(check, code, passed, words):
    result = check(RAISES_TESTS, code)

    assert result.passed is passed
    if words:
        assert words in result.tests[0].message


SAME_ITEMS_TESTS = '''
def test_evens():
    assert_same_items(evens([4, 1, 2, 2]), [2, 2, 4])
'''


@pytest.mark.parametrize("code, passed, difference", [
    ("def evens(xs):\n    return [x for x in xs if x % 2 == 0]\n", True, None),
    ("def evens(xs):\n    return sorted(x for x in xs if x % 2 == 0)\n", True, None),
    ("def evens(xs):\n    return {x for x in xs if x % 2 == 0}\n", False, "missing: 2"),
    ("def evens(xs):\n    return [4, 2, 2, 1]\n", False, "unexpected: 1"),
    ("def evens(xs):\n    print([2, 2, 4])\n", False, "did you print the result"),
])
def test_assert_same_items_ignores_order_but_not_counts(check, code, passed, difference):
    result = check(SAME_ITEMS_TESTS, code)

    assert result.passed is passed
    if difference:
        assert difference in result.tests[0].difference


@pytest.mark.parametrize("tests, code, passed", [
    ("def test_pi():\n    assert_close(pi(), 3.14, places=2)\n", "def pi():\n    return 3.14159\n",
     True),
    ("def test_pi():\n    assert_close(pi(), 3.14, places=2)\n", "def pi():\n    return 3.15\n",
     False),
    ("def test_x():\n    assert_close(x(), 100, abs=0.5)\n", "def x():\n    return 100.4\n",
     True),
    ("def test_x():\n    assert_close(x(), 100, abs=0.5)\n", "def x():\n    return 100.6\n",
     False),
    ("def test_x():\n    assert_close(x(), 1000, rel=0.01)\n", "def x():\n    return 1009\n",
     True),
    ("def test_x():\n    assert_close(x(), 1000, rel=0.01)\n", "def x():\n    return 1011\n",
     False),
])
def test_assert_close_tolerances(check, tests, code, passed):
    assert check(tests, code).passed is passed


def test_assert_close_says_how_close_it_must_be(check):
    result = check("def test_pi():\n    assert_close(pi(), 3.14, places=2)\n",
                   "def pi():\n    return 3.2\n")

    assert "they must agree to 2 decimal places" in result.tests[0].difference


PARAMETRIZED = '''
@parametrize("text, expected", [
    ("hello world", "world hello"),
    ("a b c", "c b a"),
    ("  a   b ", "b a"),
])
def test_reverse(text, expected):
    assert reverse_words(text) == expected
'''


def test_parametrized_tests_run_once_per_row_each_named(check):
    result = check(PARAMETRIZED, "def reverse_words(t):\n    return ' '.join(t.split(' ')[::-1])\n")

    assert [t.name for t in result.tests] == [
        "test_reverse['hello world', 'world hello']",
        "test_reverse['a b c', 'c b a']",
        "test_reverse['  a   b ', 'b a']",
    ]
    assert [t.passed for t in result.tests] == [True, True, False]
    assert result.tests[2].expected == "'b a'"


def test_a_parametrized_test_counts_once_per_row_in_grading():
    exercise = Exercise(id="t.x", title="x", chapter="t", tests=PARAMETRIZED,
                        hidden_tests="def test_hidden():\n    assert reverse_words('') == ''\n")

    assert count_tests(exercise) == 4
