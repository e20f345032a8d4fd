"""Driving JupyterLab and the PyLearn sidebar from Playwright, the way a learner would."""

from __future__ import annotations

import json
import re
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

SIDEBAR = "#pylearn-sidebar"
ANNOUNCER = "#pylearn-announcer"


@dataclass
class RequestLog:
    """Every request the page makes to the PyLearn API, directly or through the proxy."""

    api_origin: str
    seen: list[str] = field(default_factory=list)

    def __call__(self, request) -> None:
        url = request.url
        parts = urlsplit(url)
        if url.startswith(self.api_origin) or "/pylearn/api/" in parts.path:
            self.seen.append(f"{request.method} {url}")


class Lab:
    def __init__(self, page: Page, url: str) -> None:
        self.page = page
        self.url = url

    def open(self) -> None:
        self.page.goto(self.url)
        self.page.wait_for_selector("#jp-main-dock-panel", timeout=60_000)
        self.show_sidebar()

    def reload(self) -> None:
        self.page.reload()
        self.page.wait_for_selector("#jp-main-dock-panel", timeout=60_000)
        self.show_sidebar()

    @property
    def sidebar(self):
        return self.page.locator(SIDEBAR)

    def show_sidebar(self) -> None:
        """Select the PyLearn tab unless the restored layout already shows it."""
        tab = self.page.locator('.jp-SideBar [data-id="pylearn-sidebar"]')
        tab.wait_for(timeout=30_000)
        self.page.wait_for_selector(".jp-LabShell:not(.jp-mod-devMode), #main", timeout=30_000)
        self.page.wait_for_load_state("networkidle")
        if "lm-mod-current" not in (tab.get_attribute("class") or ""):
            tab.click()
        expect(self.sidebar.locator(".pylearn-exercise").first).to_be_visible(timeout=30_000)

    def account_button(self, name: str):
        """A button of the account area, opening the area first (it is closed when logged in)."""
        toggle = self.sidebar.locator(".pylearn-account-toggle")
        expect(toggle).to_be_visible()
        if toggle.get_attribute("aria-expanded") == "false":
            toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        return self.sidebar.locator("#pylearn-account-body").get_by_role("button", name=name)

    def announcer(self):
        """The page's one live region, where PyLearn says everything to screen readers."""
        return self.page.locator(ANNOUNCER)

    def use_theme(self, name: str) -> None:
        """Settings → Theme → `name`, as a learner would switch it."""
        self.page.locator(".lm-MenuBar-item", has_text="Settings").first.click()
        self.page.locator(".lm-Menu-item", has_text="Theme").first.hover()
        self.page.locator(".lm-Menu-item").filter(
            has=self.page.locator(".lm-Menu-itemLabel", has_text=re.compile(
                f"^{re.escape(name)}$"))).click()
        self.page.wait_for_selector(f'body[data-jp-theme-name="{name}"]', timeout=30_000)
        # JupyterLab shows its splash screen over everything while the theme loads.
        self.page.wait_for_load_state("networkidle")
        expect(self.page.locator("#jupyterlab-splash")).to_have_count(0, timeout=30_000)

    def exercise(self, exercise_id: str):
        return self.sidebar.locator(f'li[data-exercise-id="{exercise_id}"]')

    def status(self):
        return self.sidebar.locator(".pylearn-sync")

    def open_exercise(self, exercise_id: str) -> None:
        self.exercise(exercise_id).locator(".pylearn-exercise-open").click()
        self.answer_cell(exercise_id).wait_for(timeout=30_000)
        self.wait_for_kernel()

    def panel(self):
        return self.page.locator(".jp-NotebookPanel:visible")

    def answer_cell(self, exercise_id: str):
        return self.panel().locator(".jp-CodeCell").filter(
            has=self.page.locator(".cm-content", has_text=f"%%exercise {exercise_id}"))

    def wait_for_kernel(self) -> None:
        expect(self.page.locator("#jp-main-statusbar")).to_contain_text(
            "| Idle", timeout=90_000)

    def write_answer(self, exercise_id: str, code: str) -> None:
        """Replace the whole exercise cell, keeping its %%exercise line."""
        editor = self.answer_cell(exercise_id).locator(".cm-content")
        editor.click()
        self.page.keyboard.press("Control+a")
        self.page.keyboard.press("Delete")
        self.page.keyboard.insert_text(f"%%exercise {exercise_id}\n{code}")

    def check_with_keyboard(self, exercise_id: str) -> None:
        self.answer_cell(exercise_id).locator(".cm-content").click()
        self.page.keyboard.press("Shift+Enter")

    def check_with_button(self, exercise_id: str) -> None:
        self.answer_cell(exercise_id).locator(".pylearn-check-button").click()

    def verdict(self, exercise_id: str):
        return self.answer_cell(exercise_id).locator(".pylearn-verdict")


def new_lab(browser, lab_server) -> Lab:  # noqa: ANN001 - Playwright objects
    """A fresh browser profile (its own storage) with JupyterLab and the sidebar open."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    lab = Lab(context.new_page(), lab_server.lab_url)
    lab.open()
    return lab


def log_in(lab: Lab, login: str, password: str) -> None:
    """Through the sidebar's login form, as a learner does it; done once it has synced."""
    lab.sidebar.get_by_role("button", name="Log in").click()
    form = lab.sidebar.locator("form.pylearn-form-login")
    form.get_by_label("Username or email").fill(login)
    form.get_by_label("Password").fill(password)
    form.get_by_role("button", name="Log in").click()
    expect(lab.status()).to_contain_text("Synced", timeout=30_000)


def assert_typing_goes_into_the_body(page: Page, cell, exercise_id: str) -> None:  # noqa: ANN001
    """The cursor waits in the answer cell, below its ``%%exercise`` line: what the learner
    types first lands on the cell's second line (then it is taken out again)."""
    marker = "# typed first"
    lines = cell.locator(".cm-line")
    expect(cell.locator(".cm-content")).to_be_focused(timeout=30_000)
    page.keyboard.insert_text(marker)
    expect(lines.nth(0)).to_have_text(f"%%exercise {exercise_id}")
    expect(lines.nth(1)).to_contain_text(marker)
    for _ in marker:
        page.keyboard.press("Backspace")
    expect(lines.nth(1)).not_to_contain_text(marker)


def shut_down_every_kernel(lab_server) -> None:  # noqa: ANN001 - a LabServer
    """What a server restart does to the notebook's kernel: it is gone, with its widgets."""
    token = f"token={lab_server.token}"
    with urllib.request.urlopen(f"{lab_server.url}/api/sessions?{token}") as answer:
        sessions = json.loads(answer.read())
    for session in sessions:
        request = urllib.request.Request(
            f"{lab_server.url}/api/sessions/{session['id']}?{token}", method="DELETE")
        urllib.request.urlopen(request).close()


def focus_settled(locator) -> None:  # noqa: ANN001 - a Playwright Locator
    """Focus an element, again until it stays focused.

    Right after a page loads, JupyterLab may still move the focus while it restores its
    layout; a keyboard test that starts then would begin from wherever that left it.
    """
    page = locator.page
    held = 0
    for _ in range(40):
        if locator.evaluate("el => el === document.activeElement"):
            held += 1
            if held == 2:
                return
        else:
            held = 0
            locator.focus()
        page.wait_for_timeout(150)
    expect(locator).to_be_focused()
