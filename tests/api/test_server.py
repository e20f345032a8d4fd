"""The real server (``python -m pylearn_jupyter.api`` under uvicorn): log privacy,
concurrent clients, several processes sharing PostgreSQL, and the command line."""

from __future__ import annotations

import asyncio
import os
import random
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from pylearn_jupyter.api.core.config import normalise_database_url

from .conftest import PostgresServer, RunningServer

API = "/api/v1"


def make_user(base: str, password: str = "a long enough password") -> tuple[str, str]:
    name = f"u{uuid.uuid4().hex[:12]}"
    response = httpx.post(f"{base}{API}/auth/register", json={
        "username": name, "email": f"{name}@example.org", "password": password})
    assert response.status_code == 201, response.text
    return name, response.json()["token"]


def test_logs_hold_no_client_address_password_token_or_code(tmp_path: Path) -> None:
    server = RunningServer(f"sqlite:///{tmp_path / 'privacy.db'}", workdir=tmp_path)
    password = "Pr1vate-Passw0rd-XYZZY"
    code = "print('RECOGNISABLE_CODE_7f3a')"
    try:
        base = server.base
        name = "privacy_user"
        email = "privacy.person@example.org"
        token = httpx.post(f"{base}{API}/auth/register", json={
            "username": name, "email": email, "password": password}).json()["token"]
        login = httpx.post(f"{base}{API}/auth/login", json={"login": name, "password": password})
        assert login.status_code == 200
        auth = {"Authorization": f"Bearer {token}"}
        item = {"id": str(uuid.uuid4()), "exercise_id": "privacy.check", "code": code,
                "passed": True, "submitted_at": "2025-01-01T00:00:00Z"}
        assert httpx.post(f"{base}{API}/submissions", headers=auth,
                          json={"items": [item]}).status_code == 200
        bad_item = {**item, "code": code + "\x00"}
        assert httpx.post(f"{base}{API}/submissions", headers=auth,
                          json={"items": [bad_item]}).status_code == 422
        httpx.post(f"{base}{API}/auth/login", json={"login": name, "password": password + "!"})
        httpx.post(f"{base}{API}/auth/password-reset", json={"email": email})
        httpx.get(f"{base}{API}/me", headers={"Authorization": f"Bearer {token}x"})
        httpx.get(f"{base}/missing")
        httpx.post(f"{base}{API}/auth/login", content=b"{bad json " + password.encode(),
                   headers={"content-type": "application/json"})
    finally:
        output = server.stop()
    assert "PyLearn API serving" in output
    for secret in ("127.0.0.1", password, token, "RECOGNISABLE_CODE_7f3a", email):
        assert secret not in output, f"{secret!r} leaked into the server output:\n{output}"


