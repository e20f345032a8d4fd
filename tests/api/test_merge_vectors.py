"""docs/merge-vectors.json, the single source of the progress merge rules, run through the
API's Python fold and its SQL fold (SQLite and PostgreSQL), in every arrival order the
vectors promise not to matter. The JupyterLab extension runs the same file
(labextension/test/merge-vectors.test.ts)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pylearn_jupyter.api.progress import progress_of_rows, submission_rows
from pylearn_jupyter.api.schemas import SubmissionIn

from .conftest import bearer, register

API = "/api/v1"
VECTORS = json.loads(
    (Path(__file__).parents[2] / "docs" / "merge-vectors.json").read_text(encoding="utf-8")
)
CASES = VECTORS["cases"]
FAR_FUTURE = datetime(2999, 1, 1, tzinfo=UTC)


def instant(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value).astimezone(UTC)


def comparable(progress: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Progress with times as instants, by exercise id."""
    return sorted(
        (
            {
                "exercise_id": p["exercise_id"],
                "completed_at": instant(p["completed_at"]),
                "attempts": p["attempts"],
                "last_id": p["last_id"],
                "last_code": p["last_code"],
                "last_submitted_at": instant(p["last_submitted_at"]),
                "solution_viewed": p["solution_viewed"],
            }
            for p in progress
        ),
        key=lambda p: p["exercise_id"],
    )


def orders(items: list[dict]) -> Iterator[list[dict]]:
    """Every order for small cases; otherwise as given, reversed and every rotation."""
    if len(items) <= 4:
        yield from (list(order) for order in itertools.permutations(items))
        return
    yield items
    yield items[::-1]
    for shift in range(1, len(items)):
        yield items[shift:] + items[:shift]


def batchings(items: list[dict]) -> Iterator[list[list[dict]]]:
    """All at once, one by one (both ways), and every split into two batches."""
    yield [items]
    yield [[item] for item in items]
    yield [[item] for item in reversed(items)]
    for cut in range(1, len(items)):
        yield [items[cut:], items[:cut]]


def python_fold(items: list[dict]) -> list[dict[str, Any]]:
    """What the Python half makes of one batch: rows as the API builds them, then
    progress_of_rows per exercise."""
    rows = submission_rows("u", [SubmissionIn.model_validate(item) for item in items],
                           FAR_FUTURE)
    by_exercise: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_exercise.setdefault(row["exercise_id"], []).append(row)
    result = []
    for exercise_id, group in by_exercise.items():
        row = progress_of_rows("u", exercise_id, group)
        result.append({
            **row,
            "completed_at": row["completed_at"] and row["completed_at"].isoformat(),
            "last_submitted_at": row["last_submitted_at"].isoformat(),
        })
    return result


def test_the_vectors_are_well_formed() -> None:
    assert len(CASES) >= 10
    for case in CASES:
        assert {"name", "rule", "submissions", "progress"} <= set(case)
        for item in case["submissions"]:
            SubmissionIn.model_validate(item)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_python_fold_follows_the_vectors(case: dict) -> None:
    expected = comparable(case["progress"])
    for order in orders(case["submissions"]):
        assert comparable(python_fold(order)) == expected, [s["id"] for s in order]



@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_sql_fold_follows_the_vectors(shared_client: TestClient, case: dict) -> None:
    expected = comparable(case["progress"])
    for batches in batchings(case["submissions"]):
        token, _ = register(shared_client)
        answers = []
        for batch in batches:
            response = shared_client.post(f"{API}/submissions", headers=bearer(token),
                                          json={"items": batch})
            assert response.status_code == 200, response.text
            answers.append(response.json()["items"])
        stored = shared_client.get(f"{API}/progress", headers=bearer(token)).json()["items"]
        assert comparable(stored) == expected, [[s["id"] for s in b] for b in batches]
        # The answer to the last batch shows the merged progress of what it touched.
        touched = {s["exercise_id"] for s in batches[-1]}
        assert comparable(answers[-1]) == [p for p in expected if p["exercise_id"] in touched]
