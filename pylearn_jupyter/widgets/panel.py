"""The check panel under an exercise cell, built from standard ipywidgets only.

Standard widgets render in JupyterLab, Notebook 7, JupyterLite and VS Code with no
front-end code of ours. The PyLearn JupyterLab extension adds one thing: it makes the
Check button run the cell above (the buttons carry the CSS class it looks for). Without
the extension the button says how to check instead.

Keyboard: the buttons are in reading order (Check, Hint, Solution, then the confirm's
Yes / Not yet), and after every action focus lands on a button of the panel, never on
the page: a button that becomes disabled or hidden hands focus to the next sensible one.
What a screen reader should hear (hints, the confirm question, the solution) is carried
in ``data-pylearn-announce`` and read out by the extension's one live region.
"""

from __future__ import annotations

import asyncio
import re
from html import escape
from typing import Any

import ipywidgets as widgets

from ..checker.result import CheckResult
from .render import announce_attrs, result_html
from .state import ExerciseState

__all__ = ["ExercisePanel", "CHECK_BUTTON_CLASS"]

CHECK_BUTTON_CLASS = "pylearn-check-button"
_pending_fallbacks: dict[str, Any] = {}


def cancel_check_fallback(exercise_id: str) -> None:
    """A new run of the cell arrived: the front end handled the Check click."""
    handle = _pending_fallbacks.pop(exercise_id, None)
    if handle is not None:
        handle.cancel()


def inline_markdown(text: str) -> str:
    """Escape a hint and keep its `code` and **bold** marks, the only markup hints use."""
    html = escape(text)
    html = re.sub(r"`([^`]+)`", r"<code>\1</code>", html)
    return re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", html)


def _plain(text: str) -> str:
    """A hint as spoken text: its `code` and **bold** marks dropped."""
    return re.sub(r"\*\*([^*]+)\*\*", r"\1", re.sub(r"`([^`]+)`", r"\1", text))


