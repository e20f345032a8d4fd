"""Password hashing and access tokens.

PBKDF2-HMAC-SHA256 from ``hashlib`` (it releases the GIL, so hashes run in parallel on
the worker threads) and HS256 JWTs from PyJWT. Tokens carry the user's ``token_version``
as ``ver``; bumping it in the database revokes every token issued before.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import jwt

ALGORITHM = "HS256"
TOKEN_LIFETIME_SECONDS = 30 * 24 * 3600
SALT_BYTES = 16
HASH_SCHEME = "pbkdf2_sha256"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, iterations: int) -> str:
    """Hash a password as ``pbkdf2_sha256$<iterations>$<salt_b64>$<hash_b64>``."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return f"{HASH_SCHEME}${iterations}${_b64(salt)}${_b64(digest)}"


def hash_iterations(stored: str) -> int:
    """The iteration count of a stored hash (0 when it is unreadable)."""
    try:
        return int(stored.split("$")[1])
    except (IndexError, ValueError):
        return 0


def verify_password(password: str, stored: str) -> bool:
    """Check a password in constant time; a malformed stored hash never matches."""
    try:
        scheme, raw_iterations, salt_b64, hash_b64 = stored.split("$")
        iterations = int(raw_iterations)
        salt = base64.b64decode(salt_b64, validate=True)
        expected = base64.b64decode(hash_b64, validate=True)
    except ValueError:
        return False
    if scheme != HASH_SCHEME or iterations <= 0:
        return False
    actual = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return hmac.compare_digest(actual, expected)


@dataclass(frozen=True)
class TokenClaims:
    """What a valid signature proves: who the token was issued to, and at which version."""

    user_id: str
    version: int


class InvalidToken(Exception):
    """The token is missing, malformed, badly signed, expired or of the wrong shape."""


def issue_token(user_id: str, version: int, secret: str, now: float | None = None) -> str:
    """A 30-day HS256 token for ``user_id`` at ``version``."""
    issued_at = int(time.time() if now is None else now)
    claims = {
        "sub": user_id,
        "iat": issued_at,
        "exp": issued_at + TOKEN_LIFETIME_SECONDS,
        "ver": version,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def decode_token(token: str, secret: str) -> TokenClaims:
    """Verify signature, algorithm and expiry; only HS256 is ever accepted."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "iat", "exp", "ver"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from None
    sub, ver = claims.get("sub"), claims.get("ver")
    if not isinstance(sub, str) or not isinstance(ver, int) or isinstance(ver, bool):
        raise InvalidToken("claims of the wrong type")
    return TokenClaims(user_id=sub, version=ver)


def new_reset_token() -> tuple[str, str]:
    """A URL-safe single-use reset token and the SHA-256 hash that is all the database keeps."""
    token = secrets.token_urlsafe(32)
    return token, hash_reset_token(token)


def hash_reset_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
