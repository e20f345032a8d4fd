"""PyLearn in Notebook 7 (`jupyter notebook`), with a real API and Debian's Chromium.

The same labextension that runs in JupyterLab is loaded by Notebook 7. These tests check,
in Notebook 7's own pages (the file browser at /tree and a notebook at /notebooks/...):

- the PyLearn sidebar is reachable from View → Left Sidebar → Show PyLearn, in both pages;
- opening an exercise from the sidebar in the file browser opens its notebook in a new tab;
- in the notebook page: there is no setup cell and the cursor waits in the answer's body;
  a misspelt ``%%exercise`` line gets PyLearn's sentence; Shift+Enter on a wrong answer shows
  "Not yet" in the ipywidgets check panel, the Hint button works, and the Check button
  (wired by the extension) runs the cell again and shows "Passed";
- the kernel's submission messages record both checks in localStorage (guest), the output
  row of the record is hidden, the sidebar counts the exercise as done, and nothing reaches
  the API; another browser opening the saved notebook records none of its outputs;
- the browser console has no error from the PyLearn extension;
- opening (or resetting) from the sidebar the exercise this page already shows keeps the
  page's notebook usable;
- axe finds no serious or critical WCAG 2.1 A/AA violation in the check panel (not yet,
  hint shown, solution confirm, passed) nor in the sidebar; each verdict and hint is said
  in PyLearn's one live region; Alt+P reaches the panel's Check button from the notebook.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from .a11y import assert_accessible, live_regions
from .conftest import LabServer
from .lab import assert_typing_goes_into_the_body, shut_down_every_kernel

EXERCISE = "sample.reverse-words"
EXERCISE_PATH = "pylearn/sample/sample.reverse-words.ipynb"
GREET = "sample.greet"
GREET_PATH = "pylearn/sample/sample.greet.ipynb"
WRONG = "def reverse_words(text):\n    return text\n"
RIGHT = 'def reverse_words(text):\n    return " ".join(reversed(text.split()))\n'
SUBMISSION_MIME = "application/vnd.pylearn.submission+json"
GUEST_KEY = "pylearn.v1.guest.submissions"
SIDEBAR = "#pylearn-sidebar"
ANNOUNCER = "#pylearn-announcer"
PANEL = [".jp-NotebookPanel .pylearn-panel"]


class NotebookServer(LabServer):
    """`python -m notebook` (Notebook 7) with the PyLearn server extension and the sample course."""

    token = "e2e-nb7-token"
    module = "notebook"

    def page_url(self, path: str) -> str:
        return f"{self.url}/{path}?token={self.token}"

    def open_exercise(self, exercise_id: str) -> dict:
        """`POST /pylearn/exercises/<id>/open`, as the sidebar does: writes the learner notebook."""
        request = urllib.request.Request(
            f"{self.url}/pylearn/exercises/{exercise_id}/open?token={self.token}",
            method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())


@pytest.fixture(scope="module")
def notebook_server(
    tmp_path_factory: pytest.TempPathFactory, api_server
) -> Iterator[NotebookServer]:
    server = NotebookServer(tmp_path_factory.mktemp("notebook7"), api_server.url)
    server.start()
    yield server
    server.stop()


@dataclass
class BrowserLog:
    """Console errors and warnings, uncaught page errors, and requests meant for the API."""

    api_origin: str
    console: list[str] = field(default_factory=list)
    api_requests: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.console.append(f"pageerror: {error}"))
        page.on("request", self._request)

    def _console(self, message) -> None:
        if message.type in ("error", "warning"):
            self.console.append(f"{message.type}: {message.text}")

    def _request(self, request) -> None:
        if request.url.startswith(self.api_origin) or "/pylearn/api/" in urlsplit(request.url).path:
            self.api_requests.append(f"{request.method} {request.url}")

    def pylearn_problems(self) -> list[str]:
        return [line for line in self.console if "pylearn" in line.lower()]


def show_pylearn_sidebar(page: Page) -> None:
    """View → Left Sidebar → Show PyLearn: Notebook 7's way to a left-area panel."""
    sidebar = page.locator(SIDEBAR)
    # The extension adds the panel to the shell when it activates; wait for that first.
    sidebar.wait_for(state="attached", timeout=60_000)
    expect(sidebar).to_be_hidden()
    page.locator("#menu-panel .lm-MenuBar-item", has_text="View").click()
    page.locator(".lm-Menu .lm-Menu-item", has_text="Left Sidebar").hover()
    page.locator(".lm-Menu .lm-Menu-item", has_text="Show PyLearn").click()
    expect(sidebar).to_be_visible(timeout=10_000)
    expect(sidebar.locator(".pylearn-exercise").first).to_be_visible(timeout=30_000)


