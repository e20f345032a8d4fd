"""A whole class graded at once: 11 exercises, 23 learners, every row and every total known.

The course (``tests/grading/gradebook_course``) is written only with the documented format.
The returned notebooks are made here from what ``pylearn release`` hands out, by replacing
the exercise cells with answers whose outcome is known: right, wrong, the starter left as
it is, a syntax error, an endless loop, printed instead of returned, an exception, a
deleted or duplicated cell, an unreadable file, and learner names a spreadsheet would run
as formulas. ``pylearn grade`` runs once for the whole module.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

COURSE = Path(__file__).resolve().parent / "gradebook_course"
BASICS, MORE = "01-basics.ipynb", "02-more.ipynb"

# exercise id → (notebook, points, tests visible + hidden)
EXERCISES = {
    "basics.double": (BASICS, 2.0, 4),
    "basics.greet": (BASICS, 1.0, 3),
    "basics.word-count": (BASICS, 3.0, 4),
    "basics.evens": (BASICS, 2.0, 4),
    "basics.parse-age": (BASICS, 2.0, 4),
    "basics.unique-words": (BASICS, 1.0, 4),
    "more.average": (MORE, 2.0, 4),
    "more.is-leap": (MORE, 1.5, 6),
    "more.account": (MORE, 4.0, 6),
    "more.countdown": (MORE, 1.0, 4),
    "more.factorial": (MORE, 1.0, 4),
}
MAX_TOTAL = 20.5

SYNTAX_ERROR = "def broken(:\n    return 1\n"
ENDLESS_LOOP = "while True:\n    pass\n"
STARTER = object()  # the released cell, left as it is

# exercise id → variant → (code, status, tests passed)
ANSWERS: dict[str, dict[str, tuple[object, str, int]]] = {
    "basics.double": {
        "right": ("def double(n):\n    return n + n\n", "passed", 4),
        "wrong": ("def double(n):\n    return n * 3\n", "failed", 1),  # double(0) only
        "printed": ("def double(n):\n    print(n * 2)\n", "failed", 0),
        "hardcoded": ("def double(n):\n    return {4: 8, 0: 0, -3: -6}[n]\n", "failed", 3),
        "exception": ("def double(n):\n    return n * 2\n\nprint(double(undefined))\n",
                      "error", 0),
        "loop": (ENDLESS_LOOP, "time limit", 0),
    },
    "basics.greet": {
        "right": ('name = input("What is your name? ")\nprint("Hello, " + name + "!")\n',
                  "passed", 3),
        "wrong": ('name = input("Your name? ")\nprint(f"Hello {name}")\n', "failed", 0),
        "hardcoded": ('input("Your name? ")\nprint("Hello, Ada!")\n', "failed", 1),
        "exception": ('name = input("Your name? ")\nprint("Hello, " + name + 1)\n',
                      "error", 0),
    },
    "basics.word-count": {
        # A Counter, a defaultdict and a plain dict are all a dictionary of counts.
        "right": ("from collections import Counter\n\n\ndef word_count(text):\n"
                  "    return Counter(text.lower().split())\n", "passed", 4),
        "defaultdict": ("from collections import defaultdict\n\n\ndef word_count(text):\n"
                        "    counts = defaultdict(int)\n    for word in text.lower().split():\n"
                        "        counts[word] += 1\n    return counts\n", "passed", 4),
        "dict": ("def word_count(text):\n    counts = {}\n    for word in text.lower().split():\n"
                 "        counts[word] = counts.get(word, 0) + 1\n    return counts\n",
                 "passed", 4),
        "wrong": ("from collections import Counter\n\n\ndef word_count(text):\n"
                  "    return Counter(text.split())\n", "failed", 3),  # case not ignored
        "printed": ("from collections import Counter\n\n\ndef word_count(text):\n"
                    "    print(Counter(text.lower().split()))\n", "failed", 0),
        # KeyError inside the tests, except for the empty text
        "exception": ("def word_count(text):\n    counts = {}\n    for word in text.split():\n"
                      "        counts[word] += 1\n    return counts\n", "failed", 1),
    },
    "basics.evens": {
        "right": ("def evens(limit):\n    for n in range(0, limit, 2):\n        yield n\n",
                  "passed", 4),
        "list": ("def evens(limit):\n    return list(range(0, limit, 2))\n", "failed", 3),
        "wrong": ("def evens(limit):\n    n = 0\n    while n <= limit:\n        yield n\n"
                  "        n += 2\n", "failed", 2),
        # n never grows: the first next() never comes back
        "loop": ("def evens(limit):\n    n = 0\n    while n < limit:\n        if n % 2:\n"
                 "            yield n\n", "time limit", 0),
    },
    "basics.parse-age": {
        "right": ("def parse_age(text):\n    if int(text) < 0:\n"
                  "        raise ValueError('age cannot be negative')\n    return int(text)\n",
                  "passed", 4),
        "wrong": ("def parse_age(text):\n    return int(text)\n", "failed", 2),
        "bad message": ("def parse_age(text):\n    age = int(text)\n    if age < 0:\n"
                        "        raise ValueError('bad age')\n    return age\n", "failed", 2),
        "wrong exception": ("def parse_age(text):\n    age = int(text)\n    if age < 0:\n"
                            "        raise TypeError('age cannot be negative')\n    return age\n",
                            "failed", 2),
        # int('abc') still raises the ValueError
        "printed": ("def parse_age(text):\n    print(int(text))\n", "failed", 1),
    },
    "basics.unique-words": {
        "right": ("def unique_words(text):\n    words = []\n    for word in text.split():\n"
                  "        if word not in words:\n            words.append(word)\n"
                  "    return words\n", "passed", 4),
        "set": ("def unique_words(text):\n    return set(text.split())\n", "passed", 4),
        "wrong": ("def unique_words(text):\n    return text.split()\n", "failed", 2),
    },
    "more.average": {
        "right": ("def average(numbers):\n    return sum(numbers) / len(numbers)\n",
                  "passed", 4),
        "rounded": ("def average(numbers):\n    return round(sum(numbers) / len(numbers), 2)\n",
                    "passed", 4),
        "wrong": ("def average(numbers):\n    return sum(numbers) // len(numbers)\n",
                  "failed", 2),
        "printed": ("def average(numbers):\n    print(sum(numbers) / len(numbers))\n",
                    "failed", 0),
        "exception": ("def average(numbers):\n    return sum(numbers) / len(number)\n",
                      "failed", 0),
    },
    "more.is-leap": {
        "right": ("def is_leap(year):\n    if year % 400 == 0:\n        return True\n"
                  "    if year % 100 == 0:\n        return False\n    return year % 4 == 0\n",
                  "passed", 6),
        "wrong": ("def is_leap(year):\n    return year % 4 == 0\n", "failed", 4),
        "hardcoded": ("def is_leap(year):\n    return year in (2024, 2000)\n", "failed", 5),
        "strings": ("def is_leap(year):\n    return 'yes' if year % 4 == 0 else 'no'\n",
                    "failed", 0),
    },
    "more.account": {
        "right": ("class Account:\n    def __init__(self, owner):\n        self.owner = owner\n"
                  "        self.balance = 0\n\n    def deposit(self, amount):\n"
                  "        self.balance = self.balance + amount\n\n"
                  "    def withdraw(self, amount):\n        if self.balance < amount:\n"
                  "            raise ValueError('insufficient funds')\n"
                  "        self.balance = self.balance - amount\n", "passed", 6),
        "wrong": ("class Account:\n    def __init__(self, owner):\n        self.owner = owner\n"
                  "        self.balance = 0\n\n    def deposit(self, amount):\n"
                  "        self.balance += amount\n\n    def withdraw(self, amount):\n"
                  "        self.balance -= amount\n", "failed", 5),
        "no withdraw": ("class Account:\n    def __init__(self, owner):\n"
                        "        self.owner = owner\n        self.balance = 0\n\n"
                        "    def deposit(self, amount):\n        self.balance += amount\n",
                        "failed", 3),
        "exception": ("class Account:\n    def __init__(self, owner):\n"
                      "        self.owner = owner\n        self.balance = 0\n\n\nAccount()\n",
                      "error", 0),
    },
    "more.countdown": {
        "right": ("def countdown(n):\n    while n > 0:\n        print(n)\n        n -= 1\n"
                  "    print('Liftoff!')\n", "passed", 4),
        "returned": ("def countdown(n):\n    lines = [str(i) for i in range(n, 0, -1)]\n"
                     "    return '\\n'.join(lines + ['Liftoff!']) + '\\n'\n", "failed", 0),
        "wrong": ("def countdown(n):\n    for i in range(n, 1, -1):\n        print(i)\n"
                  "    print('Liftoff!')\n", "failed", 1),  # right from 0 only
    },
    "more.factorial": {
        "right": ("def factorial(n):\n    return 1 if n == 0 else n * factorial(n - 1)\n",
                  "passed", 4),
        "loop": ("def factorial(n):\n    result = 1\n    for i in range(2, n + 1):\n"
                 "        result *= i\n    return result\n", "failed", 3),  # not recursive
        "no base case": ("def factorial(n):\n    return n * factorial(n - 1)\n", "failed", 1),
        "printed": ("def factorial(n):\n    print(1 if n == 0 else n * factorial(n - 1))\n",
                    "failed", 1),
        "wrong": ("def factorial(n):\n    if n <= 1:\n        return 1\n"
                  "    return n * factorial(n - 2)\n", "failed", 2),  # 0 and recursive
    },
}
for _variants in ANSWERS.values():
    _variants.setdefault("starter", (STARTER, "failed", 0))
    _variants.setdefault("syntax", (SYNTAX_ERROR, "error", 0))

# What each learner returned. "answers": exercise → a variant of ANSWERS (default "right"),
# "deleted" (the cell removed), "no magic" (the %%exercise line removed) or a tuple of
# variants (the cell duplicated: one cell per variant, in that order). "files": the
# notebooks, where they are (a folder per learner, deeper folders, or flat files), or
# unreadable text instead of a notebook.
LEARNERS: dict[str, dict] = {
    "ada": {"answers": {}},
    "bob": {"default": "wrong"},
    "cai": {"default": "starter"},
    "dan": {"default": "syntax"},
    "eve": {"answers": {"basics.double": "loop", "basics.evens": "loop"}},
    "fay": {"answers": {"basics.double": "printed", "basics.word-count": "printed",
                        "basics.parse-age": "printed", "more.average": "printed",
                        "more.factorial": "printed", "more.countdown": "returned"}},
    "gus": {"answers": {"basics.double": "exception", "basics.greet": "exception",
                        "basics.word-count": "exception", "more.average": "exception",
                        "more.account": "exception"}},
    "hal": {"answers": {"basics.greet": "deleted", "more.account": "deleted",
                        "more.factorial": "no magic"}},
    "ivy": {"answers": {"basics.double": ("right", "wrong"),
                        "more.is-leap": ("wrong", "right")}},
    "jay": {"answers": {"basics.double": "hardcoded", "basics.greet": "hardcoded",
                        "more.is-leap": "hardcoded"}},
    "kim": {"answers": {"basics.word-count": "defaultdict", "basics.unique-words": "set",
                        "more.average": "rounded"}},
    "lou": {"answers": {"basics.word-count": "dict", "basics.parse-age": "bad message",
                        "basics.evens": "list", "more.account": "no withdraw",
                        "more.countdown": "wrong", "more.factorial": "loop"}},
    '=HYPERLINK("http:x","click")': {"answers": {ex: "wrong" for ex in EXERCISES
                                                 if ex.startswith("more.")}},
    "mia": {"files": {"week1/" + BASICS: BASICS, "week2/" + MORE: MORE},
            "answers": {"basics.parse-age": "printed", "more.factorial": "no base case",
                        "more.is-leap": "strings"}},
    "ned": {"files": {BASICS: BASICS, MORE: "{ this is not a notebook"}},
    "oli": {"answers": {}, "checkpoint": True},
    "pam": {"answers": {"basics.evens": "wrong", "basics.parse-age": "wrong exception",
                        "basics.unique-words": "wrong", "more.average": "wrong",
                        "more.account": "wrong", "more.is-leap": "wrong"}},
    "@x": {"files": {BASICS: BASICS}},
    # flat files: the learner is the file's name
    "rex": {"flat": BASICS},
    "sam": {"flat": "{ not json at all"},
    "tom": {"flat": json.dumps({"nbformat": 4, "cells": {"not": "a list"}})},
    "+cmd": {"flat": MORE, "answers": {"more.countdown": "starter"}},
}
ROSTER_ONLY = ["zoe"]  # in the roster, returned nothing
UNREADABLE = {"sam", "tom", "ned"}  # returned a notebook that cannot be read

# Each learner's total, worked out by hand from the tables above: the points of each
# exercise × tests passed / all its tests, each rounded to 2 places, then summed.
TOTALS = {
    "+cmd": 8.5,    # chapter 2 only (9.5), countdown left as the starter (−1)
    '=HYPERLINK("http:x","click")': 17.08,  # chapter 1 (11) + 1 + 1 + 3.33 + 0.25 + 0.5
    "@x": 11.0,     # chapter 1 only
    "ada": 20.5,
    "bob": 11.33,   # 0.5 + 0 + 2.25 + 1 + 1 + 0.5 + 1 + 1 + 3.33 + 0.25 + 0.5
    "cai": 0.0,
    "dan": 0.0,
    "eve": 16.5,    # 20.5 − double 2 − evens 2
    "fay": 10.25,   # 20.5 − 2 − 3 − 1.5 − 2 − 1 − 0.75
    "gus": 9.25,    # 20.5 − 2 − 1 − 2.25 − 2 − 4
    "hal": 14.5,    # 20.5 − greet 1 − account 4 − factorial 1
    "ivy": 19.0,    # 20.5 − double 1.5 (the wrong copy counted); is-leap in full
    "jay": 19.08,   # 20.5 − 0.5 − 0.67 − 0.25
    "kim": 20.5,
    "lou": 16.0,    # 20.5 − 0.5 − 1 − 2 − 0.75 − 0.25
    "mia": 16.75,   # 20.5 − 1.5 − 1.5 − 0.75
    "ned": 11.0,    # chapter 2 unreadable
    "oli": 20.5,
    "pam": 15.83,   # 20.5 − 1 − 1 − 0.5 − 1 − 0.5 − 0.67
    "rex": 11.0,    # chapter 1 only
    "sam": 0.0,
    "tom": 0.0,
    "zoe": 0.0,
}


def _variant_of(learner: str, exercise: str):
    spec = LEARNERS[learner]
    return spec.get("answers", {}).get(exercise, spec.get("default", "right"))


def _notebooks_returned(learner: str) -> set[str]:
    if learner not in LEARNERS:
        return set()
    spec = LEARNERS[learner]
    if "flat" in spec:
        return {spec["flat"]} & {BASICS, MORE}
    files = spec.get("files", {BASICS: BASICS, MORE: MORE})
    return {target for target in files.values() if target in (BASICS, MORE)}


def expected_rows() -> dict[tuple[str, str], tuple[str, int]]:
    """(learner, exercise) → (status, tests passed), from the tables above."""
    expected = {}
    for learner in [*LEARNERS, *ROSTER_ONLY]:
        returned = _notebooks_returned(learner)
        unreadable = learner in UNREADABLE
        for exercise, (notebook, _points, _total) in EXERCISES.items():
            variant = _variant_of(learner, exercise) if learner in LEARNERS else None
            if notebook not in returned:
                expected[learner, exercise] = ("problem" if unreadable else "missing", 0)
            elif variant in ("deleted", "no magic"):
                expected[learner, exercise] = ("missing", 0)
            elif isinstance(variant, tuple):
                expected[learner, exercise] = ("duplicate", ANSWERS[exercise][variant[-1]][2])
            else:
                _code, status, passed = ANSWERS[exercise][variant]
                expected[learner, exercise] = (status, passed)
    return expected


def expected_points(exercise: str, passed: int) -> float:
    _notebook, points, total = EXERCISES[exercise]
    return round(points * passed / total, 2)


# --- the returned notebooks ------------------------------------------------------------

def _exercise_of(cell: dict) -> str | None:
    source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    if cell["cell_type"] == "code" and source.startswith("%%exercise "):
        return source.split("\n", 1)[0].split()[1]
    return None


def _answer_cell(template: dict, exercise: str, variant: str) -> dict:
    code = ANSWERS[exercise][variant][0]
    if code is STARTER:
        return template
    return {**template, "source": f"%%exercise {exercise}\n{code}", "outputs": []}


def learner_notebook(handout: dict, learner: str, default: str | None = None) -> dict:
    cells = []
    for cell in handout["cells"]:
        exercise = _exercise_of(cell)
        if exercise is None:
            cells.append(cell)
            continue
        variant = default or _variant_of(learner, exercise)
        if variant == "deleted":
            continue
        if variant == "no magic":
            right = _answer_cell(cell, exercise, "right")
            cells.append({**right, "source": right["source"].split("\n", 1)[1]})
        elif isinstance(variant, tuple):
            cells.extend(_answer_cell(cell, exercise, v) for v in variant)
        else:
            cells.append(_answer_cell(cell, exercise, variant))
    return {**handout, "cells": cells}


def make_returned(handout_folder: Path, folder: Path) -> int:
    """Write every learner's notebooks; returns how many notebook files were written."""
    handouts = {name: json.loads((handout_folder / name).read_text(encoding="utf-8"))
                for name in (BASICS, MORE)}
    count = 0

    def write(path: Path, content: str | dict) -> None:
        nonlocal count
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, dict):
            content = json.dumps(content, indent=1, ensure_ascii=False)
        path.write_text(content, encoding="utf-8")
        count += ".ipynb_checkpoints" not in path.parts

    for learner, spec in LEARNERS.items():
        if "flat" in spec:
            target = spec["flat"]
            write(folder / f"{learner}.ipynb", learner_notebook(handouts[target], learner)
                  if target in handouts else target)
            continue
        for relative, target in spec.get("files", {BASICS: BASICS, MORE: MORE}).items():
            write(folder / learner / relative, learner_notebook(handouts[target], learner)
                  if target in handouts else target)
        if spec.get("checkpoint"):  # an autosave of wrong answers, never graded
            write(folder / learner / ".ipynb_checkpoints" / "01-basics-checkpoint.ipynb",
                  learner_notebook(handouts[BASICS], learner, default="wrong"))
    return count


