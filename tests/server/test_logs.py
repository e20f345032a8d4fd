"""The server's logs name no client address and no query string (see server/logs.py)."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from pylearn_jupyter.server import logs
from pylearn_jupyter.server.logs import HIDDEN, PrivacyFilter, log_request, scrub


@pytest.mark.parametrize("message, expected", [
    ("403 POST /api/contents?_xsrf=1 (203.0.113.7): '_xsrf' argument missing",
     "403 POST /api/contents: '_xsrf' argument missing"),
    ("404 GET /pylearn/reset-password?token=abc (::1): no endpoint",
     "404 GET /pylearn/reset-password: no endpoint"),
    ("302 GET /login?next=%2Fx%3Ftoken%3Dabc (user@2001:db8::7) 2.00ms", "302 GET /login 2.00ms"),
    ("Accepting token-authenticated request from 10.0.0.12",
     f"Accepting token-authenticated request from {HIDDEN}"),
    ("HTTPServerRequest(method='GET', uri='/x?token=abc', remote_ip='198.51.100.2')",
     f"HTTPServerRequest(method='GET', uri='/x', remote_ip='{HIDDEN}')"),
    ("peer 192.168.1.20:51234 and fe80::1%eth0", f"peer {HIDDEN}:51234 and {HIDDEN}"),
])
def test_client_addresses_and_query_strings_are_removed(message, expected):
    assert scrub(message) == expected


@pytest.mark.parametrize("message", [
    "Jupyter Server 2.14.2 is running at: http://127.0.0.1:8888/lab?token=...",
    "http://[::1]:8888/lab",
    "PyLearn: workspace folder '.', API http://127.0.0.1:8765",
    "Kernel started at 12:30:45, version 1.2.3.4.5",
])
def test_server_urls_times_and_versions_stay(message):
    assert scrub(message) == message


def test_the_filter_rewrites_formatted_records():
    record = logging.LogRecord("tornado.general", logging.WARNING, __file__, 1,
                               "%d %s: %s", (403, "POST /x?a=1 (203.0.113.7)", "no"), None)

    assert PrivacyFilter().filter(record) is True
    assert record.getMessage() == "403 POST /x: no"


def handler(status: int, uri: str):
    seen: list[tuple[str, str]] = []

    class Log:
        def __getattr__(self, level):
            return lambda message, *args: seen.append((level, message % args))

    request = SimpleNamespace(method="GET", uri=uri, remote_ip="203.0.113.7",
                              request_time=lambda: 0.00123,
                              headers={"Referer": "http://x/?token=secret"})
    return SimpleNamespace(get_status=lambda: status, request=request, log=Log()), seen


@pytest.mark.parametrize("status, level", [(200, "debug"), (302, "info"), (404, "warning"),
                                           (500, "error"), (502, "error")])
def test_the_request_log_has_status_method_path_and_time_only(status, level):
    fake, seen = handler(status, "/pylearn/reset-password?token=secret")

    log_request(fake, record_prometheus_metrics=False)

    assert seen == [(level, f"{status} GET /pylearn/reset-password 1.23ms")]


async def test_the_extension_installs_the_request_log_and_the_filter(jp_serverapp, jp_fetch):
    function = jp_serverapp.web_app.settings["log_function"]
    await jp_fetch("pylearn", "catalog")

    assert function.__module__ == logs.__name__
    assert any(isinstance(f, PrivacyFilter)
               for f in logging.getLogger("tornado.general").filters)
