"""Settings read from the environment, resolved once at start.

Everything the service needs is gathered into one immutable ``Settings`` so that tests
(and the Jupyter integration) can build an app for any database without touching
``os.environ``.
"""

from __future__ import annotations

import math
import os
import secrets
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

import platformdirs
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

MIN_PBKDF2_ITERATIONS = 100_000
DEFAULT_MAIL_FROM = "PyLearn <no-reply@localhost>"
DEFAULT_PUBLIC_URL = "http://localhost:8888"
SECRET_FILE_NAME = "pylearn-jwt-secret"


class ConfigError(Exception):
    """A configuration problem, worded as a sentence that tells the operator what to set."""


def default_database_url() -> str:
    """The embedded default: a SQLite file in the user's data directory."""
    data_dir = Path(platformdirs.user_data_dir("pylearn", appauthor=False))
    return f"sqlite:///{data_dir / 'pylearn.db'}"


def normalise_database_url(raw: str) -> URL:
    """Accept ``sqlite:///`` and ``postgresql://`` URLs; PostgreSQL always uses psycopg 3."""
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise ConfigError(
            f"PYLEARN_DATABASE_URL is not a database URL ({exc}); "
            "use sqlite:///path/to/pylearn.db or postgresql://user:password@host/dbname."
        ) from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise ConfigError(
                "The SQLite database needs a file path, for example sqlite:///pylearn.db; "
                "an in-memory database would lose every account when the server stops."
            )
        return url.set(drivername="sqlite+pysqlite")
    if backend in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+psycopg")
    raise ConfigError(
        f"Unsupported database {backend!r} in PYLEARN_DATABASE_URL; "
        "use sqlite:///path/to/pylearn.db or postgresql://user:password@host/dbname."
    )


MIN_SECRET_LENGTH = 32
MIN_SECRET_DISTINCT = 8
MIN_SECRET_BITS = 80
MAX_SECRET_RUN = 8
GOOD_SECRET_HINT = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"


def secret_bits(secret: str) -> float:
    """An estimate of a secret's entropy in bits: its length times the Shannon entropy of
    its characters' frequencies (a random 32-hex-digit secret scores about 115, 32 × "a"
    scores 0)."""
    counts = Counter(secret)
    n = len(secret)
    return -sum(c / n * math.log2(c / n) for c in counts.values()) * n