def exercise_row(page: Page, exercise_id: str):
    return page.locator(f'{SIDEBAR} li[data-exercise-id="{exercise_id}"]')


def answer_cell(page: Page, exercise_id: str):
    return page.locator(".jp-NotebookPanel .jp-CodeCell").filter(
        has=page.locator(".cm-content", has_text=f"%%exercise {exercise_id}"))


def wait_for_idle_kernel(page: Page) -> None:
    """Notebook 7 has no status bar: the toolbar's execution indicator carries the state."""
    expect(page.locator('.jp-NotebookPanel-toolbar .jp-Notebook-ExecutionIndicator'
                        '[data-status="idle"]')).to_have_count(1, timeout=90_000)


def write_answer(page: Page, exercise_id: str, code: str) -> None:
    editor = answer_cell(page, exercise_id).locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(f"%%exercise {exercise_id}\n{code}")
    expect(editor).to_contain_text(code.splitlines()[-1].strip())


def wait_for_saved_record(path: Path, code: str, timeout: float = 30) -> None:
    """Until the notebook on disk holds the submission output of a check of `code`."""
    deadline = time.monotonic() + timeout
    while True:
        outputs = [output for cell in json.loads(path.read_text())["cells"]
                   for output in cell.get("outputs", [])]
        records = [output["data"][SUBMISSION_MIME] for output in outputs
                   if SUBMISSION_MIME in output.get("data", {})]
        if any(code in record["code"] for record in records):
            return
        assert time.monotonic() < deadline, f"{path} was not saved with the check: {records}"
        time.sleep(0.2)


def guest_submissions(page: Page) -> list[dict]:
    raw = page.evaluate(f"localStorage.getItem({json.dumps(GUEST_KEY)})")
    return json.loads(raw) if raw else []


def new_page(browser, log: BrowserLog) -> Page:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    log.watch(page)
    return page


def test_sidebar_in_the_file_browser_opens_an_exercise_in_a_new_tab(
    browser, notebook_server, api_server, artifacts
):
    log = BrowserLog(api_server.url)
    page = new_page(browser, log)
    page.goto(notebook_server.page_url("tree"))
    show_pylearn_sidebar(page)
    expect(page.locator(f"{SIDEBAR} .pylearn-sync")).to_contain_text("Guest")
    expect(exercise_row(page, GREET)).to_contain_text("to do")
    page.screenshot(path=artifacts / "nb7-tree-sidebar.png")

    # Notebook 7 opens every notebook in its own page: the sidebar's open becomes a new tab.
    with page.context.expect_page(timeout=30_000) as opened:
        exercise_row(page, GREET).locator(".pylearn-exercise-open").click()
    tab = opened.value
    log.watch(tab)
    tab.wait_for_load_state()
    assert urlsplit(tab.url).path == f"/notebooks/{GREET_PATH}", tab.url
    expect(answer_cell(tab, GREET)).to_be_visible(timeout=60_000)
    assert (notebook_server.root / GREET_PATH).is_file()
    wait_for_idle_kernel(tab)
    tab.screenshot(path=artifacts / "nb7-greet-opened-from-sidebar.png")

    assert log.api_requests == [], "a guest's browser must send nothing to the API"
    assert log.pylearn_problems() == [], log.pylearn_problems()
    page.context.close()