# --- one grading run for the whole module ----------------------------------------------

def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pylearn_jupyter.cli", *args],
                          capture_output=True, text=True, timeout=240)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("gradebook")
    released = _cli("release", str(COURSE), str(root / "handout"))
    assert released.returncode == 0, released.stdout + released.stderr
    returned = root / "returned"
    notebooks = make_returned(root / "handout", returned)
    roster = root / "roster.csv"
    with roster.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["learner", "email"])
        for name in [*LEARNERS, *ROSTER_ONLY]:
            writer.writerow([name, "someone@example.org"])
    started = time.monotonic()
    proc = _cli("grade", str(COURSE), str(returned), "--out", str(root / "out"),
                "--roster", str(roster), "--feedback", str(root / "feedback"), "--jobs", "2")
    seconds = time.monotonic() - started
    out = root / "out"
    with (out / "grades.csv").open(newline="", encoding="utf-8") as handle:
        grades_csv = list(csv.reader(handle))
    with (out / "gradebook.csv").open(newline="", encoding="utf-8") as handle:
        gradebook_csv = list(csv.reader(handle))
    return {"proc": proc, "seconds": seconds, "notebooks": notebooks, "root": root,
            "grades_csv": grades_csv, "gradebook_csv": gradebook_csv,
            "json": json.loads((out / "grades.json").read_text(encoding="utf-8")),
            "feedback": root / "feedback"}


