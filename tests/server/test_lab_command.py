"""``pylearn lab`` end to end: JupyterLab and the local API start together and stop together."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from .conftest import free_port, jupyter_env, wait_until_answers

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(),
                                reason="reads the process tree from /proc")

TOKEN = "lab-command-token"


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def accepts(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Lab:
    """``pylearn lab`` as a subprocess with every Jupyter and data folder in ``home``."""

    def __init__(self, home: Path, *extra: str, workspace: bool = True,
                 cwd: Path | None = None) -> None:
        self.api_port, self.lab_port = free_port(), free_port()
        self.root = home / "workspace"
        self.data = home / "xdg-data"
        env = jupyter_env(home)
        env["XDG_DATA_HOME"] = str(self.data)
        env["HOME"] = str(home)
        env.pop("PYLEARN_DATABASE_URL", None)
        env.pop("PYLEARN_WORKSPACE", None)
        self.log = home / "lab.log"
        command = [sys.executable, "-m", "pylearn_jupyter.lab",
                   "--api-port", str(self.api_port), *extra,
                   "--no-browser", "--port", str(self.lab_port), f"--ServerApp.token={TOKEN}",
                   "--ServerApp.port_retries=0"]
        if workspace:
            command.append(f"--workspace={self.root}")
        # as root, `pylearn lab` itself adds --allow-root (tests run as root in containers)
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                            env=env, cwd=cwd or home)
        self.url = f"http://127.0.0.1:{self.lab_port}"
        self.api_url = f"http://127.0.0.1:{self.api_port}"

    def wait_ready(self) -> None:
        wait_until_answers(f"{self.api_url}/api/v1/health", 60, self.process, self.log)
        wait_until_answers(f"{self.url}/api/status?token={TOKEN}", 60, self.process, self.log)

    def get(self, path: str) -> httpx.Response:
        return httpx.get(f"{self.url}{path}", params={"token": TOKEN}, timeout=10)

    def post(self, path: str) -> httpx.Response:
        return httpx.post(f"{self.url}{path}", headers={"Authorization": f"token {TOKEN}"},
                          timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def start_lab(jupyter_home: Path):
    started: list[Lab] = []

    def start(*extra: str, **options: object) -> Lab:
        lab = Lab(jupyter_home, *extra, **options)
        started.append(lab)
        return lab

    yield start
    for lab in started:
        lab.close()


def test_lab_serves_the_course_and_the_api_then_stops_both_on_sigterm(start_lab):
    lab = start_lab()
    lab.wait_ready()
    children = children_of(lab.process.pid)

    catalog = lab.get("/pylearn/catalog")
    health = lab.get("/pylearn/api/v1/health")
    lab.process.send_signal(signal.SIGTERM)
    status = lab.process.wait(30)

    assert catalog.status_code == 200
    assert catalog.json()["api"]["url"] == lab.api_url
    assert catalog.json()["chapters"], "the built-in course is served"
    assert health.json() == {"status": "ok", "database": "ok"}
    assert (lab.data / "pylearn" / "pylearn.db").is_file(), "the embedded SQLite default"
    assert len(children) == 2
    assert status == 0
    assert not [pid for pid in children if alive(pid)]
    assert not accepts(lab.lab_port) and not accepts(lab.api_port)


def test_when_the_api_dies_jupyterlab_is_stopped_too(start_lab):
    lab = start_lab()
    lab.wait_ready()
    children = children_of(lab.process.pid)
    [api] = [pid for pid in children
             if b"pylearn_jupyter.api" in Path(f"/proc/{pid}/cmdline").read_bytes()]

    os.kill(api, signal.SIGKILL)
    status = lab.process.wait(30)

    assert status == 1
    assert "the PyLearn API stopped unexpectedly" in lab.output()
    assert not [pid for pid in children if alive(pid)]


def test_a_busy_api_port_is_one_clear_sentence(start_lab):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        lab = start_lab("--api-port", str(port))
        status = lab.process.wait(30)

    assert status == 1
    assert f"pylearn lab: port {port} on 127.0.0.1 is already in use" in lab.output()
    assert "Traceback" not in lab.output()


def test_an_api_that_cannot_start_is_reported_with_its_last_lines(start_lab):
    lab = start_lab("--database", "mysql://nowhere/db")
    status = lab.process.wait(60)

    assert status == 1
    output = lab.output()
    assert "pylearn lab: the PyLearn API failed to start" in output
    assert "Unsupported database" in output
    assert not accepts(lab.lab_port)


def test_the_pylearn_console_script_delegates_to_lab(jupyter_home):
    script = Path(sys.executable).with_name("pylearn")
    started = time.monotonic()

    result = subprocess.run([str(script), "lab", "--help"], capture_output=True, text=True,
                            timeout=60, env=jupyter_env(jupyter_home))

    assert result.returncode == 0, result.stderr
    assert "--api-port" in result.stdout
    assert time.monotonic() - started < 30


@pytest.mark.skipif(os.geteuid() != 0, reason="needs to run as root")
def test_lab_starts_as_root_with_a_one_line_notice(start_lab):
    lab = start_lab()
    lab.wait_ready()

    assert lab.get("/api/status").status_code == 200
    notices = [line for line in lab.output().splitlines() if "--allow-root" in line]
    assert notices == ["pylearn lab: running as root (as in many containers), so JupyterLab "
                       "is started with --allow-root."]
    assert "Running as root is not recommended" not in lab.output()


def test_jupyterlab_serves_the_default_workspace_not_the_folder_it_was_started_in(start_lab):
    repository = Path(__file__).resolve().parents[2]
    lab = start_lab(workspace=False, cwd=repository)
    lab.wait_ready()
    home = lab.root.parent

    listing = lab.get("/api/contents").json()
    opened = lab.post("/pylearn/exercises/strings.reverse-words/open")

    assert (home / "pylearn").is_dir(), "the default workspace is ~/pylearn"
    assert f"starting JupyterLab in your workspace {home / 'pylearn'}" in lab.output()
    assert listing["content"] == [], "nothing of the repository is visible"
    assert opened.status_code == 200, opened.text
    assert opened.json()["path"] == "strings/strings.reverse-words.ipynb"
    assert (home / "pylearn" / "strings" / "strings.reverse-words.ipynb").is_file()
    assert not (repository / opened.json()["path"]).exists()


CLIENT_ADDRESS = "127.0.0.5"  # a loopback address of its own, so the log can be searched for it
RESET_CODE = "reset-code-that-must-stay-secret"


def test_failing_requests_are_logged_without_the_client_address_or_secrets(start_lab):
    lab = start_lab("--debug")
    lab.wait_ready()
    client = httpx.Client(base_url=lab.url, timeout=10,
                          transport=httpx.HTTPTransport(local_address=CLIENT_ADDRESS))
    auth = {"Authorization": f"token {TOKEN}"}
    reset_link = f"/pylearn/reset-password?token={RESET_CODE}"
    answers = [
        client.get("/no-such-page", headers=auth),                        # 404, Jupyter
        client.get("/pylearn/no-such-endpoint?code=123", headers=auth),   # 404, PyLearn
        client.get(reset_link, headers=auth),                             # the mail's link
        client.get(reset_link),                                           # ... not logged in
        client.get("/lab/tree/x", params={"next": reset_link}),           # login redirect
        client.get("/login", params={"next": reset_link}),
        client.get("/api/contents", params={"token": "wrong-token"}),     # 403
        client.post("/api/contents", cookies={"_xsrf": "a"}),             # 403, tornado's warning
        client.get("/pylearn/api/v1/me", headers=auth),                   # 401 from the API
        client.get("/pylearn/api/v1/me?token=x", headers={**auth, "X-Forwarded-For": "10.9.8.7"}),
        client.get("/pylearn/api/v1/a/%2e%2e/b", headers=auth),           # 400 from the proxy
    ]
    client.close()
    lab.process.send_signal(signal.SIGTERM)
    lab.process.wait(30)
    log = lab.output()

    statuses = [answer.status_code for answer in answers]
    assert 404 in statuses and 403 in statuses and 401 in statuses
    assert "404 GET /no-such-page " in log, "failing requests are still logged"
    assert "401 GET /pylearn/api/v1/me " in log
    assert CLIENT_ADDRESS not in log
    assert "10.9.8.7" not in log
    assert RESET_CODE not in log
    assert "code=123" not in log
