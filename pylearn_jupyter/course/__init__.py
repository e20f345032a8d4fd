"""The installed course: the chapter notebooks shipped in the package, and instructor folders."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..exercise import Chapter, Exercise, load_chapter

__all__ = ["Course", "builtin_course_dir", "load_course"]


def builtin_course_dir() -> Path:
    """The chapter notebooks of the built-in course.

    Inside an installed wheel they sit in ``pylearn_jupyter/course/notebooks``; in a
    source checkout (editable install) they are the repository's ``notebooks/``.
    """
    packaged = Path(__file__).parent / "notebooks"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "notebooks"


@dataclass
class Course:
    chapters: list[Chapter] = field(default_factory=list)

    @property
    def exercises(self) -> list[Exercise]:
        return [ex for chapter in self.chapters for ex in chapter.exercises]

    def find(self, exercise_id: str) -> Exercise | None:
        for exercise in self.exercises:
            if exercise.id == exercise_id:
                return exercise
        return None


def chapter_paths(folder: Path) -> list[Path]:
    """Source notebooks of a course folder, checkpoints and hidden files left out."""
    return sorted(
        p for p in folder.rglob("*.ipynb")
        if not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def load_course(folders: Iterable[str | os.PathLike[str]] | None = None) -> Course:
    """Load every chapter of the given course folders (default: the built-in course)."""
    roots = [Path(f) for f in folders] if folders is not None else [builtin_course_dir()]
    chapters: list[Chapter] = []
    for root in roots:
        paths = [root] if root.is_file() else chapter_paths(root)
        chapters.extend(load_chapter(p) for p in paths)
    chapters.sort(key=lambda c: (c.order, c.path))
    return Course(chapters)