def _unquote(text: str) -> str:
    """A learner name as the CSV files write it: formula-looking names get a leading '."""
    return text[1:] if text.startswith("'") else text


def _records(table: list[list[str]]) -> list[dict[str, str]]:
    header, *rows = table
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_the_class_is_large_enough(graded):
    assert graded["notebooks"] >= 30
    assert len(EXERCISES) >= 10
    assert graded["seconds"] < 45, f"grading took {graded['seconds']:.1f} s"


def test_exit_code_says_some_notebooks_could_not_be_read(graded):
    proc = graded["proc"]
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "sam.ipynb: cannot be read as a notebook" in proc.stderr
    assert "tom.ipynb: is not a notebook (no list of cells)" in proc.stderr
    assert "02-more.ipynb: cannot be read as a notebook" in proc.stderr  # ned's
    learners = len(LEARNERS) + len(ROSTER_ONLY)
    assert f"graded {learners} learner(s) × {len(EXERCISES)} exercise(s)" in proc.stdout


def test_every_row_has_its_status_points_and_full_test_count(graded):
    rows = _records(graded["grades_csv"])
    expected = expected_rows()
    got = {(_unquote(r["learner"]), r["exercise_id"]): r for r in rows}
    assert len(rows) == len(got) == len(expected) == 23 * 11  # exactly one row each
    assert set(got) == set(expected)
    wrong = []
    for key, (status, passed) in sorted(expected.items()):
        row = got[key]
        _notebook, points, total = EXERCISES[key[1]]
        want = {"status": status, "tests_passed": passed, "tests_total": total,
                "points": expected_points(key[1], passed), "max_points": points}
        have = {"status": row["status"], "tests_passed": int(row["tests_passed"]),
                "tests_total": int(row["tests_total"]), "points": float(row["points"]),
                "max_points": float(row["max_points"])}
        if want != have:
            wrong.append(f"{key}: expected {want}, got {have} ({row['note']})")
    assert not wrong, "\n".join(wrong)


