"""``/me``: the account itself, its export and its deletion."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Response, status
from sqlalchemy import select

from ..classes import export_classes
from ..deps import AccountsDep, Claims, DatabaseDep
from ..errors import AUTH_RESPONSES, responses
from ..models import PasswordReset
from ..progress import list_submissions, merged_progress
from ..schemas import (
    DeleteAccountIn,
    ExportOut,
    PasswordResetRequestOut,
    UserOut,
)
from .auth import user_out

router = APIRouter(prefix="/me", tags=["me"])


@router.get("", responses={**responses(), **AUTH_RESPONSES})
def me(claims: Claims, accounts: AccountsDep, db: DatabaseDep) -> UserOut:
    """The account the token belongs to."""
    with db.read() as session:
        return user_out(accounts.current_user(session, claims))


@router.get("/export", responses={**responses(), **AUTH_RESPONSES})
def export(claims: Claims, accounts: AccountsDep, db: DatabaseDep) -> ExportOut:
    """Everything stored about the account (except the password hash)."""
    with db.read() as session:
        user = accounts.current_user(session, claims)
        resets = session.scalars(
            select(PasswordReset)
            .where(PasswordReset.user_id == user.id)
            .order_by(PasswordReset.requested_at)
        ).all()
        taught, joined = export_classes(session, user.id)
        return ExportOut(
            user=user_out(user),
            progress=merged_progress(session.connection(), user.id),
            submissions=list_submissions(session.connection(), user.id),
            password_reset_requests=[
                PasswordResetRequestOut(requested_at=r.requested_at, expires_at=r.expires_at)
                for r in resets
            ],
            classes_taught=taught,
            classes_joined=joined,
            exported_at=datetime.now(UTC),
        )


@router.delete(
    "",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={**responses((403, "The password is wrong.")), **AUTH_RESPONSES},
)
def delete_account(body: DeleteAccountIn, claims: Claims, accounts: AccountsDep) -> Response:
    """Delete the account and every row about it; needs the password. The classes the
    user teaches are deleted with their memberships and course bundles, and the user
    leaves every class they joined."""
    accounts.delete_account(claims, body.password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
