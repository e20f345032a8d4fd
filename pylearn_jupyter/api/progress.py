"""Submissions and the progress merged from them.

Inserts use ``ON CONFLICT DO NOTHING … RETURNING`` on (user, client id): retries and
concurrent duplicates are harmless no-ops, and only the rows really inserted are folded
into the ``progress`` table. The fold (sum of attempts, earliest passing time, latest
(submitted_at, id), any solution viewed) is commutative and associative, so progress is
the same whatever order, batching or concurrency the submissions arrived in.

The write statements are built once per dialect and run with a list of parameter sets
(one compiled statement, rows sent as one multi-row ``VALUES``), and every query here is
a Core statement that reads plain rows: building SQL and ORM objects per request would
cost several times more than the database work itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, Insert, Row, Select, and_, bindparam, case, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from .models import Progress, Submission
from .schemas import ProgressOut, SubmissionIn, SubmissionOut

SUBMISSIONS = Submission.__table__
PROGRESS = Progress.__table__


def _insert(dialect: str, table: Any) -> Any:
    """An ``INSERT`` that supports ``on_conflict_do_nothing/update`` on ``dialect``."""
    return (postgresql if dialect == "postgresql" else sqlite).insert(table)


_PROGRESS_COLUMNS = (
    PROGRESS.c.exercise_id,
    PROGRESS.c.completed_at,
    PROGRESS.c.attempts,
    PROGRESS.c.last_code,
    PROGRESS.c.last_submitted_at,
    PROGRESS.c.last_id,
    PROGRESS.c.solution_viewed,
)


@cache
def _insert_new_submissions(dialect: str) -> Insert:
    """Insert submissions, skipping ids already stored; returns the ids really inserted."""
    return (
        _insert(dialect, SUBMISSIONS)
        .on_conflict_do_nothing(index_elements=[SUBMISSIONS.c.user_id, SUBMISSIONS.c.id])
        .returning(SUBMISSIONS.c.id)
    )


@cache
def _fold_into_progress(dialect: str) -> Insert:
    """Create a progress row or merge one exercise's new submissions into it, atomically;
    returns the merged rows (what the answer shows, without a second query)."""
    statement = _insert(dialect, PROGRESS)
    new, old = statement.excluded, PROGRESS.c
    newer = or_(
        new.last_submitted_at > old.last_submitted_at,
        and_(new.last_submitted_at == old.last_submitted_at, new.last_id > old.last_id),
    )
    return statement.on_conflict_do_update(
        index_elements=[old.user_id, old.exercise_id],
        set_={
            "attempts": old.attempts + new.attempts,
            "completed_at": case(
                (old.completed_at.is_(None), new.completed_at),
                (new.completed_at.is_(None), old.completed_at),
                (new.completed_at < old.completed_at, new.completed_at),
                else_=old.completed_at,
            ),
            "last_id": case((newer, new.last_id), else_=old.last_id),
            "last_code": case((newer, new.last_code), else_=old.last_code),
            "last_submitted_at": case((newer, new.last_submitted_at), else_=old.last_submitted_at),
            "solution_viewed": or_(old.solution_viewed, new.solution_viewed),
        },
    ).returning(*_PROGRESS_COLUMNS)


_ALL_PROGRESS: Select[Any] = (
    select(*_PROGRESS_COLUMNS)
    .where(PROGRESS.c.user_id == bindparam("user_id"))
    .order_by(PROGRESS.c.exercise_id)
)
_SOME_PROGRESS: Select[Any] = _ALL_PROGRESS.where(
    PROGRESS.c.exercise_id.in_(bindparam("exercise_ids", expanding=True))
)


def submission_rows(
    user_id: str, items: Sequence[SubmissionIn], now: datetime
) -> list[dict[str, Any]]:
    """The rows to insert: one per id (the first sent wins, as a resend would), future times
    clamped to ``now``, in id order so that concurrent overlapping batches take their
    index locks in the same order (no deadlock)."""
    unique = {str(item.id): item for item in reversed(items)}
    return [
        {
            "user_id": user_id,
            "id": item_id,
            "exercise_id": item.exercise_id,
            "code": item.code,
            "passed": item.passed,
            "submitted_at": min(item.submitted_at, now),
            "exercise_version": item.exercise_version,
            "solution_viewed": item.solution_viewed,
            "received_at": now,
        }
        for item_id, item in sorted(unique.items())
    ]


def store_submissions(
    connection: Connection, user_id: str, items: Sequence[SubmissionIn]
) -> list[ProgressOut]:
    """Insert every submission not already stored (future times clamped to now), fold the
    new ones into the user's progress and return the progress of every exercise touched."""
    rows = submission_rows(user_id, items, datetime.now(UTC))
    dialect = connection.dialect.name
    inserted = set(connection.execute(_insert_new_submissions(dialect), rows).scalars())
    by_exercise: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row["id"] in inserted:
            by_exercise.setdefault(row["exercise_id"], []).append(row)
    merged = []
    if by_exercise:
        # Exercise order again, so that concurrent folds lock progress rows in one order.
        folds = [
            progress_of_rows(user_id, exercise_id, by_exercise[exercise_id])
            for exercise_id in sorted(by_exercise)
        ]
        merged = _progress_out(connection.execute(_fold_into_progress(dialect), folds))
    # Exercises whose submissions were all stored before (a resend) were not folded again.
    unchanged = {row["exercise_id"] for row in rows} - by_exercise.keys()
    if unchanged:
        merged += merged_progress(connection, user_id, unchanged)
    return sorted(merged, key=lambda progress: progress.exercise_id)


