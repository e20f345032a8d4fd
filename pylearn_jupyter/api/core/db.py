"""Engines, sessions and migrations for SQLite and PostgreSQL.

SQLite runs in WAL mode so readers never wait for the writer. Write transactions start
with ``BEGIN IMMEDIATE`` (taking the write lock up front, so two writers queue on
``busy_timeout`` instead of failing when a read lock cannot be upgraded) and, within one
process, also queue on a lock so threads do not spin on the database file.
PostgreSQL needs neither: its row locks and ``ON CONFLICT`` handle concurrent writers.

``synchronous=NORMAL`` with WAL: a commit is in the WAL file (in the operating system's
cache) before it returns, so an acknowledged write survives a crash or kill of the
process; only a power loss or OS crash can lose the last commits, never corrupt the file.
``FULL`` would add an fsync to every commit.

Frequent small writes (submission batches) go through :meth:`Database.transact`, which
hands them to one writer thread per process that commits every transaction waiting at
that moment together, and answers each caller only after that commit. On SQLite that is
one ``BEGIN IMMEDIATE``/``COMMIT`` and no lock hand-over per request; on PostgreSQL one
WAL flush per group, and no row lock left held while a thread waits for the interpreter
lock among dozens of others.
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from importlib.resources import files
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger("pylearn.api")

SQLITE_BUSY_TIMEOUT_MS = 30_000
MAX_GROUP = 64  # transactions committed together at most
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


class _Job:
    """One queued transaction and the caller waiting for its outcome."""

    __slots__ = ("work", "key", "loop", "future", "ok", "value")

    def __init__(
        self, work: Callable[[Connection], Any], key: str, loop: asyncio.AbstractEventLoop
    ) -> None:
        self.work = work
        self.key = key
        self.loop = loop
        self.future: asyncio.Future[Any] = loop.create_future()
        self.ok = False
        self.value: Any = None

    def run(self, connection: Connection) -> bool:
        """Run the work as part of the group's transaction; False when it failed."""
        try:
            self.value, self.ok = self.work(connection), True
        except Exception as exc:  # noqa: BLE001 - handed to this job's caller
            self.value, self.ok = exc, False
        return self.ok

    def run_isolated(self, connection: Connection, attempts: int) -> None:
        """Run the work in a savepoint, so that a failure undoes this job alone; retried
        when PostgreSQL chose it as the victim of a deadlock or serialization conflict."""
        for attempt in range(1, attempts + 1):
            try:
                with connection.begin_nested():
                    self.value, self.ok = self.work(connection), True
                return
            except OperationalError as exc:
                if attempt < attempts and _retryable(exc):
                    continue
                self.value, self.ok = exc, False
                return
            except Exception as exc:  # noqa: BLE001 - handed to this job's caller
                self.value, self.ok = exc, False
                return

    def settle(self) -> None:
        """Hand the outcome to the waiting caller, on its own event loop."""
        try:
            self.loop.call_soon_threadsafe(self._settle)
        except RuntimeError:  # that loop has been closed: nobody is waiting any more
            pass

    def _settle(self) -> None:
        if self.future.cancelled():  # the client went away; the work stands regardless
            return
        if self.ok:
            self.future.set_result(self.value)
        else:
            self.future.set_exception(self.value)


class _RollBack(Exception):
    """Ends a group's transaction without committing it."""


def _retryable(exc: OperationalError) -> bool:
    return getattr(exc.orig, "sqlstate", None) in RETRYABLE


