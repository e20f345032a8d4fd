"""Typed dependencies shared by the routes (``Annotated`` aliases, as FastAPI recommends).

They are ``async def`` because none of them blocks: FastAPI runs a plain ``def``
dependency on a worker thread, a thread hop per dependency per request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .accounts import Accounts
from .core.db import Database
from .core.security import InvalidToken, TokenClaims, decode_token
from .errors import ApiError

_bearer = HTTPBearer(auto_error=False, description="The token from register or login.")


async def get_accounts(request: Request) -> Accounts:
    return request.app.state.accounts


async def get_db(request: Request) -> Database:
    return request.app.state.db


async def get_claims(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> TokenClaims:
    """Verify the bearer token's signature and expiry (revocation is checked against the
    database by the operation itself, inside its own transaction)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiError(401, "Authentication is required: send Authorization: Bearer <token>.")
    try:
        return decode_token(credentials.credentials, request.app.state.settings.jwt_secret)
    except InvalidToken:
        raise ApiError(401, "The token is invalid or has expired; log in again.") from None


AccountsDep = Annotated[Accounts, Depends(get_accounts)]
DatabaseDep = Annotated[Database, Depends(get_db)]
Claims = Annotated[TokenClaims, Depends(get_claims)]
