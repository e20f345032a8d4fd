"""Helpers of the classroom browser test: accounts made through the API, logging in and
the Classes area of the sidebar, and the teacher's Class panel."""

from __future__ import annotations

import json
import re
import secrets
import urllib.request

from playwright.sync_api import expect

from .lab import Lab
from .lab import new_lab as lab_page

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
    """A fresh JupyterLab page whose Copy buttons may use the clipboard."""
    lab = lab_page(browser, lab_server)
    lab.page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    return lab


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


def api_call(api_server, method: str, path: str, token: str, body: object = None) -> object:  # noqa: ANN001
    """One JSON request to the API as `token`'s user (None for an empty answer)."""
    request = urllib.request.Request(
        f"{api_server.url}/api/v1{path}", method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        raw = answer.read()
    return json.loads(raw) if raw else None
