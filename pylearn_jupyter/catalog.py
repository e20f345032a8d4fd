"""The course catalog the PyLearn sidebar shows, and where each notebook lives.

One definition for the Jupyter server extension (served live) and the JupyterLite
site (written as a static file), so both front ends see the same shape.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from .course import Course
from .exercise import Chapter, Exercise

__all__ = ["CATALOG_FORMAT", "catalog", "exercise_path", "intro_path"]

CATALOG_FORMAT = 1


def exercise_path(exercise: Exercise, folder: str = "pylearn") -> str:
    """Workspace-relative path of an exercise's learner notebook."""
    return str(PurePosixPath(folder) / exercise.chapter / f"{exercise.id}.ipynb")


def intro_path(chapter: Chapter, folder: str = "pylearn") -> str:
    return str(PurePosixPath(folder) / chapter.id / "00-introduction.ipynb")


def catalog(course: Course, folder: str = "pylearn") -> dict[str, Any]:
    """``{format, chapters: [{id, title, order, intro, exercises: [{id, title, ...}]}]}``."""
    return {
        "format": CATALOG_FORMAT,
        "chapters": [
            {
                "id": chapter.id,
                "title": chapter.title,
                "order": chapter.order,
                "intro": intro_path(chapter, folder) if chapter.intro_cells else None,
                "exercises": [
                    {
                        "id": ex.id,
                        "title": ex.title,
                        "version": ex.version,
                        "path": exercise_path(ex, folder),
                    }
                    for ex in chapter.exercises
                ],
            }
            for chapter in course.chapters
        ],
    }
