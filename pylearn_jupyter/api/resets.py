"""Password-reset requests are answered before anything depends on the address.

The request itself only counts the address (docs/api.md: at most 3 mails per address per
hour) — the same database work whether or not an account uses it — and hands the address
to this worker thread. The worker looks the account up, stores the reset token's hash and
sends the mail, after the answer has gone out, so the answer's timing says nothing about
the address. It waits ``DELAY`` seconds after a request was accepted before doing that
work: started at once, the work for a known address (a lookup, an insert, an SMTP
conversation) would compete with the answer still being sent, for the interpreter lock
and the database, and make known addresses measurably slower to answer.
"""

from __future__ import annotations

import logging
import queue
import threading
import time

from .accounts import Accounts
from .core.mail import Mailer

log = logging.getLogger("pylearn.api.mail")

DELAY = 0.1


class ResetWorker:
    """One thread per process creating reset tokens and sending their mails in order."""

    def __init__(self, accounts: Accounts, mailer: Mailer) -> None:
        self._accounts = accounts
        self._mailer = mailer
        self._queue: queue.Queue[tuple[str, float] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, email: str) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._serve, name="pylearn-reset-mail", daemon=True
                )
                self._thread.start()
        self._queue.put((email, time.monotonic() + DELAY))

    def drain(self) -> None:
        """Wait until every request accepted so far has been handled."""
        if self._thread is not None:
            self._queue.join()

    def stop(self) -> None:
        """Finish the requests already accepted, then end the thread."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join()

    def _serve(self) -> None:
        while (item := self._queue.get()) is not None:
            email, due = item
            try:
                time.sleep(max(0.0, due - time.monotonic()))
                self._handle(email)
            finally:
                self._queue.task_done()
        self._queue.task_done()

    def _handle(self, email: str) -> None:
        try:
            pending = self._accounts.create_reset(email)
        except Exception as exc:  # noqa: BLE001 - the request was answered already
            log.warning("A password-reset request could not be stored (%s).", type(exc).__name__)
            return
        if pending is not None:
            self._mailer.send_reset(*pending)
