"""Reset to original in the JupyterLite site keeps every earlier version, named as in
JupyterLab (docs/backup-names.json): two resets in the same second keep two backups."""

from __future__ import annotations

from datetime import datetime

from playwright.sync_api import expect

from .lite_page import EXERCISE, LiteNotebook

EXERCISE_ID = "sample.reverse-words"
ANSWER = -1
STEM = "pylearn/sample/sample.reverse-words"


def _reset(page, nth: int) -> str:  # noqa: ANN001 - playwright Page
    """Reset the exercise from the sidebar; the start of the notification's sentence."""
    tab = page.locator(".jp-SideBar .lm-TabBar-tab", has_text="PyLearn")
    if not page.locator(".pylearn-course").is_visible():
        tab.click()
    entry = page.locator(f'li.pylearn-exercise[data-exercise-id="{EXERCISE_ID}"]')
    entry.locator(".pylearn-exercise-reset").click()
    page.locator(".jp-Dialog").get_by_role("button", name="Reset to original").click()
    toasts = page.locator(".Toastify__toast", has_text="is back to its original")
    expect(toasts).to_have_count(nth, timeout=30_000)
    return toasts.nth(nth - 1).inner_text()


def test_two_resets_in_one_second_keep_both_backups(page, site_url: str) -> None:
    notebook = LiteNotebook(page, site_url).open(EXERCISE)
    # The page's clock stands still from here on (timers keep running): both resets fall
    # in one second. Not a time in the past, which would make the site's files look newer.
    now = datetime.now().replace(microsecond=0)
    page.clock.set_fixed_time(now)
    backup = f"{STEM}.backup-{now:%Y%m%d-%H%M%S}{{}}.ipynb"

    notebook.set_source(ANSWER, f"%%exercise {EXERCISE_ID}\n# my first attempt\n")
    notebook.save()
    first = _reset(page, 1)
    notebook.cells.locator(".cm-content", has_text="my first attempt").wait_for(
        state="detached", timeout=30_000)
    notebook.set_source(ANSWER, f"%%exercise {EXERCISE_ID}\n# my second attempt\n")
    notebook.save()
    second = _reset(page, 2)

    # The toast shortens long sentences; the files themselves are the proof.
    stamped = f"kept as {STEM}.backup-{now:%Y%m%d-%H%M%S}"
    assert stamped in first and stamped in second, (first, second)
    notebook.open(backup.format(""), ready_text="my first attempt")
    notebook.open(backup.format("-2"), ready_text="my second attempt")