def test_notes_say_why(graded):
    rows = {(_unquote(r["learner"]), r["exercise_id"]): r
            for r in _records(graded["grades_csv"])}
    assert rows["zoe", "basics.double"]["note"] == "nothing returned"
    assert rows["hal", "basics.greet"]["note"] == "no cell holds this exercise"
    assert rows["hal", "more.factorial"]["note"] == "no cell holds this exercise"
    assert rows["rex", "more.average"]["note"] == "no cell holds this exercise"
    assert "cannot be read as a notebook" in rows["ned", "more.average"]["note"]
    assert "cannot be read as a notebook" in rows["sam", "basics.double"]["note"]
    assert "no list of cells" in rows["tom", "more.factorial"]["note"]
    for exercise, counted in (("basics.double", "failed"), ("more.is-leap", "passed")):
        note = rows["ivy", exercise]["note"]
        assert note.startswith("2 cells hold this exercise"), note
        assert f"the last one counted, as in a notebook run from top to bottom: {counted}" in note
    syntax = rows["dan", "basics.greet"]["note"]
    assert "could not read your code: invalid syntax (line 2)" in syntax
    assert rows["eve", "basics.double"]["status"] == "time limit"
    assert rows["ada", "basics.double"]["notebook"] == "ada/01-basics.ipynb"
    assert rows["mia", "more.average"]["notebook"] == "mia/week2/02-more.ipynb"
    assert rows["rex", "basics.greet"]["notebook"] == "rex.ipynb"
    # oli's autosaved wrong answers in .ipynb_checkpoints are not graded
    assert all(rows["oli", ex]["notebook"].startswith("oli/0") for ex in EXERCISES)


