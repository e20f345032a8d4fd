"""Classes (docs/api.md, *Classes*): roles, consent, the join-code throttle, what a
teacher sees and stops seeing, course bundles with ETags and their size limit, the
``class:`` exercise ids, export, deletion and the migration. Every test runs on SQLite
and PostgreSQL."""

from __future__ import annotations

import copy
import json
import re
import uuid
from pathlib import Path

import httpx
import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, text

from pylearn_jupyter.api import create_app
from pylearn_jupyter.api.core.config import normalise_database_url
from pylearn_jupyter.api.core.db import alembic_config
from pylearn_jupyter.api.throttle import UNKNOWN_JOIN_CODES

from .conftest import (
    PASSWORD,
    PostgresServer,
    RunningServer,
    bearer,
    make_settings,
    register,
)

API = "/api/v1"
CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$")
SEEN_BY_TEACHER = {"exercise_id", "completed_at", "attempts", "last_code", "last_submitted_at",
                   "solution_viewed"}


def make_bundle(*exercises: str, title: str = "Week one") -> dict:
    exercises = exercises or ("sum", "loop")
    return {
        "format": 1,
        "course": {"title": title, "chapters": [{
            "id": "week1", "title": "Week 1", "order": 1, "notebook": "week1/exercises.ipynb",
            "exercises": [{"id": e, "title": e.title(), "version": "1"} for e in exercises],
        }]},
        "notebooks": {"week1/exercises.ipynb": {
            "nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {"name": "python3"}},
            "cells": [{"cell_type": "code", "source": "%%exercise sum\n", "metadata": {},
                       "outputs": [], "execution_count": None}],
        }},
    }


def create(client: TestClient, token: str, name: str = "Python 101", **body) -> dict:
    response = client.post(f"{API}/classes", headers=bearer(token), json={"name": name, **body})
    assert response.status_code == 201, response.text
    return response.json()


def join(client: TestClient, token: str, code: str, consent: object = True):
    body = {"join_code": code} if consent is None else {"join_code": code, "consent": consent}
    return client.post(f"{API}/classes/join", headers=bearer(token), json=body)


def submit(client: TestClient, token: str, *items: tuple[str, bool, str]):
    return client.post(f"{API}/submissions", headers=bearer(token), json={"items": [
        {"id": str(uuid.uuid4()), "exercise_id": exercise_id, "code": code, "passed": passed,
         "submitted_at": "2025-03-01T10:00:00Z"}
        for exercise_id, passed, code in items
    ]})


def put_course(client: TestClient, token: str, class_id: str, bundle: dict):
    return client.put(f"{API}/classes/{class_id}/course", headers=bearer(token), json=bundle)


def test_create_list_join_and_leave(client: TestClient) -> None:
    teacher, teacher_user = register(client)
    learner, _ = register(client)

    made = create(client, teacher)
    assert made["role"] == "teacher" and made["course"] == "pylearn"
    assert made["teacher"] == {"username": teacher_user["username"]}
    assert made["learners_count"] == 0 and CODE.match(made["join_code"])
    assert set(made) == {"id", "name", "role", "course", "teacher", "created_at",
                         "learners_count", "join_code"}
    uploaded = create(client, teacher, "Own course", course="uploaded")
    assert uploaded["course"] == "uploaded" and uploaded["join_code"] != made["join_code"]
    for body in ({"name": ""}, {"name": "x" * 81}, {"name": "ok", "course": "other"},
                 {"name": "ok", "extra": 1}, {}):
        response = client.post(f"{API}/classes", headers=bearer(teacher), json=body)
        assert response.status_code == 422, body
        assert response.json()["errors"]
    assert client.post(f"{API}/classes", json={"name": "x"}).status_code == 401

    # Consent is required, exactly true.
    for consent in (None, False, "true", 1):
        response = join(client, learner, made["join_code"], consent)
        assert response.status_code == 422, consent
        assert response.json()["errors"][0]["field"] == "consent"
    assert client.get(f"{API}/classes", headers=bearer(learner)).json() == {"items": []}

    # Case, dashes and Crockford look-alikes do not matter; joining twice is a no-op.
    typed = made["join_code"].replace("-", " ").lower().replace("1", "l").replace("0", "o")
    joined = join(client, learner, typed)
    assert joined.status_code == 200, joined.text
    again = join(client, learner, made["join_code"])
    assert again.status_code == 200
    assert joined.json() == again.json()
    seen = joined.json()
    assert seen["role"] == "learner" and seen["learners_count"] == 1
    assert "join_code" not in seen and seen["id"] == made["id"]
    assert join(client, teacher, made["join_code"]).status_code == 409
    assert join(client, learner, "ZZZZZ-ZZZZZ").status_code == 404

    taught = client.get(f"{API}/classes", headers=bearer(teacher)).json()["items"]
    assert [(c["id"], c["role"], c["learners_count"]) for c in taught] == [
        (made["id"], "teacher", 1), (uploaded["id"], "teacher", 0)]
    assert all(CODE.match(c["join_code"]) for c in taught)
    assert client.get(f"{API}/classes", headers=bearer(learner)).json() == {"items": [seen]}

    # Leaving: 204, then the class is not the learner's any more.
    leave = f"{API}/classes/{made['id']}/membership"
    assert client.delete(leave, headers=bearer(teacher)).status_code == 409
    assert client.delete(leave, headers=bearer(learner)).status_code == 204
    assert client.delete(leave, headers=bearer(learner)).status_code == 404
    assert client.get(f"{API}/classes", headers=bearer(learner)).json() == {"items": []}
    assert client.delete(f"{API}/classes/{'0' * 16}/membership",
                         headers=bearer(learner)).status_code == 404


