"""``Database.transact``: concurrent write transactions share a commit, yet each caller
gets its own outcome and a failing one leaves nothing behind."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, func, insert, select

from pylearn_jupyter.api.core.config import normalise_database_url
from pylearn_jupyter.api.core.db import Database
from pylearn_jupyter.api.models import User

USERS = User.__table__


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(normalise_database_url(database_url))
    database.migrate()
    yield database
    database.dispose()


def _add_user(name: str, fail: bool = False):
    def work(connection: Connection) -> str:
        connection.execute(
            insert(USERS).values(
                id=str(uuid.uuid4()),
                username=name,
                username_key=name,
                email=f"{name}@example.org",
                email_key=f"{name}@example.org",
                password_hash="x",
                token_version=0,
                created_at=datetime.now(UTC),
            )
        )
        if fail:
            raise ValueError(f"{name} refused")
        return name

    return work


def _names(db: Database) -> set[str]:
    with db.engine.connect() as connection:
        return set(connection.scalars(select(USERS.c.username)))


def test_each_caller_gets_its_own_outcome_and_failures_leave_nothing(db: Database) -> None:
    async def run() -> list[object]:
        jobs = [
            db.transact(_add_user(f"u{i}", fail=i % 5 == 0), key=f"k{i % 7}") for i in range(60)
        ]
        return await asyncio.gather(*jobs, return_exceptions=True)

    outcomes = asyncio.run(run())
    for i, outcome in enumerate(outcomes):
        if i % 5 == 0:
            assert isinstance(outcome, ValueError) and str(outcome) == f"u{i} refused"
        else:
            assert outcome == f"u{i}"
    assert _names(db) == {f"u{i}" for i in range(60) if i % 5}


def test_a_database_error_fails_only_its_own_transaction(db: Database) -> None:
    async def run() -> list[object]:
        first = db.transact(_add_user("taken"))
        duplicate = db.transact(_add_user("taken"))  # same unique username_key
        other = db.transact(_add_user("other"))
        return await asyncio.gather(first, duplicate, other, return_exceptions=True)

    first, duplicate, other = asyncio.run(run())
    assert first == "taken" and other == "other"
    assert isinstance(duplicate, Exception)
    with db.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(USERS)) == 2


def test_transactions_from_several_event_loops_and_after_dispose(db: Database) -> None:
    assert asyncio.run(db.transact(_add_user("a"))) == "a"
    assert asyncio.run(db.transact(_add_user("b"))) == "b"
    db.dispose()  # stops the writer thread; the next transaction starts a new one
    assert asyncio.run(db.transact(_add_user("c"))) == "c"
    assert _names(db) == {"a", "b", "c"}