async def _hammer(base: str, users: list[tuple[str, str]], pool: dict[str, list[dict]],
                  clients: int, batches_per_client: int) -> dict[str, set[str]]:
    """Many clients send overlapping batches at once; returns the acknowledged ids."""
    acknowledged: dict[str, set[str]] = {token: set() for _, token in users}
    limits = httpx.Limits(max_connections=clients)

    async def one_client(index: int, http: httpx.AsyncClient) -> None:
        rng = random.Random(index)
        for _ in range(batches_per_client):
            _, token = rng.choice(users)
            batch = rng.sample(pool[token], k=rng.randint(1, 20))
            response = await http.post(f"{base}{API}/submissions", json={"items": batch},
                                       headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 200, response.text
            acknowledged[token].update(item["id"] for item in batch)

    async with httpx.AsyncClient(limits=limits, timeout=60) as http:
        await asyncio.gather(*(one_client(i, http) for i in range(clients)))
    return acknowledged


def test_concurrent_overlapping_batches_are_each_stored_once(database_url: str,
                                                            tmp_path: Path) -> None:
    server = RunningServer(database_url, workdir=tmp_path)
    try:
        users = [make_user(server.base) for _ in range(3)]
        pool = {
            token: [{"id": str(uuid.uuid4()), "exercise_id": f"ex{i % 7}", "code": f"x = {i}",
                     "passed": i % 3 == 0, "submitted_at": f"2025-01-01T00:{i % 60:02d}:00Z"}
                    for i in range(80)]
            for _, token in users
        }
        acknowledged = asyncio.run(_hammer(server.base, users, pool, clients=48,
                                           batches_per_client=6))
        progress = {
            token: httpx.get(f"{server.base}{API}/progress",
                             headers={"Authorization": f"Bearer {token}"}).json()["items"]
            for _, token in users
        }
    finally:
        server.stop()

    engine = create_engine(normalise_database_url(database_url))
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT user_id, id FROM submissions")).all()
    engine.dispose()
    assert len(rows) == len(set(rows)), "a submission was stored twice"
    stored_ids = {row.id for row in rows}
    for _, token in users:
        assert acknowledged[token] <= stored_ids
        assert sum(p["attempts"] for p in progress[token]) == len(acknowledged[token])
    assert len(rows) == sum(len(ids) for ids in acknowledged.values())


def test_two_processes_share_one_postgresql(postgres: PostgresServer, tmp_path: Path) -> None:
    name = postgres.create_database()
    first = RunningServer(postgres.url(name), workdir=tmp_path)
    second = RunningServer(postgres.url(name), workdir=tmp_path)
    try:
        username, token = make_user(first.base)
        me = httpx.get(f"{second.base}{API}/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200
        assert me.json()["username"] == username

        bad = {"login": username, "password": "wrong password!"}
        statuses = [httpx.post(f"{server.base}{API}/auth/login", json=bad).status_code
                    for server in (first, second, first, second, first)]
        assert statuses == [401] * 5
        locked = httpx.post(f"{second.base}{API}/auth/login",
                            json={"login": username, "password": "a long enough password"})
        assert locked.status_code == 429
        assert int(locked.headers["Retry-After"]) > 0

        assert httpx.post(f"{first.base}{API}/auth/logout-all",
                          headers={"Authorization": f"Bearer {token}"}).status_code == 204
        assert httpx.get(f"{second.base}{API}/me",
                         headers={"Authorization": f"Bearer {token}"}).status_code == 401
    finally:
        first.stop()
        second.stop()
        postgres.drop_database(name)


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PYLEARN_")}
    return subprocess.run([sys.executable, "-m", "pylearn_jupyter.api", *args],
                          env={**clean, **env}, capture_output=True, text=True, timeout=60)


def test_postgresql_without_a_secret_is_refused_with_a_sentence(postgres: PostgresServer) -> None:
    result = _cli(["--database", postgres.url()], {})
    assert result.returncode == 2
    assert "PYLEARN_JWT_SECRET" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_migrate_creates_the_default_sqlite_database_and_secret(tmp_path: Path) -> None:
    result = _cli(["migrate"], {"XDG_DATA_HOME": str(tmp_path), "HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    database = tmp_path / "pylearn" / "pylearn.db"
    secret = tmp_path / "pylearn" / "pylearn-jwt-secret"
    assert database.exists()
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    first_secret = secret.read_text()
    assert _cli(["migrate"], {"XDG_DATA_HOME": str(tmp_path)}).returncode == 0
    assert secret.read_text() == first_secret
    engine = create_engine(f"sqlite:///{database}")
    with engine.connect() as conn:
        tables = {row[0] for row in conn.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'table'"))}
    engine.dispose()
    assert {"users", "submissions", "throttle_counters", "password_resets",
            "alembic_version"} <= tables
    assert "login_failures" not in tables


def test_bad_configuration_exits_2_without_traceback(tmp_path: Path) -> None:
    for env in ({"PYLEARN_PBKDF2_ITERATIONS": "1000"}, {"PYLEARN_MAIL_URL": "ftp://x"},
                {"PYLEARN_DATABASE_URL": "mysql://x/y"}):
        result = _cli(["migrate", "--database", f"sqlite:///{tmp_path / 'x.db'}"]
                      if "PYLEARN_DATABASE_URL" not in env else ["migrate"], env)
        assert result.returncode == 2, env
        assert result.stderr.startswith("pylearn api: ")
        assert "Traceback" not in result.stderr
