"""Database tables. The schema itself is created and upgraded only by the Alembic
migrations in ``migrations/``; these classes describe it for queries."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python, naive UTC in the database (same on SQLite and PostgreSQL),
    so that ordering and comparisons never depend on a session time zone."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


EXERCISE_ID_LENGTH = 160
"""Room for ``class:<16 hex digits>/`` before an exercise id of up to 128 characters."""


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(20))
    username_key: Mapped[str] = mapped_column(String(20), unique=True)
    email: Mapped[str] = mapped_column(String(320))
    email_key: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    token_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Submission(Base):
    """One submission, keyed by the id the client made: resending it is a no-op."""

    __tablename__ = "submissions"

    user_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    exercise_id: Mapped[str] = mapped_column(String(EXERCISE_ID_LENGTH))
    code: Mapped[str] = mapped_column(Text)
    passed: Mapped[bool] = mapped_column(Boolean)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    exercise_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    solution_viewed: Mapped[bool] = mapped_column(Boolean, default=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_submissions_user_exercise", "user_id", "exercise_id", "submitted_at"),
    )


class Progress(Base):
    """The merge of a user's submissions for one exercise, kept up to date as they arrive.

    Each update folds in only the rows just inserted, with operations that are commutative
    and associative (sum, min, max by (submitted_at, id), or), so the result does not depend
    on order or batching, and a row lock makes concurrent updates add up."""

    __tablename__ = "progress"

    user_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    exercise_id: Mapped[str] = mapped_column(String(EXERCISE_ID_LENGTH), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_id: Mapped[str] = mapped_column(String(36))
    last_code: Mapped[str] = mapped_column(Text)
    last_submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    solution_viewed: Mapped[bool] = mapped_column(Boolean)


class ThrottleCounter(Base):
    """One throttle count (docs/api.md, *Throttling*): failed logins of one ``login`` value
    from one device, accounts registered from one device, or reset mails to one address.

    ``key`` is an HMAC of the kind and of what is counted (the device id, the login value,
    the address), so the table holds no device id, login or address in the clear and no
    link to an account. A row is forgotten once ``expires_at`` has passed."""

    __tablename__ = "throttle_counters"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class PasswordReset(Base):
    """A pending reset; only the SHA-256 of the mailed token is stored."""

    __tablename__ = "password_resets"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SchoolClass(Base):
    """A class: a teacher, a name, a join code and which course it follows."""

    __tablename__ = "classes"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    teacher_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    course: Mapped[str] = mapped_column(String(16))
    join_code: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ClassMember(Base):
    """A learner who joined a class (and consented to what its teacher sees)."""

    __tablename__ = "class_members"

    class_id: Mapped[str] = mapped_column(
        String(16), ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ClassCourse(Base):
    """The course bundle uploaded for a class: its JSON as served, and its version (ETag)."""

    __tablename__ = "class_courses"

    class_id: Mapped[str] = mapped_column(
        String(16), ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[str] = mapped_column(String(64))
    bundle: Mapped[str] = mapped_column(Text)
    size_bytes: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ClassExercise(Base):
    """The exercise ids of a class's uploaded bundle: what ``class:<id>/<exercise id>``
    submissions are checked against."""

    __tablename__ = "class_exercises"

    class_id: Mapped[str] = mapped_column(
        String(16), ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True
    )
    exercise_id: Mapped[str] = mapped_column(String(128), primary_key=True)


USER_TABLES = (Submission, Progress, PasswordReset, ClassMember)
"""Every table with rows about a user besides ``users`` itself (deletion walks this;
the classes a user teaches are deleted with their memberships, bundles and exercises)."""
