"""Open or reset an exercise (or a chapter introduction) in the learner's workspace."""

from __future__ import annotations

from tornado import web

from ..catalog import exercise_path, intro_path
from ..release import intro_notebook, learner_notebook
from .base import PyLearnHandler
from .errors import NotInCatalog

__all__ = ["OpenExerciseHandler", "ResetExerciseHandler", "OpenIntroHandler"]


class OpenExerciseHandler(PyLearnHandler):
    @web.authenticated
    async def post(self, exercise_id: str) -> None:
        """``{path, created}``: the learner's notebook, written only if it is not there yet."""
        chapter, exercise = self.course_source.load().exercise(exercise_id)
        path = exercise_path(exercise, self.pylearn.workspace_folder)
        created = await self.workspace.open(path, learner_notebook(chapter, exercise.id))
        self.answer({"path": path, "created": created})


class ResetExerciseHandler(PyLearnHandler):
    @web.authenticated
    async def post(self, exercise_id: str) -> None:
        """``{path, backup}``: the original notebook again; the learner's is kept as backup."""
        chapter, exercise = self.course_source.load().exercise(exercise_id)
        path = exercise_path(exercise, self.pylearn.workspace_folder)
        backup = await self.workspace.reset(path, learner_notebook(chapter, exercise.id))
        self.answer({"path": path, "backup": backup})


class OpenIntroHandler(PyLearnHandler):
    @web.authenticated
    async def post(self, chapter_id: str) -> None:
        """``{path, created}`` for the chapter's introduction notebook."""
        chapter = self.course_source.load().chapter(chapter_id)
        if not chapter.intro_cells:
            raise NotInCatalog(f"The chapter {chapter_id!r} has no introduction.")
        path = intro_path(chapter, self.pylearn.workspace_folder)
        created = await self.workspace.open(path, intro_notebook(chapter))
        self.answer({"path": path, "created": created})
