"""Weak signing secrets refused, private SQLite files, the throttling migration, and the
OpenAPI document and CORS of the device header (docs/api.md)."""

from __future__ import annotations

import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, text

from pylearn_jupyter.api import ConfigError, create_app
from pylearn_jupyter.api.core.config import Settings, normalise_database_url
from pylearn_jupyter.api.core.db import alembic_config

from .conftest import make_settings, register

API = "/api/v1"


@pytest.mark.parametrize(
    "secret",
    [
        "a" * 32,
        "a" * 64,
        "ab" * 20,
        "0123456789abcdef" * 2,
        "abcdefgh" * 8,
        "benchmark-secret-" + "x" * 32,
        "short-but-random-Xq9",
    ],
)
def test_secrets_with_too_little_entropy_are_refused(secret: str) -> None:
    with pytest.raises(ConfigError, match="PYLEARN_JWT_SECRET has too little entropy") as info:
        make_settings("sqlite:///x.db", jwt_secret=secret)
    assert "secrets.token_urlsafe" in str(info.value)


def test_random_secrets_are_accepted() -> None:
    for _ in range(200):
        for secret in (secrets.token_hex(16), secrets.token_urlsafe(32)):
            make_settings("sqlite:///x.db", jwt_secret=secret)


def test_a_weak_secret_in_the_environment_stops_the_server(tmp_path: Path) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PYLEARN_")}
    result = subprocess.run(
        [sys.executable, "-m", "pylearn_jupyter.api", "migrate", "--database",
         f"sqlite:///{tmp_path / 'x.db'}"],
        env={**clean, "PYLEARN_JWT_SECRET": "a" * 32}, capture_output=True, text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "too little entropy" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_weak_secret_file_beside_the_database_is_refused(tmp_path: Path) -> None:
    (tmp_path / "pylearn-jwt-secret").write_text("a" * 40 + "\n")
    with pytest.raises(ConfigError, match="not a usable secret"):
        Settings.from_env({}, database_url=f"sqlite:///{tmp_path / 'pylearn.db'}")


def test_the_sqlite_database_and_its_wal_and_shm_are_private(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        database = tmp_path / "new" / "pylearn.db"
        with TestClient(create_app(make_settings(f"sqlite:///{database}"))) as client:
            register(client)
            modes = {
                path.name: stat.S_IMODE(path.stat().st_mode)
                for path in database.parent.iterdir()
                if path.name.startswith("pylearn.db")
            }
    finally:
        os.umask(previous)
    assert set(modes) == {"pylearn.db", "pylearn.db-wal", "pylearn.db-shm"}
    assert modes == dict.fromkeys(modes, 0o600), {k: oct(v) for k, v in modes.items()}
    assert stat.S_IMODE(database.parent.stat().st_mode) == 0o700


def test_a_world_readable_database_of_an_earlier_version_is_closed(tmp_path: Path) -> None:
    database = tmp_path / "pylearn.db"
    with TestClient(create_app(make_settings(f"sqlite:///{database}"))) as client:
        register(client)
    files = [database, tmp_path / "pylearn.db-wal", tmp_path / "pylearn.db-shm"]
    for file in files:
        file.touch()
        file.chmod(0o644)
    (tmp_path / "group.db").touch()
    (tmp_path / "group.db").chmod(0o640)
    with TestClient(create_app(make_settings(f"sqlite:///{database}"))) as client:
        register(client)
        # SQLite removes -wal and -shm when the last connection closes: look while open.
        assert [oct(stat.S_IMODE(f.stat().st_mode)) for f in files] == [oct(0o600)] * 3
    with TestClient(create_app(make_settings(f"sqlite:///{tmp_path / 'group.db'}"))):
        pass
    assert stat.S_IMODE((tmp_path / "group.db").stat().st_mode) == 0o640


def test_the_migration_moves_a_database_of_the_first_revision_forward(
    database_url: str,
) -> None:
    engine = create_engine(normalise_database_url(database_url))
    try:
        with engine.begin() as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, "0001")
            conn.execute(text(
                "INSERT INTO users (id, username, username_key, email, email_key, "
                "password_hash, token_version, created_at) VALUES ('u1', 'Ada', 'ada', "
                "'a@example.org', 'a@example.org', 'x', 0, '2025-01-01 00:00:00')"))
            conn.execute(text(
                "INSERT INTO login_failures VALUES ('u1', 5, '2025-01-01 00:00:00', "
                "'2025-01-01 00:00:00')"))
            command.upgrade(config, "head")
            tables = set(inspect(conn).get_table_names())
            assert "throttle_counters" in tables
            assert "login_failures" not in tables
            assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 1
            command.downgrade(config, "0001")
            assert "login_failures" in set(inspect(conn).get_table_names())
            command.upgrade(config, "head")
    finally:
        engine.dispose()
    # And the service starts on it.
    with TestClient(create_app(make_settings(database_url))) as client:
        register(client)


def test_openapi_documents_the_device_header_and_the_429_answers(client: TestClient) -> None:
    document = client.get(f"{API}/openapi.json").json()
    for path in ("/api/v1/auth/login", "/api/v1/auth/register"):
        operation = document["paths"][path]["post"]
        [header] = [p for p in operation["parameters"] if p["in"] == "header"]
        assert header["name"] == "X-PyLearn-Device"
        assert header["required"] is False
        assert "never linked to an account" in header["description"]
        too_many = operation["responses"]["429"]
        assert "Retry-After" in too_many["headers"]
        assert too_many["content"]["application/json"]["schema"]


def test_cors_allows_the_device_header(database_url: str) -> None:
    settings = make_settings(database_url, cors_origins=("https://learn.example.org",))
    with TestClient(create_app(settings)) as client:
        response = client.options(f"{API}/auth/login", headers={
            "Origin": "https://learn.example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, x-pylearn-device",
        })
    assert response.status_code == 200
    assert "x-pylearn-device" in response.headers["access-control-allow-headers"].lower()
