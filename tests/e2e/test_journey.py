"""A learner's whole journey in a real JupyterLab, a real PyLearn API and Debian's Chromium.

Guest first (nothing may reach the API), then an account that receives the guest's
progress, a second browser that sees it, and a result made while the API is down that
reaches the database once it is back.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.sync_api import expect

from .a11y import assert_accessible
from .lab import SIDEBAR, Lab, RequestLog, focus_settled, log_in

WRONG = "def reverse_words(text):\n    return text\n"
RIGHT = 'def reverse_words(text):\n    return " ".join(reversed(text.split()))\n'
GREET = 'name = input("Name? ")\nprint(f"Hello, {name}!")\n'
USERNAME = "ada_e2e"
EMAIL = "ada@example.org"
PASSWORD = "correct horse battery"
GUEST_KEY = "pylearn.v1.guest.submissions"
CURRENT_DIRTY_TAB = "#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current.jp-mod-dirty"


def new_lab(browser, lab_server, api_server) -> tuple[Lab, RequestLog]:
    """A fresh browser profile: its own storage, nothing shared with other contexts."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    requests = RequestLog(api_server.url)
    page.on("request", requests)
    lab = Lab(page, lab_server.lab_url)
    lab.open()
    return lab, requests


def test_learner_journey_from_guest_to_synced_account(browser, lab_server, api_server, artifacts):
    # --- As a guest: fail, read a hint, pass; the done mark stays after a reload.
    lab, guest_requests = new_lab(browser, lab_server, api_server)
    page = lab.page
    expect(lab.status()).to_contain_text("Guest")
    lab.open_exercise("sample.reverse-words")

    lab.write_answer("sample.reverse-words", WRONG)
    lab.check_with_keyboard("sample.reverse-words")
    expect(lab.verdict("sample.reverse-words")).to_contain_text("Not yet", timeout=60_000)
    expect(lab.exercise("sample.reverse-words")).to_contain_text("tried")
    hint = lab.answer_cell("sample.reverse-words").get_by_role("button", name=re.compile("Hint 1"))
    hint.click()
    expect(lab.answer_cell("sample.reverse-words")).to_contain_text("Hint 1 of 3:")

    lab.write_answer("sample.reverse-words", RIGHT)
    lab.check_with_button("sample.reverse-words")
    expect(lab.verdict("sample.reverse-words")).to_contain_text("Passed", timeout=60_000)
    expect(lab.exercise("sample.reverse-words")).to_contain_text("✔ done")
    expect(lab.sidebar.get_by_role("progressbar", name="Overall progress")).to_have_attribute(
        "aria-valuenow", "1")
    lab.answer_cell("sample.reverse-words").screenshot(path=artifacts / "checked-exercise.png")
    lab.sidebar.screenshot(path=artifacts / "sidebar-guest.png")
    page.screenshot(path=artifacts / "lab-guest.png")

    lab.reload()
    expect(lab.exercise("sample.reverse-words")).to_contain_text("✔ done")

    assert guest_requests.seen == [], "a guest's browser must send nothing to the API"
    assert set(api_server.row_counts().values()) <= {0}, "the API stored something about a guest"

    # --- Register: a refusal is said in words next to its field; then the guest's progress
    # goes up to the new account, and the sidebar says "signing in" while it asks.
    lab.sidebar.get_by_role("button", name="Create account").click()
    form = lab.sidebar.locator("form.pylearn-form-register")
    form.get_by_label("Username").fill(USERNAME)
    form.get_by_label("Email").fill(EMAIL)
    form.get_by_label("Password").fill("short")
    form.get_by_role("button", name="Create account").click()
    password = form.get_by_label("Password")
    expect(password).to_have_attribute("aria-invalid", "true", timeout=30_000)
    expect(form).to_contain_text("Your password needs at least 8 characters.")
    expect(lab.announcer()).to_contain_text("Your password needs at least 8 characters.")
    expect(form).not_to_contain_text("String should")
    lab.sidebar.screenshot(path=artifacts / "sidebar-register-error.png")
    password.fill(PASSWORD)
    form.get_by_role("button", name="Create account").click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("Add your guest progress to your account?")
    expect(lab.status()).to_contain_text(f"Signing in as {USERNAME}")
    expect(lab.status()).not_to_contain_text("Guest:")
    expect(lab.sidebar.locator(".pylearn-account")).to_contain_text(f"Signing in as {USERNAME}")
    expect(lab.exercise("sample.reverse-words")).to_contain_text("✔ done")
    page.screenshot(path=artifacts / "lab-upload-dialog.png")
    dialog.get_by_role("button", name="Upload to my account").click()
    expect(lab.status()).to_contain_text("Synced", timeout=30_000)
    expect(lab.sidebar).to_contain_text(f"Logged in as {USERNAME}")
    expect(lab.exercise("sample.reverse-words")).to_contain_text("✔ done")
    api_server.wait_for_rows("SELECT id FROM submissions"
                  " WHERE exercise_id = 'sample.reverse-words' AND passed", 1)
    lab.sidebar.screenshot(path=artifacts / "sidebar-account.png")

    # --- Log out: the browser's guest progress is shown again; logging back in asks nothing
    # more, since the account already has it.
    expect(lab.sidebar.locator(".pylearn-account-toggle")).to_have_attribute(
        "aria-expanded", "false")  # logged in: the account area is closed, the course first
    lab.account_button("Log out").click()
    expect(lab.status()).to_contain_text("Guest")
    expect(lab.exercise("sample.reverse-words")).to_contain_text("✔ done")
    expect(lab.sidebar.get_by_role("progressbar", name="Overall progress")).to_have_attribute(
        "aria-valuenow", "1")
    lab.sidebar.screenshot(path=artifacts / "sidebar-after-logout.png")
    log_in(lab, USERNAME, PASSWORD)
    expect(page.locator(".jp-Dialog")).to_have_count(0)
    assert len(api_server.rows("SELECT id FROM submissions")) == 2

    # --- The account has all of the guest progress: its copy in this browser can go. The
    # offer is a real button, reached with the keyboard, and what it did is said.
    forget = lab.sidebar.get_by_role("button", name="Forget guest progress on this browser")
    expect(forget).to_be_visible()
    assert_accessible(page, [f"{SIDEBAR} .pylearn-account"], "account area, forget guest offer")
    focus_settled(lab.sidebar.locator(".pylearn-account-toggle"))
    page.keyboard.press("Tab")
    expect(forget).to_be_focused()
    assert forget.evaluate("b => getComputedStyle(b).outlineStyle") == "solid"
    lab.sidebar.screenshot(path=artifacts / "sidebar-forget-guest.png")
    page.keyboard.press("Enter")
    expect(lab.announcer()).to_contain_text("Guest progress removed from this browser.")
    expect(forget).to_have_count(0)
    expect(lab.sidebar.locator(".pylearn-account-toggle")).to_be_focused()
    assert page.evaluate(f"localStorage.getItem({json.dumps(GUEST_KEY)})") is None
    expect(lab.exercise("sample.reverse-words")).to_contain_text("✔ done")  # the account's
    lab.page.context.close()

    # --- A fresh browser profile: log in and see the account's progress.
    lab, _ = new_lab(browser, lab_server, api_server)
    page = lab.page
    expect(lab.exercise("sample.reverse-words")).to_contain_text("to do")
    lab.sidebar.get_by_role("button", name="Log in").click()
    form = lab.sidebar.locator("form.pylearn-form-login")
    form.get_by_label("Username or email").fill(EMAIL)
    form.get_by_label("Password").fill(PASSWORD)
    form.get_by_role("button", name="Log in").click()
    expect(lab.exercise("sample.reverse-words")).to_contain_text("✔ done", timeout=30_000)
    expect(lab.status()).to_contain_text("Synced")

    # --- The API goes away: a new result waits in the outbox, then reaches the database.
    api_server.stop()
    lab.open_exercise("sample.greet")
    lab.write_answer("sample.greet", GREET)
    lab.check_with_keyboard("sample.greet")
    expect(lab.verdict("sample.greet")).to_contain_text("Passed", timeout=60_000)
    expect(lab.exercise("sample.greet")).to_contain_text("✔ done")
    expect(lab.status()).to_contain_text("1 waiting", timeout=30_000)
    lab.sidebar.screenshot(path=artifacts / "sidebar-offline.png")

    api_server.start()
    expect(lab.status()).to_contain_text("Synced", timeout=90_000)
    api_server.wait_for_rows("SELECT id FROM submissions WHERE exercise_id = 'sample.greet'"
                  " AND passed", 1)
    lab.sidebar.screenshot(path=artifacts / "sidebar-synced.png")

    # --- Viewing the solution is recorded, and the sidebar says so in words.
    expect(lab.exercise("sample.greet")).not_to_contain_text("solution viewed")
    cell = lab.answer_cell("sample.greet")
    cell.get_by_role("button", name=re.compile(r"Solution$")).click()
    confirm = cell.get_by_role("button", name="Yes, show the solution")
    shown = cell.get_by_text("Reference solution")
    expect(shown.or_(confirm)).to_be_visible(timeout=30_000)
    if confirm.is_visible():
        confirm.click()
    expect(shown).to_be_visible(timeout=30_000)
    lab.check_with_keyboard("sample.greet")
    expect(lab.exercise("sample.greet")).to_contain_text("✔ done · solution viewed",
                                                         timeout=60_000)
    expect(lab.exercise("sample.greet").locator(".pylearn-exercise-open")).to_have_accessible_name(
        re.compile(r"Greet someone\s*, done solution viewed"))
    expect(lab.status()).to_contain_text("Synced", timeout=30_000)
    lab.sidebar.screenshot(path=artifacts / "sidebar-solution-viewed.png")

    # --- Export downloads everything the API holds; deletion leaves nothing behind.
    with page.expect_download() as download:
        lab.account_button("Export my data").click()
    exported = json.loads(Path(download.value.path()).read_text())
    assert exported["user"]["username"] == USERNAME
    assert {s["exercise_id"] for s in exported["submissions"]} == {
        "sample.reverse-words", "sample.greet"}

    lab.account_button("Delete my account").click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("every piece of code you submitted")
    dialog.locator("input[type=password]").fill(PASSWORD)
    dialog.get_by_role("button", name="Delete my account").click()
    expect(lab.status()).to_contain_text("Guest", timeout=30_000)
    left = api_server.row_counts(about_people=True)
    assert set(left.values()) <= {0}, left
    lab.page.context.close()


