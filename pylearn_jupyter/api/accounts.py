"""Account rules: registration, login with a database-backed lockout, password changes,
password resets and deletion. Routes call these; they raise ``ApiError`` for answers
that are not 2xx, and keep PBKDF2 outside database transactions so a slow hash never
holds a lock."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Connection, bindparam, case, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .core.config import Settings
from .core.db import Database
from .core.security import (
    TokenClaims,
    hash_iterations,
    hash_password,
    hash_reset_token,
    issue_token,
    new_reset_token,
    verify_password,
)
from .errors import ApiError
from .insert import upsert
from .models import USER_TABLES, LoginFailure, PasswordReset, User

LOCKOUT_THRESHOLD = 5
LOCKOUT_WINDOW = timedelta(minutes=15)
RESET_LIFETIME = timedelta(hours=1)
BAD_LOGIN = "The login or the password is not correct."
BAD_TOKEN = "Your session is no longer valid; log in again."


_TOKEN_VERSION = select(User.__table__.c.token_version).where(
    User.__table__.c.id == bindparam("user_id")
)


def require_current_token(connection: Connection, claims: TokenClaims) -> None:
    """Refuse a verified token whose user is gone or which has since been revoked.

    A Core query on a connection, not an ORM load: it runs on every submission batch."""
    version = connection.execute(_TOKEN_VERSION, {"user_id": claims.user_id}).scalar()
    if version is None or version != claims.version:
        raise ApiError(401, BAD_TOKEN)


def now_utc() -> datetime:
    return datetime.now(UTC)


def login_key(login: str) -> str:
    """The case-insensitive key a login string is looked up by (username or email)."""
    if "@" in login:
        try:
            return validate_email(login, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            pass
    return login.lower()


@dataclass(frozen=True)
class Accounts:
    """Account operations bound to one database and one configuration."""

    db: Database
    settings: Settings
    dummy_hash: str

    @classmethod
    def create(cls, db: Database, settings: Settings) -> Accounts:
        return cls(db, settings, hash_password("not a real password", settings.pbkdf2_iterations))

    def token_for(self, user: User) -> str:
        return issue_token(user.id, user.token_version, self.settings.jwt_secret)

    def current_user(self, session: Session, claims: TokenClaims) -> User:
        """The user a verified token names, unless the token has since been revoked."""
        user = session.get(User, claims.user_id)
        if user is None or user.token_version != claims.version:
            raise ApiError(401, BAD_TOKEN)
        return user

    def register(self, username: str, email: str, password: str) -> User:
        password_hash = hash_password(password, self.settings.pbkdf2_iterations)
        user = User(
            id=str(uuid.uuid4()),
            username=username,
            username_key=username.lower(),
            email=email,
            email_key=email.lower(),
            password_hash=password_hash,
            token_version=0,
            created_at=now_utc(),
        )
        with self.db.read() as session:
            self._refuse_taken(session, user)
        try:
            with self.db.write() as session:
                session.add(user)
        except IntegrityError:
            with self.db.read() as session:
                self._refuse_taken(session, user)
            raise ApiError(409, "That username or email address is already taken.") from None
        return user

    @staticmethod
    def _refuse_taken(session: Session, user: User) -> None:
        if session.scalar(select(User.id).where(User.username_key == user.username_key)):
            raise ApiError(409, "That username is already taken; choose another one.")
        if session.scalar(select(User.id).where(User.email_key == user.email_key)):
            raise ApiError(
                409,
                "An account with that email address already exists; log in or reset its password.",
            )

    def login(self, login: str, password: str) -> User:
        key = login_key(login)
        now = now_utc()
        with self.db.read() as session:
            user = session.scalar(
                select(User).where(or_(User.username_key == key, User.email_key == key))
            )
            failure = session.get(LoginFailure, user.id) if user is not None else None
        if user is None:
            verify_password(password, self.dummy_hash)
            raise ApiError(401, BAD_LOGIN)
        if failure is not None:
            retry_after = self._retry_after(failure, now)
            if retry_after:
                raise ApiError(
                    429,
                    "Too many failed logins for this account; wait "
                    f"{math.ceil(retry_after / 60)} minute(s) or reset the password.",
                    headers={"Retry-After": str(retry_after)},
                )
        if not verify_password(password, user.password_hash):
            self._record_failure(user.id, now)
            raise ApiError(401, BAD_LOGIN)
        upgrade = hash_iterations(user.password_hash) < self.settings.pbkdf2_iterations
        if failure is not None or upgrade:
            new_hash = hash_password(password, self.settings.pbkdf2_iterations) if upgrade else None
            with self.db.write() as session:
                session.execute(delete(LoginFailure).where(LoginFailure.user_id == user.id))
                if new_hash is not None:
                    session.execute(
                        update(User)
                        .where(User.id == user.id, User.password_hash == user.password_hash)
                        .values(password_hash=new_hash)
                    )
        return user

    @staticmethod
    def _retry_after(failure: LoginFailure, now: datetime) -> int:
        """Seconds until the account may try again (0 when it is not locked)."""
        if failure.failures < LOCKOUT_THRESHOLD:
            return 0
        remaining = (failure.last_failed_at + LOCKOUT_WINDOW - now).total_seconds()
        return max(0, math.ceil(remaining))

    def _record_failure(self, user_id: str, now: datetime) -> None:
        """Count one more consecutive failure, atomically across processes."""
        cutoff = now - LOCKOUT_WINDOW
        table = LoginFailure.__table__
        with self.db.write() as session:
            statement = upsert(session, table).values(
                user_id=user_id, failures=1, first_failed_at=now, last_failed_at=now
            )
            stale = table.c.first_failed_at < cutoff
            statement = statement.on_conflict_do_update(
                index_elements=[table.c.user_id],
                set_={
                    "failures": case((stale, 1), else_=table.c.failures + 1),
                    "first_failed_at": case((stale, now), else_=table.c.first_failed_at),
                    "last_failed_at": now,
                },
            )
            session.execute(statement)

    def change_password(self, claims: TokenClaims, current: str, new: str) -> User:
        with self.db.read() as session:
            user = self.current_user(session, claims)
        if not verify_password(current, user.password_hash):
            raise ApiError(403, "The current password is not correct.")
        return self._set_password(user.id, claims.version, new)

    def _set_password(self, user_id: str, expected_version: int | None, password: str) -> User:
        """Store a new hash and bump the token version, revoking every older token."""
        new_hash = hash_password(password, self.settings.pbkdf2_iterations)
        with self.db.write() as session:
            user = session.get(User, user_id)
            if user is None or (
                expected_version is not None and user.token_version != expected_version
            ):
                raise ApiError(401, BAD_TOKEN)
            user.password_hash = new_hash
            user.token_version += 1
            session.execute(delete(PasswordReset).where(PasswordReset.user_id == user_id))
            session.execute(delete(LoginFailure).where(LoginFailure.user_id == user_id))
        return user

    def logout_all(self, claims: TokenClaims) -> None:
        with self.db.write() as session:
            result = session.execute(
                update(User)
                .where(User.id == claims.user_id, User.token_version == claims.version)
                .values(token_version=User.token_version + 1)
            )
            if result.rowcount != 1:
                raise ApiError(401, BAD_TOKEN)

    def request_reset(self, email: str) -> tuple[str, str] | None:
        """Create a reset token when the address has an account: (recipient, token)."""
        key = email.lower()
        now = now_utc()
        with self.db.read() as session:
            user = session.scalar(select(User).where(User.email_key == key))
        if user is None:
            return None
        token, token_hash = new_reset_token()
        with self.db.write() as session:
            session.execute(delete(PasswordReset).where(PasswordReset.expires_at <= now))
            session.add(
                PasswordReset(
                    token_hash=token_hash,
                    user_id=user.id,
                    requested_at=now,
                    expires_at=now + RESET_LIFETIME,
                )
            )
        return user.email, token

    def confirm_reset(self, token: str, new_password: str) -> User:
        token_hash = hash_reset_token(token)
        invalid = ApiError(
            400, "This reset code is invalid, already used or expired; request a new one."
        )
        with self.db.read() as session:
            reset = session.get(PasswordReset, token_hash)
        if reset is None or reset.expires_at <= now_utc():
            raise invalid
        new_hash = hash_password(new_password, self.settings.pbkdf2_iterations)
        with self.db.write() as session:
            # Deleting is the claim: of two concurrent confirmations only one deletes the row.
            claimed = session.execute(
                delete(PasswordReset).where(
                    PasswordReset.token_hash == token_hash, PasswordReset.expires_at > now_utc()
                )
            )
            if claimed.rowcount != 1:
                raise invalid
            user = session.get(User, reset.user_id)
            if user is None:
                raise invalid
            user.password_hash = new_hash
            user.token_version += 1
            session.execute(delete(PasswordReset).where(PasswordReset.user_id == user.id))
            session.execute(delete(LoginFailure).where(LoginFailure.user_id == user.id))
        return user

    def delete_account(self, claims: TokenClaims, password: str) -> None:
        with self.db.read() as session:
            user = self.current_user(session, claims)
        if not verify_password(password, user.password_hash):
            raise ApiError(403, "The password is not correct; the account was not deleted.")
        with self.db.write() as session:
            for model in USER_TABLES:
                session.execute(delete(model).where(model.user_id == user.id))
            session.execute(delete(User).where(User.id == user.id))
