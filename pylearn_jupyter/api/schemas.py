"""Request and answer bodies: the JSON shapes of docs/api.md.

Request models forbid unknown fields and use strict scalar types, so a typo or a wrong
type is a clear 422 instead of a silently dropped or coerced value. Answer models are
separate from the tables so a password hash can never leave the service.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
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
    StrictFloat,
    StrictInt,
    StrictStr,
    model_validator,
)

EXERCISE_ID_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,127}$"
CLASS_ID_PATTERN = r"^[0-9a-f]{16}$"
SYNCED_EXERCISE_ID_PATTERN = r"^(class:[0-9a-f]{16}/)?[a-z0-9][a-z0-9._-]{0,127}$"
"""An exercise id as submitted: a built-in one, or ``class:<class id>/<exercise id>`` for
an exercise of a class's uploaded course."""
CLASS_PREFIX = "class:"
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
SyncedExerciseId = Annotated[
    StrictStr,
    Field(
        pattern=SYNCED_EXERCISE_ID_PATTERN,
        description="A built-in exercise id, or class:<class id>/<exercise id> for an exercise "
        "of the uploaded course of a class the user teaches or has joined.",
        examples=["basics.hello", "class:0f3a9c2e7b1d4a58/week1.sum"],
    ),
]
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
    exercise_id: SyncedExerciseId
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


# Classes ----------------------------------------------------------------------------

ClassName = Annotated[
    StrictStr,
    Field(min_length=1, max_length=80, description="1 to 80 characters.",
          examples=["Python 101, autumn"]),
    AfterValidator(_plain_text),
]
CourseKind = Literal["pylearn", "uploaded"]


def _must_consent(value: bool) -> bool:
    if value is not True:
        raise ValueError(
            "must be true: joining lets the teacher see, for the class's exercises, when you "
            "completed them, your attempts, your latest code and whether you viewed a solution"
        )
    return value


class ClassCreateIn(BaseModel):
    model_config = REQUEST
    name: ClassName
    course: CourseKind = Field(
        default="pylearn",
        description='"pylearn": the built-in course; "uploaded": a course bundle the teacher '
        "uploads with PUT /classes/{id}/course.",
    )


class ClassJoinIn(BaseModel):
    model_config = REQUEST
    join_code: Annotated[
        StrictStr,
        Field(min_length=1, max_length=64, examples=["7K4M2-XQ9RD"],
              description="The code the teacher gave; case, dashes and spaces do not matter."),
        AfterValidator(_plain_text),
    ]
    consent: Annotated[
        StrictBool,
        AfterValidator(_must_consent),
        Field(description="Must be true: the learner agrees that the teacher sees their progress "
              "on the class's exercises (completion times, attempts, latest code, solution "
              "viewed)."),
    ]


class TeacherOut(BaseModel):
    username: str


class ClassOut(BaseModel):
    id: str = Field(description="Opaque class id (16 hexadecimal digits).")
    name: str
    role: Literal["teacher", "learner"] = Field(description="The caller's role in the class.")
    course: CourseKind
    teacher: TeacherOut
    created_at: datetime
    learners_count: int
    join_code: str | None = Field(
        default=None,
        exclude_if=lambda code: code is None,
        description="Shown to the teacher only (absent for learners).",
    )


class ClassListOut(BaseModel):
    items: list[ClassOut]


class LearnerProgressOut(BaseModel):
    """What a teacher sees of one learner's exercise, and nothing more."""

    exercise_id: str
    completed_at: datetime | None
    attempts: int
    last_code: str
    last_submitted_at: datetime
    solution_viewed: bool


class LearnerOut(BaseModel):
    user_id: str
    username: str
    joined_at: datetime
    progress: list[LearnerProgressOut] = Field(
        description="Only the exercises of the class's course the learner has submitted."
    )


class ClassProgressOut(BaseModel):
    class_: ClassOut = Field(alias="class", serialization_alias="class")
    learners: list[LearnerOut]


class CourseVersionOut(BaseModel):
    version: str = Field(description="The bundle's version, also its ETag.")


class CourseBundleInfoOut(BaseModel):
    version: str
    uploaded_at: datetime
    size_bytes: int


class TaughtClassOut(ClassOut):
    course_bundle: CourseBundleInfoOut | None = Field(
        description="The uploaded bundle's version and size (the bundle itself: "
        "GET /classes/{id}/course)."
    )


class JoinedClassOut(ClassOut):
    joined_at: datetime


