"""Password reset end to end in JupyterLab: "Forgot password?" in the sidebar, the mail
from a real SMTP server on loopback, its link opened in Chromium, the page served by the
server extension, then logged in.

The reset code must reach no log: neither Jupyter's nor the API's.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator

import pytest
from api.conftest import MailSink, mail_sink
from playwright.sync_api import expect

from .a11y import assert_accessible
from .conftest import ApiServer, LabServer
from .lab import Lab, focus_settled

USERNAME = "resetter"
EMAIL = "resetter@example.org"
OLD_PASSWORD = "the first password"
NEW_PASSWORD = "a brand new password"


@pytest.fixture(scope="module")
def mail() -> Iterator[tuple[str, MailSink]]:
    with mail_sink() as sink:
        yield sink


@pytest.fixture(scope="module")
def servers(tmp_path_factory, mail) -> Iterator[tuple[ApiServer, LabServer]]:
    api = ApiServer(tmp_path_factory.mktemp("api"))
    lab = LabServer(tmp_path_factory.mktemp("lab"), api.url)
    api.env.update({"PYLEARN_MAIL_URL": mail[0], "PYLEARN_PUBLIC_URL": lab.url})
    api.start()
    lab.start()
    yield api, lab
    lab.stop()
    api.stop()


def call(api: ApiServer, path: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{api.url}/api/v1/{path}", data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json",
                 "X-PyLearn-Device": "0123456789abcdef0123456789abcdef"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def reset_link(sink: MailSink) -> tuple[str, str]:
    [message] = sink.wait_for(1, timeout=30)
    text = message.get_payload(decode=True).decode() if not message.is_multipart() else \
        message.get_payload(0).get_payload(decode=True).decode()
    link = re.search(r"(http://\S+/pylearn/reset-password\?token=(\S+))", text)
    assert link, text
    return link.group(1), link.group(2)


def test_the_mails_link_opens_a_page_that_sets_the_password_and_logs_in(
        browser, servers, mail, artifacts):
    api, lab_server = servers
    assert call(api, "auth/register", {"username": USERNAME, "email": EMAIL,
                                        "password": OLD_PASSWORD})[0] == 201

    # The learner forgot the password: the sidebar's login form leads to the reset mail.
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    lab = Lab(page, lab_server.lab_url)
    lab.open()
    log_in = lab.sidebar.get_by_role("button", name="Log in")
    page.locator(".jp-Launcher").wait_for(timeout=30_000)  # it takes the focus when it opens
    focus_settled(log_in)  # JupyterLab has stopped moving the focus while it restores
    log_in.click()
    lab.sidebar.get_by_role("button", name="Forgot password?").click()
    form = lab.sidebar.locator("form.pylearn-form-forgot")
    email = form.get_by_label("Email of your account")
    expect(email).to_be_focused()
    email.fill(EMAIL)
    email.press("Enter")
    note = lab.sidebar.locator(".pylearn-reset-asked")
    expect(note).to_contain_text("If an account uses that address, a mail is on its way.")
    expect(lab.announcer()).to_contain_text("a mail is on its way")
    reset_page = note.get_by_role("link", name="Open the reset page")
    expect(reset_page).to_be_focused()
    assert reset_page.get_attribute("href").endswith("/pylearn/reset-password")
    assert_accessible(page, ["#pylearn-sidebar"], "sidebar after asking for a reset mail")
    lab.sidebar.screenshot(path=artifacts / "sidebar-reset-asked.png")
    link, code = reset_link(mail[1])

    page.goto(link)

    heading = page.get_by_role("heading", name="Choose a new password")
    expect(heading).to_be_visible()
    assert code not in page.url, "the reset code stays in the address bar"
    expect(page.get_by_label("Reset code (from the mail)")).to_be_hidden()
    assert_accessible(page, ["main"], "reset page")

    # Two different passwords: said next to the field, with the focus on it.
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password, again").fill(NEW_PASSWORD + "!")
    page.get_by_role("button", name="Set the new password").click()
    again = page.get_by_label("New password, again")
    expect(again).to_have_attribute("aria-invalid", "true")
    expect(page.locator("main")).to_contain_text("The two passwords differ.")
    expect(again).to_be_focused()
    assert_accessible(page, ["main"], "reset page with a field error")

    # Keyboard only from here: fix the field, Enter submits.
    again.fill(NEW_PASSWORD)
    again.press("Enter")
    status = page.get_by_role("status")
    expect(status).to_contain_text(f"logged in as {USERNAME}", timeout=30_000)
    page.screenshot(path=artifacts / "reset-password-done.png")
    session = json.loads(page.evaluate(
        "() => localStorage.getItem('pylearn.v1.account.session')"))
    assert session["user"]["username"] == USERNAME
    continue_link = page.get_by_role("link", name="Continue to PyLearn")
    expect(continue_link).to_be_focused()

    continue_link.click()
    page.wait_for_selector("#jp-main-dock-panel", timeout=60_000)
    lab.show_sidebar()
    expect(lab.sidebar).to_contain_text(f"Logged in as {USERNAME}", timeout=30_000)

    # The password really changed, and the link works once.
    assert call(api, "auth/login", {"login": USERNAME, "password": OLD_PASSWORD})[0] == 401
    assert call(api, "auth/login", {"login": USERNAME, "password": NEW_PASSWORD})[0] == 200
    page.goto(link)
    page.get_by_label("New password", exact=True).fill("yet another password")
    page.get_by_label("New password, again").fill("yet another password")
    page.get_by_role("button", name="Set the new password").click()
    expect(page.get_by_role("status")).to_contain_text("invalid, already used or older than "
                                                       "one hour")
    context.close()

    for log in (lab_server.log, api.log):
        assert code not in log.read_text(), f"the reset code is in {log.name}"