def test_check_hint_and_check_button_record_progress_in_notebook7(
    browser, notebook_server, api_server, artifacts
):
    opened = notebook_server.open_exercise(EXERCISE)
    assert opened["path"] == EXERCISE_PATH, opened

    log = BrowserLog(api_server.url)
    page = new_page(browser, log)
    page.goto(notebook_server.page_url(f"notebooks/{EXERCISE_PATH}"))
    cell = answer_cell(page, EXERCISE)
    expect(cell).to_be_visible(timeout=60_000)
    wait_for_idle_kernel(page)
    assert guest_submissions(page) == [], "a fresh browser profile has no PyLearn progress"

    # No setup cell: the answer is the notebook's one code cell, and the first keystrokes
    # land in its body, below the %%exercise line.
    assert page.locator(".jp-NotebookPanel .jp-CodeCell").count() == 1
    assert_typing_goes_into_the_body(page, cell, EXERCISE)
    write_answer(page, EXERCISE, WRONG)
    page.keyboard.press("Control+Home")
    page.keyboard.insert_text("%")  # "%%%exercise sample.reverse-words": a typo
    page.keyboard.press("Shift+Enter")
    expect(cell.locator(".jp-OutputArea")).to_contain_text(
        "PyLearn: the first line of this cell must be exactly %%exercise "
        "sample.reverse-words", timeout=60_000)
    expect(cell.locator(".jp-OutputArea")).not_to_contain_text("UsageError")

    # A wrong answer, checked with Shift+Enter: the ipywidgets panel renders "Not yet".
    write_answer(page, EXERCISE, WRONG)
    cell.locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    verdict = cell.locator(".pylearn-verdict")
    expect(verdict).to_contain_text("Not yet", timeout=60_000)
    expect(cell.locator(".jp-InputPrompt")).to_contain_text("[2]")  # [1]: the misspelt run
    expect(cell.locator(".pylearn-panel")).to_be_visible()
    cell.screenshot(path=artifacts / "nb7-not-yet.png")
    announcer = page.locator(ANNOUNCER)
    expect(announcer).to_contain_text("Not yet: 1 of 3 tests passed.")
    assert_accessible(page, PANEL, "Notebook 7 check panel, not yet")
    page.keyboard.press("Alt+p")  # "Focus the PyLearn panel of this cell"
    expect(cell.locator(".pylearn-check-button")).to_be_focused()

    hint = cell.get_by_role("button", name=re.compile("Hint 1"))
    hint.click()
    expect(cell).to_contain_text("Hint 1 of 3:", timeout=30_000)
    expect(announcer).to_contain_text("Hint 1 of 3: text.split()")
    assert_accessible(page, PANEL, "Notebook 7 check panel, hint shown")
    cell.get_by_role("button", name="Solution", exact=True).click()
    keep_trying = cell.get_by_role("button", name="Not yet, I'll keep trying")
    expect(keep_trying).to_be_focused()
    assert_accessible(page, PANEL, "Notebook 7 check panel, solution confirm")
    keep_trying.click()
    expect(keep_trying).to_be_hidden()

    # The right answer, checked with the panel's Check button: the extension runs the cell.
    write_answer(page, EXERCISE, RIGHT)
    cell.locator(".pylearn-check-button").click()
    expect(verdict).to_contain_text("Passed", timeout=60_000)
    # The kernel's fallback ("run the exercise cell above") appears only if no run came.
    expect(cell).not_to_contain_text("To check your latest code")
    expect(cell.locator(".jp-InputPrompt")).to_contain_text("[3]")
    expect(announcer).to_contain_text("Passed: all 3 tests passed.")
    assert_accessible(page, PANEL, "Notebook 7 check panel, passed")
    assert live_regions(page, PANEL) == []

    # The kernel's messages recorded both checks in localStorage, as a guest.
    keys = page.evaluate("Object.keys(localStorage)")
    assert GUEST_KEY in keys, keys
    submissions = guest_submissions(page)
    assert [(s["exercise_id"], s["passed"]) for s in submissions] == [
        (EXERCISE, False), (EXERCISE, True)], submissions
    assert "return text" in submissions[0]["code"], submissions[0]
    assert "reversed(text.split())" in submissions[1]["code"], submissions[1]
    assert len({s["id"] for s in submissions}) == 2, submissions

    # The record output is data only: present in the cell, its output row not displayed.
    records = cell.locator(".pylearn-submission-record")
    expect(records).to_have_count(1)
    rows = cell.locator(".jp-OutputArea-child").filter(
        has=page.locator(".pylearn-submission-record"))
    expect(rows).to_have_count(1)
    expect(rows).to_be_hidden()
    expect(cell).not_to_contain_text("application/vnd.pylearn")
    expect(cell).not_to_contain_text("No renderer")
    cell.screenshot(path=artifacts / "nb7-passed.png")

    # The sidebar, opened in the notebook page, counts the exercise as done.
    show_pylearn_sidebar(page)
    expect(exercise_row(page, EXERCISE)).to_contain_text("✔ done")
    assert_accessible(page, [SIDEBAR], "Notebook 7 sidebar")
    expect(page.locator(SIDEBAR).get_by_role("progressbar", name="Overall progress")
           ).to_have_attribute("aria-valuenow", "1")
    page.screenshot(path=artifacts / "nb7-notebook-with-sidebar.png")

    # A reload re-renders the saved outputs: nothing is recorded twice.
    page.keyboard.press("Control+s")
    wait_for_saved_record(notebook_server.root / EXERCISE_PATH, "reversed(text.split())")
    page.reload()
    expect(answer_cell(page, EXERCISE).locator(".pylearn-submission-record")).to_have_count(
        1, timeout=60_000)
    assert len(guest_submissions(page)) == 2, guest_submissions(page)

    assert log.api_requests == [], "a guest's browser must send nothing to the API"
    assert set(api_server.row_counts().values()) <= {0}, api_server.row_counts()
    assert log.pylearn_problems() == [], log.pylearn_problems()
    page.context.close()

    # Someone else's notebook: a fresh browser opens the saved notebook, passing check
    # outputs and all. Outputs read from a file are shown, never recorded as its progress.
    # Its kernel is gone too (as after a server restart): the check panels cannot be drawn,
    # and the last verdict is shown in words instead of a widget error.
    shut_down_every_kernel(notebook_server)
    other = new_page(browser, log)
    other.goto(notebook_server.page_url(f"notebooks/{EXERCISE_PATH}"))
    expect(answer_cell(other, EXERCISE).locator(".pylearn-submission-record")).to_have_count(
        1, timeout=60_000)
    saved = answer_cell(other, EXERCISE).locator(".pylearn-last-verdict")
    expect(saved).to_contain_text("Passed: Reverse the words", timeout=60_000)
    shown = answer_cell(other, EXERCISE).locator(".jp-OutputArea")
    expect(shown).not_to_contain_text("Error displaying widget", use_inner_text=True)
    expect(shown).not_to_contain_text("Loading widget", use_inner_text=True)
    show_pylearn_sidebar(other)
    expect(exercise_row(other, EXERCISE)).to_contain_text("to do")
    assert guest_submissions(other) == [], guest_submissions(other)
    other.context.close()


