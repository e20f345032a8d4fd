"""Course bundles: a whole released course as one JSON file (docs/api.md, *Course bundles*).

``pylearn release SRC course.json --bundle`` writes one; ``pylearn class upload`` sends it
to a class whose course is ``uploaded``. The learner notebooks are exactly those
``pylearn release`` writes, under the same relative paths.

:func:`check_bundle` applies the rules the API applies to an upload, with no dependency
beyond the standard library (the API's own validator needs pydantic and the ``api``
extra), so a bundle is refused here, with every reason, before it is sent.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from .exercise import Chapter
from .release import learner_file_name, learner_notebook

__all__ = [
    "BUNDLE_FORMAT",
    "MAX_BUNDLE_BYTES",
    "BundleError",
    "SourceProblems",
    "bundle_source",
    "default_title",
    "bundle_bytes",
    "check_bundle",
    "make_bundle",
    "read_bundle",
    "write_bundle",
]

BUNDLE_FORMAT = 1
MAX_BUNDLE_BYTES = 20 * 1024 * 1024
MAX_CHAPTERS = 500
MAX_EXERCISES = 2000
MAX_NOTEBOOKS = 1000
MAX_TITLE = 200
MAX_VERSION = 64
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}$")
NOTEBOOK_PATH_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_ ./-]{0,250}\.ipynb$")

_TOP_KEYS = ("format", "course", "notebooks")
_COURSE_KEYS = ("title", "chapters")
_CHAPTER_KEYS = ("id", "title", "order", "notebook", "exercises")
_EXERCISE_KEYS = ("id", "title", "version")


class BundleError(ValueError):
    """A bundle that the API would refuse; ``problems`` holds every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class SourceProblems(ValueError):
    """Sources that ``pylearn validate`` refuses; ``problems`` lists what it found."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the sources")
        self.problems = problems


def default_title(source: Path) -> str:
    """The course title when none is given: the source folder's name (a single source
    notebook: its file name without ``.ipynb``). Source notebooks carry no course-wide
    metadata, only chapter titles."""
    source = source.resolve()
    name = source.stem if source.is_file() else source.name
    return name[:MAX_TITLE] or "Course"


def bundle_source(
    source: Path, title: str | None = None, *, solutions: bool = True
) -> tuple[dict[str, Any], int]:
    """Validate a source folder (or notebook) exactly as ``pylearn release`` does, then
    bundle it: ``(bundle, number of exercises)``.

    Raises :class:`SourceProblems` when validation fails and :class:`BundleError` when the
    course cannot be bundled for the API."""
    from .validate import validate_paths

    report = validate_paths([source])
    if not report.ok:
        raise SourceProblems([str(problem) for problem in report.problems])
    bundle = make_bundle(report.chapters, title or default_title(source), solutions=solutions)
    return bundle, report.exercise_count


def make_bundle(chapters: list[Chapter], title: str, *, solutions: bool = True) -> dict[str, Any]:
    """The bundle of a validated course: its outline and one learner notebook per chapter.

    Each chapter's notebook is ``learner_notebook(chapter, solutions=solutions)``, keyed by
    the file name ``release_folder`` gives it. Raises :class:`BundleError` when the result
    would not pass the API's checks (see :func:`check_bundle`)."""
    outline = []
    notebooks: dict[str, Any] = {}
    problems = []
    for chapter in chapters:
        name = learner_file_name(chapter)
        if name in notebooks:
            problems.append(f"two chapters would be released as '{name}' (the second is "
                            f"{chapter.path or chapter.id}); give their source notebooks "
                            "different file names")
            continue
        notebooks[name] = learner_notebook(chapter, solutions=solutions)
        outline.append({
            "id": chapter.id,
            "title": chapter.title,
            "order": _order(chapter.order),
            "notebook": name,
            "exercises": [{"id": ex.id, "title": ex.title, "version": ex.version}
                          for ex in chapter.exercises],
        })
    bundle = {"format": BUNDLE_FORMAT, "course": {"title": title, "chapters": outline},
              "notebooks": notebooks}
    problems += check_bundle(bundle)
    if problems:
        raise BundleError(problems)
    return bundle


