"""``/auth``: register, login, password change and reset, logout-all."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response, status

from ..deps import AccountsDep, Claims
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
from ..throttle import DEVICE_HEADER, device_of

router = APIRouter(prefix="/auth", tags=["auth"])

Device = Annotated[
    str | None,
    Header(
        alias=DEVICE_HEADER,
        max_length=200,
        description=(
            "A random 128-bit id the client makes once and keeps (localStorage), used only to "
            "count failed logins and registrations per device; kept hashed, never linked to "
            "an account. Without it, the request counts as the one shared anonymous device."
        ),
        examples=["3f9c2a7e5b1d4c8e9a0b6d2f1e3c5a7b"],
    ),
]


def throttled(description: str) -> dict[int | str, dict[str, object]]:
    return {
        429: {
            "description": description,
            "headers": {
                "Retry-After": {
                    "schema": {"type": "integer"},
                    "description": "Seconds until this device may try again.",
                }
            },
            "model": ErrorOut,
        }
    }


def user_out(user: User) -> UserOut:
    return UserOut(id=user.id, username=user.username, email=user.email, created_at=user.created_at)


def auth_out(accounts: AccountsDep, user: User) -> AuthOut:
    return AuthOut(token=accounts.token_for(user), user=user_out(user))


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    responses={
        **responses((409, "The username or the email address is taken.")),
        **throttled("20 accounts were created from this device within the hour."),
    },
)
def register(body: RegisterIn, accounts: AccountsDep, device: Device = None) -> AuthOut:
    """Create an account and return a token for it (at most 20 per device per hour)."""
    user = accounts.register(body.username, body.email, body.password, device_of(device))
    return auth_out(accounts, user)


@router.post(
    "/login",
    responses={
        **responses((401, "The login or the password is wrong (one message for both).")),
        **throttled(
            "5 consecutive failed logins with this login value from this device within 15 "
            "minutes (the same answer whether or not such an account exists)."
        ),
    },
)
def login(body: LoginIn, accounts: AccountsDep, device: Device = None) -> AuthOut:
    """Exchange a username or email address and the password for a token. Failures are
    counted per login value and per device (`X-PyLearn-Device`); other devices are never
    refused because of them."""
    user = accounts.login(body.login, body.password, device_of(device))
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
    body: PasswordResetIn, accounts: AccountsDep, request: Request
) -> AcceptedOut:
    """Mail a single-use reset code valid one hour, at most 3 per address per hour; the
    answer (body and timing) never reveals whether the address has an account."""
    if accounts.count_reset(body.email):
        request.app.state.reset_worker.submit(body.email)
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
