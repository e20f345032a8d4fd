"""A class course through the proxy is cached by version: ``If-None-Match`` goes to the API
and ``ETag`` comes back, so an unchanged bundle costs a 304, not megabytes
(docs/api.md, Classes)."""

from __future__ import annotations

import gzip
import json
import uuid

import pytest

pytestmark = pytest.mark.pylearn_api("up")

BUNDLE = {
    "format": 1,
    "course": {"title": "Week one", "chapters": [
        {"id": "week1", "title": "Numbers", "order": 1, "notebook": "week1.ipynb",
         "exercises": [{"id": "week1.sum", "title": "Add two numbers", "version": "1"}]}]},
    "notebooks": {"week1.ipynb": {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                                  "cells": []}},
}


async def test_the_course_version_round_trips_through_the_proxy(raw_fetch, jp_serverapp):
    token_query = f"token={jp_serverapp.identity_provider.token}"
    name = f"t{uuid.uuid4().hex[:12]}"
    registered = await raw_fetch("/pylearn/api/v1/auth/register", headers={
        "Content-Type": "application/json"}, body=json.dumps({
            "username": name, "email": f"{name}@example.org",
            "password": "a long enough password"}).encode())
    teacher = {"Authorization": f"Bearer {json.loads(registered.body)['token']}",
               "Content-Type": "application/json"}

    async def call(method: str, path: str, body: object = None, **headers: str):
        return await raw_fetch(f"/pylearn/api/v1/{path}?{token_query}", method=method,
                               headers={**teacher, **headers},
                               body=None if body is None else json.dumps(body).encode())

    created = await call("POST", "classes", {"name": "Monday group", "course": "uploaded"})
    class_id = json.loads(created.body)["id"]
    uploaded = await call("PUT", f"classes/{class_id}/course", BUNDLE)
    version = json.loads(uploaded.body)["version"]

    first = await call("GET", f"classes/{class_id}/course")
    again = await call("GET", f"classes/{class_id}/course", **{"If-None-Match": f'"{version}"'})
    stale = await call("GET", f"classes/{class_id}/course", **{"If-None-Match": '"old"'})

    assert first.code == 200
    assert first.headers["ETag"] == f'"{version}"'
    assert json.loads(first.body)["course"]["title"] == "Week one"
    assert again.code == 304
    assert again.body == b""
    assert stale.code == 200


async def test_a_big_progress_answer_stays_gzipped_through_the_proxy(raw_fetch, jp_serverapp):
    """A class's progress is megabytes of code at worst: gzipped by the API for a browser
    that takes gzip, it is passed on as it is (docs/api.md, Classes), never inflated."""
    token_query = f"token={jp_serverapp.identity_provider.token}"

    async def register(name: str) -> dict[str, str]:
        answer = await raw_fetch("/pylearn/api/v1/auth/register", headers={
            "Content-Type": "application/json"}, body=json.dumps({
                "username": name, "email": f"{name}@example.org",
                "password": "a long enough password"}).encode())
        return {"Authorization": f"Bearer {json.loads(answer.body)['token']}",
                "Content-Type": "application/json"}

    async def call(who: dict[str, str], method: str, path: str, body: object = None,
                   **options: object):
        return await raw_fetch(f"/pylearn/api/v1/{path}?{token_query}", method=method,
                               headers={**who, **options.pop("headers", {})},
                               body=None if body is None else json.dumps(body).encode(),
                               **options)

    suffix = uuid.uuid4().hex[:10]
    teacher, learner = await register(f"t{suffix}"), await register(f"l{suffix}")
    created = json.loads((await call(teacher, "POST", "classes", {"name": "Big"})).body)
    joined = await call(learner, "POST", "classes/join",
                        {"join_code": created["join_code"], "consent": True})
    assert joined.code == 200
    code = "".join(f"value_{i} = {i} * {i}\n" for i in range(2500))  # ~50 KB each
    items = [{"id": str(uuid.uuid4()), "exercise_id": f"first.ex{i}", "code": code,
              "passed": False, "submitted_at": "2026-12-01T10:00:00Z"} for i in range(3)]
    sent = await call(learner, "POST", "submissions", {"items": items})
    assert sent.code == 200, sent.body

    path = f"classes/{created['id']}/progress"
    zipped = await call(teacher, "GET", path, headers={"Accept-Encoding": "gzip"},
                        decompress_response=False)
    plain = await call(teacher, "GET", path, headers={"Accept-Encoding": "identity"},
                       decompress_response=False)

    assert zipped.code == plain.code == 200
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert "Content-Encoding" not in plain.headers
    assert len(zipped.body) * 2 < len(plain.body)
    assert gzip.decompress(zipped.body) == plain.body
    progress = json.loads(plain.body)["learners"][0]["progress"]
    assert [p["last_code"] for p in progress] == [code] * 3
