"""The base of every PyLearn handler: shared state, and errors as JSON in one place."""

from __future__ import annotations

import json
from typing import Any

import httpx
from jupyter_server.base.handlers import APIHandler
from tornado import web
from tornado.httputil import responses

from .config import PyLearn
from .courses import CourseSource
from .errors import PyLearnError
from .workspace import Workspace

__all__ = ["NAMESPACE", "PyLearnHandler", "NotFoundHandler"]

NAMESPACE = "pylearn"


class PyLearnHandler(APIHandler):
    """Answers ``{"message": ...}`` for every failure, never a traceback.

    Handlers raise :class:`PyLearnError` subclasses (or tornado's ``HTTPError``); the status
    and the sentence come from the error. Anything else is a bug: logged with its
    traceback on the server, a plain sentence for the client.
    """

    @property
    def pylearn(self) -> PyLearn:
        return self.settings["pylearn_config"]

    @property
    def course_source(self) -> CourseSource:
        return self.settings["pylearn_course_source"]

    @property
    def workspace(self) -> Workspace:
        return self.settings["pylearn_workspace"]

    @property
    def api_client(self) -> httpx.AsyncClient:
        return self.settings["pylearn_api_client"]

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, PyLearnError):
            self.log.warning("PyLearn %s %s: %s", self.request.method, self.request.path, value)
        else:
            super().log_exception(typ, value, tb)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        error = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(error, PyLearnError):
            status_code, message = error.status, str(error)
            self.set_status(status_code)
        elif isinstance(error, web.HTTPError):
            message = error.log_message or responses.get(status_code, "Request refused")
            if error.args:
                try:
                    message = message % error.args
                except (TypeError, ValueError):
                    pass
        elif status_code >= 500:
            message = ("PyLearn could not answer this request because of an internal error; "
                       "the Jupyter server log has the details.")
        else:
            message = responses.get(status_code, "Request refused")
        self.finish(json.dumps({"message": message}))

    def answer(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.finish(json.dumps(data))


class NotFoundHandler(PyLearnHandler):
    """Any other URL under /pylearn/: a JSON 404 rather than an HTML page."""

    def _not_found(self, *args: Any) -> None:
        raise web.HTTPError(404, "There is no PyLearn endpoint at %s.", self.request.path)

    get = post = put = patch = delete = web.authenticated(_not_found)
