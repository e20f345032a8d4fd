"""The PyLearn server extension's HTTP handlers, and :func:`setup_handlers` that routes them.

Every URL is under ``/pylearn/`` (after Jupyter's base URL):

- ``GET catalog``: the course as the PyLearn sidebar shows it;
- ``POST exercises/<id>/open`` and ``POST chapters/<id>/intro/open``: the learner's
  notebook in the workspace, written only if it is not there yet;
- ``POST exercises/<id>/reset``: the original notebook again, the learner's kept as backup;
- ``api/v1/<path>``: the PyLearn API through the server, ``<api_url>/api/v1/<path>``,
  without CORS (below);
- ``GET reset-password?token=...``: the page the password reset mail links to
  (``pylearn_jupyter.server.reset_page``);
- anything else: a JSON 404.

The state they use (configuration, course, workspace, API client) is set up by
:class:`pylearn_jupyter.server.app.PyLearnApp`; the course and workspace logic lives in
``pylearn_jupyter.server``.

Through the API proxy only what the API needs crosses: method, path, query, body,
``Content-Type``, ``X-PyLearn-Device``, ``If-None-Match`` (a class course's cached version)
and a ``Bearer`` ``Authorization`` (the learner's PyLearn token). Jupyter's cookies, its
token and the client's address never reach the API; the API's cookies (it sets none) never
reach the browser. Back come the status, the JSON body, ``Retry-After``, ``ETag`` and
``Vary``; a body the API gzipped (a class's progress, for a browser that takes gzip) is
passed on gzipped, with its ``Content-Encoding``.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import json
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import httpx
from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web
from tornado.httputil import responses

from .catalog import catalog, exercise_path, intro_path
from .release import intro_notebook, learner_notebook
from .server.config import PyLearn
from .server.courses import CourseSource
from .server.errors import (
    ApiBadAnswer,
    ApiTimeout,
    ApiUnreachable,
    InvalidId,
    NotInCatalog,
    PyLearnError,
)
from .server.reset_page import reset_page
from .server.workspace import Workspace

__all__ = ["API_PROXY_PATH", "NAMESPACE", "ApiProxyHandler", "CatalogHandler",
           "NotFoundHandler", "OpenExerciseHandler", "OpenIntroHandler", "PyLearnHandler",
           "ResetExerciseHandler", "ResetPasswordPageHandler", "make_api_client",
           "setup_handlers"]

NAMESPACE = "pylearn"
API_PROXY_PATH = f"/{NAMESPACE}/api/v1"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
RETURNED_HEADERS = ("Retry-After", "ETag", "Vary")
#: Request headers passed on as they are (docs/api.md: Throttling; Classes, the course).
FORWARDED_HEADERS = ("Content-Type", "X-PyLearn-Device", "If-None-Match")


def setup_handlers(web_app: web.Application) -> None:
    """Route PyLearn's URLs, under the server's base URL, to the handlers below."""
    base_url = web_app.settings.get("base_url", "/")
    ident = r"(?P<{}>.*)"
    routes = [
        ("catalog", CatalogHandler),
        (f"exercises/{ident.format('exercise_id')}/open", OpenExerciseHandler),
        (f"exercises/{ident.format('exercise_id')}/reset", ResetExerciseHandler),
        (f"chapters/{ident.format('chapter_id')}/intro/open", OpenIntroHandler),
        ("api/v1/(?P<path>.*)", ApiProxyHandler),
        ("reset-password/?", ResetPasswordPageHandler),
    ]
    handlers: list[tuple[str, type[web.RequestHandler]]] = [
        (url_path_join(base_url, NAMESPACE, pattern), handler) for pattern, handler in routes
    ]
    handlers.append((url_path_join(base_url, NAMESPACE) + r"(?:/.*)?", NotFoundHandler))
    web_app.add_handlers(".*$", handlers)


class ResetPasswordPageHandler(JupyterHandler):
    """The page the reset mail links to; it sets the password through the API proxy."""

    @web.authenticated
    def get(self) -> None:
        base_url = self.settings.get("base_url", "/")
        self.xsrf_token  # noqa: B018 - sets the _xsrf cookie the page's POST must echo
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.set_header("Referrer-Policy", "no-referrer")
        self.finish(reset_page(api_base=url_path_join(base_url, API_PROXY_PATH),
                               continue_url=url_path_join(base_url, "lab"),
                               through_jupyter=True))


# The base of every handler: shared state, and errors as JSON in one place.

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


# GET /pylearn/catalog

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


# Open or reset an exercise (or a chapter introduction) in the learner's workspace.

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


# The API proxy

def make_api_client(api_url: str, timeout: float) -> httpx.AsyncClient:
    """One client per server: pooled connections, no redirects followed, no cookie kept.

    Proxy environment variables are honoured for a remote API only, so a system-wide
    HTTP_PROXY cannot swallow requests to the API on this machine.
    """
    no_cookies = http.cookiejar.CookieJar(
        policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[])
    )
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        cookies=no_cookies,
        trust_env=urlsplit(api_url).hostname not in LOOPBACK,
    )


class ApiProxyHandler(PyLearnHandler):
    @web.authenticated
    async def get(self, path: str) -> None:
        await self._forward(path)

    @web.authenticated
    async def post(self, path: str) -> None:
        await self._forward(path)

    @web.authenticated
    async def put(self, path: str) -> None:
        await self._forward(path)

    @web.authenticated
    async def patch(self, path: str) -> None:
        await self._forward(path)

    @web.authenticated
    async def delete(self, path: str) -> None:
        await self._forward(path)

    def _target(self, path: str) -> str:
        segments = path.split("/")
        if any(segment in {".", ".."} for segment in segments):
            raise InvalidId("The API path may not contain '.' or '..' segments.")
        url = f"{self.pylearn.api_url}/api/v1/" + "/".join(quote(s, safe="") for s in segments)
        query = self._forwarded_query()
        return f"{url}?{query}" if query else url

    def _forwarded_query(self) -> str:
        """The query string without Jupyter's own credentials (``token``, ``_xsrf``)."""
        query = self.request.query
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs
                if k != "_xsrf" and not (k == "token" and v == self.token)]
        return query if len(kept) == len(pairs) else urlencode(kept)

    def _forwarded_headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        for name in FORWARDED_HEADERS:
            if value := self.request.headers.get(name):
                headers[name] = value
        authorization = self.request.headers.get("Authorization", "")
        scheme, _, credential = authorization.partition(" ")
        credential = credential.strip()
        if scheme.lower() == "bearer" and credential and credential != self.token:
            headers["Authorization"] = f"Bearer {credential}"
        return headers

    def _accepts_gzip(self) -> bool:
        return "gzip" in self.request.headers.get("Accept-Encoding", "").lower()

    async def _forward(self, path: str) -> None:
        api_url = self.pylearn.api_url
        timeout = self.pylearn.proxy_timeout
        method = self.request.method or "GET"
        body = self.request.body if method in {"POST", "PUT", "PATCH", "DELETE"} else None
        headers = self._forwarded_headers()
        # A big answer (a class's progress) stays gzipped on its way to a browser that
        # takes gzip: it is passed on as the API compressed it, not inflated here.
        headers["Accept-Encoding"] = "gzip" if self._accepts_gzip() else "identity"
        try:
            async with asyncio.timeout(timeout):
                request = self.api_client.build_request(
                    method, self._target(path), content=body or None, headers=headers)
                upstream = await self.api_client.send(request, stream=True)
                try:
                    raw = b"".join([chunk async for chunk in upstream.aiter_raw()])
                finally:
                    await upstream.aclose()
        except (TimeoutError, httpx.TimeoutException):
            raise ApiTimeout(
                f"The PyLearn API at {api_url} did not answer within {timeout:g} seconds; "
                "try again in a moment, or check that it is running."
            ) from None
        except httpx.TransportError as exc:
            raise ApiUnreachable(
                f"The PyLearn API at {api_url} is not reachable ({type(exc).__name__}); "
                "start it with `pylearn api` (or use `pylearn lab`), or check "
                "c.PyLearn.api_url."
            ) from None
        content_type = upstream.headers.get("Content-Type", "")
        encoding = upstream.headers.get("Content-Encoding", "identity").lower()
        if raw and "json" not in content_type.lower():
            raise ApiBadAnswer(
                f"The service at {api_url} answered {upstream.status_code} with "
                f"{content_type or 'an unknown content type'} instead of JSON; check that "
                "c.PyLearn.api_url points to a PyLearn API."
            )
        if encoding not in {"identity", "gzip"} or (encoding == "gzip"
                                                      and not self._accepts_gzip()):
            raise ApiBadAnswer(
                f"The service at {api_url} answered in an encoding ({encoding}) that was "
                "not asked for; check that c.PyLearn.api_url points to a PyLearn API."
            )
        self.set_status(upstream.status_code, reason=upstream.reason_phrase or "Unknown")
        for name in RETURNED_HEADERS:
            if name in upstream.headers:
                self.set_header(name, upstream.headers[name])
        if encoding == "gzip":
            self.set_header("Content-Encoding", "gzip")
        if raw:
            self.finish(raw, set_content_type=content_type)
        else:
            self.finish()
