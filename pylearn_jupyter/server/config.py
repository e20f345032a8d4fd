"""``c.PyLearn.*``: what a server administrator can configure."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from traitlets import Bool, Float, List, TraitError, Unicode, validate
from traitlets.config import Configurable

__all__ = ["PyLearn"]


class PyLearn(Configurable):
    """Settings of the PyLearn server extension, read from any Jupyter server config source
    (``jupyter_server_config.py``, JSON, or ``--PyLearn.api_url=...`` on the command line)."""

    api_url = Unicode(
        "http://127.0.0.1:8765",
        help="Base URL of the PyLearn API (without /api/v1). The server proxies "
        "/pylearn/api/v1/* to <api_url>/api/v1/*, so the browser needs no CORS. "
        "`pylearn lab` sets it to the API it starts.",
    ).tag(config=True)

    course_folders = List(
        Unicode(),
        default_value=[],
        help="Instructor course folders (or single source notebooks) served next to the "
        "built-in course. Relative paths are relative to the server's root_dir.",
    ).tag(config=True)

    include_builtin_course = Bool(
        True,
        help="Serve the course that ships with pylearn-jupyter. Set to False to offer only "
        "the course_folders.",
    ).tag(config=True)

    workspace_folder = Unicode(
        "pylearn",
        help="Folder, relative to the server's root_dir, where learner notebooks are written "
        "(pylearn/<chapter>/<exercise-id>.ipynb). It must stay inside root_dir; '.' is "
        "root_dir itself (what `pylearn lab` uses: it serves the learner's own workspace).",
    ).tag(config=True)

    proxy_timeout = Float(
        10.0,
        help="Seconds the API proxy waits for the PyLearn API (to connect, and between bytes "
        "of the answer) before it answers 504.",
    ).tag(config=True)

    @validate("api_url")
    def _valid_api_url(self, proposal: dict[str, Any]) -> str:
        value = str(proposal["value"]).strip().rstrip("/")
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise TraitError(
                f"PyLearn.api_url must be an http:// or https:// URL, not {value!r}"
            )
        if value.endswith("/api/v1"):
            value = value[: -len("/api/v1")]
        return value

    @validate("workspace_folder")
    def _valid_workspace_folder(self, proposal: dict[str, Any]) -> str:
        raw = str(proposal["value"]).strip().replace("\\", "/").rstrip("/")
        if raw in {".", "./"}:
            return "."
        path = PurePosixPath(raw)
        if not path.parts or path.is_absolute() or any(p in {".", ".."} for p in path.parts):
            raise TraitError(
                "PyLearn.workspace_folder must be a relative folder inside the server's "
                f"root_dir, such as 'pylearn', not {proposal['value']!r}"
            )
        return str(path)

    @validate("proxy_timeout")
    def _valid_proxy_timeout(self, proposal: dict[str, Any]) -> float:
        value = float(proposal["value"])
        if value <= 0:
            raise TraitError("PyLearn.proxy_timeout must be a number of seconds above 0")
        return value
