"""Reset to original in the JupyterLite site keeps every earlier version, named as in
JupyterLab (docs/backup-names.json): two resets in the same second keep two backups."""

from __future__ import annotations

from datetime import datetime

from playwright.sync_api import expect

from .lite_page import EXERCISE, LiteNotebook

EXERCISE_ID = "sample.reverse-words"
ANSWER = -1
BACKUP = "pylearn/sample/sample.reverse-words.backup-20240501-103000{}.ipynb"


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
    page.clock.set_fixed_time(datetime(2024, 5, 1, 10, 30, 0))

    notebook.set_source(ANSWER, f"%%exercise {EXERCISE_ID}\n# my first attempt\n")
    notebook.save()
    first = _reset(page, 1)
    notebook.cells.locator(".cm-content", has_text="my first attempt").wait_for(
        state="detached", timeout=30_000)
    notebook.set_source(ANSWER, f"%%exercise {EXERCISE_ID}\n# my second attempt\n")
    notebook.save()
    second = _reset(page, 2)

    # The toast shortens long sentences; the files themselves are the proof.
    assert "kept as pylearn/sample/sample.reverse-words.backup-20240501-103000" in first
    assert "kept as pylearn/sample/sample.reverse-words.backup-20240501-103000" in second
    notebook.open(BACKUP.format(""), ready_text="my first attempt")
    notebook.open(BACKUP.format("-2"), ready_text="my second attempt")
