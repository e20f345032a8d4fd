"""Throttles kept in the database (docs/api.md, *Throttling*): no IP address is used.

Every count is one row of ``throttle_counters``, keyed by an HMAC (under a key derived
from the signing secret, which every process sharing the database has) of what is
counted: the device id a client sends in ``X-PyLearn-Device`` and the submitted login,
the device alone, or an email address. Nothing in the table names a device, a login, an
address or an account.

A count is *reserved* before the work it limits is done, with one atomic
``INSERT … ON CONFLICT DO UPDATE … RETURNING`` (SQLite ≥ 3.35 and PostgreSQL): of any
number of concurrent requests, in any number of processes, exactly ``limit`` see a count
within the limit. A stale row (past ``expires_at``) starts again at 1 in that same
statement.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, delete, update
from sqlalchemy.orm import Session

from .core.db import Database
from .insert import upsert
from .models import ThrottleCounter

DEVICE_HEADER = "X-PyLearn-Device"
ANONYMOUS_DEVICE = ""
"""Requests without the header all count as this one shared device."""
MAX_DEVICE_ID = 200
PURGE_EVERY_SECONDS = 60.0
"""How often each API process deletes the counts whose time is over."""

TABLE = ThrottleCounter.__table__


@dataclass(frozen=True)
class Rule:
    """``limit`` events per ``window``. A sliding rule's window restarts at each counted
    event (login failures are forgotten 15 minutes after the *last* one); a fixed rule's
    window runs from the first event (registrations: 20 per hour)."""

    kind: str
    limit: int
    window: timedelta
    sliding: bool


LOGIN_FAILURES = Rule("login", 5, timedelta(minutes=15), sliding=True)
REGISTRATIONS = Rule("register", 20, timedelta(hours=1), sliding=False)
RESET_MAILS = Rule("reset", 3, timedelta(hours=1), sliding=False)
UNKNOWN_JOIN_CODES = Rule("join", 10, timedelta(minutes=15), sliding=False)
"""Unknown class join codes, per user (an HMAC of the user id, never the id itself)."""


@dataclass(frozen=True)
class Reservation:
    """The outcome of counting one event: ``allowed`` when it was within the limit;
    otherwise ``retry_after`` seconds until the count is forgotten."""

    key: str
    allowed: bool
    retry_after: int


def device_of(header: str | None) -> str:
    """The device id as counted: the header's value, or the shared anonymous device."""
    value = (header or "").strip()
    return value[:MAX_DEVICE_ID]


class Throttle:
    """Reserve, read and purge counts in one database."""

    def __init__(self, db: Database, secret: str) -> None:
        self.db = db
        self._key = hmac.new(
            secret.encode("utf-8"), b"pylearn throttle keys v1", hashlib.sha256
        ).digest()

    def key(self, rule: Rule, *parts: str) -> str:
        message = "\x00".join((rule.kind, *parts)).encode("utf-8", "surrogatepass")
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def reserve(self, rule: Rule, *parts: str, session: Session | None = None) -> Reservation:
        """Count one event atomically and say whether it is within the limit.

        With ``session`` the count joins that write transaction (and is undone with it);
        otherwise it is committed on its own before this returns."""
        key = self.key(rule, *parts)
        now = datetime.now(UTC)
        if session is None:
            with self.db.write() as own:
                hits, expires_at = self._count(own, rule, key, now)
        else:
            hits, expires_at = self._count(session, rule, key, now)
        if hits <= rule.limit:
            return Reservation(key, True, 0)
        retry_after = max(1, math.ceil((expires_at - now).total_seconds()))
        return Reservation(key, False, retry_after)

    def exhausted(self, rule: Rule, *parts: str) -> int:
        """Seconds until a count already at its limit is forgotten; 0 when there is room.
        A plain read: the reservation itself stays the only thing that decides."""
        now = datetime.now(UTC)
        with self.db.read() as session:
            row = session.get(ThrottleCounter, self.key(rule, *parts))
            if row is None or row.hits < rule.limit or row.expires_at <= now:
                return 0
            return max(1, math.ceil((row.expires_at - now).total_seconds()))

    @staticmethod
    def _count(session: Session, rule: Rule, key: str, now: datetime) -> tuple[int, datetime]:
        c = TABLE.c
        expires = now + rule.window
        stale = c.expires_at <= now
        counted = c.hits < rule.limit  # this event is within the limit: it moves a sliding window
        statement = (
            upsert(session, TABLE)
            .values(key=key, hits=1, started_at=now, expires_at=expires)
            .on_conflict_do_update(
                index_elements=[c.key],
                set_={
                    "hits": case((stale, 1), else_=c.hits + 1),
                    "started_at": case((stale, now), else_=c.started_at),
                    "expires_at": case(
                        (stale, expires),
                        *(((counted, expires),) if rule.sliding else ()),
                        else_=c.expires_at,
                    ),
                },
            )
            .returning(c.hits, c.expires_at)
        )
        hits, expires_at = session.execute(statement).one()
        if expires_at.tzinfo is None:  # RETURNING bypasses the column type on some drivers
            expires_at = expires_at.replace(tzinfo=UTC)
        return int(hits), expires_at

    @staticmethod
    def release(session: Session, reservation: Reservation) -> None:
        """Take back a count reserved in ``session``'s transaction: the event it counted
        turned out not to be one that the rule limits (a join code that exists)."""
        session.execute(
            update(ThrottleCounter)
            .where(ThrottleCounter.key == reservation.key, ThrottleCounter.hits > 0)
            .values(hits=ThrottleCounter.hits - 1)
        )

    def forget(self, session: Session, rule: Rule, *parts: str) -> None:
        """Delete one count (an account being deleted takes its counts with it)."""
        key = self.key(rule, *parts)
        session.execute(delete(ThrottleCounter).where(ThrottleCounter.key == key))

    def purge(self) -> int:
        """Delete every count whose time is over; returns how many."""
        with self.db.write() as session:
            result = session.execute(
                delete(ThrottleCounter).where(ThrottleCounter.expires_at <= datetime.now(UTC))
            )
            return result.rowcount or 0
