"""``/pylearn/api/v1/<path>`` → ``<api_url>/api/v1/<path>``: the PyLearn API without CORS.

Only what the API needs crosses: method, path, query, body, ``Content-Type`` and a
``Bearer`` ``Authorization`` (the learner's PyLearn token). Jupyter's cookies, its token
and the client's address never reach the API; the API's cookies (it sets none) never
reach the browser. Back come the status, the JSON body and ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import httpx
from tornado import web

from .base import PyLearnHandler
from .errors import ApiBadAnswer, ApiTimeout, ApiUnreachable, InvalidId

__all__ = ["ApiProxyHandler", "make_api_client"]

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
RETURNED_HEADERS = ("Retry-After",)


def make_api_client(api_url: str, timeout: float) -> httpx.AsyncClient:
    """One client per server: pooled connections, no redirects followed, no cookie kept.

    Proxy environment variables are honoured for a remote API only, so a system-wide
    HTTP_PROXY cannot swallow requests to the API on this machine.
    """
    no_cookies = http.cookiejar.CookieJar(
        policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[])
    )
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        cookies=no_cookies,
        trust_env=urlsplit(api_url).hostname not in LOOPBACK,
    )


class ApiProxyHandler(PyLearnHandler):
    @web.authenticated
    async def get(self, path: str) -> None:
        await self._forward(path)

    @web.authenticated
    async def post(self, path: str) -> None:
        await self._forward(path)

    @web.authenticated
    async def put(self, path: str) -> None:
        await self._forward(path)

    @web.authenticated
    async def patch(self, path: str) -> None:
        await self._forward(path)

    @web.authenticated
    async def delete(self, path: str) -> None:
        await self._forward(path)

    def _target(self, path: str) -> str:
        segments = path.split("/")
        if any(segment in {".", ".."} for segment in segments):
            raise InvalidId("The API path may not contain '.' or '..' segments.")
        url = f"{self.pylearn.api_url}/api/v1/" + "/".join(quote(s, safe="") for s in segments)
        query = self._forwarded_query()
        return f"{url}?{query}" if query else url

    def _forwarded_query(self) -> str:
        """The query string without Jupyter's own credentials (``token``, ``_xsrf``)."""
        query = self.request.query
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs
                if k != "_xsrf" and not (k == "token" and v == self.token)]
        return query if len(kept) == len(pairs) else urlencode(kept)

    def _forwarded_headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if content_type := self.request.headers.get("Content-Type"):
            headers["Content-Type"] = content_type
        if device := self.request.headers.get("X-PyLearn-Device"):  # docs/api.md, Throttling
            headers["X-PyLearn-Device"] = device
        authorization = self.request.headers.get("Authorization", "")
        scheme, _, credential = authorization.partition(" ")
        credential = credential.strip()
        if scheme.lower() == "bearer" and credential and credential != self.token:
            headers["Authorization"] = f"Bearer {credential}"
        return headers

    async def _forward(self, path: str) -> None:
        api_url = self.pylearn.api_url
        timeout = self.pylearn.proxy_timeout
        method = self.request.method or "GET"
        body = self.request.body if method in {"POST", "PUT", "PATCH", "DELETE"} else None
        try:
            async with asyncio.timeout(timeout):
                upstream = await self.api_client.request(
                    method, self._target(path), content=body or None,
                    headers=self._forwarded_headers(),
                )
        except (TimeoutError, httpx.TimeoutException):
            raise ApiTimeout(
                f"The PyLearn API at {api_url} did not answer within {timeout:g} seconds; "
                "try again in a moment, or check that it is running."
            ) from None
        except httpx.TransportError as exc:
            raise ApiUnreachable(
                f"The PyLearn API at {api_url} is not reachable ({type(exc).__name__}); "
                "start it with `pylearn api` (or use `pylearn lab`), or check "
                "c.PyLearn.api_url."
            ) from None
        content_type = upstream.headers.get("Content-Type", "")
        if upstream.content and "json" not in content_type.lower():
            raise ApiBadAnswer(
                f"The service at {api_url} answered {upstream.status_code} with "
                f"{content_type or 'an unknown content type'} instead of JSON; check that "
                "c.PyLearn.api_url points to a PyLearn API."
            )
        self.set_status(upstream.status_code, reason=upstream.reason_phrase or "Unknown")
        for name in RETURNED_HEADERS:
            if name in upstream.headers:
                self.set_header(name, upstream.headers[name])
        if upstream.content:
            self.finish(upstream.content, set_content_type=content_type)
        else:
            self.finish()