def test_sidebar_open_and_reset_of_the_notebook_on_this_page_keep_it_usable(
    browser, notebook_server, api_server, artifacts
):
    notebook_server.open_exercise(EXERCISE)
    log = BrowserLog(api_server.url)
    page = new_page(browser, log)
    page.goto(notebook_server.page_url(f"notebooks/{EXERCISE_PATH}"))
    cell = answer_cell(page, EXERCISE)
    expect(cell).to_be_visible(timeout=60_000)
    wait_for_idle_kernel(page)
    expect(cell).to_have_class(re.compile(r"\bjp-mod-active\b"))  # opened: in the answer
    page.locator(".jp-NotebookPanel .jp-MarkdownCell").first.click()  # the learner reads on
    expect(cell).not_to_have_class(re.compile(r"\bjp-mod-active\b"))
    show_pylearn_sidebar(page)
    try:
        with page.expect_response(lambda r: r.url.split("?")[0].endswith(
                f"/pylearn/exercises/{EXERCISE}/open") and r.request.method == "POST"):
            exercise_row(page, EXERCISE).locator(".pylearn-exercise-open").click()
        # Done when this page selects the answer cell (as in JupyterLab) or another tab opens.
        deadline = time.monotonic() + 20
        while len(page.context.pages) == 1 and "jp-mod-active" not in (
                cell.get_attribute("class", timeout=1_000) or "") and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        others = [p for p in page.context.pages if p is not page]
        for other in others:
            expect(answer_cell(other, EXERCISE)).to_be_visible(timeout=60_000)
        page.screenshot(path=artifacts / "nb7-reopen-same-notebook.png")
        expect(cell).to_be_visible(timeout=5_000)
        expect(cell).to_have_class(re.compile(r"\bjp-mod-active\b"))
        assert others == [], f"opened again in another tab: {[p.url for p in others]}"

        with page.expect_response(lambda r: r.url.split("?")[0].endswith(
                f"/pylearn/exercises/{EXERCISE}/reset") and r.request.method == "POST"):
            exercise_row(page, EXERCISE).locator(".pylearn-exercise-reset").click()
            page.get_by_role("button", name="Reset to original").click()
        expect(page.get_by_text("is back to its original")).to_be_visible(timeout=20_000)
        expect(cell).to_be_visible(timeout=5_000)
        assert len(page.context.pages) == 1, "reset must not open the notebook elsewhere"
    finally:
        page.context.close()


