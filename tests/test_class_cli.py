"""`pylearn class` against a real PyLearn API process on 127.0.0.1 (temporary SQLite):
login and the token file, create, list, upload, the progress CSV, refusals and delete.

The commands run as subprocesses in a session of their own (no terminal), so getpass reads
the password from standard input, as it would from a pipe in a script."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from api.conftest import PASSWORD, RunningServer, bearer, free_port, register

from pylearn_jupyter import cli

DATA = Path(__file__).parent / "data"
CSV_HEADER = ["username", "joined_at", "exercise_id", "status", "attempts", "completed_at",
              "last_submitted_at"]
RIGHT = "def reverse_words(text):\n    return ' '.join(reversed(text.split()))\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[RunningServer]:
    folder = tmp_path_factory.mktemp("api")
    running = RunningServer(f"sqlite:///{folder / 'pylearn.db'}", workdir=folder)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def api(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base, timeout=30) as client:
        yield client


def pylearn_class(home: Path, *args: str, stdin: str = "", env: dict[str, str] | None = None,
                  api_url: str | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYLEARN_")}
    environment["XDG_CONFIG_HOME"] = str(home)
    if api_url:
        environment["PYLEARN_API_URL"] = api_url
    environment.update(env or {})
    proc = subprocess.run([sys.executable, "-m", "pylearn_jupyter.cli", "class", *args],
                          input=stdin, capture_output=True, text=True, timeout=120,
                          env=environment, start_new_session=True)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def login(home: Path, base: str, username: str, password: str = PASSWORD):
    return pylearn_class(home, "login", "--api", base, "--user", username,
                         stdin=password + "\n")


@pytest.fixture(scope="module")
def teacher(server: RunningServer, api: httpx.Client, tmp_path_factory) -> dict:
    """A teacher account logged in through `pylearn class login`."""
    home = tmp_path_factory.mktemp("teacher-home")
    token, user = register(api)
    proc = login(home, server.base + "/api/v1/", user["username"])
    assert proc.returncode == 0, proc.stderr
    return {"home": home, "token": token, "user": user}


def run_as(teacher: dict, server: RunningServer, *args: str, **kwargs):
    return pylearn_class(teacher["home"], *args, **kwargs)


def created(proc: subprocess.CompletedProcess) -> tuple[str, str]:
    assert proc.returncode == 0, proc.stderr
    class_id = re.search(r"^id:\s+([0-9a-f]{16})$", proc.stdout, re.M).group(1)
    code = re.search(r"^join code:\s+(\S+)$", proc.stdout, re.M).group(1)
    return class_id, code


def join_and_submit(api: httpx.Client, code: str, *items: dict, username: str | None = None
                    ) -> tuple[str, dict]:
    token, user = register(api, **({"username": username} if username else {}))
    joined = api.post("/api/v1/classes/join", headers=bearer(token),
                      json={"join_code": code, "consent": True})
    assert joined.status_code == 200, joined.text
    if items:
        sent = api.post("/api/v1/submissions", headers=bearer(token), json={"items": [
            {"id": str(uuid.uuid4()), "code": RIGHT, "submitted_at": "2025-03-01T10:00:00Z",
             **item} for item in items]})
        assert sent.status_code == 200, sent.text
    return token, user


def test_login_keeps_the_token_in_a_0600_file_and_logout_removes_it(server, api, tmp_path):
    token, user = register(api)
    home = tmp_path / "config"
    args = ["login", "--api", server.base, "--user", user["username"]]
    proc = pylearn_class(home, *args, stdin=PASSWORD + "\n")

    assert proc.returncode == 0, proc.stderr
    assert PASSWORD not in args and "--password" not in pylearn_class(
        home, "login", "--help").stdout
    path = home / "pylearn" / "token.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    stored = json.loads(path.read_text())
    assert stored["api"] == server.base and stored["username"] == user["username"]
    assert PASSWORD not in path.read_text() and PASSWORD not in proc.stdout + proc.stderr
    me = api.get("/api/v1/me", headers=bearer(stored["token"]))
    assert me.status_code == 200 and me.json()["id"] == user["id"]

    # The stored address is used by the next commands, without PYLEARN_API_URL.
    assert pylearn_class(home, "list").returncode == 0

    wrong = pylearn_class(tmp_path / "other", *args, stdin="not the password\n")
    assert wrong.returncode == 1 and not (tmp_path / "other" / "pylearn" / "token.json").exists()
    assert "password" in wrong.stderr.lower()

    out = pylearn_class(home, "logout")
    assert out.returncode == 0 and not path.exists()
    after = pylearn_class(home, "list")
    assert after.returncode == 1 and "pylearn class login" in after.stderr


def test_login_asks_the_password_with_getpass(server, api, tmp_path, monkeypatch, capsys):
    _, user = register(api)
    asked: list[str] = []

    def fake_getpass(prompt: str = "Password: ", stream=None) -> str:
        asked.append(prompt)
        return PASSWORD

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    for name in ("PYLEARN_API_URL", "PYLEARN_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("getpass.getpass", fake_getpass)
    monkeypatch.setattr("builtins.input", lambda prompt="": pytest.fail("input() was called"))

    assert cli.main(["class", "login", "--api", server.base, "--user", user["username"]]) == 0
    assert len(asked) == 1 and user["username"] in asked[0]
    assert (tmp_path / "pylearn" / "token.json").exists()
    assert PASSWORD not in capsys.readouterr().out


def test_create_list_upload_and_progress_csv(server, api, teacher, tmp_path):
    class_id, code = created(run_as(teacher, server, "create", "Python 101", "--uploaded",
                                    api_url=server.base))
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}", code)
    builtin_id, _ = created(run_as(teacher, server, "create", "Built in"))

    listed = run_as(teacher, server, "list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["ID", "NAME", "ROLE", "LEARNERS", "COURSE"]
    assert [class_id, "Python", "101", "teacher", "0", "uploaded"] in [
        line.split() for line in lines]
    assert [builtin_id, "Built", "in", "teacher", "0", "pylearn"] in [
        line.split() for line in lines]

    bundle = tmp_path / "course.json"
    made = subprocess.run([sys.executable, "-m", "pylearn_jupyter.cli", "release", str(DATA),
                           str(bundle), "--bundle"], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    versions = []
    for source in (bundle, bundle, DATA):
        up = run_as(teacher, server, "upload", class_id, str(source))
        assert up.returncode == 0, up.stderr
        versions.append(re.search(r"^version: ([0-9a-f]+)$", up.stdout, re.M).group(1))
    assert versions[0] == versions[1] == versions[2]
    served = api.get(f"/api/v1/classes/{class_id}/course", headers=bearer(teacher["token"]))
    assert served.status_code == 200 and served.headers["ETag"] == f'"{versions[0]}"'

    prefix = f"class:{class_id}/"
    join_and_submit(api, code, {"exercise_id": prefix + "sample.reverse-words", "passed": True},
                    {"exercise_id": "basics.hello", "passed": True}, username="ada_l")
    join_and_submit(api, code,
                    {"exercise_id": prefix + "sample.greet", "passed": False},
                    {"exercise_id": prefix + "sample.greet", "passed": False,
                     "solution_viewed": True, "submitted_at": "2025-03-02T10:00:00Z"},
                    {"exercise_id": prefix + "sample.reverse-words", "passed": False},
                    username="bob_b")
    join_and_submit(api, code, username="cy_c")

    out = tmp_path / "progress.csv"
    to_file = run_as(teacher, server, "progress", class_id, "-o", str(out))
    to_stdout = run_as(teacher, server, "progress", class_id)

    assert to_file.returncode == 0 and to_stdout.returncode == 0, to_file.stderr
    text = out.read_text(encoding="utf-8")
    assert text == to_stdout.stdout
    assert "@" not in text and "example.org" not in text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == CSV_HEADER
    table = {(r[0], r[2]): dict(zip(CSV_HEADER, r, strict=True)) for r in rows[1:]}
    assert list(table) == [(name, exercise) for name in ("ada_l", "bob_b", "cy_c")
                           for exercise in ("sample.reverse-words", "sample.greet")]
    ada = table["ada_l", "sample.reverse-words"]
    assert (ada["status"], ada["attempts"]) == ("done", "1")
    assert ada["completed_at"].startswith("2025-03-01T10:00:00")
    assert ada["last_submitted_at"].startswith("2025-03-01T10:00:00") and ada["joined_at"]
    assert table["ada_l", "sample.greet"]["status"] == "not started"
    bob = table["bob_b", "sample.greet"]
    assert (bob["status"], bob["attempts"], bob["completed_at"]) == ("solution viewed", "2", "")
    assert bob["last_submitted_at"].startswith("2025-03-02T10:00:00")
    assert table["bob_b", "sample.reverse-words"]["status"] == "tried"
    assert {table["cy_c", e]["status"] for e in ("sample.reverse-words", "sample.greet")} == {
        "not started"}
    assert "basics.hello" not in text


def test_refusals_are_one_message_and_exit_1(server, api, teacher, tmp_path):
    class_id, code = created(run_as(teacher, server, "create", "Refusals", "--uploaded"))
    builtin_id, _ = created(run_as(teacher, server, "create", "Built-in refusals"))
    learner_token, _ = join_and_submit(api, code)

    on_builtin = run_as(teacher, server, "upload", builtin_id, str(DATA))
    assert on_builtin.returncode == 1 and "built-in PyLearn course" in on_builtin.stderr

    as_learner = run_as(teacher, server, "progress", class_id,
                        env={"PYLEARN_TOKEN": learner_token})
    assert as_learner.returncode == 1 and as_learner.stdout == ""
    assert as_learner.stderr.startswith("pylearn class progress: ")
    listed = run_as(teacher, server, "list", env={"PYLEARN_TOKEN": learner_token})
    assert listed.returncode == 0 and f"{class_id}  Refusals  learner" in listed.stdout

    unknown = run_as(teacher, server, "progress", "0" * 16)
    assert unknown.returncode == 1 and "pylearn class progress: " in unknown.stderr

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": 1, "course": {"title": "", "chapters": []},
                               "notebooks": {}}))
    invalid = run_as(teacher, server, "upload", class_id, str(bad))
    assert invalid.returncode == 1 and "course.title" in invalid.stderr
    assert api.get(f"/api/v1/classes/{class_id}/course",
                   headers=bearer(teacher["token"])).status_code == 404

    for args in (("progress", "not-an-id"), ("create", ""), ("upload", class_id, "missing"),
                 ("delete",)):
        usage = run_as(teacher, server, *args)
        assert usage.returncode == 2, (args, usage.stderr)

    nowhere = run_as(teacher, server, "list", api_url=f"http://127.0.0.1:{free_port()}")
    assert nowhere.returncode == 1 and "cannot be reached" in nowhere.stderr


def test_a_revoked_or_removed_token_says_log_in_again(server, api, tmp_path):
    token, user = register(api)
    home = tmp_path / "config"
    assert login(home, server.base, user["username"]).returncode == 0
    stored = json.loads((home / "pylearn" / "token.json").read_text())["token"]
    assert api.post("/api/v1/auth/logout-all", headers=bearer(stored)).status_code == 204

    revoked = pylearn_class(home, "list")
    assert revoked.returncode == 1
    assert "log in again with `pylearn class login`" in revoked.stderr

    assert pylearn_class(home, "logout").returncode == 0
    removed = pylearn_class(home, "create", "No token", api_url=server.base)
    assert removed.returncode == 1 and "pylearn class login" in removed.stderr
    garbage = pylearn_class(home, "list", env={"PYLEARN_TOKEN": "not.a.token"},
                            api_url=server.base)
    assert garbage.returncode == 1 and "PYLEARN_TOKEN" in garbage.stderr


def test_delete_asks_unless_yes(server, api, teacher):
    class_id, code = created(run_as(teacher, server, "create", "To delete", "--uploaded"))
    join_and_submit(api, code)

    kept = run_as(teacher, server, "delete", class_id, stdin="no\n")
    assert kept.returncode == 1 and "nothing deleted" in kept.stderr
    assert "To delete" in kept.stdout and "1 learner" in kept.stdout
    assert class_id in run_as(teacher, server, "list").stdout

    gone = run_as(teacher, server, "delete", class_id, "--yes")
    assert gone.returncode == 0, gone.stderr
    assert class_id not in run_as(teacher, server, "list").stdout
    again = run_as(teacher, server, "delete", class_id, "--yes")
    assert again.returncode == 1 and "no such class" in again.stderr.lower()

    asked, _ = created(run_as(teacher, server, "create", "Asked"))
    confirmed = run_as(teacher, server, "delete", asked, stdin="yes\n")
    assert confirmed.returncode == 0 and asked not in run_as(teacher, server, "list").stdout