# Course bundles (docs/api.md, *Course bundles*) ------------------------------------------

MAX_BUNDLE_CHAPTERS = 500
MAX_BUNDLE_EXERCISES = 2000
MAX_BUNDLE_NOTEBOOKS = 1000
NOTEBOOK_PATH_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_ ./-]{0,250}\.ipynb$"


def _relative_path(value: str) -> str:
    if any(part in ("", ".", "..") for part in value.split("/")):
        raise ValueError("must be a relative path without empty, '.' or '..' parts")
    return value


BundleTitle = Annotated[
    StrictStr, Field(min_length=1, max_length=200), AfterValidator(_plain_text)
]
NotebookPath = Annotated[
    StrictStr,
    Field(pattern=NOTEBOOK_PATH_PATTERN, examples=["01-basics.ipynb"],
          description="A relative path ending in .ipynb, without '..' parts."),
    AfterValidator(_relative_path),
]
BUNDLE = ConfigDict(extra="forbid")


class BundleExercise(BaseModel):
    model_config = BUNDLE
    id: ExerciseId
    title: BundleTitle
    version: Annotated[StrictStr, Field(min_length=1, max_length=64),
                       AfterValidator(_plain_text)] = "1"


class BundleChapter(BaseModel):
    model_config = BUNDLE
    id: ExerciseId
    title: BundleTitle
    order: StrictInt | StrictFloat
    notebook: NotebookPath = Field(description="The key of its notebook in `notebooks`.")
    exercises: list[BundleExercise] = Field(max_length=MAX_BUNDLE_EXERCISES)


class BundleCourse(BaseModel):
    model_config = BUNDLE
    title: BundleTitle
    chapters: list[BundleChapter] = Field(min_length=1, max_length=MAX_BUNDLE_CHAPTERS)

    @model_validator(mode="after")
    def _unique_ids(self) -> BundleCourse:
        chapters: set[str] = set()
        exercises: set[str] = set()
        for chapter in self.chapters:
            if chapter.id in chapters:
                raise ValueError(f"chapter id {chapter.id!r} is used twice")
            chapters.add(chapter.id)
            for exercise in chapter.exercises:
                if exercise.id in exercises:
                    raise ValueError(f"exercise id {exercise.id!r} is used twice")
                exercises.add(exercise.id)
        if len(exercises) > MAX_BUNDLE_EXERCISES:
            raise ValueError(f"has {len(exercises)} exercises; at most {MAX_BUNDLE_EXERCISES}")
        return self


class BundleNotebook(BaseModel):
    """An nbformat 4 notebook; fields beyond these four are kept as they are."""

    model_config = ConfigDict(extra="allow")
    nbformat: Literal[4]
    nbformat_minor: Annotated[StrictInt, Field(ge=0)]
    metadata: dict[str, Any]
    cells: list[dict[str, Any]]


class CourseBundleIn(BaseModel):
    """A course bundle as `pylearn release --bundle` writes it (docs/api.md)."""

    model_config = BUNDLE
    format: Literal[1] = Field(description="The bundle format version: 1.")
    course: BundleCourse
    notebooks: dict[NotebookPath, BundleNotebook] = Field(
        min_length=1, max_length=MAX_BUNDLE_NOTEBOOKS,
        description="The learner notebooks by relative path (nbformat 4 JSON).",
    )

    @model_validator(mode="after")
    def _notebooks_present(self) -> CourseBundleIn:
        for chapter in self.course.chapters:
            if chapter.notebook not in self.notebooks:
                raise ValueError(
                    f"chapter {chapter.id!r} names notebook {chapter.notebook!r}, which is not "
                    "in notebooks"
                )
        return self

    def exercise_ids(self) -> list[str]:
        return [e.id for chapter in self.course.chapters for e in chapter.exercises]


class ExportOut(BaseModel):
    user: UserOut
    progress: list[ProgressOut]
    submissions: list[SubmissionOut]
    password_reset_requests: list[PasswordResetRequestOut] = Field(
        description="Pending reset requests (the tokens themselves are never stored)."
    )
    classes_taught: list[TaughtClassOut] = Field(
        description="The classes the user teaches, with their join codes and bundle versions."
    )
    classes_joined: list[JoinedClassOut] = Field(
        description="The classes the user has joined, and when."
    )
    exported_at: datetime


class HealthOut(BaseModel):
    status: str = Field(examples=["ok"])
    database: str = Field(examples=["ok"])
