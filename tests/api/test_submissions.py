"""Submissions and progress: idempotency, merge rules and limits (docs/api.md, *Progress*)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from .conftest import bearer, register

API = "/api/v1"


def item(exercise_id: str = "basics.hello", **fields: Any) -> dict[str, Any]:
    base = {
        "id": str(uuid.uuid4()),
        "exercise_id": exercise_id,
        "code": "print('hello')",
        "passed": False,
        "submitted_at": "2025-01-01T10:00:00Z",
    }
    base.update(fields)
    return base


def submit(client: TestClient, token: str, items: list[dict[str, Any]]) -> Any:
    return client.post(f"{API}/submissions", headers=bearer(token), json={"items": items})


@pytest.fixture
def token(client: TestClient) -> str:
    return register(client)[0]


def test_submit_returns_merged_progress_of_touched_exercises(client: TestClient,
                                                            token: str) -> None:
    items = [
        item(code="a = 1", submitted_at="2025-01-01T10:00:00Z"),
        item(code="a = 2", passed=True, submitted_at="2025-01-01T11:00:00+01:00"),
        item(code="a = 3", passed=True, submitted_at="2025-01-01T12:00:00Z",
             solution_viewed=True),
        item(code="a = 4", submitted_at="2025-01-01T13:00:00Z"),
        item("other.one", code="x"),
    ]
    response = submit(client, token, items)
    assert response.status_code == 200
    by_id = {p["exercise_id"]: p for p in response.json()["items"]}
    assert by_id["basics.hello"] == {
        "exercise_id": "basics.hello",
        "completed_at": "2025-01-01T10:00:00Z",
        "attempts": 4,
        "last_code": "a = 4",
        "last_submitted_at": "2025-01-01T13:00:00Z",
        "last_id": items[3]["id"],
        "solution_viewed": True,
    }
    assert by_id["other.one"]["completed_at"] is None
    assert by_id["other.one"]["solution_viewed"] is False


def test_resending_a_submission_is_a_no_op(client: TestClient, token: str) -> None:
    batch = [item(passed=True), item()]
    first = submit(client, token, batch).json()
    again = submit(client, token, batch + batch).json()
    assert first == again
    assert first["items"][0]["attempts"] == 2
    listed = client.get(f"{API}/submissions", headers=bearer(token)).json()["items"]
    assert len(listed) == 2


def test_only_touched_exercises_are_returned(client: TestClient, token: str) -> None:
    submit(client, token, [item("first")])
    response = submit(client, token, [item("second")])
    assert [p["exercise_id"] for p in response.json()["items"]] == ["second"]
    progress = client.get(f"{API}/progress", headers=bearer(token)).json()["items"]
    assert sorted(p["exercise_id"] for p in progress) == ["first", "second"]


def test_equal_times_take_the_last_code_from_the_greater_id(client: TestClient,
                                                            token: str) -> None:
    low = item(id="00000000-0000-4000-8000-000000000001", code="low")
    high = item(id="ffffffff-0000-4000-8000-000000000001", code="high")
    submit(client, token, [high])
    response = submit(client, token, [low])
    assert response.json()["items"][0]["last_code"] == "high"


def test_a_future_time_is_stored_as_the_servers_now(client: TestClient, token: str) -> None:
    future = (datetime.now(UTC) + timedelta(days=365)).isoformat()
    before = datetime.now(UTC)
    progress = submit(client, token, [item(submitted_at=future, passed=True)]).json()["items"][0]
    stored = datetime.fromisoformat(progress["last_submitted_at"])
    assert before - timedelta(seconds=1) <= stored <= datetime.now(UTC) + timedelta(seconds=1)
    assert progress["completed_at"] == progress["last_submitted_at"]


def test_submissions_are_listed_newest_first_and_filtered(client: TestClient,
                                                          token: str) -> None:
    older = item(code="old", submitted_at="2025-01-01T00:00:00Z", exercise_version="1.0")
    newer = item(code="new", submitted_at="2025-02-01T00:00:00Z", solution_viewed=True)
    submit(client, token, [older, newer, item("elsewhere")])
    response = client.get(f"{API}/submissions", params={"exercise_id": "basics.hello"},
                          headers=bearer(token))
    assert response.status_code == 200
    listed = response.json()["items"]
    assert [s["code"] for s in listed] == ["new", "old"]
    assert listed[1] == {**older, "submitted_at": "2025-01-01T00:00:00Z", "passed": False,
                         "solution_viewed": False}
    assert listed[0]["exercise_version"] is None and listed[0]["solution_viewed"] is True


def test_submissions_of_one_user_are_invisible_to_another(client: TestClient,
                                                          token: str) -> None:
    shared = item()
    submit(client, token, [shared])
    other, _ = register(client)
    response = submit(client, other, [shared])
    assert response.json()["items"][0]["attempts"] == 1
    assert client.get(f"{API}/progress", headers=bearer(other)).json()["items"][0][
        "attempts"] == 1


def test_code_of_exactly_64_kib_utf8_is_accepted(client: TestClient, token: str) -> None:
    code = "é" * (32 * 1024)  # two bytes each
    assert submit(client, token, [item(code=code)]).status_code == 200


@pytest.mark.parametrize(
    ("items", "field"),
    [
        ([], "items"),
        ([item() for _ in range(501)], "items"),
        ([item(code="é" * (32 * 1024) + "x")], "items.0.code"),
        ([item(exercise_id="Upper")], "items.0.exercise_id"),
        ([item(exercise_id="-leading")], "items.0.exercise_id"),
        ([item(exercise_id="a" * 129)], "items.0.exercise_id"),
        ([item(exercise_id="bad\n")], "items.0.exercise_id"),
        ([item(exercise_version="v" * 65)], "items.0.exercise_version"),
        ([item(id="not-a-uuid")], "items.0.id"),
        ([item(submitted_at="2025-01-01T10:00:00")], "items.0.submitted_at"),
        ([item(submitted_at="yesterday")], "items.0.submitted_at"),
        ([item(submitted_at=1735689600)], "items.0.submitted_at"),
        ([item(submitted_at="0001-01-01T00:00:00+01:00")], "items.0.submitted_at"),
        ([item(passed="yes")], "items.0.passed"),
        ([item(passed=1)], "items.0.passed"),
        ([item(code=None)], "items.0.code"),
        ([item(code="a\x00b")], "items.0.code"),
        ([item(solution_viewed="true")], "items.0.solution_viewed"),
        ([item(unexpected=1)], "items.0.unexpected"),
        ([{"id": str(uuid.uuid4())}], "items.0.exercise_id"),
    ],
)
def test_invalid_batches_are_refused_naming_the_field(client: TestClient, token: str,
                                                      items: list, field: str) -> None:
    response = submit(client, token, items)
    assert response.status_code == 422
    body = response.json()
    assert field in [error["field"] for error in body["errors"]]
    assert body["detail"]
    assert client.get(f"{API}/progress", headers=bearer(token)).json() == {"items": []}


def test_a_batch_of_500_is_accepted(client: TestClient, token: str) -> None:
    items = [item(f"ex{i % 50}", code=f"x = {i}") for i in range(500)]
    response = submit(client, token, items)
    assert response.status_code == 200
    assert sum(p["attempts"] for p in response.json()["items"]) == 500


def test_submission_endpoints_require_a_token(client: TestClient) -> None:
    assert client.post(f"{API}/submissions", json={"items": [item()]}).status_code == 401
    assert client.get(f"{API}/submissions").status_code == 401
    assert client.get(f"{API}/progress").status_code == 401


def test_listing_rejects_a_malformed_exercise_id(client: TestClient, token: str) -> None:
    response = client.get(f"{API}/submissions", params={"exercise_id": "NOT VALID"},
                          headers=bearer(token))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "exercise_id"


def test_listing_rejects_a_repeated_exercise_id(client: TestClient, token: str) -> None:
    response = client.get(f"{API}/submissions?exercise_id=a&exercise_id=b",
                          headers=bearer(token))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "exercise_id"
