"""Helpers of the classroom browser test: accounts made through the API, logging in and
the Classes area of the sidebar, and the teacher's Class panel."""

from __future__ import annotations

import json
import re
import secrets
import urllib.request

from playwright.sync_api import expect

from .lab import Lab

PANEL = "#pylearn-class"


def register(api_url: str, username: str, email: str, password: str) -> dict:
    """A new account, straight through the API (as `curl` would make it)."""
    request = urllib.request.Request(
        f"{api_url}/api/v1/auth/register",
        data=json.dumps({"username": username, "email": email,
                         "password": password}).encode(),
        headers={"Content-Type": "application/json",
                 "X-PyLearn-Device": secrets.token_hex(16)},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)


def new_lab(browser, lab_server) -> Lab:  # noqa: ANN001 - Playwright objects
    """A fresh browser profile (its own storage) with JupyterLab and the sidebar open."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    lab = Lab(context.new_page(), lab_server.lab_url)
    lab.open()
    return lab


def log_in(lab: Lab, login: str, password: str) -> None:
    """Through the sidebar's login form, as a learner does it."""
    lab.sidebar.get_by_role("button", name="Log in").click()
    form = lab.sidebar.locator("form.pylearn-form-login")
    form.get_by_label("Username or email").fill(login)
    form.get_by_label("Password").fill(password)
    form.get_by_role("button", name="Log in").click()
    expect(lab.status()).to_contain_text("Synced", timeout=30_000)


def classes_area(lab: Lab):  # noqa: ANN201 - a Playwright Locator
    return lab.sidebar.locator(".pylearn-classes")


def panel(lab: Lab):  # noqa: ANN201 - a Playwright Locator
    return lab.page.locator(PANEL)


def grid_cell(lab: Lab, username: str, exercise_title: str):  # noqa: ANN201
    """The cell of `username`'s row under the column header `exercise_title`."""
    table = panel(lab).locator("table.pylearn-grid")
    expect(table.locator("thead th").filter(
        has_text=re.compile(f"^{re.escape(exercise_title)}$"))).to_have_count(1, timeout=30_000)
    headers = table.locator("thead th").all_inner_texts()
    column = headers.index(exercise_title)  # the first header is "Learner", like the row headers
    row = table.locator("tbody tr").filter(
        has=lab.page.locator("th", has_text=username))
    return row.locator("td.pylearn-cell").nth(column - 1)
