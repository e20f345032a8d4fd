"""PyLearn's commands in JupyterLab's command palette (category "PyLearn").

Typing "PyLearn" in the palette finds every PyLearn command; for a guest without an open
notebook only the sidebar and course commands can run (the palette hides the others, which
are disabled); and running "Show the PyLearn Sidebar" from the palette brings the sidebar back
after another left-area panel replaced it.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .lab import SIDEBAR, Lab

PALETTE = "#modal-command-palette"
PYLEARN_COMMANDS = [
    "Show the PyLearn Sidebar",
    "Reload the PyLearn Course",
    "Sync PyLearn Progress Now",
    "Log Out of PyLearn",
    "Download My PyLearn Data",
    "Delete My PyLearn Account…",
    "Remove Guest Progress from This Browser",
    "Focus the PyLearn panel of this cell",
]
ENABLED_FOR_A_GUEST = ["Show the PyLearn Sidebar", "Reload the PyLearn Course"]


def open_palette(page):
    """Ctrl+Shift+C, as a learner opens it, until the palette keeps the focus.

    The palette closes as soon as it loses the focus, and right after a page loads
    JupyterLab may still move the focus (restoring its layout): then it is opened again.
    """
    palette = page.locator(PALETTE)
    search = palette.locator(".lm-CommandPalette-input")
    for _ in range(10):
        if not palette.is_visible():
            page.keyboard.press("Control+Shift+C")
        page.wait_for_timeout(400)
        if palette.is_visible() and search.evaluate("el => el === document.activeElement"):
            page.wait_for_timeout(400)
            if palette.is_visible():
                break
    expect(palette).to_be_visible()
    expect(search).to_be_focused()
    return palette, search


def palette_item(palette, label: str):
    return palette.locator(".lm-CommandPalette-item").filter(
        has=palette.page.locator(".lm-CommandPalette-itemLabel",
                                 has_text=re.compile(f"^{re.escape(label)}$")))


def test_palette_lists_the_pylearn_commands_and_opens_the_sidebar(browser, lab_server):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    try:
        lab = Lab(page, lab_server.lab_url)
        lab.open()
        sidebar = page.locator(SIDEBAR)
        pylearn_tab = page.locator('.jp-SideBar [data-id="pylearn-sidebar"]')

        # Another left-area panel takes the sidebar's place.
        page.locator('.jp-SideBar [data-id="filebrowser"]').click()
        expect(sidebar).to_be_hidden()
        expect(pylearn_tab).not_to_have_class(re.compile(r"\blm-mod-current\b"))

        palette, search = open_palette(page)
        page.keyboard.type("PyLearn")
        expect(search).to_have_value("PyLearn")
        for label in PYLEARN_COMMANDS:
            expect(palette_item(palette, label)).to_have_count(1)
        for label in ENABLED_FOR_A_GUEST:
            expect(palette_item(palette, label)).to_be_visible()
        # A guest has no account to sync, log out of or delete, and no notebook is open:
        # JupyterLab's palette hides the commands that cannot run.
        for label in set(PYLEARN_COMMANDS) - set(ENABLED_FOR_A_GUEST):
            item = palette_item(palette, label)
            expect(item).to_have_class(re.compile(r"\blm-mod-disabled\b"))
            expect(item).to_be_hidden()

        palette_item(palette, "Show the PyLearn Sidebar").click()
        expect(palette).to_be_hidden()
        expect(sidebar).to_be_visible()
        expect(pylearn_tab).to_have_class(re.compile(r"\blm-mod-current\b"))
        expect(sidebar.locator(".pylearn-exercise").first).to_be_visible()
    finally:
        context.close()