def test_grades_json_holds_every_row_with_its_results(graded):
    document = graded["json"]
    assert document["schema"] == 1
    assert [(e["id"], e["points"], e["tests_total"]) for e in document["exercises"]] == [
        (ex, points, total) for ex, (_nb, points, total) in EXERCISES.items()]
    expected = expected_rows()
    rows = {(r["learner"], r["exercise_id"]): r for r in document["rows"]}
    assert set(rows) == set(expected)
    for key, (status, passed) in expected.items():
        row = rows[key]
        assert (row["status"], row["tests_passed"]) == (status, passed), key
        if status in ("missing", "problem"):
            assert row["result"] is None, key
        else:
            tests = row["result"]["tests"]
            assert sum(t["passed"] for t in tests) == passed, key
            # every test is listed, also those that never ran
            assert len(tests) == EXERCISES[key[1]][2], (key, status, tests)
    # An answer stopped before it had defined anything lists its tests as not run.
    stopped = rows["eve", "basics.double"]
    assert stopped["tests_total"] == 4
    assert {t["message"] for t in stopped["result"]["tests"]} == {
        "not run: the time limit was reached"}


def test_gradebook_has_every_learner_and_total(graded):
    header, *rows = graded["gradebook_csv"]
    assert header == ["learner", *EXERCISES, "total", "max_total"]
    book = {_unquote(row[0]): dict(zip(header, row, strict=True)) for row in rows}
    assert list(book) == sorted(book)  # learners in order
    assert set(book) == set(TOTALS)
    expected = expected_rows()
    for learner, total in TOTALS.items():
        row = book[learner]
        for exercise in EXERCISES:
            assert float(row[exercise]) == expected_points(exercise, expected[learner,
                                                                              exercise][1])
        assert float(row["total"]) == total, learner
        assert float(row["max_total"]) == MAX_TOTAL


