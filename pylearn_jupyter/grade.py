"""``pylearn grade``: grade returned learner notebooks, hidden tests included, in a sandbox.

Each learner's answers run in a learner process of their own, inside the sandbox
(:mod:`.sealed`); the tests and every comparison stay in this process, so no answer can
change its own grade or anyone else's. Every exercise of the course gets exactly one row
per learner, also when the answer is missing, duplicated or unreadable. The report files
are written only once every learner process is gone, each atomically.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import re
import sys
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .checker.guard import output_per_thread
from .checker.other_cells import names_defined_in, point_to_other_cells
from .checker.result import CheckResult
from .checker.runner import listed_tests
from .exercise import Exercise, cell_source
from .sealed import SealedChecker
from .sealed.sandbox import Limits

__all__ = ["Submission", "Row", "find_submissions", "grade_submissions", "write_report",
           "SCHEMA_VERSION"]

SCHEMA_VERSION = 1
_MAGIC = re.compile(r"^\s*%%exercise[ \t]+(\S+)[^\n]*\n?")
_STATUS = {"passed": "passed", "failed": "failed", "error": "error", "timeout": "time limit"}
NO_SANDBOX_WARNING = (
    "WARNING: graded WITHOUT a sandbox (--sandbox none): the learners' code ran as you, "
    "with your files and your network, and could have changed these grades."
)


@dataclass
class Cell:
    notebook: str
    index: int
    code: str


@dataclass
class Submission:
    """What one learner returned: their exercise cells, and the notebooks that failed to read."""

    learner: str
    notebooks: list[str] = field(default_factory=list)
    cells: dict[str, list[Cell]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    code_cells: dict[str, list[Cell]] = field(default_factory=dict)  # every code cell, by notebook

    def defined_elsewhere(self, counted: Cell) -> set[str]:
        """Names the learner defined in the other code cells of the graded cell's notebook."""
        return names_defined_in(
            cell.code for cell in self.code_cells.get(counted.notebook, [])
            if cell.index != counted.index)


@dataclass
class Row:
    """One learner × one exercise."""

    learner: str
    exercise: Exercise
    status: str
    notebook: str = ""
    note: str = ""
    result: CheckResult | None = None
    tests_total: int = 0
    code: str = ""  # the code graded: the cell, a blank line standing for its first line
    cell: int = 0  # its cell number in the notebook, from 1

    @property
    def tests_passed(self) -> int:
        return sum(t.passed for t in self.result.tests) if self.result else 0

    @property
    def points(self) -> float:
        if not self.tests_total:
            return 0.0
        return round(self.exercise.points * self.tests_passed / self.tests_total, 2)


def count_tests(exercise: Exercise) -> int:
    """How many tests the exercise has, visible and hidden, without any learner code.

    The tests are collected as a check collects them (a parametrized test counts once per
    row); tests that need the learner's names to be collected are counted from the source.
    """
    return _count_tests(exercise.tests, exercise.hidden_tests)


@functools.lru_cache(maxsize=1024)
def _count_tests(tests: str, hidden_tests: str) -> int:
    probe = Exercise(id="count", title="", chapter="", tests=tests, hidden_tests=hidden_tests)
    return len(listed_tests(probe))


def read_notebook(path: Path, submission: Submission) -> None:
    """Add the exercise cells of one notebook; a notebook that cannot be read is a problem."""
    name = str(path)
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        submission.problems.append(f"{path.name}: cannot be read as a notebook "
                                   f"({type(exc).__name__})")
        return
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list):
        submission.problems.append(f"{path.name}: is not a notebook (no list of cells)")
        return
    submission.notebooks.append(name)
    for index, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if not (isinstance(source, str) or (isinstance(source, list)
                                            and all(isinstance(s, str) for s in source))):
            submission.problems.append(f"{path.name}: cell {index} has a source that is "
                                       "not text; it was not graded")
            continue
        text = cell_source(cell)
        match = _MAGIC.match(text)
        submission.code_cells.setdefault(name, []).append(
            Cell(name, index, text[match.end():] if match else text))
        if match:
            # Blank lines stand for the `%%exercise` line, as in the notebook check, so
            # that line numbers in errors are rows of the learner's cell.
            code = "\n" * match.group(0).count("\n") + text[match.end():]
            submission.cells.setdefault(match.group(1), []).append(Cell(name, index, code))


def find_submissions(folder: Path) -> list[Submission]:
    """Learners and their notebooks: ``folder/<learner>/**.ipynb``, or flat ``<learner>.ipynb``."""
    if folder.is_file():
        paths = {folder.stem: [folder]}
    else:
        paths: dict[str, list[Path]] = {}
        for entry in sorted(folder.iterdir()):
            if entry.name.startswith("."):
                continue
            if entry.is_dir():
                found = sorted(p for p in entry.rglob("*.ipynb")
                               if ".ipynb_checkpoints" not in p.parts)
                paths.setdefault(entry.name, []).extend(found)
            elif entry.suffix == ".ipynb":
                paths.setdefault(entry.stem, []).append(entry)
    submissions = []
    for learner, notebooks in paths.items():
        submission = Submission(learner)
        for path in notebooks:
            read_notebook(path, submission)
        submissions.append(submission)
    return submissions


