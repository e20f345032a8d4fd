"""Submissions and the progress merged from them.

Inserts use ``ON CONFLICT DO NOTHING … RETURNING`` on (user, client id): retries and
concurrent duplicates are harmless no-ops, and only the rows really inserted are folded
into the ``progress`` table. The fold (sum of attempts, earliest passing time, latest
(submitted_at, id), any solution viewed) is commutative and associative, so progress is
the same whatever order, batching or concurrency the submissions arrived in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import and_, case, or_, select
from sqlalchemy.orm import Session

from .insert import upsert
from .models import Progress, Submission
from .schemas import ProgressOut, SubmissionIn, SubmissionOut


def store_submissions(session: Session, user_id: str, items: Sequence[SubmissionIn]) -> None:
    """Insert every submission not already stored (future times clamped to now) and fold
    the new ones into the user's progress."""
    now = datetime.now(UTC)
    # One row per id (the first sent wins, as a resend would), inserted in id order so that
    # concurrent overlapping batches take their index locks in the same order: no deadlock.
    unique = {str(item.id): item for item in reversed(items)}
    rows = [
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
    table = Submission.__table__
    statement = (
        upsert(session, table)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["user_id", "id"])
        .returning(table.c.id)
    )
    inserted = set(session.scalars(statement))
    fresh = [row for row in rows if row["id"] in inserted]
    by_exercise: dict[str, list[dict]] = {}
    for row in fresh:
        by_exercise.setdefault(row["exercise_id"], []).append(row)
    for exercise_id in sorted(by_exercise):
        _fold(session, user_id, exercise_id, by_exercise[exercise_id])


def _fold(session: Session, user_id: str, exercise_id: str, rows: list[dict]) -> None:
    """Merge new submissions of one exercise into its progress row, atomically."""
    latest = max(rows, key=lambda row: (row["submitted_at"], row["id"]))
    passing = [row["submitted_at"] for row in rows if row["passed"]]
    table = Progress.__table__
    statement = upsert(session, table).values(
        user_id=user_id,
        exercise_id=exercise_id,
        attempts=len(rows),
        completed_at=min(passing) if passing else None,
        last_id=latest["id"],
        last_code=latest["code"],
        last_submitted_at=latest["submitted_at"],
        solution_viewed=any(row["solution_viewed"] for row in rows),
    )
    new, old = statement.excluded, table.c
    newer = or_(
        new.last_submitted_at > old.last_submitted_at,
        and_(new.last_submitted_at == old.last_submitted_at, new.last_id > old.last_id),
    )
    statement = statement.on_conflict_do_update(
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
    )
    session.execute(statement)


def merged_progress(
    session: Session, user_id: str, exercise_ids: Iterable[str] | None = None
) -> list[ProgressOut]:
    """Progress of the given exercises (all of the user's when ``None``), by exercise id."""
    query = select(Progress).where(Progress.user_id == user_id)
    if exercise_ids is not None:
        query = query.where(Progress.exercise_id.in_(sorted(set(exercise_ids))))
    return [
        ProgressOut(
            exercise_id=row.exercise_id,
            completed_at=row.completed_at,
            attempts=row.attempts,
            last_code=row.last_code,
            last_submitted_at=row.last_submitted_at,
            solution_viewed=bool(row.solution_viewed),
        )
        for row in session.scalars(query.order_by(Progress.exercise_id))
    ]


def list_submissions(
    session: Session, user_id: str, exercise_id: str | None = None
) -> list[SubmissionOut]:
    """The user's submissions, newest first (equal times: greater id first)."""
    query = select(Submission).where(Submission.user_id == user_id)
    if exercise_id is not None:
        query = query.where(Submission.exercise_id == exercise_id)
    query = query.order_by(Submission.submitted_at.desc(), Submission.id.desc())
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
        for row in session.scalars(query)
    ]
