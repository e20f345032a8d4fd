"""The PyLearn sidebar in the JupyterLite site: done marks kept in the browser, and
progress synced to a real PyLearn API on loopback (the site talks to it directly)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from e2e.a11y import assert_accessible

from .lite_page import EXERCISE, RIGHT, LiteNotebook, show_sidebar

EXERCISE_ID = "sample.reverse-words"
PASSWORD = "correct horse battery"
ANSWER = -1


def _call(method: str, url: str, body: dict | None = None, token: str | None = None) -> dict:
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
                _call("GET", f"{base}/health")
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def _exercise_entry(page):  # noqa: ANN001, ANN202
    return page.locator(f'li.pylearn-exercise[data-exercise-id="{EXERCISE_ID}"]')


def _pass_exercise(notebook: LiteNotebook) -> None:
    notebook.set_source(ANSWER, f"%%exercise {EXERCISE_ID}\n" + RIGHT)
    notebook.run(ANSWER)
    notebook.wait_verdict(ANSWER, "Passed")


def test_done_mark_appears_and_survives_reload(page, site_url: str, artifacts: Path) -> None:
    notebook = LiteNotebook(page, site_url).open(EXERCISE)
    show_sidebar(page)
    assert "pylearn-done" not in (_exercise_entry(page).get_attribute("class") or "")

    _pass_exercise(notebook)
    show_sidebar(page)  # (JupyterLab may still have been restoring its layout at the start)
    page.locator(f'li.pylearn-done[data-exercise-id="{EXERCISE_ID}"]').wait_for(timeout=15_000)
    assert_accessible(page, ["#pylearn-sidebar"], "JupyterLite sidebar, one exercise done")
    page.screenshot(path=str(artifacts / "lite-sidebar-done.png"))
    page.reload()
    notebook.open(EXERCISE)
    show_sidebar(page)

    page.locator(f'li.pylearn-done[data-exercise-id="{EXERCISE_ID}"]').wait_for(timeout=15_000)


def test_logged_in_progress_reaches_the_api(page, site_url: str, api: str,
                                            requests_seen, artifacts: Path) -> None:
    account = _call("POST", f"{api}/auth/register",
                    {"username": "litelearner", "email": "lite@example.org",
                     "password": PASSWORD})
    notebook = LiteNotebook(page, site_url).open(EXERCISE)
    show_sidebar(page)

    page.get_by_role("button", name="Log in").first.click()
    page.get_by_label("Username or email").fill("litelearner")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator(".pylearn-form-login").get_by_role("button", name="Log in").click()
    page.locator(".pylearn-account", has_text="litelearner").wait_for(timeout=15_000)
    _pass_exercise(notebook)
    page.locator(".pylearn-sync", has_text="ynced").wait_for(timeout=30_000)
    page.screenshot(path=str(artifacts / "lite-sidebar-synced.png"))

    progress = _call("GET", f"{api}/progress", token=account["token"])["items"]
    done = [p["exercise_id"] for p in progress if p["completed_at"]]
    assert done == [EXERCISE_ID]
    api_host = urlparse(api).netloc
    assert any(urlparse(u).netloc == api_host for u in requests_seen.urls)
