"""The first hour in the JupyterLite site: nothing to set up, the cursor in the answer, a
PyLearn sentence for a mistyped ``%%exercise`` line, a verdict that survives a reload, one
Python runtime for every exercise of the session, and the password reset by mail (a real
SMTP server and a real API on loopback; the reset page is a file of the site)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from api.conftest import MailSink, mail_sink
from e2e.a11y import assert_accessible
from e2e.lab import assert_typing_goes_into_the_body
from playwright.sync_api import expect

from .lite_page import (
    EXERCISE,
    PAGE_PYTHON,
    RIGHT,
    WRONG,
    LiteNotebook,
    running_kernels,
    running_sessions,
    show_sidebar,
    wait_until,
)

EXERCISE_ID = "sample.reverse-words"
SECOND_ID = "sample.greet"
ANSWER = -1
GREET = 'name = input("Name? ")\nprint(f"Hello, {name}!")\n'


def test_an_exercise_checks_with_no_setup_and_its_verdict_survives_a_reload(
        page, site_url: str, artifacts: Path) -> None:
    notebook = LiteNotebook(page, site_url).open(EXERCISE)
    # While Pyodide starts, the notebook says so in words; then that it is ready.
    state = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .pylearn-kernel-state")
    expect(state).to_contain_text("Starting Python", timeout=10_000)
    code_cells = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell")
    assert code_cells.count() == 1, "only the answer cell: no setup cell"
    expect(state).to_have_text("Python is ready.", timeout=120_000)
    expect(page.locator("#pylearn-announcer")).to_contain_text("Python is ready")
    assert_typing_goes_into_the_body(page, notebook.cell(ANSWER), EXERCISE_ID)

    notebook.set_source(ANSWER, f"%%%exercise {EXERCISE_ID}\n" + WRONG)
    notebook.run(ANSWER)
    output = notebook.cell(ANSWER).locator(".jp-OutputArea")
    expect(output).to_contain_text("PyLearn: the first line of this cell must be exactly "
                                   f"%%exercise {EXERCISE_ID}")
    expect(output).not_to_contain_text("UsageError")

    notebook.set_source(ANSWER, f"%%exercise {EXERCISE_ID}\n" + RIGHT)
    unsaved = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.jp-mod-dirty")
    expect(unsaved).to_have_count(1)
    notebook.run(ANSWER)
    notebook.wait_verdict(ANSWER, "Passed")
    # Not saved by hand: the check saved the notebook (to the browser's storage).
    expect(unsaved).to_have_count(0, timeout=10_000)

    page.reload()  # a new page: a new Python runtime, the check panel's widgets are gone
    notebook.open(EXERCISE)
    cell = notebook.cell(ANSWER)
    saved = cell.locator(".pylearn-last-verdict")
    expect(saved).to_be_visible(timeout=60_000)
    expect(saved).to_contain_text("Passed: Reverse the words")
    shown = cell.locator(".jp-OutputArea")
    expect(shown).not_to_contain_text("Error displaying widget", use_inner_text=True)
    expect(shown).not_to_contain_text("Loading widget", use_inner_text=True)
    cell.screenshot(path=str(artifacts / "lite-saved-verdict.png"))
    assert_accessible(page, [".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea"],
                      "JupyterLite saved verdict")


def test_every_exercise_of_a_session_runs_in_one_python(page, site_url: str) -> None:
    notebook = LiteNotebook(page, site_url).open(EXERCISE)
    # Checked the moment it shows, while Python is still starting: no "Select Kernel"
    # question, the check waits for Python.
    notebook.run(ANSWER)
    notebook.wait_verdict(ANSWER, "Not yet")
    expect(page.locator(".jp-Dialog")).to_have_count(0)
    marker = notebook.append_cell("started_here = 'the first exercise'")
    notebook.run(marker)

    sidebar = show_sidebar(page)
    opened = time.monotonic()
    sidebar.locator(f'li[data-exercise-id="{SECOND_ID}"] .pylearn-exercise-open').click()
    second = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .cm-content",
                          has_text=f"%%exercise {SECOND_ID}")
    second.wait_for(timeout=30_000)
    notebook.set_source(ANSWER, f"%%exercise {SECOND_ID}\n" + GREET)
    notebook.run(ANSWER, timeout=30_000)
    verdict = notebook.wait_verdict(ANSWER, "Passed")
    print(f"second exercise: opened -> verdict in {time.monotonic() - opened:.2f} s")

    probe = notebook.append_cell("print(started_here)")
    notebook.run(probe, timeout=10_000)
    assert "the first exercise" in notebook.output_text(probe)  # the same runtime
    assert "Passed" in verdict

    # The first exercise closes: the second one's checks still come with their buttons
    # (the check panels never depended on the notebook that was opened first).
    first_tab = tab(page, EXERCISE_ID)
    first_tab.locator(".lm-TabBar-tabCloseIcon").click()
    dialog = page.locator(".jp-Dialog")
    if dialog.count():  # the marker cell left it unsaved
        dialog.get_by_role("button", name="Discard").click()
    expect(first_tab).to_have_count(0)
    check_with_a_live_panel(notebook, ANSWER, f"%%exercise {SECOND_ID}\nprint('Hi')\n")
    assert len(running_kernels(page)) == 1


def tab(page, exercise_id: str):  # noqa: ANN001, ANN201 - a Playwright Page and Locator
    """The main area's tab of the exercise's notebook."""
    return page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text=f"{exercise_id}.ipynb")


def check_with_a_live_panel(notebook: LiteNotebook, index: int, source: str) -> None:
    """Checks `source` (a wrong answer) in the answer cell at `index`: its verdict comes
    in a live check panel, whose Hint button answers."""
    notebook.set_source(index, source)
    notebook.run(index, timeout=60_000)
    notebook.wait_verdict(index, "Not yet")
    hint = notebook.cell(index).get_by_role("button", name=re.compile("Hint"))
    expect(hint).to_be_visible()
    hint.click()
    expect(notebook.cell(index).locator(".pylearn-panel")).to_contain_text("Hint 1")


def answer_index(notebook: LiteNotebook, exercise_id: str) -> int:
    """The index of the shown notebook's answer cell of `exercise_id`."""
    notebook.cells.filter(has_text=f"%%exercise {exercise_id}").first.wait_for()
    return next(i for i in range(notebook.cells.count())
                if notebook.source(i).startswith(f"%%exercise {exercise_id}"))


