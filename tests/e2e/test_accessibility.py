"""WCAG 2.1 AA for PyLearn in JupyterLab, measured with axe-core in Debian's Chromium,
and the keyboard and screen-reader path a learner takes.

- axe (WCAG 2.0 / 2.1, A and AA) finds no serious or critical violation in the sidebar (guest,
  account forms with their errors, logged in; light and dark theme) nor in the check panel
  in every verdict state (not yet, hint shown, solution confirm, solution shown, error,
  time limit, passed), and each run really evaluated elements (see a11y.py);
- the sidebar is a few tab stops (account first, then the course as one stop with arrow
  keys inside), however long the course;
- "Focus the PyLearn panel of this cell" (Alt+P) reaches the panel from the cell, Tab goes
  through its buttons, focus never falls to the page after an action, Escape goes back;
- the focus ring on the panel's buttons stands out at least 3:1;
- one live region, there from the start, says each verdict, hint and the solution in words;
- reduced motion and 200 % zoom (no horizontal scrolling or clipping in the sidebar);
- JupyterLab's own "Dark High Contrast" theme, measured the same way.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .a11y import (
    assert_accessible,
    focus_ring_contrast,
    focused,
    live_regions,
    screenshot_on_failure,
)
from .lab import Lab, focus_settled, new_lab

EXERCISE = "sample.reverse-words"
GREET = "sample.greet"
WRONG = "def reverse_words(text):\n    return text\n"
BROKEN = "def reverse_words(text):\n    return (\n"
ENDLESS = "def reverse_words(text):\n    while True:\n        pass\n"
RIGHT = 'def reverse_words(text):\n    return " ".join(reversed(text.split()))\n'
SIDEBAR = ["#pylearn-sidebar"]
PANEL = [".jp-NotebookPanel:not(.lm-mod-hidden) .pylearn-panel"]
DARK = "JupyterLab Dark"
HIGH_CONTRAST = "JupyterLab Dark High Contrast"


def focus_key(lab: Lab) -> str:
    return lab.page.evaluate("() => document.activeElement?.dataset?.focusKey ?? ''")


def sidebar_overflow(lab: Lab) -> list[str]:
    """Elements of the sidebar that stick out of it sideways, and its horizontal scrolling."""
    return lab.page.evaluate(
        """() => {
            const bar = document.querySelector('#pylearn-sidebar');
            const box = bar.getBoundingClientRect();
            const out = [];
            if (bar.scrollWidth > bar.clientWidth + 1) {
                out.push(`scrolls sideways: ${bar.scrollWidth} > ${bar.clientWidth}`);
            }
            for (const el of bar.querySelectorAll('*')) {
                const r = el.getBoundingClientRect();
                if (r.width <= 1 || el.closest('[hidden], .pylearn-visually-hidden')) continue;
                if (r.right > box.right + 1 || r.left < box.left - 1) {
                    out.push(`${el.tagName}.${el.className}: ${r.left}-${r.right}`
                             + ` outside ${box.left}-${box.right}`);
                }
                if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0
                        && getComputedStyle(el).overflowX !== 'visible') {
                    out.push(`${el.tagName}.${el.className} clips its content`);
                }
            }
            return out;
        }""")


def test_sidebar_keyboard_forms_zoom_motion_and_themes(browser, lab_server, artifacts):
    lab = new_lab(browser, lab_server)
    page = lab.page
    with screenshot_on_failure(page, artifacts / "a11y-sidebar-failure.png"):
        # The one live region is on the page before anything is said; nothing else is one.
        expect(lab.announcer()).to_have_count(1)
        assert live_regions(page, SIDEBAR) == []
        assert_accessible(page, SIDEBAR, "sidebar, light, guest")

        # Account first, then the course as one tab stop, whatever the number of exercises.
        account = lab.sidebar.locator(".pylearn-account-toggle")
        focus_settled(account)
        stops = []
        for _ in range(10):
            key = focus_key(lab)
            if not lab.page.evaluate(
                    "() => !!document.activeElement?.closest('#pylearn-sidebar')"):
                break
            stops.append(key)
            page.keyboard.press("Tab")
        # The course is one stop, however many chapters and exercises it has.
        assert stops[:3] == ["account-toggle", "show-login", "show-register"], stops
        assert len(stops) == 4 and stops[3].startswith("chapter:"), stops
        focus_settled(lab.sidebar.locator('[data-focus-key="chapter:sample"]'))
        page.keyboard.press("ArrowDown")
        assert focus_key(lab) == "intro:sample"
        page.keyboard.press("ArrowDown")
        assert focus_key(lab) == f"open:{EXERCISE}"
        page.keyboard.press("ArrowDown")
        assert focus_key(lab) == f"open:{GREET}"
        page.keyboard.press("ArrowRight")
        assert focus_key(lab) == f"reset:{GREET}"
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("ArrowLeft")  # from the exercise to its chapter
        assert focus_key(lab) == "chapter:sample"
        page.keyboard.press("ArrowLeft")  # closes the chapter
        toggle = lab.sidebar.locator('[data-focus-key="chapter:sample"]')
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(lab.exercise(EXERCISE)).to_be_hidden()
        page.keyboard.press("Enter")  # a disclosure button: Enter opens it again
        expect(toggle).to_have_attribute("aria-expanded", "true")
        expect(lab.exercise(EXERCISE)).to_be_visible()

        # The account forms and their error states, from the keyboard.
        focus_settled(lab.sidebar.locator('[data-focus-key="show-login"]'))
        page.keyboard.press("Enter")
        form = lab.sidebar.locator("form.pylearn-form-login")
        expect(form.get_by_label("Username or email")).to_be_focused()
        page.keyboard.type("nobody")
        page.keyboard.press("Tab")
        page.keyboard.type("not the password")
        page.keyboard.press("Enter")
        expect(form.locator(".pylearn-form-error")).to_contain_text("do not match", timeout=30_000)
        expect(lab.announcer()).to_contain_text("do not match")
        assert_accessible(page, SIDEBAR, "sidebar, light, login refused")

        lab.sidebar.get_by_role("button", name="Create account").click()
        form = lab.sidebar.locator("form.pylearn-form-register")
        form.get_by_label("Username").fill("x y")
        form.get_by_label("Email").fill("nope@example.org")
        form.get_by_label("Password").fill("short")
        form.get_by_role("button", name="Create account").click()
        expect(form.get_by_label("Password")).to_have_attribute("aria-invalid", "true",
                                                               timeout=30_000)
        expect(form.get_by_label("Username")).to_be_focused()  # the first field to fix
        expect(lab.announcer()).to_contain_text("at least 8 characters")
        assert live_regions(page, SIDEBAR) == []
        assert_accessible(page, SIDEBAR, "sidebar, light, registration refused")
        lab.sidebar.screenshot(path=artifacts / "a11y-sidebar-register-errors.png")

        # 200 % zoom of a 1400 × 900 window: the same page in 700 × 450 CSS pixels.
        page.set_viewport_size({"width": 700, "height": 450})
        lab.show_sidebar()
        expect(lab.sidebar).to_be_visible()
        assert sidebar_overflow(lab) == []
        page.screenshot(path=artifacts / "a11y-sidebar-zoom-200.png")
        page.set_viewport_size({"width": 1400, "height": 900})

        # Reduced motion: nothing of PyLearn moves.
        fill = lab.sidebar.locator(".pylearn-progressbar-fill").first
        duration = "el => getComputedStyle(el).transitionDuration"
        page.emulate_media(reduced_motion="no-preference")
        assert fill.evaluate(duration) != "0s"
        page.emulate_media(reduced_motion="reduce")
        assert fill.evaluate(duration) == "0s"

        # Dark theme: the refused registration, then logged in with the account area opened.
        lab.use_theme(DARK)
        page.screenshot(path=artifacts / "a11y-sidebar-dark-register-errors.png")
        assert_accessible(page, SIDEBAR, "sidebar, dark, registration refused")
        form.get_by_label("Username").fill("a11y_learner")
        form.get_by_label("Email").fill("a11y@example.org")
        form.get_by_label("Password").fill("correct horse battery")
        form.get_by_role("button", name="Create account").click()
        expect(lab.sidebar.locator(".pylearn-account-toggle")).to_contain_text(
            "Account: a11y_learner", timeout=30_000)
        expect(lab.sidebar.locator(".pylearn-account-toggle")).to_have_attribute(
            "aria-expanded", "false")
        expect(lab.announcer()).to_contain_text("Logged in as a11y_learner")
        expect(lab.announcer()).to_contain_text("Synced with your account.", timeout=30_000)
        lab.account_button("Log out")
        assert_accessible(page, SIDEBAR, "sidebar, dark, logged in")
        lab.sidebar.screenshot(path=artifacts / "a11y-sidebar-dark-logged-in.png")
        lab.use_theme(HIGH_CONTRAST)
        assert_accessible(page, SIDEBAR, "sidebar, dark high contrast, logged in")
        lab.sidebar.screenshot(path=artifacts / "a11y-sidebar-high-contrast.png")
        page.context.close()


def check(lab: Lab, exercise_id: str, code: str, verdict: str, spoken: str) -> None:
    """Check `code` with Shift+Enter; the verdict shows and is said in the live region."""
    lab.write_answer(exercise_id, code)
    lab.check_with_keyboard(exercise_id)
    expect(lab.verdict(exercise_id)).to_contain_text(verdict, timeout=60_000)
    expect(lab.announcer()).to_contain_text(spoken, timeout=10_000)


def test_check_panel_every_verdict_keyboard_and_announcements(browser, lab_server, artifacts):
    lab = new_lab(browser, lab_server)
    page = lab.page
    with screenshot_on_failure(page, artifacts / "a11y-panel-failure.png"):
        expect(lab.announcer()).to_have_count(1)
        lab.open_exercise(EXERCISE)
        cell = lab.answer_cell(EXERCISE)

        check(lab, EXERCISE, WRONG, "Not yet", "Not yet: 1 of 3 tests passed.")
        assert_accessible(page, PANEL, "check panel, light, not yet")

        # From the cell to the panel with the keyboard: Alt+P, the command palette's
        # "Focus the PyLearn panel of this cell".
        check_button = cell.locator(".pylearn-check-button")
        hint = cell.get_by_role("button", name=re.compile("Hint 1 of 3"))
        unfocused = check_button.screenshot()
        hint_unfocused = hint.screenshot()
        page.keyboard.press("Alt+p")
        expect(check_button).to_be_focused()
        ring = focus_ring_contrast(page, unfocused, check_button.screenshot())
        assert ring >= 3, f"the focus ring on the (blue) Check button is {ring:.2f}:1"
        check_button.screenshot(path=artifacts / "a11y-focus-ring-check.png")

        page.keyboard.press("Tab")
        expect(hint).to_be_focused()
        ring = focus_ring_contrast(page, hint_unfocused, hint.screenshot())
        assert ring >= 3, f"the focus ring on the (grey) Hint button is {ring:.2f}:1"
        page.keyboard.press("Enter")
        expect(cell).to_contain_text("Hint 1 of 3:")
        expect(lab.announcer()).to_contain_text("Hint 1 of 3: text.split() gives you a list")
        expect(cell.get_by_role("button", name="Hint 2 of 3")).to_be_focused()
        assert_accessible(page, PANEL, "check panel, light, hint shown")
        page.keyboard.press("Enter")
        expect(cell).to_contain_text("Hint 2 of 3:")
        page.keyboard.press("Enter")  # the last hint: its button goes, focus moves on
        expect(lab.announcer()).to_contain_text("That was the last hint.")
        solution = cell.get_by_role("button", name="Solution", exact=True)
        expect(solution).to_be_focused()

        page.keyboard.press("Enter")  # asks first: focus on the safe choice
        keep_trying = cell.get_by_role("button", name="Not yet, I'll keep trying")
        expect(keep_trying).to_be_focused()
        expect(lab.announcer()).to_contain_text("Are you sure?")
        assert_accessible(page, PANEL, "check panel, light, solution confirm")
        page.keyboard.press("Enter")  # the confirm closes: back to the Solution button
        expect(keep_trying).to_be_hidden()
        expect(solution).to_be_focused()
        page.keyboard.press("Enter")
        expect(keep_trying).to_be_focused()
        page.keyboard.press("Shift+Tab")
        expect(cell.get_by_role("button", name="Yes, show the solution")).to_be_focused()
        page.keyboard.press("Enter")
        expect(cell.get_by_text("Reference solution")).to_be_visible()
        expect(lab.announcer()).to_contain_text("Reference solution shown")
        expect(check_button).to_be_focused()
        assert focused(page) != "body"
        assert_accessible(page, PANEL, "check panel, light, solution shown")
        cell.screenshot(path=artifacts / "a11y-panel-solution-shown.png")

        # Check from the keyboard: the cell runs again, its panel is drawn anew, and focus is
        # on the new panel's Check button, not on the page.
        page.keyboard.press("Enter")
        expect(cell.locator(".jp-InputPrompt")).to_contain_text("[2]", timeout=60_000)
        expect(lab.announcer()).to_contain_text("Not yet: 1 of 3 tests passed.")
        expect(check_button).to_be_focused()
        assert focused(page) != "body"

        page.keyboard.press("Escape")  # back to the cell, in command mode
        expect(check_button).not_to_be_focused()
        expect(cell).to_have_class(re.compile(r"\bjp-mod-active\b"))
        in_notebook = "() => !!document.activeElement.closest('.jp-Notebook')"
        assert page.evaluate(in_notebook), focused(page)

        # The same command from the command palette.
        page.keyboard.press("Control+Shift+c")
        palette = page.locator("#modal-command-palette")
        expect(palette).to_be_visible()
        page.keyboard.type("Focus the PyLearn panel")
        expect(palette.locator(".lm-CommandPalette-item.lm-mod-active")).to_contain_text(
            "Focus the PyLearn panel of this cell")
        expect(palette.locator(".lm-CommandPalette-item.lm-mod-active")).to_contain_text("Alt+P")
        page.keyboard.press("Enter")
        expect(check_button).to_be_focused()
        page.keyboard.press("Escape")

        check(lab, EXERCISE, BROKEN, "Error", "Error: ")
        assert_accessible(page, PANEL, "check panel, light, error")
        check(lab, EXERCISE, ENDLESS, "Time limit", "Time limit")
        assert_accessible(page, PANEL, "check panel, light, time limit")
        check(lab, EXERCISE, RIGHT, "Passed", "Passed: all 3 tests passed.")
        assert_accessible(page, PANEL, "check panel, light, passed")
        assert live_regions(page, SIDEBAR + PANEL) == []
        expect(lab.announcer()).to_have_count(1)

        # Dark theme, on an exercise whose solution was not viewed yet: the confirm asks.
        lab.use_theme(DARK)
        assert_accessible(page, PANEL, "check panel, dark, passed")
        lab.open_exercise(GREET)
        greet = lab.answer_cell(GREET)
        check(lab, GREET, 'name = input("Name? ")\n', "Not yet", "Not yet: 0 of 2 tests passed.")
        assert_accessible(page, PANEL, "check panel, dark, not yet")
        greet.get_by_role("button", name="Solution", exact=True).click()
        expect(greet.get_by_role("button", name="Not yet, I'll keep trying")).to_be_focused()
        assert_accessible(page, PANEL, "check panel, dark, solution confirm")
        greet.screenshot(path=artifacts / "a11y-panel-dark-confirm.png")
        greet.get_by_role("button", name="Yes, show the solution").click()
        expect(greet.get_by_text("Reference solution")).to_be_visible()
        assert_accessible(page, PANEL, "check panel, dark, solution shown")
        check(lab, GREET, 'name = input("Name? ")\nprint(f"Hello, {name}!"\n', "Error", "Error: ")
        assert_accessible(page, PANEL, "check panel, dark, error")
        lab.use_theme(HIGH_CONTRAST)
        assert_accessible(page, PANEL, "check panel, dark high contrast, error")
        greet.screenshot(path=artifacts / "a11y-panel-high-contrast.png")
        page.context.close()
