"""``/auth``: register, login, password change and reset, logout-all."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Response, status

from ..deps import AccountsDep, Claims, MailerDep
from ..errors import AUTH_RESPONSES, responses
from ..models import User
from ..schemas import (
    AcceptedOut,
    AuthOut,
    ErrorOut,
    LoginIn,
    PasswordChangeIn,
    PasswordResetConfirmIn,
    PasswordResetIn,
    RegisterIn,
    UserOut,
)

router = APIRouter(prefix="/auth", tags=["auth"])


def user_out(user: User) -> UserOut:
    return UserOut(id=user.id, username=user.username, email=user.email, created_at=user.created_at)


def auth_out(accounts: AccountsDep, user: User) -> AuthOut:
    return AuthOut(token=accounts.token_for(user), user=user_out(user))


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    responses=responses((409, "The username or the email address is taken.")),
)
def register(body: RegisterIn, accounts: AccountsDep) -> AuthOut:
    """Create an account and return a token for it."""
    user = accounts.register(body.username, body.email, body.password)
    return auth_out(accounts, user)


@router.post(
    "/login",
    responses={
        **responses((401, "The login or the password is wrong (one message for both).")),
        429: {
            "description": "Too many consecutive failures for this account.",
            "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds."}},
            "model": ErrorOut,
        },
    },
)
def login(body: LoginIn, accounts: AccountsDep) -> AuthOut:
    """Exchange a username or email address and the password for a token."""
    user = accounts.login(body.login, body.password)
    return auth_out(accounts, user)


@router.post(
    "/password",
    responses={**responses((403, "The current password is wrong.")), **AUTH_RESPONSES},
)
def change_password(body: PasswordChangeIn, claims: Claims, accounts: AccountsDep) -> AuthOut:
    """Set a new password; every token issued before stops working."""
    user = accounts.change_password(claims, body.current_password, body.new_password)
    return auth_out(accounts, user)


@router.post(
    "/logout-all",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={**responses(), **AUTH_RESPONSES},
)
def logout_all(claims: Claims, accounts: AccountsDep) -> Response:
    """Revoke every token issued so far, on every device."""
    accounts.logout_all(claims)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/password-reset", status_code=status.HTTP_202_ACCEPTED, responses=responses())
def request_password_reset(
    body: PasswordResetIn, accounts: AccountsDep, mailer: MailerDep, tasks: BackgroundTasks
) -> AcceptedOut:
    """Mail a single-use reset code valid one hour; the answer never reveals whether the
    address has an account."""
    pending = accounts.request_reset(body.email)
    if pending is not None:
        tasks.add_task(mailer.send_reset, *pending)
    return AcceptedOut(
        detail="If an account uses that address, a reset code is on its way; it works for one hour."
    )


@router.post(
    "/password-reset/confirm",
    responses=responses((400, "The reset code is invalid, used or expired.")),
)
def confirm_password_reset(body: PasswordResetConfirmIn, accounts: AccountsDep) -> AuthOut:
    """Set a new password with a mailed reset code; every older token stops working."""
    user = accounts.confirm_reset(body.token, body.new_password)
    return auth_out(accounts, user)