def _order(value: float) -> int | float:
    """``#| order: 2`` is read as 2.0; the bundle says 2."""
    return int(value) if float(value).is_integer() else value


def bundle_bytes(bundle: dict[str, Any]) -> bytes:
    """The bundle as written and uploaded: UTF-8 JSON, same input, same bytes."""
    return (json.dumps(bundle, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def write_bundle(bundle: dict[str, Any], path: Path) -> int:
    """Write the bundle file (atomically: a refused or interrupted write leaves no file
    behind); returns its size in bytes."""
    data = bundle_bytes(bundle)
    if len(data) > MAX_BUNDLE_BYTES:
        raise BundleError([_too_big(len(data))])
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return len(data)


def read_bundle(path: Path) -> tuple[dict[str, Any], bytes]:
    """A bundle file, checked: ``(bundle, the file's bytes)``.

    Raises :class:`OSError` when the file cannot be read and :class:`BundleError` when it
    is not a bundle the API accepts."""
    data = path.read_bytes()
    if len(data) > MAX_BUNDLE_BYTES:
        raise BundleError([_too_big(len(data))])
    try:
        bundle = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise BundleError(["the file is not UTF-8 text"]) from None
    except json.JSONDecodeError as exc:
        raise BundleError([f"the file is not JSON (line {exc.lineno}: {exc.msg})"]) from None
    problems = check_bundle(bundle)
    if problems:
        raise BundleError(problems)
    return bundle, data


def _too_big(size: int) -> str:
    return (f"the bundle is {size / 1024 / 1024:.1f} MiB; the API takes at most 20 MiB "
            "(split the course, or leave large outputs and images out of its notebooks)")


def check_bundle(bundle: Any) -> list[str]:
    """Every reason the API would refuse this bundle (an empty list: it is accepted).

    The rules of docs/api.md, *Course bundles*, as ``CourseBundleIn`` in
    ``pylearn_jupyter/api/schemas.py`` enforces them; the size limit is checked on the
    bytes by the writer and the reader."""
    problems: list[str] = []
    add = problems.append
    if not isinstance(bundle, dict):
        return ["a bundle is a JSON object with the keys format, course and notebooks"]
    _keys(bundle, _TOP_KEYS, "the bundle", add)
    if bundle.get("format") != BUNDLE_FORMAT or isinstance(bundle.get("format"), bool):
        add(f"format: must be {BUNDLE_FORMAT}, not {bundle.get('format')!r}")
    notebooks = bundle.get("notebooks")
    if not isinstance(notebooks, dict):
        add("notebooks: must be an object of notebooks by relative path")
        notebooks = {}
    elif not 1 <= len(notebooks) <= MAX_NOTEBOOKS:
        add(f"notebooks: must hold 1 to {MAX_NOTEBOOKS} notebooks, not {len(notebooks)}")
    for key, notebook in notebooks.items():
        _check_path(key, "notebooks", add)
        _check_notebook(notebook, f"notebooks[{key!r}]", add)
    course = bundle.get("course")
    if not isinstance(course, dict):
        add("course: must be an object with a title and chapters")
        return problems
    _keys(course, _COURSE_KEYS, "course", add)
    _title(course.get("title"), "course.title", add)
    chapters = course.get("chapters")
    if not isinstance(chapters, list):
        add("course.chapters: must be a list")
        return problems
    if not 1 <= len(chapters) <= MAX_CHAPTERS:
        add(f"course.chapters: must hold 1 to {MAX_CHAPTERS} chapters, not {len(chapters)}")
    chapter_ids: set[str] = set()
    exercise_ids: set[str] = set()
    for number, chapter in enumerate(chapters):
        where = f"course.chapters[{number}]"
        if not isinstance(chapter, dict):
            add(f"{where}: must be an object")
            continue
        _keys(chapter, _CHAPTER_KEYS, where, add)
        if _id(chapter.get("id"), f"{where}.id", add):
            if chapter["id"] in chapter_ids:
                add(f"{where}.id: the chapter id {chapter['id']!r} is used twice")
            chapter_ids.add(chapter["id"])
        _title(chapter.get("title"), f"{where}.title", add)
        order = chapter.get("order")
        if isinstance(order, bool) or not isinstance(order, int | float):
            add(f"{where}.order: must be a number")
        path = chapter.get("notebook")
        if _check_path(path, f"{where}.notebook", add) and path not in notebooks:
            add(f"{where}.notebook: {path!r} is not in notebooks")
        exercises = chapter.get("exercises")
        if not isinstance(exercises, list):
            add(f"{where}.exercises: must be a list")
            continue
        for index, exercise in enumerate(exercises):
            here = f"{where}.exercises[{index}]"
            if not isinstance(exercise, dict):
                add(f"{here}: must be an object")
                continue
            _keys(exercise, _EXERCISE_KEYS, here, add)
            if _id(exercise.get("id"), f"{here}.id", add):
                if exercise["id"] in exercise_ids:
                    add(f"{here}.id: the exercise id {exercise['id']!r} is used twice in "
                        "the course")
                exercise_ids.add(exercise["id"])
            _title(exercise.get("title"), f"{here}.title", add)
            version = exercise.get("version", "1")
            if not (isinstance(version, str) and 1 <= len(version) <= MAX_VERSION
                    and _plain(version)):
                add(f"{here}.version: must be text of 1 to {MAX_VERSION} characters")
    if len(exercise_ids) > MAX_EXERCISES:
        add(f"course: has {len(exercise_ids)} exercises; at most {MAX_EXERCISES}")
    return problems


def _keys(data: dict[str, Any], known: tuple[str, ...], where: str, add) -> None:
    unknown = [k for k in data if k not in known]
    if unknown:
        add(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; "
            f"known: {', '.join(known)}")
    required = [k for k in known if k not in data and k != "version"]
    if required:
        add(f"{where}: missing {', '.join(required)}")


def _plain(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _title(value: Any, where: str, add) -> None:
    if not (isinstance(value, str) and 1 <= len(value) <= MAX_TITLE and _plain(value)):
        add(f"{where}: must be text of 1 to {MAX_TITLE} characters")


def _id(value: Any, where: str, add) -> bool:
    if isinstance(value, str) and ID_PATTERN.match(value):
        return True
    add(f"{where}: {value!r} is not an id: lowercase letters, digits, '.', '_' or '-', "
        "starting with a letter or digit, at most 128 characters")
    return False


def _check_path(value: Any, where: str, add) -> bool:
    if (isinstance(value, str) and NOTEBOOK_PATH_PATTERN.match(value)
            and not any(part in ("", ".", "..") for part in value.split("/"))):
        return True
    add(f"{where}: {value!r} is not a notebook path the API takes: a relative path ending "
        "in .ipynb, of letters A-Z a-z, digits, '_', '-', '.', '/' and spaces, starting "
        "with a letter, digit or '_', without empty, '.' or '..' parts (rename the "
        "source notebook)")
    return False


def _check_notebook(notebook: Any, where: str, add) -> None:
    if not isinstance(notebook, dict):
        add(f"{where}: must be an nbformat 4 notebook (a JSON object)")
        return
    if notebook.get("nbformat") != 4 or isinstance(notebook.get("nbformat"), bool):
        add(f"{where}.nbformat: must be 4")
    minor = notebook.get("nbformat_minor")
    if isinstance(minor, bool) or not isinstance(minor, int) or minor < 0:
        add(f"{where}.nbformat_minor: must be a whole number, 0 or more")
    if not isinstance(notebook.get("metadata"), dict):
        add(f"{where}.metadata: must be an object")
    cells = notebook.get("cells")
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        add(f"{where}.cells: must be a list of cells (objects)")
