"""The course the server offers: the built-in course plus instructor folders.

One broken source notebook must not hide the rest of the course, so chapters are loaded
one by one and every problem is kept as a sentence for the catalog (and the log). The
course is reloaded only when a source notebook changed, so an instructor sees an edit on
the next catalog request without restarting the server.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..course import Course, builtin_course_dir, chapter_paths
from ..exercise import EXERCISE_ID_PATTERN, Chapter, Exercise, load_chapter
from .errors import InvalidId, NotInCatalog

__all__ = ["LoadedCourse", "CourseSource", "check_id"]

log = logging.getLogger(__name__)


def check_id(value: str, kind: str) -> str:
    """``value`` if it is a well-formed id, else :class:`InvalidId` saying what is allowed."""
    if not EXERCISE_ID_PATTERN.match(value or ""):
        shown = value if len(value) <= 60 else value[:57] + "..."
        raise InvalidId(
            f"{shown!r} is not a valid {kind} id: use 1 to 128 lowercase letters, digits, "
            "'.', '_' or '-', starting with a letter or digit (no slashes, no '..')."
        )
    return value


@dataclass
class LoadedCourse:
    course: Course
    problems: list[str] = field(default_factory=list)

    def exercise(self, exercise_id: str) -> tuple[Chapter, Exercise]:
        check_id(exercise_id, "exercise")
        for chapter in self.course.chapters:
            for exercise in chapter.exercises:
                if exercise.id == exercise_id:
                    return chapter, exercise
        raise NotInCatalog(f"There is no exercise {exercise_id!r} in the PyLearn course.")

    def chapter(self, chapter_id: str) -> Chapter:
        check_id(chapter_id, "chapter")
        for chapter in self.course.chapters:
            if chapter.id == chapter_id:
                return chapter
        raise NotInCatalog(f"There is no chapter {chapter_id!r} in the PyLearn course.")


Signature = tuple[tuple[str, int, int], ...]


class CourseSource:
    """Loads (and caches) the chapters of the configured course folders."""

    def __init__(self, folders: Iterable[Path], include_builtin: bool = True) -> None:
        self.folders = list(folders)
        self.include_builtin = include_builtin
        self._signature: Signature | None = None
        self._loaded: LoadedCourse | None = None

    def _roots(self) -> list[Path]:
        return ([builtin_course_dir()] if self.include_builtin else []) + self.folders

    def _sources(self, problems: list[str]) -> list[Path]:
        paths: list[Path] = []
        for root in self._roots():
            if root.is_file():
                paths.append(root)
            elif root.is_dir():
                paths.extend(chapter_paths(root))
            elif root in self.folders:
                problems.append(f"The course folder {root} does not exist; check "
                                "c.PyLearn.course_folders.")
        return paths

    @staticmethod
    def _signature_of(paths: list[Path]) -> Signature:
        entries = []
        for path in paths:
            try:
                stat = path.stat()
                entries.append((str(path), stat.st_mtime_ns, stat.st_size))
            except OSError:
                entries.append((str(path), -1, -1))
        return tuple(entries)

    def load(self) -> LoadedCourse:
        """The current course; problems name the notebook and say what to fix."""
        problems: list[str] = []
        paths = self._sources(problems)
        signature = self._signature_of(paths)
        if self._loaded is not None and signature == self._signature:
            return self._loaded
        chapters: list[Chapter] = []
        for path in paths:
            try:
                chapters.append(load_chapter(path))
            except Exception as exc:  # one bad notebook must not hide the others
                problems.append(f"Skipped {path}: {exc}")
        loaded = LoadedCourse(Course(_unique(chapters, problems)), problems)
        for problem in problems:
            log.warning("PyLearn course: %s", problem)
        self._signature, self._loaded = signature, loaded
        return loaded


def _unique(chapters: list[Chapter], problems: list[str]) -> list[Chapter]:
    """Chapters with valid, unique ids (they name folders and files in the workspace)."""
    chapters = sorted(chapters, key=lambda c: (c.order, c.path))
    seen_chapters: dict[str, str] = {}
    seen_exercises: dict[str, str] = {}
    kept: list[Chapter] = []
    for chapter in chapters:
        if not EXERCISE_ID_PATTERN.match(chapter.id):
            problems.append(f"Skipped the chapter in {chapter.path}: its id {chapter.id!r} must "
                            "be lowercase letters, digits, '.', '_' or '-'.")
            continue
        if chapter.id in seen_chapters:
            problems.append(f"Skipped the chapter in {chapter.path}: the chapter id "
                            f"{chapter.id!r} is already used by {seen_chapters[chapter.id]}.")
            continue
        seen_chapters[chapter.id] = chapter.path
        exercises = []
        for exercise in chapter.exercises:
            if not EXERCISE_ID_PATTERN.match(exercise.id):
                problems.append(f"Skipped an exercise of {chapter.path}: its id {exercise.id!r} "
                                "must be lowercase letters, digits, '.', '_' or '-'.")
            elif exercise.id in seen_exercises:
                problems.append(f"Skipped exercise {exercise.id!r} of {chapter.path}: the id is "
                                f"already used in {seen_exercises[exercise.id]}.")
            else:
                seen_exercises[exercise.id] = chapter.path
                exercises.append(exercise)
        kept.append(dataclasses.replace(chapter, exercises=exercises))
    return kept
