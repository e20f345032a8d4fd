"""The check panel, driven through ipywidgets' own API, and the %%exercise magic."""

from __future__ import annotations

import asyncio
import re
from html import unescape

from pylearn_jupyter.checker import run_tests
from pylearn_jupyter.exercise import Exercise, Hint
from pylearn_jupyter.notebook import load_ipython_extension, setup_notebook
from pylearn_jupyter.registry import encode_exercises
from pylearn_jupyter.submission import SUBMISSION_MIME_TYPE
from pylearn_jupyter.widgets import ExercisePanel, state_for
from pylearn_jupyter.widgets.state import reset_states

WRONG = "def double(n):\n    return n + 2\n"
RIGHT = "def double(n):\n    return n * 2\n"


def panel_after(exercise: Exercise, code: str) -> ExercisePanel:
    state = state_for(exercise)
    result = run_tests(exercise, code)
    state.record(result, code)
    return ExercisePanel(state, result)


def panel_html(panel: ExercisePanel) -> str:
    prompt = panel.confirm_box.children[0].value
    return "".join([panel.result_view.value, panel.notice.value, panel.hint_view.value,
                    prompt, panel.solution_view.value])


def announcements(html: str) -> list[str]:
    return [unescape(text) for text in re.findall(r'data-pylearn-announce="([^"]*)"', html)]


def focus_log(panel: ExercisePanel) -> list[str]:
    """Records which of the panel's buttons the kernel asks the front end to focus."""
    log: list[str] = []
    for name in ("check_button", "hint_button", "solution_button", "confirm_yes", "confirm_no"):
        button = getattr(panel, name)
        button.send = lambda content, buffers=None, name=name: log.append(  # type: ignore
            f"{content['do']} {name}")
    return log


def test_verdict_has_icon_words_and_is_announced_once_in_words(exercise):
    panel = panel_after(exercise, WRONG)

    html = panel.result_view.value
    # No live region of its own: the page's one region reads the announcement out.
    assert "aria-live" not in html and "role=" not in html
    assert announcements(html) == ["Not yet: 1 of 2 tests passed."]
    ids = re.findall(r'data-pylearn-id="([0-9a-f]+)"', html)
    assert len(ids) == 1
    assert ids != re.findall(r'data-pylearn-id="([0-9a-f]+)"',
                             panel_after(exercise, WRONG).result_view.value)
    assert "✘" in html and "Not yet" in html and "1 of 2 tests passed" in html
    assert "expected: 4" not in html  # 2 + 2 == 4: the first test passes
    assert "expected: -10" in html and "got:      -3" in html


def test_passing_verdict_says_passed(exercise):
    html = panel_after(exercise, RIGHT).result_view.value

    assert "✔" in html and "Passed" in html and "all 2 tests passed" in html
    assert announcements(html) == ["Passed: all 2 tests passed."]


def test_error_and_time_limit_verdicts_are_announced_in_words(exercise):
    error = panel_after(exercise, "def double(n):\n    return (\n").result_view.value
    assert announcements(error)[0].startswith("Error: ")
    assert "pylearn-verdict-error" in error and 'class="pylearn-error' not in error

    exercise.time_limit = 0.3
    timeout = panel_after(exercise, "while True:\n    pass\n").result_view.value
    assert announcements(timeout)[0].startswith("Time limit")


def test_no_part_of_the_panel_is_a_live_region_of_its_own(exercise):
    panel = panel_after(exercise, WRONG)
    panel.hint_button.click()
    panel.solution_button.click()
    panel.confirm_yes.click()
    panel.check_button.click()
    panel._explain_check()

    html = panel_html(panel)
    assert "aria-live" not in html and 'role="status"' not in html and 'role="alert"' not in html
    assert announcements(panel.hint_view.value) == [
        "Hint 1 of 3: What is double of a negative number?"]
    assert announcements(panel.solution_view.value) == [
        "Reference solution shown below the buttons. Your own code is unchanged."]
    assert "Shift+Enter" in announcements(panel.notice.value)[0]


