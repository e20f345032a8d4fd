"""The PyLearn sidebar in the JupyterLite site: done marks kept in the browser, and
progress synced to a real PyLearn API on loopback (the site talks to it directly)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from e2e.a11y import assert_accessible

from .conftest import api_call
from .lite_page import EXERCISE, RIGHT, LiteNotebook, show_sidebar

EXERCISE_ID = "sample.reverse-words"
PASSWORD = "correct horse battery"
ANSWER = -1


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
    account = api_call("POST", f"{api}/auth/register",
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

    progress = api_call("GET", f"{api}/progress", token=account["token"])["items"]
    done = [p["exercise_id"] for p in progress if p["completed_at"]]
    assert done == [EXERCISE_ID]
    api_host = urlparse(api).netloc
    assert any(urlparse(u).netloc == api_host for u in requests_seen.urls)