def test_formula_looking_names_are_neutralised_in_both_csv_files(graded):
    for table in (graded["grades_csv"], graded["gradebook_csv"]):
        cells = [cell for row in table for cell in row]
        assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
        learners = {row[0] for row in table[1:]}
        assert {"'=HYPERLINK(\"http:x\",\"click\")", "'@x", "'+cmd"} <= learners
    notebooks = {row[7] for row in graded["grades_csv"][1:]}
    assert "'+cmd.ipynb" in notebooks and "'@x/01-basics.ipynb" in notebooks


# What the hidden tests hold: their names, inputs and expected values.
HIDDEN = {
    "basics.double": ["large number", "large_number", "1234567", "2469134"],
    "basics.greet": ["another name", "another_name", "Quetzalcoatl"],
    "basics.word-count": ["longer text", "longer_text", "zebra", "xylophone"],
    "basics.evens": ["odd limit", "odd_limit", "evens(31)", "28, 30"],
    "basics.parse-age": ["another negative", "another_negative", "98765"],
    "basics.unique-words": ["animals", "quokka", "wombat"],
    "more.average": ["decimals", "31.4159", "27.1828", "29.3"],
    "more.is-leap": ["far future", "far_future", "2396", "2700"],
    "more.account": ["big amounts", "big_amounts", "8675", "8366"],
    "more.countdown": ["from twelve", "from_twelve", "12\\n11", "12\n11", "<br>11"],
    "more.factorial": ["thirteen", "6227020800"],
}


