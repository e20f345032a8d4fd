"""Account rules: registration and login throttled in the database, password changes,
password resets and deletion. Routes call these; they raise ``ApiError`` for answers
that are not 2xx, and keep PBKDF2 outside database transactions so a slow hash never
holds a lock."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Connection, bindparam, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .classes import delete_user_classes
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
from .models import USER_TABLES, PasswordReset, ThrottleCounter, User
from .throttle import (
    ANONYMOUS_DEVICE,
    LOGIN_FAILURES,
    REGISTRATIONS,
    RESET_MAILS,
    UNKNOWN_JOIN_CODES,
    Rule,
    Throttle,
)

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


def _too_many_registrations(retry_after: int) -> ApiError:
    return ApiError(
        429,
        "Too many accounts were created from this device within the hour; wait "
        f"{math.ceil(retry_after / 60)} minute(s) and try again.",
        headers={"Retry-After": str(retry_after)},
    )


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
    throttle: Throttle

    @classmethod
    def create(cls, db: Database, settings: Settings) -> Accounts:
        return cls(
            db,
            settings,
            hash_password("not a real password", settings.pbkdf2_iterations),
            Throttle(db, settings.jwt_secret),
        )

    def token_for(self, user: User) -> str:
        return issue_token(user.id, user.token_version, self.settings.jwt_secret)

    def current_user(self, session: Session, claims: TokenClaims) -> User:
        """The user a verified token names, unless the token has since been revoked."""
        user = session.get(User, claims.user_id)
        if user is None or user.token_version != claims.version:
            raise ApiError(401, BAD_TOKEN)
        return user

    def register(
        self, username: str, email: str, password: str, device: str = ANONYMOUS_DEVICE
    ) -> User:
        """Create an account; at most 20 per device per hour (docs/api.md, *Throttling*).

        The count is taken in the transaction that inserts the user, so a refused or
        failed registration does not use up the device's allowance."""
        self._refuse_exhausted(REGISTRATIONS, device)
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
                reservation = self.throttle.reserve(REGISTRATIONS, device, session=session)
                if not reservation.allowed:
                    raise _too_many_registrations(reservation.retry_after)
                session.add(user)
        except IntegrityError:
            with self.db.read() as session:
                self._refuse_taken(session, user)
            raise ApiError(409, "That username or email address is already taken.") from None
        return user

    def _refuse_exhausted(self, rule: Rule, *parts: str) -> None:
        """A cheap read before any hashing: refuse a device already at its limit."""
        retry_after = self.throttle.exhausted(rule, *parts)
        if retry_after:
            raise _too_many_registrations(retry_after)

    @staticmethod
    def _refuse_taken(session: Session, user: User) -> None:
        if session.scalar(select(User.id).where(User.username_key == user.username_key)):
            raise ApiError(409, "That username is already taken; choose another one.")
        if session.scalar(select(User.id).where(User.email_key == user.email_key)):
            raise ApiError(
                409,
                "An account with that email address already exists; log in or reset its password.",
            )

    def login(self, login: str, password: str, device: str = ANONYMOUS_DEVICE) -> User:
        """Check a login; failures are counted per login value and device *before* the
        password is checked, so concurrent guesses cannot slip past the limit, and the
        count never looks at whether the account exists (docs/api.md, *Throttling*)."""
        key = login_key(login)
        reservation = self.throttle.reserve(LOGIN_FAILURES, device, key)
        if not reservation.allowed:
            raise ApiError(
                429,
                "Too many failed logins with this name from this device; wait "
                f"{math.ceil(reservation.retry_after / 60)} minute(s) and try again.",
                headers={"Retry-After": str(reservation.retry_after)},
            )
        with self.db.read() as session:
            user = session.scalar(
                select(User).where(or_(User.username_key == key, User.email_key == key))
            )
        if user is None:
            verify_password(password, self.dummy_hash)
            raise ApiError(401, BAD_LOGIN)
        if not verify_password(password, user.password_hash):
            raise ApiError(401, BAD_LOGIN)
        # Success: the reserved count is released, ending the run of consecutive failures.
        upgrade = hash_iterations(user.password_hash) < self.settings.pbkdf2_iterations
        new_hash = hash_password(password, self.settings.pbkdf2_iterations) if upgrade else None
        with self.db.write() as session:
            session.execute(delete(ThrottleCounter).where(ThrottleCounter.key == reservation.key))
            if new_hash is not None:
                session.execute(
                    update(User)
                    .where(User.id == user.id, User.password_hash == user.password_hash)
                    .values(password_hash=new_hash)
                )
        return user

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

    def count_reset(self, email: str) -> bool:
        """Count one reset request for the address, whether or not it has an account (the
        same work either way); False once 3 were counted within the hour."""
        return self.throttle.reserve(RESET_MAILS, email.lower()).allowed

    def create_reset(self, email: str) -> tuple[str, str] | None:
        """Create a reset token when the address has an account: (recipient, token).
        Runs on the reset worker, after the request has been answered."""
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
        return user

    def delete_account(self, claims: TokenClaims, password: str) -> None:
        with self.db.read() as session:
            user = self.current_user(session, claims)
        if not verify_password(password, user.password_hash):
            raise ApiError(403, "The password is not correct; the account was not deleted.")
        with self.db.write() as session:
            delete_user_classes(session, user.id)
            self.throttle.forget(session, UNKNOWN_JOIN_CODES, user.id)
            for model in USER_TABLES:
                session.execute(delete(model).where(model.user_id == user.id))
            session.execute(delete(User).where(User.id == user.id))
