"""``pylearn grade``: check a folder of returned learner notebooks, hidden tests included.

Every answer is checked in its own process with the exercise's time limit and a memory
limit (see :mod:`.checker.isolated`), several at once. The report is written as CSV
(one row per notebook and exercise) and JSON (everything, test by test), and summed up
on the terminal.
"""

from __future__ import annotations

import csv
import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .checker.isolated import run_isolated
from .checker.result import CheckResult
from .course import chapter_paths
from .exercise import Exercise, cell_source

__all__ = ["Answer", "Grade", "find_answers", "grade_answers", "write_report"]

_MAGIC = re.compile(r"^\s*%%exercise\s+(\S+)[^\n]*\n?")


@dataclass
class Answer:
    notebook: str
    exercise_id: str
    code: str


@dataclass
class Grade:
    answer: Answer
    result: CheckResult | None
    problem: str = ""

    @property
    def passed_tests(self) -> int:
        return sum(t.passed for t in self.result.tests) if self.result else 0

    @property
    def total_tests(self) -> int:
        return len(self.result.tests) if self.result else 0


def answers_in_notebook(path: Path) -> tuple[list[Answer], str]:
    """The exercise cells of one learner notebook (the last one wins per exercise)."""
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return [], f"cannot be read as a notebook ({exc.__class__.__name__})"
    found: dict[str, Answer] = {}
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = cell_source(cell)
        match = _MAGIC.match(source)
        if match:
            # Blank lines stand for the `%%exercise` line, as in the notebook check, so
            # that line numbers in errors are rows of the learner's cell.
            code = "\n" * match.group(0).count("\n") + source[match.end():]
            found[match.group(1)] = Answer(str(path), match.group(1), code)
    return list(found.values()), ""


def find_answers(folder: Path) -> tuple[list[Answer], list[tuple[str, str]]]:
    answers: list[Answer] = []
    unreadable: list[tuple[str, str]] = []
    paths = [folder] if folder.is_file() else chapter_paths(folder)
    for path in paths:
        found, problem = answers_in_notebook(path)
        if problem:
            unreadable.append((str(path), problem))
        answers.extend(found)
    return answers, unreadable


def grade_answers(
    answers: list[Answer], exercises: dict[str, Exercise], workers: int | None = None
) -> list[Grade]:
    """Check every answer with hidden tests, ``workers`` processes at a time."""

    def grade(answer: Answer) -> Grade:
        exercise = exercises.get(answer.exercise_id)
        if exercise is None:
            return Grade(answer, None, f"no exercise '{answer.exercise_id}' in the source")
        return Grade(answer, run_isolated(exercise, answer.code, include_hidden=True))

    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 2) as pool:
        return list(pool.map(grade, answers))


def _row(grade: Grade, root: Path) -> dict[str, Any]:
    result = grade.result
    try:
        notebook = str(Path(grade.answer.notebook).relative_to(root))
    except ValueError:
        notebook = grade.answer.notebook
    return {
        "notebook": notebook,
        "exercise_id": grade.answer.exercise_id,
        "status": result.status if result else "not graded",
        "passed": bool(result and result.passed),
        "tests_passed": grade.passed_tests,
        "tests_total": grade.total_tests,
        "problem": grade.problem or (result.error.summary if result and result.error else ""),
    }


def write_report(grades: list[Grade], root: Path, out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    rows = [_row(g, root) for g in grades]
    csv_path = out / "grades.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else ["notebook"])
        writer.writeheader()
        writer.writerows(rows)
    json_path = out / "grades.json"
    detail = [
        {**row, "result": g.result.to_json() if g.result else None}
        for row, g in zip(rows, grades, strict=True)
    ]
    json_path.write_text(json.dumps(detail, indent=1, ensure_ascii=False), encoding="utf-8")
    return csv_path, json_path