def test_ten_unknown_codes_then_429_per_user(client: TestClient) -> None:
    teacher, _ = register(client)
    guesser, _ = register(client)
    other, _ = register(client)
    code = create(client, teacher)["join_code"]
    second = create(client, teacher, "Second")["join_code"]
    for index in range(9):
        assert join(client, guesser, f"AAAAA-AAAA{index}").status_code == 404
    # A code that exists does not count.
    assert join(client, guesser, second).status_code == 200
    assert join(client, guesser, "AAAAA-BBBBB").status_code == 404  # the 10th unknown code
    refused = join(client, guesser, code)  # now even a right code is refused
    assert refused.status_code == 429
    assert 800 < int(refused.headers["Retry-After"]) <= 900
    assert "detail" in refused.json()
    assert join(client, guesser, "AAAAA-CCCCC").status_code == 429
    # Counted per user: another user is not affected.
    assert join(client, other, "AAAAA-AAAA1").status_code == 404
    assert join(client, other, code).status_code == 200


def test_teacher_sees_only_the_course_progress_of_current_learners(client: TestClient) -> None:
    teacher, _ = register(client)
    learner, learner_user = register(client)
    stranger, _ = register(client)
    made = create(client, teacher)
    other = create(client, teacher, "Own course", course="uploaded")
    assert put_course(client, teacher, other["id"], make_bundle("sum")).status_code == 200
    # Before joining, nothing of the learner reaches the teacher.
    assert submit(client, learner, ("basics.hello", False, "before")).status_code == 200
    before = client.get(f"{API}/classes/{made['id']}/progress", headers=bearer(teacher))
    assert before.json()["learners"] == [] and learner_user["username"] not in before.text
    assert join(client, learner, made["join_code"]).status_code == 200
    assert join(client, learner, other["join_code"]).status_code == 200
    submitted = submit(client, learner, ("basics.hello", True, "print('hi')"),
                       ("basics.hello", False, "print('h')"), ("loops.for", False, "for"),
                       (f"class:{other['id']}/sum", True, "secret other class code"))
    assert submitted.status_code == 200, submitted.text
    url = f"{API}/classes/{made['id']}/progress"

    response = client.get(url, headers=bearer(teacher))
    assert response.status_code == 200
    body = response.json()
    assert body["class"]["id"] == made["id"] and body["class"]["role"] == "teacher"
    [seen] = body["learners"]
    assert set(seen) == {"user_id", "username", "joined_at", "progress"}
    assert (seen["user_id"], seen["username"]) == (learner_user["id"], learner_user["username"])
    assert [p["exercise_id"] for p in seen["progress"]] == ["basics.hello", "loops.for"]
    assert all(set(p) == SEEN_BY_TEACHER for p in seen["progress"])
    hello = seen["progress"][0]
    assert hello["attempts"] == 3 and hello["completed_at"] and not hello["solution_viewed"]
    # The same values as the learner's own progress, without last_id.
    own = client.get(f"{API}/progress", headers=bearer(learner)).json()["items"]
    assert seen["progress"] == [{k: v for k, v in p.items() if k != "last_id"} for p in own
                                if not p["exercise_id"].startswith("class:")]
    assert seen["joined_at"].endswith("Z")
    # No email, nothing of the other class's course.
    assert learner_user["email"] not in response.text
    assert "secret other class code" not in response.text and "class:" not in response.text

    other_view = client.get(f"{API}/classes/{other['id']}/progress", headers=bearer(teacher))
    [seen_there] = other_view.json()["learners"]
    assert [p["exercise_id"] for p in seen_there["progress"]] == [f"class:{other['id']}/sum"]
    assert "basics.hello" not in other_view.text

    # A large answer is gzipped for a client that accepts it.
    big = "# " + "code " * 8000
    assert submit(client, learner, ("basics.big1", False, big),
                  ("basics.big2", False, big)).status_code == 200
    zipped = client.get(url, headers={**bearer(teacher), "Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert int(zipped.headers["Content-Length"]) < 10_000
    plain = client.get(url, headers={**bearer(teacher), "Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert zipped.json() == plain.json() and len(plain.json()["learners"][0]["progress"]) == 4

    # Learner of the class: 403; anyone else: 404.
    assert client.get(url, headers=bearer(learner)).status_code == 403
    assert client.get(url, headers=bearer(stranger)).status_code == 404
    assert client.get(f"{API}/classes/{'f' * 16}/progress",
                      headers=bearer(teacher)).status_code == 404
    assert client.get(url).status_code == 401

    # After leaving, nothing of the learner, even after new submissions.
    assert client.delete(f"{API}/classes/{made['id']}/membership",
                         headers=bearer(learner)).status_code == 204
    submit(client, learner, ("basics.more", True, "after leaving"))
    after = client.get(url, headers=bearer(teacher))
    assert after.json()["learners"] == [] and after.json()["class"]["learners_count"] == 0
    assert learner_user["username"] not in after.text and "after leaving" not in after.text
    assert client.get(url, headers=bearer(learner)).status_code == 404


def test_uploaded_course_etag_and_class_exercise_ids(client: TestClient) -> None:
    teacher, _ = register(client)
    learner, _ = register(client)
    stranger, _ = register(client)
    made = create(client, teacher, course="uploaded")
    builtin = create(client, teacher, "Built-in")
    assert join(client, learner, made["join_code"]).status_code == 200
    assert join(client, learner, builtin["join_code"]).status_code == 200
    course_url = f"{API}/classes/{made['id']}/course"
    assert client.get(course_url, headers=bearer(teacher)).status_code == 404  # none yet

    bundle = make_bundle("sum", "loop")
    assert put_course(client, learner, made["id"], bundle).status_code == 403
    assert put_course(client, stranger, made["id"], bundle).status_code == 404
    assert put_course(client, teacher, builtin["id"], bundle).status_code == 409
    stored = put_course(client, teacher, made["id"], bundle)
    assert stored.status_code == 200, stored.text
    version = stored.json()["version"]
    assert set(stored.json()) == {"version"} and version

    for token in (teacher, learner):
        response = client.get(course_url, headers=bearer(token))
        assert response.status_code == 200
        assert response.headers["ETag"] == f'"{version}"'
        assert response.json() == bundle
        unchanged = client.get(course_url, headers={**bearer(token),
                                                    "If-None-Match": response.headers["ETag"]})
        assert unchanged.status_code == 304 and unchanged.content == b""
        assert unchanged.headers["ETag"] == response.headers["ETag"]
    stale = client.get(course_url, headers={**bearer(learner), "If-None-Match": '"old"'})
    assert stale.status_code == 200
    assert client.get(course_url, headers=bearer(stranger)).status_code == 404
    assert client.get(f"{API}/classes/{builtin['id']}/course",
                      headers=bearer(learner)).status_code == 404

    # class:<id>/<exercise id> is accepted for the class's members and teacher only.
    class_sum = f"class:{made['id']}/sum"
    accepted = submit(client, learner, (class_sum, False, "x"), ("sum", True, "builtin sum"))
    assert accepted.status_code == 200, accepted.text
    assert [(p["exercise_id"], p["attempts"], p["completed_at"] is None)
            for p in accepted.json()["items"]] == [(class_sum, 1, True), ("sum", 1, False)]
    assert submit(client, teacher, (class_sum, True, "teacher tries")).status_code == 200
    refusals = [
        (learner, f"class:{made['id']}/nope"),  # not in the bundle
        (stranger, class_sum),  # not a member
        (learner, f"class:{builtin['id']}/sum"),  # a class on the built-in course
        (learner, f"class:{'0' * 16}/sum"),  # no such class
    ]
    for token, exercise_id in refusals:
        refused = submit(client, token, ("basics.hello", True, "ok"), (exercise_id, True, "x"))
        assert refused.status_code == 422, exercise_id
        assert refused.json()["errors"] == [{"field": "items.1.exercise_id", "message": (
            f"'{exercise_id}' is not an exercise of the uploaded course of a class you teach "
            "or have joined")}]
    for malformed in ("class:abc/sum", f"class:{made['id']}/", f"class:{made['id']}/a/b",
                      f"klass:{made['id']}/sum", f"class:{made['id'].upper()}/sum"):
        assert submit(client, learner, (malformed, True, "x")).status_code == 422, malformed
    # A refused batch stored nothing.
    progress = client.get(f"{API}/progress", headers=bearer(learner)).json()["items"]
    assert {p["exercise_id"]: p["attempts"] for p in progress} == {class_sum: 1, "sum": 1}
    own = client.get(f"{API}/submissions", params={"exercise_id": class_sum},
                     headers=bearer(learner))
    assert [s["code"] for s in own.json()["items"]] == ["x"]

    # The uploaded class's teacher sees the class ids only; the built-in one's, the others.
    view = client.get(f"{API}/classes/{made['id']}/progress", headers=bearer(teacher)).json()
    assert [p["exercise_id"] for p in view["learners"][0]["progress"]] == [class_sum]
    view = client.get(f"{API}/classes/{builtin['id']}/progress", headers=bearer(teacher)).json()
    assert [p["exercise_id"] for p in view["learners"][0]["progress"]] == ["sum"]

    # A new upload: a new version; exercises gone from the bundle are refused from then on.
    changed = put_course(client, teacher, made["id"], make_bundle("loop", title="Week 1 v2"))
    assert changed.json()["version"] != version
    again = client.get(course_url, headers={**bearer(learner), "If-None-Match": f'"{version}"'})
    assert again.status_code == 200 and again.json()["course"]["title"] == "Week 1 v2"
    assert submit(client, learner, (class_sum, True, "late")).status_code == 422
    assert submit(client, learner, (f"class:{made['id']}/loop", True, "ok")).status_code == 200


def _invalid_bundles() -> list[tuple[str, dict]]:
    good = make_bundle("sum", "loop")
    cases = []

    def case(name, change):
        bundle = copy.deepcopy(good)
        change(bundle)
        cases.append((name, bundle))

    case("format", lambda b: b.update(format=2))
    case("extra", lambda b: b.update(extra=True))
    case("no chapters", lambda b: b["course"].update(chapters=[]))
    case("bad exercise id", lambda b: b["course"]["chapters"][0]["exercises"][0]
         .update(id="Bad Id"))
    case("duplicate exercise", lambda b: b["course"]["chapters"][0]["exercises"][1]
         .update(id="sum"))
    case("duplicate chapter", lambda b: b["course"]["chapters"].append(
        copy.deepcopy(b["course"]["chapters"][0]) | {"exercises": []}))
    case("missing notebook", lambda b: b["course"]["chapters"][0]
         .update(notebook="other.ipynb"))
    case("dotdot path", lambda b: b.update(notebooks={"../x.ipynb": b["notebooks"][
        "week1/exercises.ipynb"]}))
    case("not nbformat 4", lambda b: b["notebooks"]["week1/exercises.ipynb"]
         .update(nbformat=3))
    case("long title", lambda b: b["course"].update(title="t" * 201))
    case("version type", lambda b: b["course"]["chapters"][0]["exercises"][0]
         .update(version=2))
    case("no notebooks", lambda b: b.update(notebooks={}))
    return cases


def test_bundles_that_do_not_validate_are_422(client: TestClient) -> None:
    teacher, _ = register(client)
    made = create(client, teacher, course="uploaded")
    for name, bundle in _invalid_bundles():
        response = put_course(client, teacher, made["id"], bundle)
        assert response.status_code == 422, (name, response.text)
        assert response.json()["detail"] and response.json()["errors"], name
    for body in ("[]", "null", '"text"'):
        response = client.put(f"{API}/classes/{made['id']}/course", content=body,
                              headers={**bearer(teacher), "Content-Type": "application/json"})
        assert response.status_code == 422, body
    broken = client.put(f"{API}/classes/{made['id']}/course", content=b"{not json",
                        headers={**bearer(teacher), "Content-Type": "application/json"})
    assert broken.status_code == 400
    # Nothing was stored.
    assert client.get(f"{API}/classes/{made['id']}/course",
                      headers=bearer(teacher)).status_code == 404


def test_bundles_may_be_20_mib_other_bodies_1_mib(client: TestClient) -> None:
    teacher, _ = register(client)
    made = create(client, teacher, course="uploaded")
    big = make_bundle("sum")
    cell = big["notebooks"]["week1/exercises.ipynb"]["cells"][0]
    cell["source"] = "# " + "x" * (3 * 1024 * 1024)
    stored = put_course(client, teacher, made["id"], big)
    assert stored.status_code == 200, stored.text[:200]
    fetched = client.get(f"{API}/classes/{made['id']}/course", headers=bearer(teacher))
    assert len(fetched.content) > 3 * 1024 * 1024

    over = json.dumps(big).replace("x" * 1024, "y" * 1024).encode()
    over = over[:-1] + b" " * (20 * 1024 * 1024 + 1 - len(over)) + b"}"
    too_big = client.put(f"{API}/classes/{made['id']}/course", content=over,
                         headers={**bearer(teacher), "Content-Type": "application/json"})
    assert too_big.status_code == 413
    assert "20 MiB" in too_big.json()["detail"]

    # Elsewhere the limit stays 1 MiB: even a PUT bundle-sized body to another route.
    two_mib = b'{"name": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    for method, path in (("POST", "/classes"), ("POST", "/submissions"),
                         ("POST", "/classes/join")):
        response = client.request(method, f"{API}{path}", content=two_mib,
                                  headers={**bearer(teacher), "Content-Type": "application/json"})
        assert response.status_code == 413, path
        assert "1 MiB" in response.json()["detail"]


def test_only_the_teacher_deletes_a_class(client: TestClient, database_url: str) -> None:
    teacher, _ = register(client)
    learner, _ = register(client)
    stranger, _ = register(client)
    made = create(client, teacher, course="uploaded")
    assert join(client, learner, made["join_code"]).status_code == 200
    assert put_course(client, teacher, made["id"], make_bundle()).status_code == 200
    url = f"{API}/classes/{made['id']}"
    assert client.delete(url, headers=bearer(learner)).status_code == 403
    assert client.delete(url, headers=bearer(stranger)).status_code == 404
    assert client.delete(url, headers=bearer(teacher)).status_code == 204
    assert client.delete(url, headers=bearer(teacher)).status_code == 404
    assert client.get(f"{API}/classes", headers=bearer(learner)).json() == {"items": []}
    assert client.get(f"{url}/course", headers=bearer(learner)).status_code == 404
    assert join(client, learner, made["join_code"]).status_code == 404
    assert submit(client, learner, (f"class:{made['id']}/sum", True, "x")).status_code == 422
    engine = create_engine(normalise_database_url(database_url))
    with engine.connect() as conn:
        for table in ("classes", "class_members", "class_courses", "class_exercises"):
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, table
    engine.dispose()


def test_export_and_account_deletion_cover_classes(client: TestClient, database_url: str) -> None:
    teacher, teacher_user = register(client)
    learner, learner_user = register(client)
    made = create(client, teacher, "Taught", course="uploaded")
    put = put_course(client, teacher, made["id"], make_bundle("sum"))
    joined_class = create(client, learner, "Learner's own")  # the learner teaches one too
    assert join(client, learner, made["join_code"]).status_code == 200
    assert join(client, teacher, joined_class["join_code"]).status_code == 200
    assert join(client, learner, "ZZZZZ-ZZZZZ").status_code == 404  # a join-code count
    assert submit(client, learner, (f"class:{made['id']}/sum", True, "x")).status_code == 200

    export = client.get(f"{API}/me/export", headers=bearer(teacher)).json()
    [taught] = export["classes_taught"]
    assert taught["id"] == made["id"] and taught["join_code"] == made["join_code"]
    assert taught["learners_count"] == 1
    assert taught["course_bundle"]["version"] == put.json()["version"]
    assert taught["course_bundle"]["size_bytes"] > 0
    [joined] = export["classes_joined"]
    assert joined["id"] == joined_class["id"] and joined["role"] == "learner"
    assert joined["joined_at"] and "join_code" not in joined
    learner_export = client.get(f"{API}/me/export", headers=bearer(learner)).json()
    assert [c["id"] for c in learner_export["classes_joined"]] == [made["id"]]
    assert [c["id"] for c in learner_export["classes_taught"]] == [joined_class["id"]]

    # The learner deletes their account: gone from the class, no row left about them.
    assert client.request("DELETE", f"{API}/me", headers=bearer(learner),
                          json={"password": PASSWORD}).status_code == 204
    view = client.get(f"{API}/classes/{made['id']}/progress", headers=bearer(teacher)).json()
    assert view["learners"] == [] and view["class"]["learners_count"] == 0
    assert client.get(f"{API}/classes", headers=bearer(teacher)).json()["items"] == [
        {**made, "learners_count": 0}]
    # The teacher deletes theirs: the class, its bundle and memberships go with it.
    assert client.request("DELETE", f"{API}/me", headers=bearer(teacher),
                          json={"password": PASSWORD}).status_code == 204
    engine = create_engine(normalise_database_url(database_url))
    traces = {teacher_user["id"], teacher_user["username"], teacher_user["email"],
              learner_user["id"], learner_user["username"], learner_user["email"],
              made["id"], joined_class["id"]}
    found = []
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            rows = conn.execute(text(f'SELECT * FROM "{table}"')).all()
            if table not in ("alembic_version",):
                assert rows == [] or table == "throttle_counters", table
            for row in rows:
                if any(trace in str(value) for value in row for trace in traces):
                    found.append((table, row))
        join_count = client.app.state.accounts.throttle.key(UNKNOWN_JOIN_CODES,
                                                            learner_user["id"])
        assert conn.execute(text("SELECT count(*) FROM throttle_counters WHERE key = :k"),
                            {"k": join_count}).scalar() == 0
    engine.dispose()
    assert found == []


def test_the_classes_migration_goes_up_and_down(database_url: str) -> None:
    engine = create_engine(normalise_database_url(database_url))
    long_id = f"class:{'a' * 16}/{'e' * 128}"
    try:
        with engine.begin() as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, "0002")
            conn.execute(text(
                "INSERT INTO users (id, username, username_key, email, email_key, "
                "password_hash, token_version, created_at) VALUES ('u1', 'Ada', 'ada', "
                "'a@example.org', 'a@example.org', 'x', 0, '2025-01-01 00:00:00')"))
            command.upgrade(config, "head")
            tables = set(inspect(conn).get_table_names())
            assert {"classes", "class_members", "class_courses", "class_exercises"} <= tables
            conn.execute(text(
                "INSERT INTO progress (user_id, exercise_id, attempts, last_id, last_code, "
                "last_submitted_at, solution_viewed) VALUES ('u1', :id, 1, 'x', '', "
                "'2025-01-01 00:00:00', false), ('u1', 'basics.hello', 1, 'x', '', "
                "'2025-01-01 00:00:00', false)"), {"id": long_id})
            conn.execute(text(
                "INSERT INTO classes VALUES ('aaaaaaaaaaaaaaaa', 'C', 'u1', 'uploaded', "
                "'ABCDEFGHJK', '2025-01-01 00:00:00')"))
            command.downgrade(config, "0002")
            tables = set(inspect(conn).get_table_names())
            assert not {"classes", "class_members", "class_courses", "class_exercises"} & tables
            assert conn.execute(text("SELECT exercise_id FROM progress")).scalars().all() == [
                "basics.hello"]
            command.upgrade(config, "head")
    finally:
        engine.dispose()
    with TestClient(create_app(make_settings(database_url))) as client:
        teacher, _ = register(client)
        assert create(client, teacher)["role"] == "teacher"


def test_openapi_documents_every_class_route_and_answer(client: TestClient) -> None:
    paths = client.get(f"{API}/openapi.json").json()["paths"]
    expected = {
        ("/api/v1/classes", "post"): {"201", "401", "422"},
        ("/api/v1/classes", "get"): {"200", "401"},
        ("/api/v1/classes/join", "post"): {"200", "401", "404", "409", "422", "429"},
        ("/api/v1/classes/{class_id}/membership", "delete"): {"204", "401", "404", "409"},
        ("/api/v1/classes/{class_id}/progress", "get"): {"200", "401", "403", "404"},
        ("/api/v1/classes/{class_id}/course", "put"): {"200", "401", "403", "404", "409",
                                                        "413", "422"},
        ("/api/v1/classes/{class_id}/course", "get"): {"200", "304", "401", "404"},
        ("/api/v1/classes/{class_id}", "delete"): {"204", "401", "403", "404"},
    }
    for (path, method), answers in expected.items():
        operation = paths[path][method]
        assert answers <= set(operation["responses"]), (path, method)
        assert operation["description"] or operation["summary"]
    assert "Retry-After" in paths["/api/v1/classes/join"]["post"]["responses"]["429"]["headers"]
    assert "20 MiB" in paths["/api/v1/classes/{class_id}/course"]["put"]["responses"]["413"][
        "description"]
    assert "ETag" in paths["/api/v1/classes/{class_id}/course"]["get"]["responses"]["200"][
        "headers"]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_cors_allows_put_and_etags(database_url: str) -> None:
    settings = make_settings(database_url, cors_origins=("https://learn.example.org",))
    with TestClient(create_app(settings)) as client:
        preflight = client.options(f"{API}/classes/abc/course", headers={
            "Origin": "https://learn.example.org", "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization, content-type, if-none-match"})
        assert preflight.status_code == 200
        assert "PUT" in preflight.headers["access-control-allow-methods"]
        teacher, _ = register(client)
        made = create(client, teacher, course="uploaded")
        put_course(client, teacher, made["id"], make_bundle())
        response = client.get(f"{API}/classes/{made['id']}/course", headers={
            **bearer(teacher), "Origin": "https://learn.example.org"})
        assert "etag" in response.headers["access-control-expose-headers"].lower()


def test_unknown_codes_are_counted_across_processes_sharing_the_database(
    database_url: str,
) -> None:
    """Two API instances on one database, 30 concurrent unknown codes from one user: the
    count lives in the database, so exactly 10 are looked up (404) and the rest get 429."""
    from concurrent.futures import ThreadPoolExecutor

    with TestClient(create_app(make_settings(database_url))) as first, \
            TestClient(create_app(make_settings(database_url))) as second:
        guesser, _ = register(first)

        def guess(index: int) -> int:
            client = (first, second)[index % 2]
            return join(client, guesser, f"AAAAA-{index:05d}").status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(guess, range(30)))
    assert sorted(answers) == [404] * 10 + [429] * 20


def test_a_class_across_two_api_processes_sharing_postgresql(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    """Real API processes: the teacher uses one, the learner the other."""
    name = postgres.create_database()
    first = RunningServer(postgres.url(name), workdir=tmp_path)
    second = RunningServer(postgres.url(name), workdir=tmp_path)
    try:
        with httpx.Client(base_url=first.base) as one, httpx.Client(base_url=second.base) as two:
            teacher, _ = register(one)
            learner, learner_user = register(two)
            made = create(one, teacher, course="uploaded")
            assert put_course(one, teacher, made["id"], make_bundle("sum")).status_code == 200
            assert join(two, learner, made["join_code"]).status_code == 200
            etag = two.get(f"{API}/classes/{made['id']}/course",
                           headers=bearer(learner)).headers["ETag"]
            assert one.get(f"{API}/classes/{made['id']}/course", headers={
                **bearer(teacher), "If-None-Match": etag}).status_code == 304
            assert submit(two, learner, (f"class:{made['id']}/sum", True, "s")).status_code == 200
            url = f"{API}/classes/{made['id']}/progress"
            [seen] = one.get(url, headers=bearer(teacher)).json()["learners"]
            assert seen["username"] == learner_user["username"]
            assert [p["exercise_id"] for p in seen["progress"]] == [f"class:{made['id']}/sum"]
            assert two.delete(f"{API}/classes/{made['id']}/membership",
                              headers=bearer(learner)).status_code == 204
            assert one.get(url, headers=bearer(teacher)).json()["learners"] == []
    finally:
        first.stop()
        second.stop()
        postgres.drop_database(name)
