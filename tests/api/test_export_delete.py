"""Export returns everything stored; deletion leaves no row about the user anywhere."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, select, text

from pylearn_jupyter.api.core.config import normalise_database_url
from pylearn_jupyter.api.throttle import UNKNOWN_JOIN_CODES

from .conftest import PASSWORD, bearer, register
from .test_classes import make_bundle

API = "/api/v1"


def seed(client: TestClient, token: str) -> list[dict]:
    items = [
        {"id": str(uuid.uuid4()), "exercise_id": "basics.hello", "code": "print(1)",
         "passed": True, "submitted_at": "2025-01-01T10:00:00Z", "exercise_version": "2"},
        {"id": str(uuid.uuid4()), "exercise_id": "loops.for", "code": "for i in x: pass",
         "passed": False, "submitted_at": "2025-01-02T10:00:00Z", "solution_viewed": True},
    ]
    assert client.post(f"{API}/submissions", headers=bearer(token),
                       json={"items": items}).status_code == 200
    return items


def test_export_holds_user_progress_and_every_submission(client: TestClient) -> None:
    token, user = register(client)
    items = seed(client, token)
    client.post(f"{API}/auth/login", json={"login": user["username"], "password": "wrong pw!"})
    client.post(f"{API}/auth/password-reset", json={"email": user["email"]})
    client.app.state.reset_worker.drain()  # the reset is stored after the answer

    response = client.get(f"{API}/me/export", headers=bearer(token))
    assert response.status_code == 200
    export = response.json()
    assert export["user"] == user
    assert {s["id"] for s in export["submissions"]} == {i["id"] for i in items}
    assert [s["exercise_id"] for s in export["submissions"]] == ["loops.for", "basics.hello"]
    assert {p["exercise_id"] for p in export["progress"]} == {"basics.hello", "loops.for"}
    assert export["exported_at"]
    # Failed logins are counted per device and login value, never about an account.
    assert "login_failures" not in export
    assert len(export["password_reset_requests"]) == 1
    assert "password_hash" not in response.text


def test_delete_with_a_wrong_password_is_forbidden(client: TestClient) -> None:
    token, _ = register(client)
    response = client.request("DELETE", f"{API}/me", headers=bearer(token),
                              json={"password": "wrong password"})
    assert response.status_code == 403
    assert client.get(f"{API}/me", headers=bearer(token)).status_code == 200


def test_delete_needs_the_password_in_the_body(client: TestClient) -> None:
    token, _ = register(client)
    response = client.request("DELETE", f"{API}/me", headers=bearer(token))
    assert response.status_code == 422


def test_delete_leaves_no_row_about_the_user(client: TestClient, database_url: str) -> None:
    token, user = register(client)
    kept_token, kept = register(client)
    seed(client, token)
    seed(client, kept_token)
    client.post(f"{API}/auth/login", json={"login": user["username"], "password": "wrong pw!"})
    client.post(f"{API}/auth/password-reset", json={"email": user["email"]})
    client.app.state.reset_worker.drain()
    # A class the user teaches (with a bundle and a learner), one they joined, and an
    # unknown join code counted for them.
    taught = client.post(f"{API}/classes", headers=bearer(token),
                         json={"name": "Taught", "course": "uploaded"}).json()
    assert client.put(f"{API}/classes/{taught['id']}/course", headers=bearer(token),
                      json=make_bundle("sum")).status_code == 200
    joined = client.post(f"{API}/classes", headers=bearer(kept_token), json={"name": "Kept"})
    for learner, code in ((kept_token, taught["join_code"]), (token, joined.json()["join_code"])):
        assert client.post(f"{API}/classes/join", headers=bearer(learner),
                           json={"join_code": code, "consent": True}).status_code == 200
    client.post(f"{API}/classes/join", headers=bearer(token),
                json={"join_code": "ZZZZZ-ZZZZZ", "consent": True})
    join_count = client.app.state.accounts.throttle.key(UNKNOWN_JOIN_CODES, user["id"])

    response = client.request("DELETE", f"{API}/me", headers=bearer(token),
                              json={"password": PASSWORD})
    assert response.status_code == 204

    engine = create_engine(normalise_database_url(database_url))
    traces = {user["id"], user["username"], user["email"], join_count, taught["id"]}
    found = []
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                if any(trace in str(value) for value in row for trace in traces):
                    found.append((table, row))
        assert conn.execute(select(text("count(*)")).select_from(text("submissions"))).scalar() == 2
        for table, left in (("classes", 1), ("class_members", 0), ("class_courses", 0),
                            ("class_exercises", 0)):
            count = conn.execute(select(text("count(*)")).select_from(text(table))).scalar()
            assert count == left, table
    engine.dispose()
    assert found == []
    assert client.get(f"{API}/me", headers=bearer(token)).status_code == 401
    assert client.get(f"{API}/me", headers=bearer(kept_token)).json() == kept
    login = client.post(f"{API}/auth/login", json={"login": user["username"],
                                                   "password": PASSWORD})
    assert login.status_code == 401