def test_a_new_check_does_not_announce_old_hints_or_the_solution_again(exercise):
    panel = panel_after(exercise, WRONG)
    panel.hint_button.click()
    state_for(exercise).solution_viewed = True

    again = panel_after(exercise, WRONG)

    assert "Hint 1 of 3:" in again.hint_view.value
    assert "return 2 * n" in again.solution_view.value
    assert announcements(again.hint_view.value + again.solution_view.value) == []


def test_focus_stays_in_the_panel_after_every_action(exercise):
    panel = panel_after(exercise, WRONG)
    log = focus_log(panel)

    panel.hint_button.click()
    panel.hint_button.click()
    assert log == []  # the Hint button is still there: focus stays on it
    panel.hint_button.click()  # the last hint disables the button
    assert log == ["focus solution_button"]
    assert announcements(panel.hint_view.value)[0].endswith("That was the last hint.")

    panel.solution_button.click()  # the confirm opens on its safe choice
    assert log[-1] == "focus confirm_no"
    assert announcements(panel.confirm_box.children[0].value)[0].startswith("Are you sure?")
    panel.confirm_no.click()  # closed: back to the button that opened it
    assert log[-1] == "focus solution_button"
    panel.solution_button.click()
    panel.confirm_yes.click()  # the Solution button is now disabled
    assert panel.solution_button.disabled
    assert log[-1] == "focus check_button"


def test_last_hint_focuses_check_once_the_solution_is_shown(exercise):
    panel_after(exercise, WRONG)
    panel = panel_after(exercise, WRONG)  # solution_after = 2: opens without asking
    log = focus_log(panel)
    panel.solution_button.click()
    assert log == ["focus check_button"]
    for _ in range(3):
        panel.hint_button.click()
    assert log == ["focus check_button", "focus check_button"]


def test_buttons_are_named_by_their_words_only(exercise):
    panel = panel_after(exercise, WRONG)

    for button in (panel.check_button, panel.hint_button, panel.solution_button,
                   panel.confirm_yes, panel.confirm_no):
        assert button.icon == "", f"{button.description}: an icon font adds to its name"
    assert [panel.check_button.description, panel.hint_button.description,
            panel.solution_button.description] == ["Check", "Hint 1 of 3", "Solution"]


def test_confirm_yes_has_readable_text_on_its_warning_colour(exercise):
    panel = panel_after(exercise, WRONG)

    assert panel.confirm_yes.button_style == "warning"
    assert panel.confirm_yes.style.text_color == "#000000"


def test_hints_come_one_at_a_time_tied_hint_first(exercise):
    panel = panel_after(exercise, WRONG)  # first failing test: test_negative
    assert panel.hint_button.description == "Hint 1 of 3"

    panel.hint_button.click()

    assert "Hint 1 of 3:</b> What is double of a negative number?" in panel.hint_view.value
    assert panel.hint_button.description == "Hint 2 of 3"
    panel.hint_button.click()
    assert "Hint 2 of 3:</b> Multiply <code>n</code> by something." in panel.hint_view.value
    panel.hint_button.click()
    assert panel.hint_button.disabled
    assert panel.hint_button.description == "All 3 hints shown"


def test_solution_needs_confirmation_before_enough_attempts(exercise):
    panel = panel_after(exercise, WRONG)

    panel.solution_button.click()

    assert panel.confirm_box.layout.display == "flex"
    assert panel.solution_view.value == ""
    panel.confirm_no.click()
    assert panel.confirm_box.layout.display == "none"
    assert not state_for(exercise).solution_viewed
    panel.solution_button.click()
    panel.confirm_yes.click()
    assert "return 2 * n" in panel.solution_view.value
    assert state_for(exercise).solution_viewed


def test_solution_opens_directly_after_the_configured_attempts(exercise):
    panel_after(exercise, WRONG)
    panel = panel_after(exercise, WRONG)  # solution_after = 2

    panel.solution_button.click()

    assert panel.confirm_box.layout.display == "none"
    assert "return 2 * n" in panel.solution_view.value
    assert panel.solution_button.disabled


