"""Fixtures for the API suite: a real PostgreSQL server started by the tests themselves,
a fresh database per test on SQLite and on PostgreSQL, and a real SMTP server."""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import psycopg
import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from pylearn_jupyter.api import Settings, create_app

JWT_SECRET = "test-secret-that-is-long-enough-for-hs256"
PASSWORD = "correct horse battery"
_names = itertools.count()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unique(prefix: str = "u") -> str:
    return f"{prefix}{os.getpid() % 1000}_{next(_names)}"


def _pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).parent
    pytest.fail(
        "PostgreSQL server binaries (initdb, pg_ctl) were not found: install them with "
        "`apt-get install -y postgresql`. The API suite runs against a real PostgreSQL.",
        pytrace=False,
    )


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: drop to the postgres user when we are root."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


class PostgresServer:
    """A throwaway PostgreSQL cluster on 127.0.0.1, trust auth, fsync off."""

    def __init__(self) -> None:
        self.bin = _pg_bin()
        self.root = Path(tempfile.mkdtemp(prefix="pylearn-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "log"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")

    def start(self) -> None:
        subprocess.run(
            _as_postgres([str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
                          "--auth=trust", "-E", "UTF8", "--no-sync"]),
            check=True, capture_output=True,
        )
        options = (f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300")
        subprocess.run(
            _as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
                          "-w", "-o", options, "start"]),
            check=True, capture_output=True,
        )

    def stop(self) -> None:
        subprocess.run(
            _as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w",
                          "stop"]),
            capture_output=True,
        )
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                               autocommit=True)

    def create_database(self) -> str:
        name = f"t_{unique('db')}".lower()
        with self.admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        with self.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        server.start()
    except subprocess.CalledProcessError as exc:
        server.stop()
        pytest.fail(f"PostgreSQL could not be started: {exc.stderr!r}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty database for one test on the chosen backend."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'pylearn.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    name = server.create_database()
    yield server.url(name)
    server.drop_database(name)


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {"database_url": database_url, "jwt_secret": JWT_SECRET}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared_client(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[TestClient]:
    """One app per backend for a whole module, for tests that run many cases against it."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('shared') / 'shared.db'}"
        name = None
    else:
        server = request.getfixturevalue("postgres")
        name = server.create_database()
        url = server.url(name)
    with TestClient(create_app(make_settings(url))) as client:
        yield client
    if name is not None:
        server.drop_database(name)


def register(client: TestClient, password: str = PASSWORD, device: str | None = None,
             **fields: str) -> tuple[str, dict]:
    """Create a fresh account; returns (token, user). Each call comes from a device of its
    own unless ``device`` is given, so that suites registering many accounts stay under
    the per-device limit (20 per hour) that test_throttling.py checks."""
    name = fields.pop("username", None) or unique()
    body = {"username": name, "email": fields.pop("email", f"{name}@example.org"),
            "password": password}
    headers = {"X-PyLearn-Device": device or uuid.uuid4().hex}
    response = client.post("/api/v1/auth/register", json=body, headers=headers)
    assert response.status_code == 201, response.text
    data = response.json()
    return data["token"], data["user"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class MailSink:
    """aiosmtpd handler keeping every delivered message."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 10) -> list[Message]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages


@contextlib.contextmanager
def mail_sink() -> Iterator[tuple[str, MailSink]]:
    """A real SMTP server on loopback; yields (PYLEARN_MAIL_URL, sink)."""
    sink = MailSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", sink
    finally:
        controller.stop()


@pytest.fixture
def smtp() -> Iterator[tuple[str, MailSink]]:
    with mail_sink() as sink:
        yield sink


class RunningServer:
    """``python -m pylearn_jupyter.api`` in a subprocess, its output captured to a file."""

    def __init__(self, database_url: str, env: dict[str, str] | None = None,
                 workdir: Path | None = None, args: list[str] | None = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="pylearn-api-"))
        self.output_path = self.workdir / f"server-{self.port}.log"
        environment = {k: v for k, v in os.environ.items() if not k.startswith("PYLEARN_")}
        environment.update({"PYLEARN_JWT_SECRET": JWT_SECRET, **(env or {})})
        self._output = open(self.output_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pylearn_jupyter.api", "--host", "127.0.0.1",
             "--port", str(self.port), "--database", database_url, *(args or [])],
            stdout=self._output, stderr=subprocess.STDOUT, env=environment,
        )
        self.wait_ready()

    def wait_ready(self, timeout: float = 30) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the API server exited early:\n{self.output()}")
            try:
                if httpx.get(self.base + "/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the API server did not answer in {timeout} s:\n{self.output()}")

    def output(self) -> str:
        return self.output_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> str:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._output.close()
        return self.output()