def progress_of_rows(user_id: str, exercise_id: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The progress row that ``rows`` alone (distinct submissions of one exercise) make:
    the Python half of the merge; ``_fold_into_progress`` folds it into the stored row
    with the same rules in SQL (both run docs/merge-vectors.json)."""
    latest = max(rows, key=lambda row: (row["submitted_at"], row["id"]))
    passing = [row["submitted_at"] for row in rows if row["passed"]]
    return {
        "user_id": user_id,
        "exercise_id": exercise_id,
        "attempts": len(rows),
        "completed_at": min(passing) if passing else None,
        "last_id": latest["id"],
        "last_code": latest["code"],
        "last_submitted_at": latest["submitted_at"],
        "solution_viewed": any(row["solution_viewed"] for row in rows),
    }


def merged_progress(
    connection: Connection, user_id: str, exercise_ids: Iterable[str] | None = None
) -> list[ProgressOut]:
    """Progress of the given exercises (all of the user's when ``None``), by exercise id."""
    if exercise_ids is None:
        result = connection.execute(_ALL_PROGRESS, {"user_id": user_id})
    else:
        result = connection.execute(
            _SOME_PROGRESS, {"user_id": user_id, "exercise_ids": sorted(set(exercise_ids))}
        )
    return _progress_out(result)


def _progress_out(rows: Iterable[Row[Any]]) -> list[ProgressOut]:
    return [
        ProgressOut(
            exercise_id=row.exercise_id,
            completed_at=row.completed_at,
            attempts=row.attempts,
            last_code=row.last_code,
            last_submitted_at=row.last_submitted_at,
            last_id=row.last_id,
            solution_viewed=bool(row.solution_viewed),
        )
        for row in rows
    ]


def list_submissions(
    connection: Connection, user_id: str, exercise_id: str | None = None
) -> list[SubmissionOut]:
    """The user's submissions, newest first (equal times: greater id first)."""
    c = SUBMISSIONS.c
    query = select(
        c.id,
        c.exercise_id,
        c.code,
        c.passed,
        c.submitted_at,
        c.exercise_version,
        c.solution_viewed,
    ).where(c.user_id == user_id)
    if exercise_id is not None:
        query = query.where(c.exercise_id == exercise_id)
    query = query.order_by(c.submitted_at.desc(), c.id.desc())
    return [
        SubmissionOut(
            id=row.id,
            exercise_id=row.exercise_id,
            code=row.code,
            passed=row.passed,
            submitted_at=row.submitted_at,
            exercise_version=row.exercise_version,
            solution_viewed=row.solution_viewed,
        )
        for row in connection.execute(query)
    ]