def test_a_restart_or_shutdown_from_one_exercise_keeps_every_exercise_checking(
        page, site_url: str) -> None:
    notebook = LiteNotebook(page, site_url).open(EXERCISE)
    first = answer_index(notebook, EXERCISE_ID)
    notebook.run(notebook.append_cell("defined_before = 1"))
    sidebar = show_sidebar(page)
    sidebar.locator(f'li[data-exercise-id="{SECOND_ID}"] .pylearn-exercise-open').click()
    second = answer_index(notebook, SECOND_ID)
    notebook.set_source(second, f"%%exercise {SECOND_ID}\n" + GREET)
    notebook.run(second, timeout=30_000)
    notebook.wait_verdict(second, "Passed")
    kernels = running_kernels(page)

    for action in ["Restart Kernel…", "Shut Down Kernel"]:
        page.locator(".lm-MenuBar-itemLabel", has_text="Kernel").click()
        page.locator(".lm-Menu-itemLabel", has_text=action).first.click()
        dialog = page.locator(".jp-Dialog")
        if action.startswith("Restart"):  # JupyterLab asks first; a shutdown it does not
            dialog.locator(".jp-mod-accept").click()
        expect(dialog).to_have_count(0)
        # The exercise that asked checks again, in a fresh Python (the same kernel). Its
        # outputs cleared first: a fresh Python counts runs from 1 again.
        page.evaluate("() => window.jupyterapp.commands.execute("
                      "'notebook:clear-all-cell-outputs')")
        notebook.run(second, timeout=60_000)
        notebook.wait_verdict(second, "Passed")
        expect(notebook.cell(second).get_by_role("button", name="Check")).to_be_visible()
        probe = notebook.append_cell("print('defined_before' in globals())")
        notebook.run(probe, timeout=30_000)
        assert notebook.output_text(probe).strip() == "False", action
        assert running_kernels(page) == kernels, action

    # The other exercise checks too: it is connected to the restarted Python, which has
    # its exercise again, and its check panel is drawn.
    tab(page, EXERCISE_ID).click()
    check_with_a_live_panel(notebook, first, f"%%exercise {EXERCISE_ID}\n" + WRONG)


