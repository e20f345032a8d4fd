"""Engines, sessions and migrations for SQLite and PostgreSQL.

SQLite runs in WAL mode so readers never wait for the writer. Write transactions start
with ``BEGIN IMMEDIATE`` (taking the write lock up front, so two writers queue on
``busy_timeout`` instead of failing when a read lock cannot be upgraded) and, within one
process, also queue on a lock so threads do not spin on the database file.
PostgreSQL needs neither: its row locks and ``ON CONFLICT`` handle concurrent writers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from importlib.resources import files
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000
RETRYABLE = {"40001", "40P01"}  # serialization_failure, deadlock_detected
T = TypeVar("T")
MIGRATION_LOCK_ID = 0x70796C6561726E  # "pylearn", for pg_advisory_xact_lock


def _sqlite_engine(url: URL, *, immediate: bool) -> Engine:
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        pool_size=16,
        max_overflow=48,
        pool_timeout=60,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)

    return engine


class Database:
    """The service's access to storage: ``read()`` and ``write()`` transactions."""

    def __init__(self, url: URL) -> None:
        self.url = url
        self.is_sqlite = url.get_backend_name() == "sqlite"
        if self.is_sqlite:
            self.engine = _sqlite_engine(url, immediate=False)
            self.write_engine = _sqlite_engine(url, immediate=True)
            self._write_lock: threading.Lock | None = threading.Lock()
        else:
            self.engine = create_engine(
                url,
                pool_size=16,
                max_overflow=48,
                pool_timeout=60,
                connect_args={"connect_timeout": 5},
            )
            self.write_engine = self.engine
            self._write_lock = None
        self._read_sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(self.write_engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A short read-only transaction."""
        with self._read_sessions() as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction, committed when the block ends without an exception."""
        guard = self._write_lock if self._write_lock is not None else nullcontext()
        with guard, self._write_sessions() as session, session.begin():
            yield session

    def run_write(self, work: Callable[[Session], T], attempts: int = 4) -> T:
        """Run ``work`` in a write transaction, retrying it when PostgreSQL aborted it to
        break a deadlock or a serialization conflict (the work must be repeatable)."""
        for attempt in range(1, attempts + 1):
            try:
                with self.write() as session:
                    return work(session)
            except OperationalError as exc:
                if attempt == attempts or getattr(exc.orig, "sqlstate", None) not in RETRYABLE:
                    raise
        raise AssertionError("unreachable")

    def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def migrate(self) -> None:
        """Bring the schema to the newest revision; safe when several processes start at once."""
        if self.is_sqlite:
            from pathlib import Path

            Path(self.url.database or "").expanduser().parent.mkdir(parents=True, exist_ok=True)
        with self.write_engine.begin() as connection:
            if not self.is_sqlite:
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_ID}
                )
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def dispose(self) -> None:
        self.engine.dispose()
        if self.write_engine is not self.engine:
            self.write_engine.dispose()


def alembic_config() -> Config:
    """Alembic configuration pointing at the migrations shipped inside this package."""
    config = Config()
    config.set_main_option("script_location", str(files("pylearn_jupyter.api") / "migrations"))
    return config
