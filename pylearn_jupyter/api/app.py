"""The FastAPI application: ``create_app(settings)`` for tests and embedding,
``create_app_from_env()`` for uvicorn workers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from .accounts import Accounts
from .core.config import Settings
from .core.db import Database
from .core.mail import Mailer
from .errors import install_error_handlers
from .middleware import GuardMiddleware
from .resets import ResetWorker
from .routes import auth, classes, health, me, submissions
from .throttle import DEVICE_HEADER, PURGE_EVERY_SECONDS, Throttle

log = logging.getLogger("pylearn.api")

API_PREFIX = "/api/v1"
DESCRIPTION = """Accounts and synced progress for PyLearn for Jupyter.

Authenticate with `Authorization: Bearer <token>` (from register or login). Every answer
that is not 2xx is JSON with a `detail` sentence; 422 answers add an `errors` list naming
the offending fields. No answer sets a cookie. Bodies over 1 MiB (20 MiB for a course
bundle) are refused with 413.

Login and registration are throttled per device, never by IP address: send
`X-PyLearn-Device: <id>` (a random 128-bit id the client keeps) with them. After 5
consecutive failed logins for one login value from one device within 15 minutes, that
device gets 429 with `Retry-After` for that login; at most 20 accounts are created per
device per hour. Requests without the header count as one shared anonymous device.

Classes: a teacher creates a class and gives learners its join code; a learner joins with
`consent: true` and may leave at any time. The teacher sees, for the exercises of the
class's course only, each learner's completion time, attempts, latest code and whether a
solution was viewed; never an email address. After 10 unknown join codes within 15
minutes a user gets 429 with `Retry-After`.
"""


async def purge_throttle_counts(throttle: Throttle) -> None:
    """Delete throttle counts whose time is over, now and every minute (docs/api.md: a
    device id is forgotten 15 minutes after the last failure)."""
    while True:
        try:
            await asyncio.to_thread(throttle.purge)
        except Exception as exc:  # noqa: BLE001 - the next round tries again
            log.warning("Expired throttle counts could not be deleted (%s).", type(exc).__name__)
        await asyncio.sleep(PURGE_EVERY_SECONDS)


def create_app(settings: Settings) -> FastAPI:
    """Build the service for ``settings``; the schema is migrated when the app starts."""
    db = Database(settings.url)
    mailer = Mailer(settings.mail_url, settings.mail_from, settings.public_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.run_migrations:
            db.migrate()
        if not mailer.configured:
            log.warning(
                "PYLEARN_MAIL_URL is not set: password-reset requests are accepted but no "
                "mail is sent. Set it to smtp://host:port or resend://API_KEY to send them."
            )
        purging = asyncio.create_task(purge_throttle_counts(accounts.throttle))
        yield
        purging.cancel()
        with suppress(asyncio.CancelledError):
            await purging
        reset_worker.stop()
        db.dispose()

    app = FastAPI(
        title="PyLearn API",
        version="1",
        description=DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.mailer = mailer
    app.state.accounts = accounts = Accounts.create(db, settings)
    app.state.reset_worker = reset_worker = ResetWorker(accounts, mailer)

    for router in (auth.router, me.router, submissions.router, classes.router, health.router):
        app.include_router(router, prefix=API_PREFIX)
    install_error_handlers(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_credentials=False,
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type", DEVICE_HEADER, "If-None-Match"],
            expose_headers=["ETag", "Retry-After"],
            max_age=600,
        )
    app.add_middleware(GuardMiddleware)
    return app


def create_app_from_env() -> FastAPI:
    """Factory for uvicorn (``--factory``): settings from ``PYLEARN_*`` variables."""
    return create_app(Settings.from_env())
