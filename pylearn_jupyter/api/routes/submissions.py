"""``/submissions`` and ``/progress``: synced attempts and the progress merged from them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy import Connection

from ..accounts import require_current_token
from ..classes import refuse_unknown_class_exercises
from ..deps import AccountsDep, Claims, DatabaseDep
from ..errors import AUTH_RESPONSES, responses
from ..progress import list_submissions, merged_progress, store_submissions
from ..schemas import (
    CLASS_PREFIX,
    SYNCED_EXERCISE_ID_PATTERN,
    ProgressListOut,
    SubmissionsIn,
    SubmissionsOut,
)

router = APIRouter(tags=["progress"])


@router.post("/submissions", responses={**responses(), **AUTH_RESPONSES})
async def submit(body: SubmissionsIn, claims: Claims, db: DatabaseDep) -> ProgressListOut:
    """Store 1–500 submissions (idempotent by id) and return the merged progress of the
    exercises they touch. An id `class:<class id>/<exercise id>` is accepted only for an
    exercise of the uploaded course of a class the user teaches or has joined; otherwise
    the whole batch is refused with 422 naming the items."""
    class_items = [
        (index, item.exercise_id)
        for index, item in enumerate(body.items)
        if item.exercise_id.startswith(CLASS_PREFIX)
    ]

    def store(connection: Connection) -> ProgressListOut:
        require_current_token(connection, claims)
        if class_items:
            refuse_unknown_class_exercises(connection, claims.user_id, class_items)
        return ProgressListOut(items=store_submissions(connection, claims.user_id, body.items))

    return await db.transact(store, key=claims.user_id)


@router.get("/submissions", responses={**responses(), **AUTH_RESPONSES})
def submissions(
    request: Request,
    claims: Claims,
    accounts: AccountsDep,
    db: DatabaseDep,
    exercise_id: Annotated[
        str | None,
        Query(
            pattern=SYNCED_EXERCISE_ID_PATTERN,
            description="Only this exercise (default: all).",
        ),
    ] = None,
) -> SubmissionsOut:
    """Stored submissions, newest first."""
    if len(request.query_params.getlist("exercise_id")) > 1:
        raise RequestValidationError(
            [
                {
                    "loc": ("query", "exercise_id"),
                    "msg": "must be given at most once",
                    "type": "value_error",
                }
            ]
        )
    with db.read() as session:
        user = accounts.current_user(session, claims)
        return SubmissionsOut(items=list_submissions(session.connection(), user.id, exercise_id))


@router.get("/progress", responses={**responses(), **AUTH_RESPONSES})
def progress(claims: Claims, accounts: AccountsDep, db: DatabaseDep) -> ProgressListOut:
    """Merged progress of every exercise the user has submitted."""
    with db.read() as session:
        user = accounts.current_user(session, claims)
        return ProgressListOut(items=merged_progress(session.connection(), user.id))
