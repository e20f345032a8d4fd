"""A learner's first minutes in JupyterLab: nothing to set up, the cursor where the answer
goes, a PyLearn sentence for a broken ``%%exercise`` line, and a verdict that is still
readable after the kernel is gone (real JupyterLab, real API, Debian's Chromium)."""

from __future__ import annotations

import json

from playwright.sync_api import expect

from .a11y import assert_accessible
from .lab import Lab, assert_typing_goes_into_the_body, new_lab, shut_down_every_kernel

EXERCISE = "sample.reverse-words"
WRONG = "def reverse_words(text):\n    return text\n"
RIGHT = 'def reverse_words(text):\n    return " ".join(reversed(text.split()))\n'
SUBMISSION = "application/vnd.pylearn.submission+json"


def output(lab: Lab):
    return lab.answer_cell(EXERCISE).locator(".jp-OutputArea")


def test_an_exercise_checks_at_once_with_the_cursor_in_its_answer(browser, lab_server):
    lab = new_lab(browser, lab_server)
    lab.exercise(EXERCISE).locator(".pylearn-exercise-open").click()
    cell = lab.answer_cell(EXERCISE)
    cell.wait_for(timeout=30_000)

    assert lab.panel().locator(".jp-CodeCell").count() == 1, "only the answer: no setup cell"
    assert_typing_goes_into_the_body(lab.page, cell, EXERCISE)
    lab.write_answer(EXERCISE, RIGHT)
    lab.page.keyboard.press("Shift+Enter")  # nothing else was run in this kernel

    expect(lab.verdict(EXERCISE)).to_contain_text("Passed", timeout=90_000)
    lab.page.context.close()


def test_a_broken_or_missing_magic_line_gets_one_pylearn_sentence(browser, lab_server):
    lab = new_lab(browser, lab_server)
    lab.open_exercise(EXERCISE)
    page = lab.page

    lab.write_answer(EXERCISE, WRONG)
    page.keyboard.press("Control+Home")
    page.keyboard.insert_text("%")  # "%%%exercise sample.reverse-words"
    page.keyboard.press("Shift+Enter")
    expect(output(lab)).to_contain_text(
        f"PyLearn: the first line of this cell must be exactly %%exercise {EXERCISE}",
        timeout=60_000)
    expect(output(lab)).not_to_contain_text("UsageError")
    expect(output(lab)).not_to_contain_text("Traceback")

    # The %%exercise line deleted altogether: the cell is recognised by its id.
    cell = lab.panel().locator(".jp-CodeCell").first
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(WRONG)
    page.keyboard.press("Shift+Enter")
    expect(cell.locator(".jp-OutputArea")).to_contain_text(
        f"PyLearn: this cell was not checked because its first line %%exercise {EXERCISE} "
        "is missing", timeout=60_000)
    page.context.close()


def test_a_saved_verdict_stays_readable_after_the_kernel_is_gone(
        browser, lab_server, artifacts):
    lab = new_lab(browser, lab_server)
    lab.open_exercise(EXERCISE)
    page = lab.page
    lab.write_answer(EXERCISE, RIGHT)
    unsaved = page.locator(".lm-TabBar-tab.lm-mod-current.jp-mod-dirty")
    expect(unsaved).to_have_count(1)
    lab.check_with_keyboard(EXERCISE)
    expect(lab.verdict(EXERCISE)).to_contain_text("Passed", timeout=90_000)
    # Nothing saved by hand: the check saved the notebook, its answer and its verdict.
    expect(unsaved).to_have_count(0, timeout=10_000)
    saved = json.loads((lab_server.root / "pylearn" / "sample" / f"{EXERCISE}.ipynb")
                       .read_text())
    answer = next(c for c in saved["cells"]
                  if c["metadata"].get("pylearn", {}).get("role") == "answer")
    assert RIGHT.strip() in "".join(answer["source"])
    assert any(SUBMISSION in output.get("data", {}) for output in answer["outputs"])

    shut_down_every_kernel(lab_server)
    page.reload()
    cell = lab.answer_cell(EXERCISE)
    cell.wait_for(timeout=60_000)

    saved = cell.locator(".pylearn-last-verdict")
    expect(saved).to_be_visible(timeout=30_000)
    expect(saved).to_contain_text("Last check")
    expect(saved).to_contain_text("Passed: Reverse the words")
    expect(saved).to_contain_text("Shift+Enter")
    # What is shown (innerText): the dead panel's "model not found" placeholder is not.
    shown = cell.locator(".jp-OutputArea")
    expect(shown).not_to_contain_text("Error displaying widget", use_inner_text=True)
    expect(shown).not_to_contain_text("model not found", use_inner_text=True)
    expect(shown).not_to_contain_text("Loading widget", use_inner_text=True)
    cell.screenshot(path=artifacts / "saved-verdict-after-restart.png")
    assert_accessible(page, [".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea"],
                      "a saved verdict after a restart")

    # Run again: the live panel and its buttons are back, the saved line steps aside.
    lab.wait_for_kernel()
    lab.check_with_keyboard(EXERCISE)
    expect(lab.verdict(EXERCISE)).to_contain_text("Passed", timeout=90_000)
    expect(cell.locator(".pylearn-check-button")).to_be_visible()
    expect(saved).to_be_hidden()
    page.context.close()