def wait_for_sessions(page, expected_paths: list[str], timeout: float = 30) -> list[dict]:  # noqa: ANN001
    """The page's sessions once their paths are `expected_paths`, in that order."""
    return wait_until(lambda: (sessions := running_sessions(page))
                      and [s["path"] for s in sessions] == expected_paths and sessions,
                      timeout, f"the sessions {expected_paths}")


def test_python_starts_with_the_page_and_every_exercise_joins_it(
        page, site_url: str) -> None:
    page.goto(f"{site_url}lab/index.html")
    sidebar = show_sidebar(page)
    # Before any notebook is open, Python is already starting in a session of the page's.
    waiting = wait_for_sessions(page, [PAGE_PYTHON])
    assert page.locator(".jp-NotebookPanel").count() == 0
    kernel = waiting[0]["kernel"]
    assert running_kernels(page) == [kernel]

    sidebar.locator(f'li[data-exercise-id="{EXERCISE_ID}"] .pylearn-exercise-open').click()
    notebook = LiteNotebook(page, site_url)
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .cm-content",
                 has_text=f"%%exercise {EXERCISE_ID}").wait_for(timeout=30_000)
    # The exercise joined that Python: a session of its own on the same kernel.
    joined = wait_for_sessions(page, [PAGE_PYTHON, EXERCISE])
    assert [s["kernel"] for s in joined] == [kernel, kernel]
    notebook.run(ANSWER)
    notebook.wait_verdict(ANSWER, "Not yet")
    assert running_kernels(page) == [kernel]
    expect(page.locator(".jp-Dialog")).to_have_count(0)


@pytest.mark.parametrize("moment", ["before", "during"])
def test_a_check_run_the_moment_the_exercise_shows_runs(page, site_url: str, moment: str) -> None:
    """The run comes before the notebook has looked for its session, or while it looks
    (JupyterLab shows the notebook, makes a checkpoint, then looks): it must go to the
    Python started with the page, not start a session of its own that the notebook drops,
    or that makes the notebook shut the page's Python down."""
    page.goto(f"{site_url}lab/index.html")
    show_sidebar(page)
    waiting = wait_for_sessions(page, [PAGE_PYTHON])
    ran = page.evaluate("""async ([path, moment]) => {
        const app = window.jupyterapp;
        const panel = await app.commands.execute('docmanager:open', {path});
        const session = panel.sessionContext;
        const run = () => {
            const notebook = panel.content;
            notebook.activeCellIndex = notebook.widgets.length - 1;
            return app.commands.execute('notebook:run-cell');
        };
        let running;
        if (moment === 'during') {
            // The moment the notebook starts looking for its session.
            const look = session.initialize.bind(session);
            running = new Promise(resolve => {
                session.initialize = () => {
                    const looking = look();
                    resolve(run());
                    return looking;
                };
            });
            await panel.context.ready;
        } else {
            await panel.context.ready;  // the cells are shown; the look has not begun
            running = run();
        }
        const lookedFor = session.session !== null;
        await running;
        const cell = panel.content.widgets[panel.content.widgets.length - 1];
        return {lookedFor, count: cell.model.executionCount};
    }""", [EXERCISE, moment])
    assert ran["lookedFor"] is False, "the run did not come before the notebook found its session"
    # It ran on the first try, in the one Python of the page.
    assert isinstance(ran["count"], int), ran
    notebook = LiteNotebook(page, site_url)
    notebook.wait_verdict(ANSWER, "Not yet")
    sessions = wait_for_sessions(page, [PAGE_PYTHON, EXERCISE])
    kernel = waiting[0]["kernel"]
    assert [s["kernel"] for s in sessions] == [kernel, kernel]
    assert running_kernels(page) == [kernel]


