"""Request and answer bodies: the JSON shapes of docs/api.md.

Request models forbid unknown fields and use strict scalar types, so a typo or a wrong
type is a clear 422 instead of a silently dropped or coerced value. Answer models are
separate from the tables so a password hash can never leave the service.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
)

EXERCISE_ID_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,127}$"
USERNAME_PATTERN = r"^[A-Za-z0-9_.-]{3,20}$"
MAX_CODE_BYTES = 64 * 1024
MAX_BATCH = 500


def _no_surrogates(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text (no lone surrogate code points)") from None
    return value


def _plain_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain the NUL character")
    return _no_surrogates(value)


def _code(value: str) -> str:
    _plain_text(value)
    size = len(value.encode("utf-8"))
    if size > MAX_CODE_BYTES:
        raise ValueError(f"must be at most 64 KiB of UTF-8 ({MAX_CODE_BYTES} bytes), not {size}")
    return value


def _email(value: str) -> str:
    _plain_text(value)
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValueError("must be a valid email address, like ada@example.org") from None


def _rfc3339_text(value: object) -> object:
    if not isinstance(value, str):
        raise ValueError("must be an RFC 3339 timestamp string, like 2025-01-31T12:00:00Z")
    return value


def _clamp_to_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is outside the range of representable times") from None


Password = Annotated[
    StrictStr,
    Field(min_length=8, max_length=1024, description="8 to 1024 characters."),
    AfterValidator(_no_surrogates),
]
GivenPassword = Annotated[
    StrictStr, Field(min_length=1, max_length=1024), AfterValidator(_no_surrogates)
]
"""A password being checked (not set), so the length rules of new passwords do not apply."""
Username = Annotated[
    StrictStr,
    Field(
        pattern=USERNAME_PATTERN,
        description="3 to 20 characters of A-Z a-z 0-9 _ - . (unique ignoring case).",
        examples=["ada_l"],
    ),
]
Email = Annotated[
    StrictStr,
    Field(
        max_length=320,
        description="A valid email address (unique ignoring case).",
        json_schema_extra={"format": "email"},
        examples=["ada@example.org"],
    ),
    AfterValidator(_email),
]
ExerciseId = Annotated[StrictStr, Field(pattern=EXERCISE_ID_PATTERN, examples=["basics.hello"])]
Timestamp = Annotated[AwareDatetime, BeforeValidator(_rfc3339_text), AfterValidator(_clamp_to_utc)]

REQUEST = ConfigDict(extra="forbid")


class ErrorOut(BaseModel):
    detail: str = Field(description="A sentence saying what went wrong and what to do.")


class FieldError(BaseModel):
    field: str = Field(description="Dotted path of the offending field, e.g. items.0.code.")
    message: str


class ValidationErrorOut(BaseModel):
    detail: str
    errors: list[FieldError]


class AcceptedOut(BaseModel):
    detail: str


class UserOut(BaseModel):
    id: str = Field(description="Opaque user id (the token's sub).")
    username: str
    email: str
    created_at: datetime


class AuthOut(BaseModel):
    token: str = Field(description="Bearer token, valid 30 days unless revoked.")
    user: UserOut


class RegisterIn(BaseModel):
    model_config = REQUEST
    username: Username
    email: Email
    password: Password


class LoginIn(BaseModel):
    model_config = REQUEST
    login: Annotated[
        StrictStr,
        Field(min_length=1, max_length=320, description="Username or email address."),
        AfterValidator(_plain_text),
    ]
    password: GivenPassword


class PasswordChangeIn(BaseModel):
    model_config = REQUEST
    current_password: GivenPassword
    new_password: Password


class PasswordResetIn(BaseModel):
    model_config = REQUEST
    email: Email


class PasswordResetConfirmIn(BaseModel):
    model_config = REQUEST
    token: Annotated[StrictStr, Field(min_length=1, max_length=256), AfterValidator(_plain_text)]
    new_password: Password


class DeleteAccountIn(BaseModel):
    model_config = REQUEST
    password: GivenPassword


class SubmissionIn(BaseModel):
    model_config = REQUEST
    id: UUID = Field(description="Made by the client; resending the same id is a no-op.")
    exercise_id: ExerciseId
    code: Annotated[StrictStr, AfterValidator(_code), Field(description="At most 64 KiB of UTF-8.")]
    passed: StrictBool
    submitted_at: Timestamp = Field(
        description="RFC 3339 with an offset; a time in the future is stored as the server's now."
    )
    exercise_version: (
        Annotated[StrictStr, Field(max_length=64), AfterValidator(_plain_text)] | None
    ) = None
    solution_viewed: StrictBool = False


class SubmissionsIn(BaseModel):
    model_config = REQUEST
    items: list[SubmissionIn] = Field(min_length=1, max_length=MAX_BATCH)


class SubmissionOut(BaseModel):
    id: str
    exercise_id: str
    code: str
    passed: bool
    submitted_at: datetime
    exercise_version: str | None
    solution_viewed: bool


class SubmissionsOut(BaseModel):
    items: list[SubmissionOut]


class ProgressOut(BaseModel):
    exercise_id: str
    completed_at: datetime | None = Field(
        description="Earliest submitted_at of a passing submission, else null."
    )
    attempts: int = Field(description="Number of distinct submissions.")
    last_code: str
    last_submitted_at: datetime
    last_id: str = Field(
        description="The id of the latest submission (equal times: the greater id), so that a "
        "client adding submissions not sent yet picks the same latest one as the API."
    )
    solution_viewed: bool


class ProgressListOut(BaseModel):
    items: list[ProgressOut]


class PasswordResetRequestOut(BaseModel):
    requested_at: datetime
    expires_at: datetime


class ExportOut(BaseModel):
    user: UserOut
    progress: list[ProgressOut]
    submissions: list[SubmissionOut]
    password_reset_requests: list[PasswordResetRequestOut] = Field(
        description="Pending reset requests (the tokens themselves are never stored)."
    )
    exported_at: datetime


class HealthOut(BaseModel):
    status: str = Field(examples=["ok"])
    database: str = Field(examples=["ok"])
