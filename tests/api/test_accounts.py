"""Accounts: register, login, password change, logout-all, tokens (docs/api.md, *Accounts*;
throttling is in test_throttling.py)."""

from __future__ import annotations

import base64
import json
import time
import uuid

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select

from pylearn_jupyter.api import create_app
from pylearn_jupyter.api.core.config import normalise_database_url
from pylearn_jupyter.api.models import User

from .conftest import JWT_SECRET, PASSWORD, bearer, make_settings, register, unique

API = "/api/v1"


def stored_user(database_url: str, user_id: str) -> User:
    engine = create_engine(normalise_database_url(database_url))
    try:
        with engine.connect() as conn:
            return conn.execute(select(User.__table__).where(User.id == user_id)).one()
    finally:
        engine.dispose()


def test_register_returns_token_and_public_user(client: TestClient, database_url: str) -> None:
    name = unique("Ada")
    response = client.post(f"{API}/auth/register",
                           json={"username": name, "email": f"{name}@Example.ORG",
                                 "password": PASSWORD})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"token", "user"}
    assert set(body["user"]) == {"id", "username", "email", "created_at"}
    assert body["user"]["username"] == name
    claims = jwt.decode(body["token"], JWT_SECRET, algorithms=["HS256"])
    assert claims["sub"] == body["user"]["id"]
    assert claims["exp"] - claims["iat"] == 30 * 24 * 3600
    assert claims["ver"] == 0
    assert client.get(f"{API}/me", headers=bearer(body["token"])).json() == body["user"]


def test_password_is_stored_as_pbkdf2_with_random_salt(client: TestClient,
                                                       database_url: str) -> None:
    _, first = register(client)
    _, second = register(client)
    hashes = [stored_user(database_url, u["id"]).password_hash for u in (first, second)]
    for stored in hashes:
        scheme, iterations, salt, digest = stored.split("$")
        assert scheme == "pbkdf2_sha256"
        assert int(iterations) == 100_000
        assert len(base64.b64decode(salt)) == 16
        assert len(base64.b64decode(digest)) == 32
    assert hashes[0] != hashes[1]


def test_register_refuses_taken_username_or_email_ignoring_case(client: TestClient) -> None:
    _, user = register(client)
    taken_name = client.post(f"{API}/auth/register", json={
        "username": user["username"].upper(), "email": "other@example.org", "password": PASSWORD})
    taken_email = client.post(f"{API}/auth/register", json={
        "username": unique(), "email": user["email"].upper(), "password": PASSWORD})
    assert taken_name.status_code == 409
    assert taken_email.status_code == 409
    assert isinstance(taken_name.json()["detail"], str)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("username", "ab"),
        ("username", "a" * 21),
        ("username", "has space"),
        ("username", "émile"),
        ("email", "not-an-address"),
        ("email", "a@"),
        ("password", "short7!"),
        ("password", "x" * 1025),
        ("password", 12345678),
    ],
)
def test_register_rejects_invalid_fields_naming_them(client: TestClient, field: str,
                                                     value: object) -> None:
    body = {"username": unique(), "email": f"{unique()}@example.org", "password": PASSWORD}
    body[field] = value
    response = client.post(f"{API}/auth/register", json=body)
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]
    assert response.json()["detail"]


def test_password_length_counts_code_points(client: TestClient) -> None:
    name = unique()
    response = client.post(f"{API}/auth/register", json={
        "username": name, "email": f"{name}@example.org", "password": "ü" * 8})
    assert response.status_code == 201


def test_login_by_username_or_email_in_any_case(client: TestClient) -> None:
    _, user = register(client)
    for login in (user["username"], user["username"].upper(), user["email"].upper()):
        response = client.post(f"{API}/auth/login", json={"login": login, "password": PASSWORD})
        assert response.status_code == 200, login
        assert response.json()["user"] == user


def test_login_failure_message_does_not_say_which_part_was_wrong(client: TestClient) -> None:
    _, user = register(client)
    wrong_password = client.post(f"{API}/auth/login",
                                 json={"login": user["username"], "password": "wrong password"})
    unknown_user = client.post(f"{API}/auth/login",
                               json={"login": "nobody_here", "password": PASSWORD})
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert wrong_password.json() == unknown_user.json()


