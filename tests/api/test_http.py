"""HTTP-level promises: JSON errors for every refusal, 413 before parsing, no cookies,
CORS, OpenAPI, health (docs/api.md, *General*)."""

from __future__ import annotations

from collections.abc import Iterator

import jwt
import pytest
from fastapi.testclient import TestClient

from pylearn_jupyter.api import create_app

from .conftest import JWT_SECRET, PASSWORD, bearer, make_settings, register

API = "/api/v1"
JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/nowhere", 404), ("GET", f"{API}/nowhere", 404), ("PUT", f"{API}/me", 405),
     ("GET", f"{API}/auth/login", 405), ("PATCH", f"{API}/submissions", 405)],
)
def test_unknown_paths_and_methods_answer_json(client: TestClient, method: str, path: str,
                                               status: int) -> None:
    response = client.request(method, path)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert isinstance(response.json()["detail"], str)


@pytest.mark.parametrize(
    "body",
    [
        b'{"login": "ada"',
        b"\xff\xfe\x00garbage",
        b'{"login": "\xff", "password": "x"}',
        b'{"login": ' + b"[" * 50_000 + b"}",
        b'{"login": ' + b"9" * 5_000 + b', "password": "x"}',
        b"",
        b"null",
        b"[]",
    ],
)
def test_malformed_bodies_get_a_json_4xx(client: TestClient, body: bytes) -> None:
    response = client.post(f"{API}/auth/login", content=body, headers=JSON)
    assert response.status_code in (400, 422)
    assert isinstance(response.json()["detail"], str)


@pytest.mark.parametrize(
    "body",
    [
        {"login": "ada", "password": "x", "admin": True},
        {"login": 1e308, "password": "x"},
        {"login": 10**400, "password": "x"},
        {"login": "ada\x00", "password": "x"},
        {"login": ["ada"], "password": {"a": 1}},
        {"login": "ada"},
    ],
)
def test_wrong_types_and_unknown_fields_are_422(client: TestClient, body: dict) -> None:
    response = client.post(f"{API}/auth/login", json=body)
    assert response.status_code == 422
    assert response.json()["errors"]


def test_non_json_content_type_is_refused(client: TestClient) -> None:
    response = client.post(f"{API}/auth/login", content=b"login=ada",
                           headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 422
    assert response.json()["detail"]


def test_body_over_one_mib_is_refused_by_content_length(client: TestClient) -> None:
    token, _ = register(client)
    response = client.post(f"{API}/submissions", headers={**bearer(token), **JSON},
                           content=b"{" + b" " * (1024 * 1024) + b"}")
    assert response.status_code == 413
    assert response.json()["detail"]


def test_chunked_body_over_one_mib_is_refused(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(11):
            yield b" " * 100_000

    response = client.post(f"{API}/auth/login", content=chunks(), headers=JSON)
    assert response.status_code == 413


def test_chunked_body_under_one_mib_is_served(client: TestClient) -> None:
    _, user = register(client)

    def chunks() -> Iterator[bytes]:
        yield b'{"login": "%s", ' % user["username"].encode()
        yield b'"password": "%s"}' % PASSWORD.encode()

    response = client.post(f"{API}/auth/login", content=chunks(), headers=JSON)
    assert response.status_code == 200


def test_no_response_sets_a_cookie(client: TestClient) -> None:
    token, user = register(client)
    responses = [
        client.get(f"{API}/health"),
        client.post(f"{API}/auth/login", json={"login": user["username"], "password": PASSWORD}),
        client.post(f"{API}/auth/login", json={"login": user["username"], "password": "nope!!!"}),
        client.get(f"{API}/me", headers=bearer(token)),
        client.get(f"{API}/me/export", headers=bearer(token)),
        client.get(f"{API}/openapi.json"),
        client.get(f"{API}/docs"),
        client.get("/missing"),
    ]
    for response in responses:
        assert "set-cookie" not in response.headers, response.request.url
    assert not client.cookies


def test_health_reports_the_database(client: TestClient) -> None:
    response = client.get(f"{API}/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_health_is_503_when_the_database_is_gone(postgres) -> None:
    name = postgres.create_database()
    with TestClient(create_app(make_settings(postgres.url(name)))) as client:
        assert client.get(f"{API}/health").status_code == 200
        postgres.drop_database(name)
        response = client.get(f"{API}/health")
        token = jwt.encode({"sub": "x", "iat": 0, "exp": 2**40, "ver": 0}, JWT_SECRET)
        down_me = client.get(f"{API}/progress", headers=bearer(token))
    assert response.status_code == 503
    assert response.json()["detail"]
    assert down_me.status_code == 503


def test_cors_allows_configured_origins_without_credentials(database_url: str) -> None:
    settings = make_settings(database_url, cors_origins=("https://lite.example.org",))
    with TestClient(create_app(settings)) as client:
        allowed = client.options(f"{API}/submissions", headers={
            "Origin": "https://lite.example.org", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type"})
        simple = client.get(f"{API}/health", headers={"Origin": "https://lite.example.org"})
        other = client.get(f"{API}/health", headers={"Origin": "https://evil.example.org"})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://lite.example.org"
    assert "access-control-allow-credentials" not in allowed.headers
    assert simple.headers["access-control-allow-origin"] == "https://lite.example.org"
    assert "access-control-allow-origin" not in other.headers


def test_openapi_describes_every_endpoint_with_models_and_errors(client: TestClient) -> None:
    document = client.get(f"{API}/openapi.json").json()
    expected = {
        ("post", "/api/v1/auth/register"): {"201", "409", "422"},
        ("post", "/api/v1/auth/login"): {"200", "401", "422", "429"},
        ("get", "/api/v1/me"): {"200", "401"},
        ("delete", "/api/v1/me"): {"204", "401", "403", "422"},
        ("post", "/api/v1/auth/password"): {"200", "401", "403", "422"},
        ("post", "/api/v1/auth/logout-all"): {"204", "401"},
        ("post", "/api/v1/auth/password-reset"): {"202", "422"},
        ("post", "/api/v1/auth/password-reset/confirm"): {"200", "400", "422"},
        ("get", "/api/v1/me/export"): {"200", "401"},
        ("get", "/api/v1/health"): {"200", "503"},
        ("post", "/api/v1/submissions"): {"200", "401", "413", "422"},
        ("get", "/api/v1/submissions"): {"200", "401"},
        ("get", "/api/v1/progress"): {"200", "401"},
    }
    for (method, path), statuses in expected.items():
        operation = document["paths"][path][method]
        assert statuses <= set(operation["responses"]), (method, path)
        for status, answer in operation["responses"].items():
            if status != "204":
                assert "content" in answer, (method, path, status)
    schemas = document["components"]["schemas"]
    assert {"UserOut", "AuthOut", "ProgressOut", "SubmissionIn", "ExportOut", "ErrorOut",
            "ValidationErrorOut"} <= set(schemas)
    assert "HTTPValidationError" not in schemas
