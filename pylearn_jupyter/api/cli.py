"""``pylearn api``: serve the API, or only migrate its database.

Configuration problems end with one sentence on stderr and exit status 2, never a
traceback. Logging is set up so that no line carries a client address (uvicorn's access
log is off), a password, a token or submitted code.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from sqlalchemy.exc import SQLAlchemyError

from .core.config import ConfigError, Settings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pylearn api",
        description="Serve the PyLearn API (accounts and synced progress).",
        epilog="Configuration comes from PYLEARN_* environment variables; see docs/api.md.",
    )
    parser.add_argument(
        "command",
        nargs="?",
        choices=["serve", "migrate"],
        default="serve",
        help="serve (default) or migrate: only bring the schema up to date",
    )
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})"
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default {DEFAULT_PORT})"
    )
    parser.add_argument(
        "--database",
        metavar="URL",
        help="sqlite:///path.db or postgresql://…; overrides PYLEARN_DATABASE_URL",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes (default 1; more need PostgreSQL or one SQLite file)",
    )
    return parser


def configure_logging() -> None:
    """Our own log lines, no access log, and only uvicorn's warnings."""
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
        force=True,
    )
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    """Run ``pylearn api [migrate] [--host H] [--port P] [--database URL]``."""
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    configure_logging()
    log = logging.getLogger("pylearn.api")
    try:
        settings = Settings.from_env(database_url=args.database)
    except ConfigError as exc:
        print(f"pylearn api: {exc}", file=sys.stderr)
        return 2

    from .core.db import Database

    try:
        database = Database(settings.url)
        database.migrate()
        database.dispose()
    except ModuleNotFoundError as exc:
        if exc.name != "psycopg":
            raise
        print(
            "pylearn api: PostgreSQL needs its driver, which is not installed: "
            'pip install "pylearn-jupyter[postgresql]"',
            file=sys.stderr,
        )
        return 2
    except SQLAlchemyError as exc:
        print(
            "pylearn api: the database could not be opened or migrated "
            f"({type(exc).__name__}); check --database / PYLEARN_DATABASE_URL and that the "
            "server is running.",
            file=sys.stderr,
        )
        return 1
    if args.command == "migrate":
        log.info("The database schema is up to date.")
        return 0

    import uvicorn

    # Workers re-read the settings from the environment; the CLI override must reach them.
    os.environ["PYLEARN_DATABASE_URL"] = settings.database_url
    shown_host = "localhost" if args.host in LOOPBACK else args.host
    log.info(
        "PyLearn API serving http://%s:%d/api/v1 (documentation at /api/v1/docs).",
        shown_host,
        args.port,
    )
    uvicorn.run(
        "pylearn_jupyter.api.app:create_app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=max(1, args.workers),
        access_log=False,
        log_config=None,
        server_header=False,
        proxy_headers=False,
    )
    return 0
