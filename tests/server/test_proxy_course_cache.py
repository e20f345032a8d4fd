"""A class course through the proxy is cached by version: ``If-None-Match`` goes to the API
and ``ETag`` comes back, so an unchanged bundle costs a 304, not megabytes
(docs/api.md, Classes)."""

from __future__ import annotations

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
