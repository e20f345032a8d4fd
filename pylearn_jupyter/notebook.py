"""Checking inside a notebook: the ``%%exercise`` cell magic and :func:`check`.

A learner notebook's first cell calls :func:`setup_notebook`, which registers the
notebook's exercises and the magic. An exercise cell then reads::

    %%exercise strings.reverse-words
    def reverse_words(text):
        ...

Running the cell (Shift+Enter) checks the code under the exercise's time limit and
shows the result panel; the functions it defines stay usable in later cells.
"""

from __future__ import annotations

from typing import Any

from .checker import CheckResult, run_tests
from .checker.other_cells import names_defined_in, point_to_other_cells
from .exercise import Exercise
from .registry import decode_exercises, find_exercise, register
from .submission import SUBMISSION_MIME_TYPE, make_submission

__all__ = ["setup_notebook", "check", "load_ipython_extension"]


class UnknownExercise(LookupError):
    pass


def _lookup(exercise_id: str) -> Exercise:
    exercise = find_exercise(exercise_id)
    if exercise is None:
        raise UnknownExercise(
            f"PyLearn does not know the exercise '{exercise_id}'. Run the first cell of this "
            "notebook (it loads the exercises), then run this cell again."
        )
    return exercise


def _display(obj: Any, **kwargs: Any) -> None:
    from IPython.display import display

    display(obj, **kwargs)


def check(exercise_id: str, code: str, *, user_ns: dict[str, Any] | None = None,
          show: bool = True, first_line: int = 0) -> CheckResult:
    """Check ``code`` for an exercise, show the result panel, and report the submission.

    With ``user_ns`` the names the code defines are copied there after the check, so the
    learner can try their functions in later cells.
    """
    from .widgets import ExercisePanel, state_for
    from .widgets.panel import cancel_check_fallback

    exercise = _lookup(exercise_id)
    cancel_check_fallback(exercise.id)
    namespace: dict[str, Any] = {}
    # The blank first line stands for the `%%exercise` line, so that line numbers in
    # errors are the learner's row numbers in the cell.
    checked = "\n" * first_line + code
    result = run_tests(exercise, checked, namespace_out=namespace)
    if user_ns is not None:
        here = names_defined_in([code])
        point_to_other_cells(result, lambda name: name in user_ns and name not in here)
    if user_ns is not None and result.status != "timeout":
        user_ns.update({k: v for k, v in namespace.items() if not k.startswith("__")})
    state = state_for(exercise)
    state.record(result, code)
    if show:
        _display(ExercisePanel(state, result))
        submission = make_submission(
            exercise.id, code, result.passed,
            exercise_version=exercise.version, solution_viewed=state.solution_viewed,
        )
        _display({SUBMISSION_MIME_TYPE: submission, "text/plain": ""}, raw=True)
    return result


def setup_notebook(blob: str | None = None) -> None:
    """Load a learner notebook's exercises and register the ``%%exercise`` magic."""
    if blob:
        register(decode_exercises(blob))
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        load_ipython_extension(shell)


def load_ipython_extension(shell: Any) -> None:
    """``%load_ext pylearn_jupyter``: register the ``%%exercise`` cell magic."""

    def exercise_magic(line: str, cell: str) -> None:
        exercise_id = line.strip()
        if not exercise_id:
            print("Write the exercise id after %%exercise, for example: %%exercise strings.hello")
            return
        try:
            check(exercise_id, cell, user_ns=shell.user_ns, first_line=1)
        except UnknownExercise as exc:
            print(exc)

    shell.register_magic_function(exercise_magic, magic_kind="cell", magic_name="exercise")
