"""Real processes for the browser tests: the PyLearn API, JupyterLab, and Debian's Chromium.

Nothing is faked: the API runs on a temporary SQLite file, JupyterLab runs with the PyLearn
server extension and the sample course, and Playwright drives /usr/bin/chromium.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO / "test-artifacts"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} never came up; the process exited:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s:\n{log.read_text()}")


def stop_process(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


class ApiServer:
    """`python -m pylearn_jupyter.api` on a free port; can be stopped and started again."""

    def __init__(self, folder: Path, env: dict[str, str] | None = None) -> None:
        self.folder = folder
        self.env = dict(env or {})
        self.port = free_port()
        self.db_path = folder / "pylearn.db"
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / "api.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "PYLEARN_JWT_SECRET": "e2e-secret-that-is-long-enough-for-hs256-signing",
            "PYLEARN_PBKDF2_ITERATIONS": "100000",
            **self.env,
        }
        env.pop("PYLEARN_DATABASE_URL", None)
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "pylearn_jupyter.api", "--host", "127.0.0.1",
                 "--port", str(self.port), "--database", f"sqlite:///{self.db_path}"],
                stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.folder,
            )
        wait_for_http(f"{self.url}/api/v1/health", self.process, self.log)

    def stop(self) -> None:
        stop_process(self.process)
        self.process = None

    def wait_for_rows(self, sql: str, expected: int, timeout: float = 30) -> None:
        """Until ``sql`` gives at least ``expected`` rows (the sidebar syncs in the background)."""
        deadline = time.monotonic() + timeout
        while True:
            rows = self.rows(sql)
            if len(rows) >= expected or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert len(rows) >= expected, f"{sql} gave {rows}"

    def rows(self, sql: str, *params: object) -> list[tuple]:
        with sqlite3.connect(self.db_path) as db:
            return db.execute(sql, params).fetchall()

    def row_counts(self, *, about_people: bool = False) -> dict[str, int]:
        """Rows per table (schema bookkeeping left out): what the API stores about anyone.

        ``about_people`` leaves out the throttle counts: they are kept under a hash of a
        browser's random device id and a login value, never linked to an account, and
        expire by themselves (docs/api.md, "Throttling"), so deleting an account cannot
        and need not find them.
        """
        tables = [name for (name,) in self.rows(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " AND name != 'alembic_version'")]
        if about_people:
            tables = [name for name in tables if name != "throttle_counters"]
        return {table: self.rows(f'SELECT COUNT(*) FROM "{table}"')[0][0] for table in tables}


#: The Jupyter servers of the browser tests that are running now.
RUNNING: list[LabServer] = []


class LabServer:
    """`python -m jupyterlab` with the PyLearn server extension and the sample course."""

    token = "e2e-token"
    module = "jupyterlab"

    def __init__(self, folder: Path, api_url: str) -> None:
        self.folder = folder
        self.root = folder / "workspace"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / f"{self.module}.log"
        self.api_url = api_url
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        home = self.folder / "home"
        settings = home / "lab-settings"
        notification = settings / "@jupyterlab" / "apputils-extension"
        notification.mkdir(parents=True, exist_ok=True)
        (notification / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False}))
        env = {
            **os.environ,
            "JUPYTER_CONFIG_DIR": str(home / "config"),
            "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
            "JUPYTER_DATA_DIR": str(home / "data"),
            "JUPYTERLAB_SETTINGS_DIR": str(settings),
            "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
            "IPYTHONDIR": str(home / "ipython"),
            "JUPYTER_PLATFORM_DIRS": "1",
        }
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", self.module, "--no-browser", "--ip=127.0.0.1",
                 f"--port={self.port}", "--ServerApp.port_retries=0", "--allow-root",
                 f"--ServerApp.token={self.token}", f"--ServerApp.root_dir={self.root}",
                 "--ServerApp.jpserver_extensions=pylearn_jupyter=True",
                 f"--PyLearn.api_url={self.api_url}",
                 f"--PyLearn.course_folders={REPO / 'tests' / 'data'}",
                 "--PyLearn.include_builtin_course=False"],
                stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.root,
            )
        wait_for_http(f"{self.url}/api/status?token={self.token}", self.process, self.log)
        RUNNING.append(self)

    def stop(self) -> None:
        stop_process(self.process)
        self.process = None
        if self in RUNNING:
            RUNNING.remove(self)

    def hand_out_again(self) -> None:
        """Removes the learner's exercise notebooks: the next exercise opened is as handed
        out, whatever a test before wrote and checked (a check saves the notebook)."""
        shutil.rmtree(self.root / "pylearn", ignore_errors=True)

    @property
    def lab_url(self) -> str:
        return f"{self.url}/lab?token={self.token}"


@pytest.fixture(scope="module")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    server = ApiServer(tmp_path_factory.mktemp("api"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def lab_server(
    tmp_path_factory: pytest.TempPathFactory, api_server: ApiServer
) -> Iterator[LabServer]:
    server = LabServer(tmp_path_factory.mktemp("lab"), api_server.url)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's Chromium is needed for the browser tests: "
                    "apt-get install -y chromium", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _exercises_as_handed_out() -> Iterator[None]:
    """Each browser test starts from the exercises as handed out, not as a test before it
    in the module left them (the servers are shared by a module's tests)."""
    yield
    for server in RUNNING:
        server.hand_out_again()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.timeout(600))



# pytest-jupyter (loaded by the root conftest) closes "the" asyncio loop after every test;
# here that loop belongs to Playwright's sync API, so these two fixtures stand down.
@pytest.fixture
def jp_asyncio_loop() -> Iterator[None]:
    yield None


@pytest.fixture
def jp_server_cleanup() -> Iterator[None]:
    yield None