class _GroupWriter:
    """A thread running queued write transactions, all those waiting in one commit.

    A job that fails is undone alone and its caller gets its exception; the others are
    answered once the shared commit has succeeded (or all get the commit's error, having
    been acknowledged nothing). Jobs run in order of their key (a user id): a job locks
    only rows of its user, in a fixed order, so groups committed by several processes
    sharing one PostgreSQL lock rows in one global order.
    """

    def __init__(self, engine: Engine, lock: threading.Lock | None, attempts: int = 4) -> None:
        self._engine = engine
        self._lock = lock if lock is not None else nullcontext()
        self._attempts = attempts
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()

    def submit(self, work: Callable[[Connection], T], key: str) -> asyncio.Future[T]:
        job = _Job(work, key, asyncio.get_running_loop())
        if self._thread is None:
            with self._start:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._serve, name="pylearn-db-writer", daemon=True
                    )
                    self._thread.start()
        self._jobs.put(job)
        return job.future

    def stop(self) -> None:
        with self._start:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._jobs.put(None)
            thread.join()

    def _serve(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            group = [job]
            while len(group) < MAX_GROUP:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    self._run(group)
                    return
                group.append(job)
            self._run(group)

    def _run(self, group: list[_Job]) -> None:
        group.sort(key=lambda job: job.key)
        # Jobs rarely fail, so they first run plainly, one after the other. If one fails,
        # that transaction is rolled back and the group runs again with a savepoint per
        # job (two more statements each), so that only the failed job is undone.
        if not self._commit(group, isolated=False):
            self._commit(group, isolated=True)
        for job in group:
            job.settle()

    def _commit(self, group: list[_Job], *, isolated: bool) -> bool:
        """Run the group in one transaction and commit it; False, having stored nothing,
        when a job failed and ``isolated`` is false."""
        for attempt in range(1, self._attempts + 1):
            try:
                with self._lock, self._engine.begin() as connection:
                    for job in group:
                        if isolated:
                            job.run_isolated(connection, self._attempts)
                        elif not job.run(connection):
                            raise _RollBack
            except _RollBack:
                return False
            except OperationalError as exc:
                if attempt < self._attempts and _retryable(exc):
                    continue
                self._fail(group, exc)
            except Exception as exc:  # noqa: BLE001 - handed to every caller of the group
                self._fail(group, exc)
            return True
        raise AssertionError("unreachable")

    @staticmethod
    def _fail(group: list[_Job], exc: Exception) -> None:
        """BEGIN or COMMIT failed: nothing of the group is stored, every caller is told."""
        for job in group:
            job.value, job.ok = exc, False


class Database:
    """The service's access to storage: ``read()`` and ``write()`` transactions, and
    ``transact()`` for the frequent writes that group commits serve best."""

    def __init__(self, url: URL) -> None:
        self.url = url
        self.is_sqlite = url.get_backend_name() == "sqlite"
        if self.is_sqlite:
            _create_private_file(Path(url.database or "").expanduser())
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
        self._writer = _GroupWriter(self.write_engine, self._write_lock)
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

    async def transact(self, work: Callable[[Connection], T], key: str = "") -> T:
        """Run ``work`` in a write transaction without blocking the event loop, as part of
        the writer thread's next group commit; its result is returned once committed.
        ``work`` must be repeatable (it is retried after a deadlock) and lock only rows
        belonging to ``key``, in a fixed order."""
        return await self._writer.submit(work, key)

    def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def migrate(self) -> None:
        """Bring the schema to the newest revision; safe when several processes start at once."""
        with self.write_engine.begin() as connection:
            if not self.is_sqlite:
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_ID}
                )
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def dispose(self) -> None:
        self._writer.stop()
        self.engine.dispose()
        if self.write_engine is not self.engine:
            self.write_engine.dispose()


def _create_private_file(path: Path) -> None:
    """Create the SQLite file readable by its owner only (it holds password hashes, email
    addresses and code), before SQLite opens it: SQLite gives the -wal and -shm files it
    creates the database file's mode, so they are 0600 too.

    Files of an earlier version, created world-readable (0644), are made 0600 as well; a
    mode without access for others (0640, say, for a backup group) is the owner's choice
    and stays."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        _close_to_others(path)
        return
    os.close(fd)


def _close_to_others(path: Path) -> None:
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            info = file.stat()
            if info.st_uid == os.geteuid() and info.st_mode & 0o007:
                file.chmod(0o600)
                log.warning("%s was readable by every user of this machine; it is now 0600.",
                            file)
        except OSError:
            continue


def alembic_config() -> Config:
    """Alembic configuration pointing at the migrations shipped inside this package."""
    config = Config()
    config.set_main_option("script_location", str(files("pylearn_jupyter.api") / "migrations"))
    return config
