"""/pylearn/api/v1/*: the PyLearn API through the Jupyter server, and what never crosses."""

from __future__ import annotations

import json
import time
import uuid

import pytest

pytestmark = pytest.mark.pylearn_api("up")


def as_jupyter_user(path: str, serverapp) -> str:
    """The Jupyter token in the URL, so ``Authorization`` can carry the PyLearn token."""
    joiner = "&" if "?" in path else "?"
    return f"{path}{joiner}token={serverapp.identity_provider.token}"


def register_body() -> bytes:
    name = f"u{uuid.uuid4().hex[:12]}"
    return json.dumps({"username": name, "email": f"{name}@example.org",
                       "password": "a long enough password"}).encode()


async def test_the_api_answers_through_the_proxy(raw_fetch):
    response = await raw_fetch("/pylearn/api/v1/health", method="GET")

    assert response.code == 200
    assert json.loads(response.body) == {"status": "ok", "database": "ok"}


async def test_register_then_me_with_the_pylearn_token(raw_fetch, jp_serverapp):
    registered = await raw_fetch("/pylearn/api/v1/auth/register", body=register_body(),
                                 headers={"Content-Type": "application/json"})
    token = json.loads(registered.body)["token"]

    me = await raw_fetch(as_jupyter_user("/pylearn/api/v1/me", jp_serverapp), method="GET",
                         headers={"Authorization": f"Bearer {token}"})

    assert registered.code == 201
    assert me.code == 200
    assert json.loads(me.body)["id"] == json.loads(registered.body)["user"]["id"]


async def test_the_jupyter_token_is_not_passed_to_the_api(raw_fetch):
    response = await raw_fetch("/pylearn/api/v1/me", method="GET")

    assert response.code == 401
    assert "detail" in json.loads(response.body)


async def test_api_errors_keep_their_status_and_body(raw_fetch):
    response = await raw_fetch("/pylearn/api/v1/auth/register", body=b'{"username": "x"}',
                               headers={"Content-Type": "application/json"})

    assert response.code == 422
    assert json.loads(response.body)["detail"]


async def test_query_strings_reach_the_api(raw_fetch, jp_serverapp):
    registered = await raw_fetch("/pylearn/api/v1/auth/register", body=register_body(),
                                 headers={"Content-Type": "application/json"})
    auth = {"Authorization": f"Bearer {json.loads(registered.body)['token']}",
            "Content-Type": "application/json"}
    item = {"id": str(uuid.uuid4()), "exercise_id": "sample.greet", "code": "x = 1",
            "passed": False, "submitted_at": "2025-01-01T00:00:00Z"}
    sent = await raw_fetch(as_jupyter_user("/pylearn/api/v1/submissions", jp_serverapp),
                           body=json.dumps({"items": [item]}).encode(), headers=auth)

    def listed(exercise_id: str):
        path = f"/pylearn/api/v1/submissions?exercise_id={exercise_id}"
        return raw_fetch(as_jupyter_user(path, jp_serverapp), method="GET", headers=auth)

    greet, other = await listed("sample.greet"), await listed("sample.other")

    assert sent.code == 200
    assert [s["id"] for s in json.loads(greet.body)["items"]] == [item["id"]]
    assert json.loads(other.body)["items"] == []


@pytest.mark.pylearn_api("echo")
async def test_only_the_body_query_content_type_and_bearer_token_are_forwarded(
    raw_fetch, jp_serverapp, echo_api
):
    response = await raw_fetch(
        as_jupyter_user("/pylearn/api/v1/things/a%20b?x=1&y=two", jp_serverapp),
        method="PATCH", body=b'{"k": 1}',
        headers={"Content-Type": "application/json", "Authorization": "Bearer the-jwt",
                 "Cookie": "jupyter-session=secret", "X-Forwarded-For": "203.0.113.9",
                 "X-Custom": "private"},
    )

    assert response.code == 200
    [seen] = echo_api.received
    assert seen["method"] == "PATCH"
    assert seen["path"] == "/api/v1/things/a%20b?x=1&y=two", "the Jupyter token stays behind"
    assert seen["body"] == '{"k": 1}'
    assert seen["headers"]["content-type"] == "application/json"
    assert seen["headers"]["authorization"] == "Bearer the-jwt"
    for private in ("cookie", "x-forwarded-for", "x-custom", "x-xsrftoken"):
        assert private not in seen["headers"]


@pytest.mark.pylearn_api("echo")
async def test_a_bearer_header_holding_the_jupyter_token_is_not_forwarded(raw_fetch,
                                                                          jp_serverapp,
                                                                          echo_api):
    token = jp_serverapp.identity_provider.token

    await raw_fetch("/pylearn/api/v1/me", method="GET",
                    headers={"Authorization": f"Bearer {token}"})

    [seen] = echo_api.received
    assert "authorization" not in seen["headers"]


@pytest.mark.pylearn_api("echo")
async def test_retry_after_comes_back_and_cookies_do_not(raw_fetch, echo_api):
    response = await raw_fetch("/pylearn/api/v1/auth/login?status=429", body=b"{}")

    assert response.code == 429
    assert response.headers["Retry-After"] == "7"
    assert "tracker" not in " ".join(response.headers.get_list("Set-Cookie"))
    assert "X-Api-Internal" not in response.headers


@pytest.mark.pylearn_api("echo")
async def test_an_empty_answer_stays_empty(raw_fetch, echo_api):
    response = await raw_fetch("/pylearn/api/v1/auth/empty", body=b"")

    assert response.code == 204
    assert response.body == b""


@pytest.mark.pylearn_api("echo")
async def test_a_service_answering_html_is_refused_as_502(raw_fetch, echo_api):
    response = await raw_fetch("/pylearn/api/v1/html", method="GET")

    assert response.code == 502
    assert "instead of JSON" in json.loads(response.body)["message"]
    assert b"<html>" not in response.body


@pytest.mark.pylearn_api("echo")
@pytest.mark.parametrize("path", ["..", "%2e%2e", "a/../../../x", "./health"])
async def test_dot_segments_are_refused(raw_fetch, echo_api, path):
    response = await raw_fetch(f"/pylearn/api/v1/{path}", method="GET")

    assert response.code == 400
    assert echo_api.received == []


@pytest.mark.pylearn_api("down")
async def test_an_unreachable_api_is_a_quick_502(raw_fetch, pylearn_api_url):
    started = time.monotonic()

    response = await raw_fetch("/pylearn/api/v1/health", method="GET")

    assert response.code == 502
    message = json.loads(response.body)["message"]
    assert message.startswith(f"The PyLearn API at {pylearn_api_url} is not reachable")
    assert time.monotonic() - started < 2


@pytest.mark.pylearn_api("hanging")
@pytest.mark.pylearn_config(proxy_timeout=1.0)
async def test_an_api_that_never_answers_is_a_504_within_the_timeout(raw_fetch):
    started = time.monotonic()

    response = await raw_fetch("/pylearn/api/v1/auth/login", body=b"{}", request_timeout=30)

    elapsed = time.monotonic() - started
    assert response.code == 504
    assert "did not answer within 1 seconds" in json.loads(response.body)["message"]
    assert 0.9 <= elapsed < 3