def _period(secret: str) -> int:
    """The length of the shortest block the secret repeats (its own length if none)."""
    n = len(secret)
    for p in range(1, n // 2 + 1):
        if all(secret[i] == secret[i - p] for i in range(p, n)):
            return p
    return n


def secret_weakness(secret: str) -> str | None:
    """Why ``secret`` is too weak to sign tokens with, or None when it will do.

    Length alone is not enough: 32 × "a" is 32 characters and no secret at all. A secret
    must have at least 32 characters, 8 distinct ones, no run of more than 8 equal ones,
    not be one short block repeated, and score at least 80 bits by :func:`secret_bits`."""
    if len(secret) < MIN_SECRET_LENGTH:
        return f"{len(secret)} characters, fewer than {MIN_SECRET_LENGTH}"
    distinct = len(set(secret))
    if distinct < MIN_SECRET_DISTINCT:
        return f"only {distinct} distinct characters, fewer than {MIN_SECRET_DISTINCT}"
    run = max(len(list(group)) for _, group in groupby(secret))
    if run > MAX_SECRET_RUN:
        return f"the same character {run} times in a row"
    period = _period(secret)
    if period < len(secret):
        return f"a block of {period} characters repeated"
    bits = secret_bits(secret)
    if bits < MIN_SECRET_BITS:
        return f"about {bits:.0f} bits of entropy, fewer than {MIN_SECRET_BITS}"
    return None


def _secret_beside(url: URL) -> str:
    """Read, or create once with mode 0600, the signing secret kept next to the SQLite file."""
    db_path = Path(url.database or "").expanduser().resolve()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    secret_path = db_path.parent / SECRET_FILE_NAME
    try:
        fd = os.open(secret_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        secret = secret_path.read_text(encoding="utf-8").strip()
        problem = secret_weakness(secret)
        if problem:
            raise ConfigError(
                f"The JWT secret file {secret_path} is not a usable secret ({problem}); delete "
                "it to have a new one generated (every user will have to log in again) or set "
                "PYLEARN_JWT_SECRET."
            ) from None
        return secret
    secret = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret + "\n")
    return secret


@dataclass(frozen=True)
class Settings:
    """Resolved configuration of one API service instance."""

    database_url: str
    jwt_secret: str
    pbkdf2_iterations: int = MIN_PBKDF2_ITERATIONS
    cors_origins: tuple[str, ...] = ()
    mail_url: str | None = None
    mail_from: str = DEFAULT_MAIL_FROM
    public_url: str = DEFAULT_PUBLIC_URL
    run_migrations: bool = True

    def __post_init__(self) -> None:
        if self.pbkdf2_iterations < MIN_PBKDF2_ITERATIONS:
            raise ConfigError(
                f"PYLEARN_PBKDF2_ITERATIONS must be at least {MIN_PBKDF2_ITERATIONS:,}; "
                f"{self.pbkdf2_iterations:,} would make stolen password hashes cheap to crack."
            )
        problem = secret_weakness(self.jwt_secret)
        if problem:
            raise ConfigError(
                f"PYLEARN_JWT_SECRET has too little entropy to sign tokens ({problem}); use "
                f"at least 32 random characters, for example the output of: {GOOD_SECRET_HINT}"
            )

    @property
    def url(self) -> URL:
        """The SQLAlchemy URL with the driver this service uses."""
        return normalise_database_url(self.database_url)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, database_url: str | None = None
    ) -> Settings:
        """Build settings from ``PYLEARN_*`` variables; ``database_url`` overrides the env."""
        env = os.environ if environ is None else environ
        raw_url = database_url or env.get("PYLEARN_DATABASE_URL") or default_database_url()
        url = normalise_database_url(raw_url)

        secret = env.get("PYLEARN_JWT_SECRET", "").strip()
        if not secret:
            if url.get_backend_name() != "sqlite":
                raise ConfigError(
                    "PYLEARN_JWT_SECRET is not set. With PostgreSQL every API process must sign "
                    "tokens with the same secret: set PYLEARN_JWT_SECRET to at least 32 random "
                    "characters (the same value for every process) and start again."
                )
            secret = _secret_beside(url)

        raw_iterations = env.get("PYLEARN_PBKDF2_ITERATIONS", "").strip()
        try:
            iterations = int(raw_iterations) if raw_iterations else MIN_PBKDF2_ITERATIONS
        except ValueError:
            raise ConfigError(
                f"PYLEARN_PBKDF2_ITERATIONS must be a whole number (at least "
                f"{MIN_PBKDF2_ITERATIONS:,}), not {raw_iterations!r}."
            ) from None

        origins = tuple(
            origin.strip().rstrip("/")
            for origin in env.get("PYLEARN_CORS_ORIGINS", "").split(",")
            if origin.strip()
        )
        mail_url = env.get("PYLEARN_MAIL_URL", "").strip() or None
        if mail_url is not None:
            from .mail import parse_mail_url

            parse_mail_url(mail_url)
        return cls(
            database_url=raw_url,
            jwt_secret=secret,
            pbkdf2_iterations=iterations,
            cors_origins=origins,
            mail_url=mail_url,
            mail_from=env.get("PYLEARN_MAIL_FROM", "").strip() or DEFAULT_MAIL_FROM,
            public_url=(env.get("PYLEARN_PUBLIC_URL", "").strip() or DEFAULT_PUBLIC_URL).rstrip(
                "/"
            ),
        )