def _found(secrets: list[str], text: str) -> list[str]:
    """The secrets in ``text`` as words of their own (not inside a random id like 0c9e8675)."""
    return [s for s in secrets if re.search(rf"(?<!\w){re.escape(s)}(?!\w)", text)]


def test_feedback_pages_hold_no_hidden_test(graded):
    folder = graded["feedback"]
    pages = sorted(folder.rglob("*.html"))
    assert (folder / "index.html") in pages
    by_learner = {page.parent.name for page in pages if page.parent != folder}
    assert {"ada", "bob", "zoe", "sam"} <= by_learner
    ada = (folder / "ada" / "01-basics.html").read_text(encoding="utf-8")
    assert "hidden test 1 of 1" in ada and "Count the words" in ada
    jay = (folder / "jay" / "01-basics.html").read_text(encoding="utf-8")
    assert "hidden test 1 of 1" in jay  # the hidden test that caught the hardcoded answer
    fay = (folder / "fay" / "01-basics.html").read_text(encoding="utf-8")
    assert "did you print the result instead of returning it" in fay
    leaks = []
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for exercise, secrets in HIDDEN.items():
            leaks += [f"{page.relative_to(folder)}: {exercise}: {s!r}"
                      for s in _found(secrets, text)]
    assert not leaks, "\n".join(leaks)


def test_the_hidden_tests_would_be_seen_on_a_page(graded, tmp_path):
    """The strings looked for above are what a page shows with --show-hidden (after the
    deadline): the check for leaks can fail."""
    shutil.copytree(graded["root"] / "returned" / "jay", tmp_path / "returned" / "jay")
    proc = _cli("grade", str(COURSE), str(tmp_path / "returned"), "--out", str(tmp_path / "out"),
                "--feedback", str(tmp_path / "feedback"), "--show-hidden")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = "".join(page.read_text(encoding="utf-8")
                   for page in (tmp_path / "feedback").rglob("*.html"))
    shown = {exercise for exercise, secrets in HIDDEN.items() if _found(secrets, text)}
    assert shown == set(HIDDEN)