def test_check_button_explains_how_to_check_without_the_extension(exercise):
    panel = panel_after(exercise, WRONG)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        panel.check_button.click()
        assert panel.notice.value == ""
        loop.run_until_complete(asyncio.sleep(1.0))
    finally:
        loop.close()
        asyncio.set_event_loop(None)

    assert "Shift+Enter" in panel.notice.value
    assert "pylearn-check-button" in panel.check_button._dom_classes


def test_exercise_magic_checks_the_cell_and_reports_a_submission(exercise, shell):
    setup_notebook(encode_exercises([exercise]))

    shell.run_cell("%%exercise numbers.double\n" + WRONG)
    shell.run_cell("%%exercise numbers.double\n" + RIGHT)

    submissions = [d[SUBMISSION_MIME_TYPE] for d in shell.published if SUBMISSION_MIME_TYPE in d]
    assert [s["passed"] for s in submissions] == [False, True]
    assert submissions[1]["exercise_id"] == "numbers.double"
    assert submissions[1]["exercise_version"] == "3"
    assert submissions[1]["code"] == RIGHT
    assert submissions[0]["id"] != submissions[1]["id"]
    assert shell.user_ns["double"](21) == 42  # the learner can use their function afterwards


def test_submission_records_a_viewed_solution(exercise, shell):
    setup_notebook(encode_exercises([exercise]))
    state_for(exercise).solution_viewed = True

    shell.run_cell("%%exercise numbers.double\n" + RIGHT)

    submission = next(d[SUBMISSION_MIME_TYPE] for d in shell.published
                      if SUBMISSION_MIME_TYPE in d)
    assert submission["solution_viewed"] is True


def test_unknown_exercise_in_a_kernel_with_no_notebook_set_up_says_how_to_open_it(
        shell, capsys):
    load_ipython_extension(shell)

    shell.run_cell("%%exercise nothing.here\nx = 1\n")

    assert "Open this notebook from the PyLearn sidebar" in capsys.readouterr().out


def test_endless_loop_in_a_cell_keeps_the_kernel_usable(exercise, shell):
    exercise.time_limit = 0.5
    setup_notebook(encode_exercises([exercise]))

    shell.run_cell("%%exercise numbers.double\nwhile True:\n    pass\n")
    after = shell.run_cell("1 + 1")

    assert after.result == 2
    assert state_for(exercise).last_result.status == "timeout"


def test_error_line_numbers_match_the_rows_of_the_cell(exercise, shell):
    setup_notebook(encode_exercises([exercise]))

    shell.run_cell("%%exercise numbers.double\ndef double(n):\n    return n +\n")

    error = state_for(exercise).last_result.error
    assert "(line 3)" in error.summary
    assert "return n +" in error.details


def test_what_a_function_printed_during_a_failing_test_is_shown(exercise):
    html = panel_after(exercise, "def double(n):\n    print(n * 2)\n").result_view.value

    assert "during this test your code printed: 4" in html


def test_hint_tied_to_a_later_failing_test_beats_a_general_one():
    reset_states()
    exercise = Exercise(
        id="lists.unique", title="Unique", chapter="lists", solution="",
        tests="def test_numbers():\n    assert unique([1, 1]) == [1]\n"
              "def test_order():\n    assert unique([2, 1, 2]) == [2, 1]\n",
        hints=[Hint("Go through the list."), Hint("A set loses the order.", test="test_order")],
    )
    panel = panel_after(exercise, "def unique(items):\n    return sorted(set(items)) + [0]\n")

    panel.hint_button.click()

    assert "A set loses the order." in panel.hint_view.value


def test_time_limit_verdict_names_the_exercise_once(exercise):
    exercise.time_limit = 0.3

    html = unescape(panel_after(exercise, "while True:\n    pass\n").result_view.value)
    shown = re.sub(r'data-pylearn-announce="[^"]*"', "", html)  # what is read out, apart

    assert "Time limit: your code for 'Double it' (numbers.double)" in shown
    assert shown.count("Double it") == 1