def test_reset_to_original_keeps_the_learners_version(browser, lab_server, api_server,
                                                    artifacts):
    lab, _ = new_lab(browser, lab_server, api_server)
    page = lab.page
    # Keyboard only: focus the exercise in the sidebar and press Enter.
    focus_settled(lab.exercise("sample.reverse-words").locator(".pylearn-exercise-open"))
    page.keyboard.press("Enter")
    lab.answer_cell("sample.reverse-words").wait_for(timeout=30_000)
    lab.write_answer("sample.reverse-words", "# my own attempt, keep me\n")
    # Not saved on purpose: resetting saves it first, so the dated copy has it.
    expect(page.locator(CURRENT_DIRTY_TAB)).to_have_count(1, timeout=10_000)

    lab.exercise("sample.reverse-words").get_by_role("button", name=re.compile("Reset")).click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("a dated copy is kept")
    dialog.get_by_role("button", name="Reset to original").click()

    # The open tab shows the file as it now is on disk, with nothing left to save.
    expect(lab.answer_cell("sample.reverse-words")).to_contain_text("...", timeout=30_000)
    expect(lab.answer_cell("sample.reverse-words")).not_to_contain_text("keep me")
    expect(page.locator(CURRENT_DIRTY_TAB)).to_have_count(0, timeout=10_000)
    folder = lab_server.root / "pylearn" / "sample"
    copies = [p for p in folder.iterdir()
              if p.is_file() and p.name != "sample.reverse-words.ipynb"
              and "keep me" in p.read_text()]
    assert copies, f"no copy of the learner's version in {sorted(p.name for p in folder.iterdir())}"
    assert "keep me" not in (folder / "sample.reverse-words.ipynb").read_text()

    # Editing and saving afterwards writes the file without a "changed on disk" conflict.
    lab.write_answer("sample.reverse-words", "# after the reset\n")
    page.keyboard.press("Control+s")
    expect(page.locator(CURRENT_DIRTY_TAB)).to_have_count(0, timeout=10_000)
    expect(page.locator(".jp-Dialog")).to_have_count(0)
    assert "after the reset" in (folder / "sample.reverse-words.ipynb").read_text()
    page.screenshot(path=artifacts / "lab-after-reset.png")
    lab.page.context.close()
