"""Fixtures for the JupyterLite site: one build per session, served on 127.0.0.1, and
Debian's Chromium driven by Playwright on a fresh profile per test.

Every page a test opens records the requests it makes; a test fails when any of them
went to a host other than 127.0.0.1 (the site's privacy promise).
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLE_COURSE = REPO / "tests" / "data" / "sample_chapter.ipynb"
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = os.environ.get("PYLEARN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    # Chromium itself (not the page) calls home; resolving only loopback stops that.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


def _ensure_build_requirements() -> None:
    """The site's build needs the pinned packages of lite/requirements.txt."""
    from pylearn_jupyter.lite.build import pinned_requirements

    folder = REPO / "lite"
    for name, version in pinned_requirements(folder).items():
        try:
            if importlib.metadata.version(name) == version:
                continue
        except importlib.metadata.PackageNotFoundError:
            pass
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "-r",
                        str(folder / "requirements.txt")], check=True)
        return


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def api_port() -> int:
    """The port in the site's API URL (an API listens there only in the tests that need one)."""
    return free_port()


PYODIDE_TESTS = REPO / "tests" / "pyodide"


def run_in_site_kernel(site: Path, driver: str, *packages: str) -> dict:
    """Run ``tests/pyodide/<driver>`` in the site's own Pyodide under Node.js, with
    ``packages`` loaded from the site's lock (site_kernel.mjs); the JSON document the
    driver prints on its last line."""
    node = shutil.which("node")
    assert node, "Node.js is needed for the Pyodide tests: install the Debian package nodejs"
    assert (PYODIDE_TESTS / "node_modules" / "pyodide").is_dir(), (
        "Pyodide is not installed for the tests: run `npm ci` in tests/pyodide (make test does)")
    done = subprocess.run([node, "site_kernel.mjs", str(site), driver, *packages],
                          capture_output=True, text=True, timeout=300, cwd=PYODIDE_TESTS)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def build_test_site(output: Path, api_port: int) -> None:
    """The site of the tests: the sample course, its API on ``api_port`` of 127.0.0.1."""
    from pylearn_jupyter.lite.build import BuildOptions, build_site

    build_site(BuildOptions(output=output, course=[str(SAMPLE_COURSE)],
                            api_url=f"http://127.0.0.1:{api_port}", log=lambda _m: None))
    # The tests read the page's sessions and kernels through `window.jupyterapp`, which
    # JupyterLab defines only when asked to.
    lite_json = output / "jupyter-lite.json"
    config = json.loads(lite_json.read_text())
    config["jupyter-config-data"]["exposeAppInBrowser"] = True
    lite_json.write_text(json.dumps(config, indent=2))


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory: pytest.TempPathFactory, api_port: int) -> Path:
    _ensure_build_requirements()
    output = tmp_path_factory.mktemp("lite") / "site"
    build_test_site(output, api_port)
    return output


@pytest.fixture(scope="session")
def site_url(site_dir: Path) -> Iterator[str]:
    from pylearn_jupyter.lite.serve import serve_in_thread

    server, url = serve_in_thread(site_dir)
    yield url
    server.shutdown()
    server.server_close()


class RequestLog:
    def __init__(self) -> None:
        self.urls: list[str] = []
        self.methods: list[str] = []

    def record(self, request) -> None:  # noqa: ANN001 - playwright Request
        self.urls.append(request.url)
        self.methods.append(request.method)

    def count(self, method: str, url: str) -> int:
        return sum(1 for m, u in zip(self.methods, self.urls, strict=True)
                   if m == method and u == url)

    def foreign(self) -> list[str]:
        return [u for u in self.urls
                if urlparse(u).scheme in {"http", "https", "ws", "wss"}
                and urlparse(u).hostname != "127.0.0.1"]


@pytest.fixture(scope="package")
def playwright_instance():
    """Playwright's sync API runs an event loop; it must be gone before other suites run."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture
def requests_seen() -> RequestLog:
    return RequestLog()


@pytest.fixture
def profile_dir(tmp_path: Path) -> Path:
    return tmp_path / "chromium-profile"


@pytest.fixture
def browser_context(playwright_instance, profile_dir: Path, requests_seen: RequestLog):
    """A persistent context on a fresh profile; fails the test on any non-loopback request."""
    context = playwright_instance.chromium.launch_persistent_context(
        str(profile_dir), executable_path=CHROMIUM, args=CHROMIUM_ARGS,
        viewport={"width": 1400, "height": 900})
    context.on("request", requests_seen.record)
    context.set_default_timeout(60_000)
    yield context
    context.close()
    assert requests_seen.foreign() == [], "the page contacted hosts other than 127.0.0.1"


@pytest.fixture
def page(browser_context):
    return browser_context.pages[0] if browser_context.pages else browser_context.new_page()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def clean_site_copy(tmp_path: Path, site_dir: Path) -> Path:
    copy = tmp_path / "site-copy"
    shutil.copytree(site_dir, copy)
    return copy


# pytest-jupyter's autouse fixtures close "the" asyncio loop after each test; here that
# would be the loop Playwright's sync API is running. These tests start no Jupyter server.
@pytest.fixture
def jp_asyncio_loop() -> Iterator[None]:
    yield None


@pytest.fixture
def jp_server_cleanup() -> Iterator[None]:
    yield


def api_call(method: str, url: str, body: dict | None = None, token: str | None = None) -> dict:
    """One JSON request to the API (an empty answer reads as {})."""
    request = urllib.request.Request(url, method=method,
                                     data=json.dumps(body).encode() if body else None)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read() or b"{}")


@pytest.fixture
def api(tmp_path: Path, api_port: int, site_url: str) -> Iterator[str]:
    """A real PyLearn API on the port the site was built with, allowing the site's origin."""
    origin = site_url.rstrip("/")
    env = {**os.environ, "PYLEARN_CORS_ORIGINS": origin,
           "PYLEARN_JWT_SECRET": "lite-tests-secret-long-enough-for-hs256"}
    process = subprocess.Popen(
        [sys.executable, "-m", "pylearn_jupyter.api", "--host", "127.0.0.1",
         "--port", str(api_port), "--database", f"sqlite:///{tmp_path / 'api.db'}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{api_port}/api/v1"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                api_call("GET", f"{base}/health")
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
