"""The exercise model, and the notebook format exercises are written in.

An author writes a *source notebook* per chapter (docs/authoring.md). Cells are marked
with ``#|`` directive lines at their top, so the notebook stays an ordinary notebook that
runs in JupyterLab::

    #| chapter: strings            (first cell: the chapter)
    #| title: Strings
    #| exercise: strings.reverse-words    (one cell per exercise, then its cells)
    #| title: Reverse the words           (also: version, time_limit, solution_after,
    #|                                     input, points)
    #| starter / #| solution / #| tests / #| hidden-tests   (code cells)
    #| hint   or   #| hint: test_name                        (markdown cells)
    #| wrong-answer   or   #| wrong-answer: reason   (code cells an author keeps to try
    #|                                               the tests; never handed out)

Other markdown cells of an exercise are its prompt. This module is pure Python (it reads
notebooks as JSON) so that it runs in Pyodide.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "EXERCISE_ID_PATTERN",
    "Hint",
    "WrongAnswer",
    "Exercise",
    "Chapter",
    "FormatError",
    "load_chapter",
    "parse_chapter",
    "parse_directives",
]

EXERCISE_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}$")
DEFAULT_TIME_LIMIT = 3.0
DEFAULT_SOLUTION_AFTER = 3
_DIRECTIVE = re.compile(r"^#\|\s*([A-Za-z_][\w-]*)\s*(?::\s*(.*?))?\s*$")


class FormatError(ValueError):
    """A source notebook that does not follow the format; the message says where and why."""


@dataclass
class Hint:
    text: str
    test: str | None = None


@dataclass
class WrongAnswer:
    """A plausible wrong answer kept beside the exercise (``#| wrong-answer: reason``).

    ``pylearn validate`` insists that it fails a visible test. It is the author's: it
    never reaches a learner (see ``Exercise.to_dict(learner=True)``).
    """

    code: str
    reason: str = ""


@dataclass
class Exercise:
    id: str
    title: str
    chapter: str
    chapter_title: str = ""
    version: str = "1"
    prompt: str = ""
    starter: str = ""
    solution: str | None = None
    tests: str = ""
    hidden_tests: str = ""
    hints: list[Hint] = field(default_factory=list)
    time_limit: float = DEFAULT_TIME_LIMIT
    solution_after: int = DEFAULT_SOLUTION_AFTER
    input: str = ""
    points: float = 1.0
    # A graded handout: the solution stays with the instructor, who publishes it later.
    graded: bool = False
    extra_cells: list[dict[str, Any]] = field(default_factory=list)
    # The author's wrong answers, each of which must fail a visible test.
    wrong_answers: list[WrongAnswer] = field(default_factory=list)

    def to_dict(self, *, learner: bool = False) -> dict[str, Any]:
        """Plain data; ``learner=True`` leaves out what a learner must not get (hidden
        tests, wrong answers)."""
        data = asdict(self)
        data.pop("extra_cells")
        if learner:
            data.pop("hidden_tests")
            data.pop("wrong_answers")
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Exercise:
        known = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in known}
        values["hints"] = [h if isinstance(h, Hint) else Hint(**h) for h in data.get("hints", [])]
        values["wrong_answers"] = [w if isinstance(w, WrongAnswer) else WrongAnswer(**w)
                                   for w in data.get("wrong_answers", [])]
        return cls(**values)


@dataclass
class Chapter:
    id: str
    title: str
    order: float
    intro_cells: list[dict[str, Any]] = field(default_factory=list)
    exercises: list[Exercise] = field(default_factory=list)
    path: str = ""


def cell_source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def parse_directives(source: str) -> tuple[dict[str, str], str]:
    """Split the leading ``#| key: value`` lines of a cell from its body."""
    directives: dict[str, str] = {}
    lines = source.splitlines()
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    while index < len(lines):
        match = _DIRECTIVE.match(lines[index].strip())
        if not match:
            break
        directives[match.group(1).lower()] = (match.group(2) or "").strip()
        index += 1
    body = "\n".join(lines[index:]).strip("\n")
    return directives, body


def _number(value: str, what: str, where: str, kind: type) -> Any:
    try:
        number = kind(value)
    except ValueError:
        raise FormatError(f"{where}: '{what}' must be a number, not {value!r}") from None
    if number <= 0:
        raise FormatError(f"{where}: '{what}' must be greater than 0")
    return number


def parse_chapter(notebook: dict[str, Any], path: str = "<notebook>") -> Chapter:
    """Read a source notebook into a chapter and its exercises.

    Raises :class:`FormatError` for structure problems (a missing chapter cell, a code
    cell role outside an exercise); content problems are left to ``pylearn validate``.
    """
    cells = notebook.get("cells", [])
    chapter: Chapter | None = None
    current: Exercise | None = None
    for number, cell in enumerate(cells, start=1):
        where = f"{path}, cell {number}"
        directives, body = parse_directives(cell_source(cell))
        kind = cell.get("cell_type")
        if "chapter" in directives:
            if chapter is not None:
                raise FormatError(f"{where}: a notebook holds one chapter; remove this second "
                                  "'#| chapter' cell or move it to its own notebook")
            chapter = Chapter(
                id=directives["chapter"],
                title=directives.get("title") or directives["chapter"],
                order=float(directives.get("order") or 0),
                path=path,
            )
            continue
        if chapter is None:
            if not cell_source(cell).strip():
                continue
            raise FormatError(f"{where}: the first cell must be the chapter cell, "
                              "for example '#| chapter: strings' and '#| title: Strings'")
        if "exercise" in directives:
            current = Exercise(
                id=directives["exercise"],
                title=directives.get("title") or directives["exercise"],
                chapter=chapter.id,
                chapter_title=chapter.title,
                version=directives.get("version") or "1",
                time_limit=_number(directives.get("time_limit") or str(DEFAULT_TIME_LIMIT),
                                   "time_limit", where, float),
                solution_after=_number(directives.get("solution_after")
                                       or str(DEFAULT_SOLUTION_AFTER),
                                       "solution_after", where, int),
                input=json.loads(directives["input"]) if directives.get("input") else "",
                points=_number(directives.get("points") or "1", "points", where, float),
            )
            chapter.exercises.append(current)
            continue
        role = next((r for r in ("starter", "solution", "tests", "hidden-tests", "hint",
                                 "wrong-answer") if r in directives), None)
        if role is None:
            if current is None:
                chapter.intro_cells.append(cell)
            elif kind == "markdown":
                current.prompt = f"{current.prompt}\n\n{body}".strip() if current.prompt else body
            else:
                current.extra_cells.append(cell)
            continue
        if current is None:
            raise FormatError(f"{where}: a '#| {role}' cell must follow an exercise cell "
                              "('#| exercise: some-id')")
        if role == "hint":
            current.hints.append(Hint(text=body, test=directives["hint"] or None))
        elif role == "starter":
            current.starter = body
        elif role == "solution":
            current.solution = body
        elif role == "wrong-answer":
            current.wrong_answers.append(WrongAnswer(code=body, reason=directives[role]))
        elif role == "tests":
            current.tests = f"{current.tests}\n\n{body}".strip() if current.tests else body
        else:
            current.hidden_tests = (f"{current.hidden_tests}\n\n{body}".strip()
                                    if current.hidden_tests else body)
    if chapter is None:
        raise FormatError(f"{path}: no chapter cell; start the notebook with a cell holding "
                          "'#| chapter: some-id' and '#| title: Some title'")
    return chapter


def load_chapter(path: str | Path) -> Chapter:
    """Parse a source notebook file."""
    path = Path(path)
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise FormatError(f"{path}: cannot be read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise FormatError(
            f"{path}: is not a notebook (invalid JSON at line {exc.lineno})"
        ) from None
    if not isinstance(notebook, dict) or "cells" not in notebook:
        raise FormatError(f"{path}: is not a notebook (no 'cells')")
    return parse_chapter(notebook, str(path))
