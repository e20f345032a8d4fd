"""Request logs without client addresses or query strings.

The privacy policy promises no IP addresses in logs. Jupyter's request log names the
client address of every request it logs (``404 GET /x?next=... (user@203.0.113.7)``), and
tornado adds it to its own warnings (``403 POST /x (203.0.113.7): '_xsrf' argument
missing``), to uncaught-exception reports (``remote_ip='...'``) and to Jupyter's debug
lines (``Accepting token-authenticated request from ...``). A query string may carry a
secret too: a password-reset link (``/pylearn/reset-password?token=...``) ends up in the
``next`` parameter of the login redirect, which Jupyter does not scrub.

So the server extension

- replaces the web application's ``log_function`` with :func:`log_request`: status,
  method, path without its query string, and time; no address, no user, no headers;
- adds :class:`PrivacyFilter` to the server's log handlers and tornado's loggers: it
  removes client addresses and the query strings of request summaries from every
  record, whoever logs it. Addresses inside a URL (``http://127.0.0.1:8888/lab``, the
  server's own address that Jupyter prints at start) stay: they are not a client's.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from tornado.log import access_log

__all__ = ["HIDDEN", "PrivacyFilter", "install_private_logging", "log_request", "scrub"]

HIDDEN = "[address hidden]"

# An IPv4 address that is not part of a URL, a version number or a longer dotted name.
_IPV4 = r"(?<![\w.:/\[-])(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}(?![\w.])"
# An IPv6 address (with "::" or all eight groups), possibly with an embedded IPv4 tail.
_H = r"[0-9A-Fa-f]{1,4}"
_IPV6 = (
    rf"(?<![\w:.\[/@-])(?:"
    rf"(?:{_H}:){{7}}{_H}"
    rf"|(?:{_H}:){{1,7}}:(?:{_H}(?::{_H}){{0,6}})?"
    rf"|::(?:{_H}(?::{_H}){{0,6}})?"
    rf")(?:\.\d{{1,3}}){{0,3}}(?:%\w+)?(?![\w:\]])"
)
_ADDRESS = re.compile(rf"{_IPV4}|{_IPV6}")
# tornado's request summary: "GET /path?query (address)"
_SUMMARY = re.compile(r"\b([A-Z]{3,7}) (/\S*?)(?:\?\S*)? \((?:[^()\s]*@)?[^()\s]*\)")
_REMOTE_IP = re.compile(r"remote_ip=(['\"]).*?\1")
# tornado's request repr: "uri='/path?query'"
_URI_QUERY = re.compile(r"\buri=(['\"])([^'\"?]*)\?[^'\"]*\1")


def scrub(text: str) -> str:
    """``text`` without client addresses, and request summaries without query strings."""
    text = _SUMMARY.sub(r"\1 \2", text)
    text = _REMOTE_IP.sub(f"remote_ip='{HIDDEN}'", text)
    text = _URI_QUERY.sub(r"uri=\1\2\1", text)
    return _ADDRESS.sub(HIDDEN, text)


class PrivacyFilter(logging.Filter):
    """Rewrites every record's message with :func:`scrub` (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the handler to report
            return True
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def _path(uri: str) -> str:
    return uri.split("?", 1)[0].split("#", 1)[0]


def log_request(handler: Any, record_prometheus_metrics: bool = True) -> None:
    """The web application's request log: ``404 GET /pylearn/x 1.23ms``.

    Levels as in Jupyter's own request log: successes at debug, redirects at info, client
    errors at warning, server errors at error.
    """
    status = handler.get_status()
    request = handler.request
    logger = getattr(handler, "log", None) or access_log
    if status < 300 or status == 304:
        log_method = logger.debug
    elif status < 400:
        log_method = logger.info
    elif status < 500:
        log_method = logger.warning
    else:
        log_method = logger.error
    log_method("%d %s %s %.2fms", status, request.method, _path(request.uri or ""),
               1000.0 * request.request_time())
    if record_prometheus_metrics:
        try:
            from jupyter_server.prometheus.log_functions import prometheus_log_method

            prometheus_log_method(handler)
        except Exception:  # metrics are optional; the log line is what matters
            pass


_FILTER = PrivacyFilter()
_TORNADO_LOGGERS = ("tornado.access", "tornado.application", "tornado.general")


def _add_filter(target: logging.Logger | logging.Handler) -> None:
    if not any(isinstance(f, PrivacyFilter) for f in target.filters):
        target.addFilter(_FILTER)


def install_private_logging(serverapp: Any, settings: dict[str, Any]) -> None:
    """Make ``serverapp`` (a Jupyter ``ServerApp``) log without client addresses.

    ``settings`` are the extension's web settings, which Jupyter copies over the web
    application's own after ``initialize_settings``; the web application's are set too.
    """
    metrics = bool(getattr(serverapp, "record_http_request_metrics", True))

    def log_function(handler: Any) -> None:
        log_request(handler, record_prometheus_metrics=metrics)

    settings["log_function"] = log_function
    serverapp.web_app.settings["log_function"] = log_function
    loggers = [serverapp.log, *(logging.getLogger(name) for name in _TORNADO_LOGGERS)]
    for logger in loggers:
        _add_filter(logger)
        for handler in logger.handlers:
            _add_filter(handler)
    # a record logged on a child logger skips its parents' logger filters, not their handlers'
    root = logging.getLogger()
    for handler in root.handlers:
        _add_filter(handler)
