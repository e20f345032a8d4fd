"""Submissions and the progress merged from them.

Progress is never stored: it is computed from the set of submissions, so it is the same
whatever order, batching or concurrency the submissions arrived in. Inserts use
``ON CONFLICT DO NOTHING`` on (user, client id), which makes retries and concurrent
duplicates harmless no-ops.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import Boolean, and_, case, func, select, type_coerce
from sqlalchemy.orm import Session

from .insert import upsert
from .models import Submission, UTCDateTime
from .schemas import ProgressOut, SubmissionIn, SubmissionOut


def store_submissions(session: Session, user_id: str, items: Sequence[SubmissionIn]) -> None:
    """Insert every submission not already stored; future times are clamped to now."""
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
    statement = upsert(session, Submission.__table__).on_conflict_do_nothing(
        index_elements=["user_id", "id"]
    )
    session.execute(statement, rows)


def merged_progress(
    session: Session, user_id: str, exercise_ids: Iterable[str] | None = None
) -> list[ProgressOut]:
    """Progress of the given exercises (all of the user's when ``None``), by exercise id."""
    where = [Submission.user_id == user_id]
    if exercise_ids is not None:
        where.append(Submission.exercise_id.in_(sorted(set(exercise_ids))))

    totals = session.execute(
        select(
            Submission.exercise_id,
            func.count(),
            type_coerce(
                func.min(case((Submission.passed, Submission.submitted_at))), UTCDateTime()
            ),
            type_coerce(func.max(case((Submission.solution_viewed, 1), else_=0)), Boolean()),
        )
        .where(*where)
        .group_by(Submission.exercise_id)
    ).all()

    ranked = (
        select(
            Submission.exercise_id,
            Submission.code,
            Submission.submitted_at,
            func.row_number()
            .over(
                partition_by=Submission.exercise_id,
                order_by=(Submission.submitted_at.desc(), Submission.id.desc()),
            )
            .label("rank"),
        )
        .where(*where)
        .subquery()
    )
    latest = {
        row.exercise_id: row
        for row in session.execute(
            select(ranked.c.exercise_id, ranked.c.code, ranked.c.submitted_at).where(
                and_(ranked.c.rank == 1)
            )
        )
    }
    return [
        ProgressOut(
            exercise_id=exercise_id,
            completed_at=completed_at,
            attempts=attempts,
            last_code=latest[exercise_id].code,
            last_submitted_at=latest[exercise_id].submitted_at,
            solution_viewed=bool(viewed),
        )
        for exercise_id, attempts, completed_at, viewed in sorted(totals)
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
