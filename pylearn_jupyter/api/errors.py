"""Every answer that is not 2xx, in one place: JSON ``{detail}`` (plus ``errors`` for 422),
never a traceback."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from .schemas import ErrorOut, ValidationErrorOut

log = logging.getLogger("pylearn.api")

STATUS_SENTENCES = {
    400: "The request could not be read; send a JSON body encoded as UTF-8.",
    401: "Authentication is required: send Authorization: Bearer <token>.",
    404: "There is nothing at this address; see /api/v1/docs for the API.",
    405: "This address does not accept that method; see /api/v1/docs for the API.",
    413: "The request body is larger than 1 MiB; send fewer or smaller submissions per batch.",
    503: "The database is unavailable right now; try again shortly.",
}


class ApiError(Exception):
    """A refusal with its status and the sentence the client is shown."""

    def __init__(self, status: int, detail: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = dict(headers or {})


def error_response(
    status: int, detail: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    headers = dict(headers or {})
    if status == 401:
        headers.setdefault("WWW-Authenticate", "Bearer")
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(part) for part in loc]
    if parts and parts[0] in ("body", "query", "header", "path"):
        parts = parts[1:] or parts
    return ".".join(parts) or "body"


def _validation_response(exc: RequestValidationError) -> JSONResponse:
    errors = []
    for error in exc.errors():
        loc = tuple(error.get("loc", ()))
        if error.get("type") == "json_invalid":
            return error_response(400, "The request body is not valid JSON.")
        message = str(error.get("msg", "is invalid"))
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        errors.append({"field": _field_path(loc), "message": message})
    fields = ", ".join(dict.fromkeys(item["field"] for item in errors))
    return JSONResponse(
        {"detail": f"Some fields are invalid: {fields}.", "errors": errors}, status_code=422
    )


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route accepts at this path (one route exists per method)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.detail, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail else None
        if detail is None or exc.status_code in STATUS_SENTENCES and exc.status_code != 401:
            detail = STATUS_SENTENCES.get(exc.status_code, detail or "The request failed.")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(request))
        return error_response(exc.status_code, detail, headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return _validation_response(exc)

    @app.exception_handler(OperationalError)
    async def _database_down(_request: Request, exc: OperationalError) -> JSONResponse:
        log.warning("The database could not be reached (%s).", type(exc.orig).__name__)
        return error_response(503, STATUS_SENTENCES[503])

    @app.exception_handler(DBAPIError)
    async def _database_error(_request: Request, exc: DBAPIError) -> JSONResponse:
        # The message of a driver error can quote parameters (submitted code): log the type only.
        log.error("A database error interrupted a request (%s).", type(exc.orig).__name__)
        return error_response(500, "The server could not complete the request; try again.")


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "The body is not valid JSON or not UTF-8."},
    413: {"model": ErrorOut, "description": "The body is larger than 1 MiB."},
    422: {"model": ValidationErrorOut, "description": "Some fields are invalid."},
    503: {"model": ErrorOut, "description": "The database is unavailable."},
}
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Missing, invalid, expired or revoked token."},
}


def responses(*extra: tuple[int, str]) -> dict[int | str, dict[str, Any]]:
    """The documented error answers of a route: the common ones plus ``extra``."""
    documented = dict(ERROR_RESPONSES)
    for status, description in extra:
        documented[status] = {"model": ErrorOut, "description": description}
    return documented
