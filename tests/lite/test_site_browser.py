"""A learner in the JupyterLite site, in Debian's Chromium, with nothing but 127.0.0.1.

Every test here also fails if the page contacted any other host (see conftest).
The check panel is also measured with axe-core (the helper shared with the JupyterLab
and Notebook 7 tests, e2e/a11y.py), and each verdict must be said in PyLearn's one live
region.
"""

from __future__ import annotations

import time
from pathlib import Path

from e2e.a11y import assert_accessible, live_regions
from playwright.sync_api import expect

from .conftest import build_test_site
from .lite_page import ENDLESS, EXERCISE, RIGHT, WRONG, LiteNotebook

ANSWER = -1  # the answer cell is the notebook's last cell
PANEL = [".jp-NotebookPanel:not(.lm-mod-hidden) .pylearn-panel"]
ANNOUNCER = "#pylearn-announcer"


def test_exercise_fails_gives_a_hint_then_passes(page, site_url: str, artifacts: Path) -> None:
    notebook = LiteNotebook(page, site_url).open(EXERCISE)

    notebook.set_source(ANSWER, "%%exercise sample.reverse-words\n" + WRONG)
    notebook.run(ANSWER)
    failed = notebook.wait_verdict(ANSWER, "Not yet")
    announcer = page.locator(ANNOUNCER)
    expect(announcer).to_contain_text("Not yet: 1 of 3 tests passed.")
    assert_accessible(page, PANEL, "JupyterLite check panel, not yet")
    cell = notebook.cell(ANSWER)
    cell.get_by_role("button", name="Hint 1 of 3").click()
    hint = cell.get_by_text("gives you a list of the words")
    hint.wait_for()
    expect(announcer).to_contain_text("Hint 1 of 3: text.split()")
    assert_accessible(page, PANEL, "JupyterLite check panel, hint shown")
    page.screenshot(path=str(artifacts / "lite-exercise-failed-hint.png"))
    cell.get_by_role("button", name="Solution", exact=True).click()
    keep_trying = cell.get_by_role("button", name="Not yet, I'll keep trying")
    expect(keep_trying).to_be_focused()
    assert_accessible(page, PANEL, "JupyterLite check panel, solution confirm")
    keep_trying.click()
    expect(cell.get_by_role("button", name="Solution", exact=True)).to_be_focused()

    notebook.set_source(ANSWER, "%%exercise sample.reverse-words\n" + RIGHT)
    notebook.run(ANSWER)
    passed = notebook.wait_verdict(ANSWER, "Passed")
    expect(announcer).to_contain_text("Passed: all 3 tests passed.")
    assert_accessible(page, PANEL, "JupyterLite check panel, passed")
    assert live_regions(page, PANEL) == []
    page.screenshot(path=str(artifacts / "lite-exercise-passed.png"))

    assert "0 of 3" in failed or "1 of 3" in failed
    assert "Passed" in passed


def test_endless_loop_ends_in_a_time_limit_and_kernel_stays_usable(
        page, site_url: str, artifacts: Path) -> None:
    notebook = LiteNotebook(page, site_url).open(EXERCISE)

    notebook.set_source(ANSWER, "%%exercise sample.reverse-words\n" + ENDLESS)
    started = time.monotonic()
    notebook.run(ANSWER, timeout=60_000)
    verdict = notebook.wait_verdict(ANSWER, "Time limit")
    elapsed = time.monotonic() - started
    expect(page.locator(ANNOUNCER)).to_contain_text("Time limit")
    assert_accessible(page, PANEL, "JupyterLite check panel, time limit")
    page.screenshot(path=str(artifacts / "lite-time-limit.png"))
    after = notebook.append_cell("6 * 7")
    notebook.run(after, timeout=20_000)

    assert "Time limit" in verdict
    assert elapsed < 30
    assert "42" in notebook.output_text(after)


def test_missing_package_fails_at_once_with_its_name(page, site_url: str) -> None:
    notebook = LiteNotebook(page, site_url).open(EXERCISE)
    cell = notebook.append_cell("import piplite\nawait piplite.install('numpy')")

    started = time.monotonic()
    notebook.run(cell)
    elapsed = time.monotonic() - started

    output = notebook.output_text(cell)
    assert "numpy could not be installed: PyPI fallback is disabled" in output
    assert elapsed < 60


def test_learner_notebook_survives_reload_and_rebuild(
        page, site_url: str, site_dir: Path, api_port: int) -> None:
    mine = "%%exercise sample.reverse-words\n# my own attempt\n" + WRONG
    notebook = LiteNotebook(page, site_url).open(EXERCISE)
    notebook.set_source(ANSWER, mine)
    notebook.save()

    page.reload()
    notebook.open(EXERCISE)
    after_reload = notebook.source(ANSWER)
    build_test_site(site_dir, api_port)
    page.reload()
    notebook.open(EXERCISE)
    after_rebuild = notebook.source(ANSWER)
    original = page.evaluate(
        "url => fetch(url).then(r => r.json())",
        f"{site_url}files/pylearn/.originals/{EXERCISE}")

    assert "# my own attempt" in after_reload
    assert "# my own attempt" in after_rebuild
    assert "# my own attempt" not in "".join(original["cells"][-1]["source"])
