"""Pure ASGI middleware: body size limit, no cookies, and a last-resort 500 without traceback."""

from __future__ import annotations

import json
import logging
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("pylearn.api")

MAX_BODY_BYTES = 1024 * 1024
MAX_BUNDLE_BYTES = 20 * 1024 * 1024
LARGE_BODIES = ((re.compile(r"^/api/v1/classes/[^/]+/course/?$"), "PUT", MAX_BUNDLE_BYTES),)
"""Routes allowed a larger body than 1 MiB: (path, method, limit). A course bundle holds
a whole course's notebooks."""


def body_limit(scope: Scope, default: int = MAX_BODY_BYTES) -> int:
    """The body size limit of this request's route."""
    path, method = scope.get("path", ""), scope.get("method")
    for pattern, allowed_method, limit in LARGE_BODIES:
        if method == allowed_method and pattern.match(path):
            return limit
    return default


def _too_large(limit: int) -> str:
    return f"The request body is larger than {limit // (1024 * 1024)} MiB; send less."


async def _send_json(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode("ascii")),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class GuardMiddleware:
    """Refuses bodies over 1 MiB (20 MiB for a course bundle) before anything parses
    them, strips any ``Set-Cookie``, and turns an unexpected exception into a plain JSON 500.

    A declared ``Content-Length`` is checked first; otherwise (chunked bodies) the body is
    read and counted here, and replayed to the app only when it fits.
    """

    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = False

        async def send_without_cookies(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() != b"set-cookie"
                ]
            await send(message)

        max_body = body_limit(scope, self.max_body)
        declared = None
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _send_json(send, 400, "The Content-Length header is not a number.")
                    return
        if declared is not None and declared > max_body:
            await _send_json(send, 413, _too_large(max_body))
            return

        app_receive = receive
        if declared is None and scope.get("method") in ("POST", "PUT", "PATCH", "DELETE"):
            chunks: list[bytes] = []
            size = 0
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > max_body:
                    await _send_json(send, 413, _too_large(max_body))
                    return
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
            replayed = False

            async def replay() -> Message:
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
                return await receive()

            app_receive = replay

        try:
            await self.app(scope, app_receive, send_without_cookies)
        except Exception as exc:  # noqa: BLE001 - last resort: never a traceback to anyone
            log.error(
                "Unexpected %s while answering %s %s.",
                type(exc).__name__,
                scope.get("method"),
                scope.get("path"),
            )
            if not started:
                await _send_json(send, 500, "The server hit an unexpected error; try again.")
