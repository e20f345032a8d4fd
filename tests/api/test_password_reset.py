"""Password reset through a real SMTP server on loopback (docs/api.md, *Accounts*)."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, update

from pylearn_jupyter.api import create_app
from pylearn_jupyter.api.core.config import normalise_database_url
from pylearn_jupyter.api.models import PasswordReset

from .conftest import PASSWORD, MailSink, bearer, free_port, make_settings, register

API = "/api/v1"
PUBLIC_URL = "https://learn.example.org"


@pytest.fixture
def mail_client(database_url: str, smtp: tuple[str, MailSink]):
    mail_url, sink = smtp
    settings = make_settings(database_url, mail_url=mail_url, public_url=PUBLIC_URL,
                             mail_from="PyLearn <pylearn@example.org>")
    with TestClient(create_app(settings)) as client:
        yield client, sink


def token_from(message) -> str:
    """The reset token, read from the mail: the link's query and the line of its own."""
    body = message.get_payload(decode=True).decode("utf-8")
    link = re.search(r"(https://\S+)\?token=([A-Za-z0-9_-]+)", body)
    assert link is not None, body
    assert link.group(1).startswith(PUBLIC_URL)
    token = link.group(2)
    assert token in [line.strip() for line in body.splitlines()], "token not on its own line"
    assert len(token) >= 32
    return token


def request_reset(client: TestClient, email: str):
    return client.post(f"{API}/auth/password-reset", json={"email": email})


def test_reset_mail_token_sets_a_new_password_and_revokes_tokens(mail_client) -> None:
    client, sink = mail_client
    old_token, user = register(client)

    response = request_reset(client, user["email"].upper())
    assert response.status_code == 202
    [message] = sink.wait_for(1)
    assert message["To"] == user["email"]
    assert message["From"] == "PyLearn <pylearn@example.org>"
    token = token_from(message)

    confirmed = client.post(f"{API}/auth/password-reset/confirm",
                            json={"token": token, "new_password": "brand new password"})
    assert confirmed.status_code == 200
    assert confirmed.json()["user"] == user
    assert client.get(f"{API}/me", headers=bearer(old_token)).status_code == 401
    assert client.get(f"{API}/me", headers=bearer(confirmed.json()["token"])).status_code == 200
    login = client.post(f"{API}/auth/login", json={"login": user["username"],
                                                   "password": "brand new password"})
    assert login.status_code == 200
    old_password = client.post(f"{API}/auth/login", json={"login": user["username"],
                                                          "password": PASSWORD})
    assert old_password.status_code == 401


def test_reset_token_is_single_use_and_earlier_tokens_die_with_it(mail_client) -> None:
    client, sink = mail_client
    _, user = register(client)
    request_reset(client, user["email"])
    request_reset(client, user["email"])
    first, second = (token_from(m) for m in sink.wait_for(2))

    used = client.post(f"{API}/auth/password-reset/confirm",
                       json={"token": second, "new_password": "brand new password"})
    again = client.post(f"{API}/auth/password-reset/confirm",
                        json={"token": second, "new_password": "another password"})
    earlier = client.post(f"{API}/auth/password-reset/confirm",
                          json={"token": first, "new_password": "another password"})
    assert used.status_code == 200
    assert again.status_code == 400
    assert earlier.status_code == 400
    assert again.json()["detail"]


def test_reset_token_expires_after_one_hour(mail_client, database_url: str) -> None:
    client, sink = mail_client
    _, user = register(client)
    request_reset(client, user["email"])
    token = token_from(sink.wait_for(1)[0])
    engine = create_engine(normalise_database_url(database_url))
    with engine.begin() as conn:
        stored = conn.execute(select(PasswordReset.__table__)).one()
        assert stored.expires_at - stored.requested_at == timedelta(hours=1)
        assert token not in (stored.token_hash,) and len(stored.token_hash) == 64
        conn.execute(update(PasswordReset.__table__).values(
            expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    engine.dispose()
    response = client.post(f"{API}/auth/password-reset/confirm",
                           json={"token": token, "new_password": "brand new password"})
    assert response.status_code == 400


def test_unknown_address_gets_the_same_answer_and_no_mail(mail_client) -> None:
    client, sink = mail_client
    _, user = register(client)
    unknown = request_reset(client, "nobody@example.org")
    known = request_reset(client, user["email"])
    assert unknown.status_code == known.status_code == 202
    assert unknown.json() == known.json()
    sink.wait_for(1)
    assert len(sink.messages) == 1
    assert sink.messages[0]["To"] == user["email"]


@pytest.mark.parametrize("email", ["not-an-address", "a@b@c", "", "x" * 400 + "@example.org"])
def test_a_malformed_address_is_refused(mail_client, email: str) -> None:
    client, _ = mail_client
    response = request_reset(client, email)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "email"


@pytest.mark.parametrize("token", ["", "x" * 43, "not even close"])
def test_an_invalid_token_is_refused(mail_client, token: str) -> None:
    client, _ = mail_client
    response = client.post(f"{API}/auth/password-reset/confirm",
                           json={"token": token, "new_password": "brand new password"})
    assert response.status_code in (400, 422)
    assert response.json()["detail"]


def test_mail_failure_is_logged_without_secrets_and_answer_is_unchanged(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    dead_port = free_port()
    settings = make_settings(database_url, mail_url=f"smtp://127.0.0.1:{dead_port}")
    with TestClient(create_app(settings)) as client:
        _, user = register(client)
        with caplog.at_level(logging.INFO, logger="pylearn"):
            response = request_reset(client, user["email"])
    assert response.status_code == 202
    assert "could not be sent" in caplog.text
    assert user["email"] not in caplog.text


def test_unconfigured_mail_is_announced_once_at_start(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="pylearn"):
        with TestClient(create_app(make_settings(database_url))) as client:
            _, user = register(client)
            assert request_reset(client, user["email"]).status_code == 202
            assert request_reset(client, user["email"]).status_code == 202
    assert caplog.text.count("PYLEARN_MAIL_URL is not set") == 1