def test_login_for_unknown_user_costs_a_password_hash(client: TestClient) -> None:
    _, user = register(client)

    def duration(login: str) -> float:
        # A fresh device each time: the throttle must not end the measurement early.
        headers = {"X-PyLearn-Device": uuid.uuid4().hex}
        started = time.perf_counter()
        response = client.post(f"{API}/auth/login", headers=headers,
                               json={"login": login, "password": "wrong password"})
        assert response.status_code == 401
        return time.perf_counter() - started

    # Interleaved, so that a burst of load from elsewhere slows both kinds alike.
    known, unknown = [], []
    for _ in range(5):
        known.append(duration(user["username"]))
        unknown.append(duration("nobody_at_all"))
    assert 0.5 < min(unknown) / min(known) < 2.0


def test_login_upgrades_hash_when_configured_iterations_rise(database_url: str) -> None:
    with TestClient(create_app(make_settings(database_url))) as old:
        _, user = register(old)
    with TestClient(create_app(make_settings(database_url, pbkdf2_iterations=120_000))) as new:
        response = new.post(f"{API}/auth/login", json={"login": user["username"],
                                                        "password": PASSWORD})
        assert response.status_code == 200
    assert stored_user(database_url, user["id"]).password_hash.split("$")[1] == "120000"


def test_iterations_below_the_minimum_are_refused() -> None:
    from pylearn_jupyter.api import ConfigError

    with pytest.raises(ConfigError, match="at least 100,000"):
        make_settings("sqlite:///x.db", pbkdf2_iterations=99_999)


def test_me_requires_a_token(client: TestClient) -> None:
    response = client.get(f"{API}/me")
    assert response.status_code == 401
    assert response.json()["detail"]


def _forge(claims: dict, key: str = JWT_SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


def test_only_valid_hs256_tokens_are_accepted(client: TestClient) -> None:
    token, user = register(client)
    now = int(time.time())
    good = {"sub": user["id"], "iat": now, "exp": now + 60, "ver": 0}
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    payload = base64.urlsafe_b64encode(json.dumps(good).encode())
    refused = [
        header.rstrip(b"=").decode() + "." + payload.rstrip(b"=").decode() + ".",
        _forge(good, algorithm="HS512"),
        _forge(good, key="another-secret-that-is-long-enough-for-hs256"),
        _forge({**good, "exp": now - 10}),
        _forge({**good, "ver": 1}),
        _forge({k: v for k, v in good.items() if k != "ver"}),
        _forge({**good, "sub": "no-such-user"}),
        "not.a.token",
    ]
    assert client.get(f"{API}/me", headers=bearer(_forge(good))).status_code == 200
    for forged in refused:
        assert client.get(f"{API}/me", headers=bearer(forged)).status_code == 401, forged


def test_password_change_revokes_older_tokens(client: TestClient) -> None:
    token, user = register(client)
    response = client.post(f"{API}/auth/password", headers=bearer(token),
                           json={"current_password": PASSWORD, "new_password": "a new password"})
    assert response.status_code == 200
    assert client.get(f"{API}/me", headers=bearer(token)).status_code == 401
    assert client.get(f"{API}/me", headers=bearer(response.json()["token"])).status_code == 200
    login = client.post(f"{API}/auth/login", json={"login": user["username"],
                                                   "password": "a new password"})
    assert login.status_code == 200


def test_password_change_with_wrong_current_password_is_forbidden(client: TestClient) -> None:
    token, _ = register(client)
    response = client.post(f"{API}/auth/password", headers=bearer(token),
                           json={"current_password": "wrong password",
                                 "new_password": "a new password"})
    assert response.status_code == 403
    assert client.get(f"{API}/me", headers=bearer(token)).status_code == 200


def test_logout_all_revokes_every_token(client: TestClient) -> None:
    token, user = register(client)
    second = client.post(f"{API}/auth/login", json={"login": user["username"],
                                                    "password": PASSWORD}).json()["token"]
    response = client.post(f"{API}/auth/logout-all", headers=bearer(token))
    assert response.status_code == 204
    assert response.content == b""
    assert client.get(f"{API}/me", headers=bearer(token)).status_code == 401
    assert client.get(f"{API}/me", headers=bearer(second)).status_code == 401
    fresh = client.post(f"{API}/auth/login", json={"login": user["username"],
                                                   "password": PASSWORD}).json()["token"]
    assert client.get(f"{API}/me", headers=bearer(fresh)).status_code == 200