def test_a_link_to_an_exercise_joins_the_python_of_the_page(page, site_url: str) -> None:
    notebook = LiteNotebook(page, site_url).open(EXERCISE)
    sessions = wait_for_sessions(page, [PAGE_PYTHON, EXERCISE])
    kernel = sessions[0]["kernel"]
    assert [s["kernel"] for s in sessions] == [kernel, kernel]
    assert running_kernels(page) == [kernel]
    notebook.run(ANSWER)
    notebook.wait_verdict(ANSWER, "Not yet")
    assert running_kernels(page) == [kernel]


@pytest.fixture
def mail_api(tmp_path: Path, api_port: int, site_url: str) -> Iterator[tuple[str, MailSink]]:
    """The site's API on loopback, mailing reset links that point into the site."""
    with mail_sink() as (mail_url, sink):
        yield from _site_api(tmp_path, api_port, site_url, mail_url, sink)


def _site_api(tmp_path: Path, api_port: int, site_url: str, mail_url: str,
              sink: MailSink) -> Iterator[tuple[str, MailSink]]:
    origin = site_url.rstrip("/")
    env = {**os.environ, "PYLEARN_CORS_ORIGINS": origin, "PYLEARN_PUBLIC_URL": origin,
           "PYLEARN_MAIL_URL": mail_url,
           "PYLEARN_JWT_SECRET": "lite-reset-secret-long-enough-for-hs256"}
    env.pop("PYLEARN_DATABASE_URL", None)
    log = tmp_path / "api.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "pylearn_jupyter.api", "--host", "127.0.0.1",
             "--port", str(api_port), "--database", f"sqlite:///{tmp_path / 'api.db'}"],
            env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{api_port}/api/v1"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/health", timeout=2).close()
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(log.read_text()) from None
                time.sleep(0.2)
        yield base, sink
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert "token=" not in log.read_text(), "a reset code reached the API's log"


def test_forgot_password_resets_on_a_page_of_the_site(page, site_url: str, mail_api,
                                                      artifacts: Path) -> None:
    api, sink = mail_api
    request = urllib.request.Request(
        f"{api}/auth/register", method="POST", headers={"Content-Type": "application/json"},
        data=json.dumps({"username": "forgetful", "email": "forgetful@example.org",
                         "password": "the old password"}).encode())
    urllib.request.urlopen(request, timeout=10).close()
    LiteNotebook(page, site_url).open(EXERCISE)
    sidebar = show_sidebar(page)

    sidebar.get_by_role("button", name="Log in").click()
    sidebar.get_by_role("button", name="Forgot password?").click()
    sidebar.get_by_label("Email of your account").fill("forgetful@example.org")
    sidebar.get_by_role("button", name="Send reset link").click()
    note = sidebar.locator(".pylearn-reset-asked")
    expect(note).to_contain_text("a mail is on its way", timeout=30_000)
    assert note.get_by_role("link").get_attribute("href").endswith("pylearn/reset-password/")

    [mail] = sink.wait_for(1, timeout=30)
    body = mail.get_payload(decode=True).decode()
    link = re.search(r"(http://\S+/pylearn/reset-password\?token=\S+)", body).group(1)
    assert link.startswith(site_url.rstrip("/"))
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    assert "token=" not in page.url
    assert_accessible(page, ["main"], "JupyterLite reset page")
    page.get_by_label("New password", exact=True).fill("the new password")
    page.get_by_label("New password, again").fill("the new password")
    page.get_by_role("button", name="Set the new password").click()
    expect(page.get_by_role("status")).to_contain_text("logged in as forgetful",
                                                       timeout=30_000)
    page.screenshot(path=str(artifacts / "lite-reset-page-done.png"))

    page.get_by_role("link", name="Continue to PyLearn").click()
    page.wait_for_selector("#jp-main-dock-panel", timeout=60_000)
    expect(show_sidebar(page)).to_contain_text("Logged in as forgetful", timeout=30_000)
