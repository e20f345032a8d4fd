"""``GET /pylearn/catalog``: the course as the PyLearn sidebar shows it."""

from __future__ import annotations

from tornado import web

from ..catalog import catalog
from .base import NAMESPACE, PyLearnHandler

__all__ = ["CatalogHandler"]

API_PROXY_PATH = f"/{NAMESPACE}/api/v1"


class CatalogHandler(PyLearnHandler):
    @web.authenticated
    def get(self) -> None:
        """Chapters and exercises with their workspace paths; a broken source notebook is
        left out and named in ``problems`` so the rest of the course stays usable."""
        loaded = self.course_source.load()
        answer = catalog(loaded.course, folder=self.pylearn.workspace_folder)
        answer["api"] = {"proxy": API_PROXY_PATH, "url": self.pylearn.api_url}
        answer["problems"] = list(loaded.problems)
        self.answer(answer)
