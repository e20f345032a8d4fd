"""Serve a built site on the loopback interface, for trying it (not for production)."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

__all__ = ["SiteHandler", "make_server", "serve_in_thread"]


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with the MIME types Pyodide needs, no caching, and quiet logs."""

    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".mjs": "text/javascript",
        ".js": "text/javascript",
        ".json": "application/json",
        ".ipynb": "application/json",
        ".whl": "application/zip",
        ".zip": "application/zip",
        ".svg": "image/svg+xml",
    }

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        if getattr(self.server, "verbose", False):
            super().log_message(format, *args)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    verbose = False


def make_server(site: Path, host: str = "127.0.0.1", port: int = 8000,
                verbose: bool = False) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(SiteHandler, directory=str(site))
    server = _Server((host, port), handler)
    server.verbose = verbose
    return server


def serve_in_thread(site: Path, host: str = "127.0.0.1",
                    port: int = 0) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Start serving ``site`` in a daemon thread; returns the server and its base URL."""
    server = make_server(site, host, port)
    thread = threading.Thread(target=server.serve_forever, name="pylearn-lite-serve",
                              daemon=True)
    thread.start()
    return server, f"http://{host}:{server.server_address[1]}/"