class ExercisePanel(widgets.VBox):
    """Result, Check / Hint / Solution buttons, and the hint and solution areas."""

    def __init__(self, state: ExerciseState, result: CheckResult, **kwargs: Any) -> None:
        self.state = state
        exercise = state.exercise
        self.result_view = widgets.HTML(result_html(result, exercise))
        # No icons: ipywidgets draws them as icon-font characters, which become part of the
        # buttons' accessible names (a screen reader or voice control hears " Check").
        self.check_button = widgets.Button(
            description="Check", button_style="primary",
            tooltip="Run this cell to check your code (same as Shift+Enter)",
        )
        self.check_button.add_class(CHECK_BUTTON_CLASS)
        self.hint_button = widgets.Button(tooltip="Show the next hint")
        self.solution_button = widgets.Button(description="Solution",
                                              tooltip="Show the reference solution")
        self.notice = widgets.HTML()
        self.hint_view = widgets.HTML()
        self.confirm_yes = widgets.Button(description="Yes, show the solution",
                                          button_style="warning")
        # Dark text on the warning colour: white on orange is only 2.7:1.
        self.confirm_yes.style.text_color = "#000000"
        self.confirm_yes.add_class("pylearn-confirm-yes")
        self.confirm_no = widgets.Button(description="Not yet, I'll keep trying")
        for button in (self.confirm_yes, self.confirm_no):
            button.layout.width = "auto"
        self.confirm_box = widgets.VBox([
            widgets.HTML(),
            widgets.HBox([self.confirm_yes, self.confirm_no]),
        ])
        self.confirm_box.layout.display = "none"
        self.solution_view = widgets.HTML()
        self.check_button.on_click(self._on_check)
        self.hint_button.on_click(self._on_hint)
        self.solution_button.on_click(self._on_solution)
        self.confirm_yes.on_click(self._on_confirm)
        self.confirm_no.on_click(self._on_decline)
        super().__init__(
            [
                self.result_view,
                widgets.HBox([self.check_button, self.hint_button, self.solution_button]),
                self.notice,
                self.hint_view,
                self.confirm_box,
                self.solution_view,
            ],
            **kwargs,
        )
        self.add_class("pylearn-panel")
        self._render_hints()
        self._render_solution_button()
        if state.solution_viewed:
            self._show_solution(announce=False)

    # Check ---------------------------------------------------------------------------
    def _on_check(self, _button: widgets.Button | None = None) -> None:
        exercise_id = self.state.exercise.id
        cancel_check_fallback(exercise_id)
        try:
            loop = asyncio.get_event_loop()
            _pending_fallbacks[exercise_id] = loop.call_later(0.8, self._explain_check)
        except RuntimeError:
            self._explain_check()

    def _explain_check(self) -> None:
        _pending_fallbacks.pop(self.state.exercise.id, None)
        text = ("To check your latest code, run the exercise cell above: "
                "click in it and press Shift+Enter (or the ▶ Run button).")
        self.notice.value = (
            f"<div {announce_attrs(text)}>To check your latest code, run the exercise cell "
            "above: click in it and press <b>Shift+Enter</b> (or the ▶ Run button).</div>"
        )

    # Hints ---------------------------------------------------------------------------
    def _render_hints(self, announce: bool = False) -> None:
        """The hints shown so far; `announce` has the latest one read out (a new hint)."""
        hints = self.state.exercise.hints
        shown = self.state.hints_shown
        total = len(hints)
        if total == 0:
            self.hint_button.description = "No hints"
            self.hint_button.disabled = True
        elif len(shown) >= total:
            self.hint_button.description = f"All {total} hints shown"
            self.hint_button.disabled = True
        else:
            self.hint_button.description = f"Hint {len(shown) + 1} of {total}"
            self.hint_button.disabled = False
        items = "".join(
            f"<div><b>Hint {n} of {total}:</b> {inline_markdown(hints[i].text)}</div>"
            for n, i in enumerate(shown, start=1)
        )
        if not items:
            self.hint_view.value = ""
            return
        attrs = ""
        if announce:
            spoken = f"Hint {len(shown)} of {total}: {_plain(hints[shown[-1]].text)}"
            if len(shown) >= total:
                spoken += " That was the last hint."
            attrs = " " + announce_attrs(spoken)
        self.hint_view.value = f'<div class="pylearn-hints"{attrs}>{items}</div>'

    def _on_hint(self, _button: widgets.Button | None = None) -> None:
        self.state.next_hint()
        self._render_hints(announce=True)
        if self.hint_button.disabled:  # the last hint: the focused button went away
            self._focus_next_button()

    def _focus_next_button(self) -> None:
        """Focus the Solution button if it can still be used, else Check."""
        target = self.check_button if self.solution_button.disabled else self.solution_button
        target.focus()

    # Solution ------------------------------------------------------------------------
    def _render_solution_button(self) -> None:
        if self.state.exercise.solution is None and self.state.exercise.graded:
            self.solution_button.description = "Solution: from your instructor"
            self.solution_button.tooltip = ("This is graded work: your instructor will "
                                            "publish the solutions")
            self.solution_button.disabled = True
        elif self.state.exercise.solution is None:
            self.solution_button.description = "No solution"
            self.solution_button.disabled = True
        elif self.state.solution_viewed:
            self.solution_button.description = "Solution shown"
            self.solution_button.disabled = True

    def _on_solution(self, _button: widgets.Button | None = None) -> None:
        if self.state.solution_unlocked:
            self._show_solution()
            self.check_button.focus()
            return
        state = self.state
        left = state.exercise.solution_after - state.failed_attempts
        text = ("Are you sure? Trying a little longer is how the idea sticks. "
                f"After {left} more attempt(s) this button shows it without asking. Viewing it "
                "is recorded with your progress as “solution viewed”.")
        prompt: widgets.HTML = self.confirm_box.children[0]  # type: ignore[assignment]
        prompt.value = f'<div class="pylearn-confirm" {announce_attrs(text)}>{escape(text)}</div>'
        self.confirm_box.layout.display = "flex"
        self.confirm_no.focus()  # the safe choice, as in a dialog

    def _on_confirm(self, _button: widgets.Button | None = None) -> None:
        self.confirm_box.layout.display = "none"
        self._show_solution()
        self.check_button.focus()

    def _on_decline(self, _button: widgets.Button | None = None) -> None:
        self.confirm_box.layout.display = "none"
        self.solution_button.focus()

    def _show_solution(self, announce: bool = True) -> None:
        self.state.solution_viewed = True
        solution = self.state.exercise.solution or ""
        spoken = "Reference solution shown below the buttons. Your own code is unchanged."
        attrs = " " + announce_attrs(spoken) if announce else ""
        self.solution_view.value = (
            f'<div class="pylearn-solution"{attrs}><b>Reference solution</b> '
            f"(solution viewed; your own code is unchanged):<pre>{escape(solution)}</pre></div>"
        )
        self._render_solution_button()
