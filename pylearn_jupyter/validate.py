"""``pylearn validate``: is an exercise source sound enough to hand out?

Checks that every reference solution passes every test (hidden ones included), that
every starter fails at least one, that every wrong answer the author keeps beside an
exercise (``#| wrong-answer``) fails a visible test, that ids are unique and well
formed, and that the metadata and hints an exercise needs are there.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from .checker import run_tests
from .course import chapter_paths
from .exercise import (
    EXERCISE_ID_PATTERN,
    Chapter,
    Exercise,
    FormatError,
    WrongAnswer,
    load_chapter,
)
from .widgets.render import result_text

__all__ = ["Problem", "Report", "validate_paths", "validate_chapters"]


@dataclass
class Problem:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class Report:
    chapters: list[Chapter] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def exercise_count(self) -> int:
        return sum(len(c.exercises) for c in self.chapters)


def _test_names(source: str) -> list[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [n.name for n in tree.body
            if isinstance(n, ast.FunctionDef) and n.name.startswith("test")]


def _compiles(source: str) -> str | None:
    try:
        ast.parse(source)
    except SyntaxError as exc:
        return f"line {exc.lineno}: {exc.msg}"
    return None


def validate_exercise(exercise: Exercise, where: str) -> list[Problem]:
    here = f"{where} [{exercise.id}]"
    problems: list[Problem] = []

    def problem(message: str) -> None:
        problems.append(Problem(here, message))

    if not EXERCISE_ID_PATTERN.match(exercise.id):
        problem("the id must be lowercase letters, digits, '.', '_' or '-', starting with a "
                "letter or digit, at most 128 characters")
    if not exercise.title.strip() or exercise.title == exercise.id:
        problem("add a title: '#| title: ...' in the exercise cell")
    if not exercise.prompt.strip():
        problem("add a prompt: a markdown cell after the exercise cell saying what to write")
    if exercise.solution is None:
        problem("add a reference solution: a code cell starting with '#| solution'")
    for role, source in (("tests", exercise.tests), ("hidden-tests", exercise.hidden_tests),
                         ("solution", exercise.solution or ""),
                         ("starter", exercise.starter)):
        error = _compiles(source)
        if error:
            problem(f"the {role} cell is not valid Python ({error})")
    for number, wrong in enumerate(exercise.wrong_answers, start=1):
        error = _compiles(wrong.code)
        if error:
            problem(f"{_wrong_label(number, wrong)} is not valid Python ({error})")
        elif not wrong.code.strip():
            problem(f"{_wrong_label(number, wrong)} is empty: put the wrong code below "
                    "'#| wrong-answer'")
    visible = _test_names(exercise.tests)
    hidden = _test_names(exercise.hidden_tests)
    if not visible:
        problem("add tests: a code cell starting with '#| tests' defining test_... functions")
    duplicated = sorted({n for n in visible + hidden if (visible + hidden).count(n) > 1})
    if duplicated:
        problem(f"test names must be unique; repeated: {', '.join(duplicated)}")
    if not exercise.hints:
        problem("add at least one hint: a markdown cell starting with '#| hint'")
    for hint in exercise.hints:
        if hint.test and hint.test not in visible:
            problem(f"a hint is tied to '{hint.test}', which is not a visible test")
        if not hint.text.strip():
            problem("a hint cell is empty")
    if problems:
        return problems
    solved = run_tests(exercise, exercise.solution or "", include_hidden=True)
    if not solved.passed:
        detail = result_text(solved, exercise).replace("\n", "\n    ")
        problem(f"the reference solution does not pass every test:\n    {detail}")
    started = run_tests(exercise, exercise.starter)
    if started.passed:
        problem("the starter code already passes every test; it must fail at least one")
    elif started.status == "error" and started.error and started.error.kind == "syntax":
        problem(f"the starter code is not valid Python: {started.error.summary}")
    for number, wrong in enumerate(exercise.wrong_answers, start=1):
        if run_tests(exercise, wrong.code).passed:
            hidden = not run_tests(exercise, wrong.code, include_hidden=True).passed
            problem(f"{_wrong_label(number, wrong)} passes every visible test"
                    + (" (only a hidden test catches it, and learners never see those)"
                       if hidden else "")
                    + ": add a visible test that fails for it")
    return problems


def _wrong_label(number: int, wrong: WrongAnswer) -> str:
    return f"wrong answer {number}" + (f" ({wrong.reason})" if wrong.reason else "")


def validate_chapters(chapters: list[Chapter]) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    chapter_ids: dict[str, str] = {}
    for chapter in chapters:
        if chapter.id in chapter_ids:
            problems.append(Problem(chapter.path, f"chapter id '{chapter.id}' is also used by "
                                                  f"{chapter_ids[chapter.id]}"))
        chapter_ids.setdefault(chapter.id, chapter.path)
        if not chapter.exercises:
            problems.append(Problem(chapter.path, "this chapter has no exercises"))
        for exercise in chapter.exercises:
            if exercise.id in seen:
                problems.append(Problem(chapter.path, f"exercise id '{exercise.id}' is used "
                                                      f"twice (also in {seen[exercise.id]})"))
            seen.setdefault(exercise.id, chapter.path)
            problems.extend(validate_exercise(exercise, chapter.path))
    return problems


def validate_paths(paths: list[Path]) -> Report:
    """Validate notebooks and folders of notebooks; never raises for a bad source."""
    report = Report()
    for path in paths:
        if not path.exists():
            report.problems.append(Problem(str(path), "no such file or folder"))
            continue
        files = [path] if path.is_file() else chapter_paths(path)
        if not files:
            report.problems.append(Problem(str(path), "no notebooks (.ipynb) found here"))
        for file in files:
            try:
                report.chapters.append(load_chapter(file))
            except FormatError as exc:
                report.problems.append(Problem(str(file), str(exc).removeprefix(f"{file}: ")))
    report.problems.extend(validate_chapters(report.chapters))
    return report
