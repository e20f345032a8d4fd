"""Fixtures for the server extension: a real Jupyter server (pytest-jupyter) with PyLearn
enabled, the real PyLearn API as a subprocess, and two stand-ins for a broken API (a closed
port, and a socket that accepts connections and never answers).

``@pytest.mark.pylearn_config(**traits)`` sets ``c.PyLearn`` traits for one test;
``@pytest.mark.pylearn_api("up" | "down" | "hanging" | "echo")`` picks the API behind the proxy.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from traitlets.config import Config

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLE_CHAPTER = DATA / "sample_chapter.ipynb"
JWT_SECRET = "server-extension-tests-secret-long-enough-for-hs256"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "pylearn_config(**traits): c.PyLearn traits for a test")
    config.addinivalue_line("markers", "pylearn_api(kind): up, down, hanging or echo")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_answers(url: str, timeout: float = 30, process: subprocess.Popen | None = None,
                       log: Path | None = None) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            response = httpx.get(url, timeout=2)
            if response.status_code < 500:
                return response
        except httpx.HTTPError:
            pass
        if process is not None and process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log else ""
            pytest.fail(f"process for {url} exited with {process.returncode}:\n{tail}")
        if time.monotonic() > deadline:
            pytest.fail(f"{url} did not answer within {timeout} s")
        time.sleep(0.1)


@dataclass
class RunningApi:
    url: str
    process: subprocess.Popen
    log: Path


@pytest.fixture(scope="session")
def pylearn_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApi]:
    """The real PyLearn API (``python -m pylearn_jupyter.api``) on a temporary SQLite file."""
    folder = tmp_path_factory.mktemp("api")
    port = free_port()
    log = folder / "api.log"
    env = {**os.environ, "PYLEARN_JWT_SECRET": JWT_SECRET}
    env.pop("PYLEARN_DATABASE_URL", None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "pylearn_jupyter.api", "--host", "127.0.0.1",
             "--port", str(port), "--database", f"sqlite:///{folder / 'api.db'}"],
            stdout=out, stderr=subprocess.STDOUT, env=env, cwd=folder,
        )
    api = RunningApi(f"http://127.0.0.1:{port}", process, log)
    try:
        wait_until_answers(f"{api.url}/api/v1/health", process=process, log=log)
        yield api
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def hanging_api() -> Iterator[str]:
    """A port that accepts TCP connections (the kernel's backlog) and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@dataclass
class EchoApi:
    """An HTTP server that records what reached it and answers with what it was asked to."""

    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)


class _EchoHandler(BaseHTTPRequestHandler):
    echo: EchoApi

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        seen = {"method": self.command, "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
        self.echo.received.append(seen)
        if self.path.endswith("/html"):
            payload, kind, status = b"<html>not an API</html>", "text/html", 200
        elif self.path.endswith("/empty"):
            payload, kind, status = b"", "application/json", 204
        else:
            status = 429 if "status=429" in self.path else 200
            payload, kind = json.dumps(seen).encode(), "application/json"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Set-Cookie", "tracker=from-the-api; Path=/")
        self.send_header("Retry-After", "7")
        self.send_header("X-Api-Internal", "not for the browser")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle  # noqa: N815

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def echo_api() -> Iterator[EchoApi]:
    echo = EchoApi()
    handler = type("Handler", (_EchoHandler,), {"echo": echo})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    echo.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield echo
    server.shutdown()
    server.server_close()


@pytest.fixture
def pylearn_api_url(request: pytest.FixtureRequest) -> str:
    marker = request.node.get_closest_marker("pylearn_api")
    kind = marker.args[0] if marker else "down"
    if kind == "up":
        return request.getfixturevalue("pylearn_api").url
    if kind == "hanging":
        return request.getfixturevalue("hanging_api")
    if kind == "echo":
        return request.getfixturevalue("echo_api").url
    return f"http://127.0.0.1:{free_port()}"  # nothing listens there


@pytest.fixture
def jp_server_config(request: pytest.FixtureRequest, pylearn_api_url: str) -> Config:
    """Jupyter with the PyLearn extension, serving tests/data as the only course."""
    traits: dict[str, Any] = {
        "course_folders": [str(DATA)],
        "include_builtin_course": False,
        "api_url": pylearn_api_url,
        "proxy_timeout": 3.0,
    }
    marker = request.node.get_closest_marker("pylearn_config")
    if marker:
        traits.update(marker.kwargs)
    return Config({
        "ServerApp": {"jpserver_extensions": {"pylearn_jupyter": True}},
        "PyLearn": traits,
    })


@pytest.fixture
def raw_fetch(jp_serverapp: Any, http_server_client: Any, jp_auth_header: dict[str, str],
              jp_base_url: str):
    """Like jp_fetch, but the path is sent exactly as given (no escaping, no normalising)."""

    def fetch(path: str, method: str = "POST", headers: dict[str, str] | None = None,
              **kwargs: Any):
        all_headers = {**jp_auth_header, **(headers or {})}
        body = kwargs.pop("body", b"" if method in {"POST", "PUT", "PATCH"} else None)
        return http_server_client.fetch(
            jp_base_url.rstrip("/") + path, method=method, headers=all_headers, body=body,
            raise_error=False, allow_nonstandard_methods=True, **kwargs,
        )

    return fetch


def jupyter_env(folder: Path) -> dict[str, str]:
    """Environment for a Jupyter subprocess whose user-level state lives in ``folder``."""
    env = dict(os.environ)
    for name, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime"),
                      ("JUPYTERLAB_SETTINGS_DIR", "settings"),
                      ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"), ("IPYTHONDIR", "ipython"),
                      ("JUPYTER_DATA_DIR", "data")):
        (folder / sub).mkdir(parents=True, exist_ok=True)
        env[name] = str(folder / sub)
    return env


@pytest.fixture
def jupyter_home() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="pylearn-jupyter-") as folder:
        yield Path(folder)
