"""Property-based: progress depends only on the set of submissions, never on order,
batching or duplication (docs/api.md: "Merging is order-independent")."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import bearer, register

API = "/api/v1"
BASE = datetime(2025, 1, 1, tzinfo=UTC)



submission = st.builds(
    lambda uid, exercise, code, passed, minutes, viewed: {
        "id": str(uid),
        "exercise_id": exercise,
        "code": code,
        "passed": passed,
        # Few distinct minutes, so equal times (ties broken by id) are common.
        "submitted_at": (BASE + timedelta(minutes=minutes)).isoformat(),
        "solution_viewed": viewed,
    },
    st.uuids(version=4),
    st.sampled_from(["ex.a", "ex.b", "ex-c"]),
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=12),
    st.booleans(),
    st.integers(min_value=0, max_value=5),
    st.booleans(),
)


def progress_after(client: TestClient, batches: list[list[dict]]) -> list[dict]:
    token, _ = register(client)
    for batch in batches:
        response = client.post(f"{API}/submissions", headers=bearer(token),
                               json={"items": batch})
        assert response.status_code == 200, response.text
    return client.get(f"{API}/progress", headers=bearer(token)).json()["items"]


def split(items: list[dict], cuts: list[int]) -> list[list[dict]]:
    points = sorted({c % (len(items) + 1) for c in cuts} | {0, len(items)})
    return [items[a:b] for a, b in zip(points, points[1:], strict=False) if items[a:b]]


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    items=st.lists(submission, min_size=1, max_size=12, unique_by=lambda s: s["id"]),
    data=st.data(),
)
def test_progress_is_independent_of_order_batching_and_duplicates(
    shared_client: TestClient, items: list[dict], data: st.DataObject
) -> None:
    reordered = data.draw(st.permutations(items))
    duplicated = reordered + data.draw(st.lists(st.sampled_from(items), max_size=6))
    cuts = data.draw(st.lists(st.integers(min_value=0, max_value=30), max_size=4))

    in_one_batch = progress_after(shared_client, [items])
    split_and_shuffled = progress_after(shared_client, split(duplicated, cuts))

    assert split_and_shuffled == in_one_batch


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.lists(submission, min_size=1, max_size=12, unique_by=lambda s: s["id"]))
def test_progress_follows_the_merge_rules(shared_client: TestClient, items: list[dict]) -> None:
    progress = {p["exercise_id"]: p for p in progress_after(shared_client, [items])}

    for exercise_id in {s["exercise_id"] for s in items}:
        mine = [s for s in items if s["exercise_id"] == exercise_id]
        latest = max(mine, key=lambda s: (s["submitted_at"], uuid.UUID(s["id"])))
        passing = [datetime.fromisoformat(s["submitted_at"]) for s in mine if s["passed"]]
        got = progress[exercise_id]
        assert got["attempts"] == len(mine)
        assert got["last_code"] == latest["code"]
        assert datetime.fromisoformat(got["last_submitted_at"]) == datetime.fromisoformat(
            latest["submitted_at"])
        expected_done = min(passing) if passing else None
        done = got["completed_at"]
        assert (datetime.fromisoformat(done) if done else None) == expected_done
        assert got["solution_viewed"] == any(s["solution_viewed"] for s in mine)
    assert len(progress) == len({s["exercise_id"] for s in items})


def test_merge_ignores_a_resent_id_with_different_content(shared_client: TestClient) -> None:
    original = {"id": str(uuid.uuid4()), "exercise_id": "ex.a", "code": "first",
                "passed": False, "submitted_at": BASE.isoformat()}
    changed = {**original, "code": "second", "passed": True}
    progress = progress_after(shared_client, [[original], [changed]])
    assert progress[0]["attempts"] == 1
    assert progress[0]["last_code"] == "first"
    assert progress[0]["completed_at"] is None