def read_roster(path: Path) -> list[str]:
    """The ``learner`` column of a CSV file."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or "learner" not in reader.fieldnames:
            raise ValueError(f"{path} has no 'learner' column")
        return [row["learner"].strip() for row in reader if (row.get("learner") or "").strip()]


def _grade_learner(submission: Submission, exercises: list[Exercise],
                   checker: SealedChecker) -> list[Row]:
    rows = []
    for exercise in exercises:
        cells = submission.cells.get(exercise.id, [])
        total = count_tests(exercise)
        if not cells:
            status = "problem" if submission.problems else "missing"
            note = ("; ".join(submission.problems) if submission.problems else
                    "no cell holds this exercise" if submission.notebooks else
                    "nothing returned")
            rows.append(Row(submission.learner, exercise, status, note=note,
                            tests_total=total))
            continue
        counted = cells[-1]
        result = checker.check(exercise, counted.code, include_hidden=True)
        elsewhere = submission.defined_elsewhere(counted) - names_defined_in([counted.code])
        point_to_other_cells(result, elsewhere.__contains__)
        row = Row(submission.learner, exercise, _STATUS[result.status],
                  notebook=counted.notebook, result=result,
                  tests_total=max(total, len(result.tests)),
                  code=counted.code, cell=counted.index)
        if result.error:
            row.note = result.error.summary
        if len(cells) > 1:
            places = ", ".join(f"{Path(c.notebook).name} cell {c.index}" for c in cells)
            row.note = (f"{len(cells)} cells hold this exercise ({places}); the last one "
                        f"counted, as in a notebook run from top to bottom: "
                        f"{row.status}. " + row.note).strip()
            row.status = "duplicate"
        rows.append(row)
    return rows


def grade_submissions(
    submissions: list[Submission], exercises: list[Exercise], *, sandbox: str = "auto",
    workers: int | None = None, limits: Limits | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Row]:
    """Grade every learner, ``workers`` learners at a time; rows in learner order.

    Each worker keeps one sandbox and grades its learners in it one after the other:
    after every answer the sandbox is emptied (no process, no file, no IPC object left),
    so a learner never meets anything of another.
    """
    done = [0]
    lock = threading.Lock()
    local = threading.local()
    checkers: list[SealedChecker] = []

    def grade(submission: Submission) -> list[Row]:
        checker = getattr(local, "checker", None)
        if checker is None:
            checker = local.checker = SealedChecker(sandbox, limits)
            with lock:
                checkers.append(checker)
        rows = _grade_learner(submission, exercises, checker)
        with lock:
            done[0] += 1
            if progress:
                progress(done[0], len(submissions))
        return rows

    try:
        with output_per_thread(), ThreadPoolExecutor(
                max_workers=workers or os.cpu_count() or 2) as pool:
            return [row for rows in pool.map(grade, submissions) for row in rows]
    finally:
        for checker in checkers:
            checker.close()


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """A cell no spreadsheet runs as a formula: text starting with = + - @ gets a quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _relative(path: str, root: Path) -> str:
    try:
        return str(Path(path).relative_to(root))
    except ValueError:
        return path


GRADE_FIELDS = ["learner", "exercise_id", "status", "points", "max_points", "tests_passed",
                "tests_total", "notebook", "note"]


def row_dict(row: Row, root: Path) -> dict[str, Any]:
    return {
        "learner": row.learner,
        "exercise_id": row.exercise.id,
        "status": row.status,
        "points": row.points,
        "max_points": row.exercise.points,
        "tests_passed": row.tests_passed,
        "tests_total": row.tests_total,
        "notebook": _relative(row.notebook, root) if row.notebook else "",
        "note": row.note,
    }


def write_atomic(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("w", encoding="utf-8", newline="") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _csv_text(header: list[str], rows: Iterable[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([spreadsheet_safe(h) for h in header])
    for values in rows:
        writer.writerow([spreadsheet_safe(v) for v in values])
    return buffer.getvalue()


def write_report(rows: list[Row], exercises: list[Exercise], root: Path, out: Path, *,
                 sandbox: str) -> dict[str, Path]:
    """grades.csv, gradebook.csv and grades.json in ``out``; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    records = [row_dict(r, root) for r in rows]
    fields = GRADE_FIELDS
    paths = {"grades.csv": out / "grades.csv", "gradebook.csv": out / "gradebook.csv",
             "grades.json": out / "grades.json"}
    write_atomic(paths["grades.csv"],
                  _csv_text(fields, ([r[f] for f in fields] for r in records)))
    learners: dict[str, dict[str, float]] = {}
    for row in rows:
        learners.setdefault(row.learner, {})[row.exercise.id] = row.points
    maximum = sum(ex.points for ex in exercises)
    book_header = ["learner", *(ex.id for ex in exercises), "total", "max_total"]
    write_atomic(paths["gradebook.csv"], _csv_text(book_header, (
        [learner, *(points.get(ex.id, 0.0) for ex in exercises),
         round(sum(points.values()), 2), maximum]
        for learner, points in learners.items())))
    document = {
        "schema": SCHEMA_VERSION,
        "sandbox": sandbox,
        "warning": NO_SANDBOX_WARNING if sandbox == "none" else None,
        "exercises": [{"id": ex.id, "title": ex.title, "points": ex.points,
                       "tests_total": count_tests(ex)} for ex in exercises],
        "rows": [{**record, "result": row.result.to_dict() if row.result else None}
                 for record, row in zip(records, rows, strict=True)],
    }
    write_atomic(paths["grades.json"],
                  json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    return paths


def terminal_progress(done: int, total: int) -> None:
    """A one-line progress bar on stderr, when it is a terminal."""
    if not sys.stderr.isatty():
        return
    width = 30
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\rgrading [{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
                     "learners")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()