def test_a_class_course_in_notebook7(browser, notebook_server, api_server, artifacts, tmp_path):
    """A learner in Notebook 7 joins a class on an uploaded course from the sidebar of the
    file browser, opens its exercise (a new tab, as Notebook 7 does), and passes it: the
    teacher sees it done under the class's id."""
    from pylearn_jupyter.bundle import bundle_source

    from .classroom import api_call, register

    password = "nb7 class password"
    teacher = register(api_server.url, "nb7_teacher", "nb7t@example.org", password)["token"]
    register(api_server.url, "nb7_learner", "nb7l@example.org", password)
    created = api_call(api_server, "POST", "/classes", teacher,
                       {"name": "NB7 group", "course": "uploaded"})
    bundle, _ = bundle_source(Path(__file__).resolve().parents[1] / "data"
                              / "sample_chapter.ipynb", "Sample course")
    api_call(api_server, "PUT", f"/classes/{created['id']}/course", teacher, bundle)

    log = BrowserLog(api_server.url)
    page = new_page(browser, log)
    page.goto(notebook_server.page_url("tree"))
    show_pylearn_sidebar(page)
    sidebar = page.locator(SIDEBAR)
    sidebar.get_by_role("button", name="Log in").first.click()
    sidebar.get_by_label("Username or email").fill("nb7_learner")
    sidebar.get_by_label("Password").fill(password)
    sidebar.locator(".pylearn-form-login").get_by_role("button", name="Log in").click()
    expect(sidebar.locator(".pylearn-account")).to_contain_text("nb7_learner", timeout=30_000)
    area = sidebar.locator(".pylearn-classes")
    area.get_by_role("button", name="Join a class").click()
    area.get_by_label("Join code").fill(created["join_code"])
    area.get_by_role("button", name="Continue").click()
    area.locator(".pylearn-consent").get_by_role("button", name="Join", exact=True).click()
    expect(area).to_contain_text("You joined NB7 group (teacher: nb7_teacher).",
                                 timeout=30_000)

    class_exercise = f"class:{created['id']}/{EXERCISE}"
    entry = sidebar.locator(f'.pylearn-class-course li[data-exercise-id="{class_exercise}"]')
    expect(entry).to_contain_text("to do", timeout=30_000)
    with page.context.expect_page(timeout=30_000) as opened:
        entry.locator(".pylearn-exercise-open").click()
    tab = opened.value
    log.watch(tab)
    tab.wait_for_load_state()
    assert urlsplit(tab.url).path == "/notebooks/classes/NB7%20group/sample_chapter.ipynb", (
        tab.url)
    cell = answer_cell(tab, EXERCISE)
    expect(cell).to_be_visible(timeout=60_000)
    wait_for_idle_kernel(tab)
    write_answer(tab, EXERCISE, RIGHT)
    cell.locator(".cm-content").click()
    tab.keyboard.press("Shift+Enter")
    expect(cell.locator(".pylearn-verdict")).to_contain_text("Passed", timeout=60_000)
    tab.screenshot(path=artifacts / "nb7-class-exercise.png")

    deadline = time.monotonic() + 30
    while True:
        progress = api_call(api_server, "GET", f"/classes/{created['id']}/progress", teacher)
        done = [p["exercise_id"] for learner in progress["learners"]
                for p in learner["progress"] if p["completed_at"]]
        if done or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert done == [class_exercise]
    expect(entry).to_contain_text("done", timeout=30_000)  # the file browser's sidebar
    assert log.pylearn_problems() == [], log.pylearn_problems()
    page.context.close()
