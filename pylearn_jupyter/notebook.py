"""Checking inside a notebook: the ``%%exercise`` cell magic and :func:`check`.

A learner notebook carries its exercises in its metadata (``pylearn.checks``). When its
kernel starts, the PyLearn front end (JupyterLab, Notebook 7, JupyterLite) calls
:func:`setup_notebook` silently with that data and the ids of the notebook's answer
cells; the learner runs nothing to set up. An exercise cell then reads::

    %%exercise strings.reverse-words
    def reverse_words(text):
        ...

Running the cell (Shift+Enter) checks the code under the exercise's time limit and
shows the result panel; the functions it defines stay usable in later cells. A cell
whose ``%%exercise`` line is misspelt, moved or missing gets one PyLearn sentence
saying what to do, never an IPython error.
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Any

from .checker import CheckResult, run_tests
from .checker.other_cells import names_defined_in, point_to_other_cells
from .exercise import Exercise
from .registry import decode_exercises, find_exercise, register
from .submission import SUBMISSION_MIME_TYPE, make_submission

__all__ = ["setup_notebook", "setup_from_front_end", "front_end_setup", "check",
           "load_ipython_extension", "explain_magic_line"]


class UnknownExercise(LookupError):
    pass


def _lookup(exercise_id: str) -> Exercise:
    exercise = find_exercise(exercise_id)
    if exercise is None:
        known = sorted(set(_answer_cells.values()))
        if known:
            raise UnknownExercise(
                f"PyLearn: there is no exercise '{exercise_id}' in this notebook; the first "
                f"line of this cell should be %%exercise {_answer_cells.get(_cell.id) or known[0]}."
            )
        raise UnknownExercise(
            f"PyLearn does not know the exercise '{exercise_id}'. Open this notebook from the "
            "PyLearn sidebar (or in JupyterLab with PyLearn installed), then run this cell again."
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
    from .widgets.render import headline

    exercise = _lookup(exercise_id)
    cancel_check_fallback(exercise.id)
    _cell.handled = True
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
        # The verdict in words travels beside the record: a notebook saved and reopened
        # after a restart shows it while the live panel is gone (the front end's renderer).
        verdict = {"status": result.status, "headline": headline(result, exercise)}
        _display({SUBMISSION_MIME_TYPE: submission, "text/plain": ""},
                 metadata={SUBMISSION_MIME_TYPE: {"verdict": verdict}}, raw=True)
    return result


class _CurrentCell:
    """The cell being run, as the front end names it (JupyterLab sends cell ids)."""

    id: str | None = None
    handled: bool = False


_cell = _CurrentCell()
#: Answer cells of the notebooks set up in this kernel: cell id -> exercise id.
_answer_cells: dict[str, str] = {}


def forget_answer_cells() -> None:
    """Forget the answer cells of earlier notebooks (a fresh kernel knows none)."""
    _answer_cells.clear()
    _cell.id = None
    _cell.handled = False


def setup_notebook(blob: str | None = None, answers: dict[str, str] | None = None) -> None:
    """Load a learner notebook's exercises and register the ``%%exercise`` magic.

    ``answers`` maps the notebook's answer cell ids to their exercise ids, so that a cell
    whose ``%%exercise`` line went missing is recognised.
    """
    if blob:
        register(decode_exercises(blob))
    if answers:
        _answer_cells.update({str(k): str(v) for k, v in answers.items()})
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        load_ipython_extension(shell)


def setup_from_front_end(payload: str) -> None:
    """What the PyLearn front end runs when a learner notebook's kernel starts.

    ``payload`` is one JSON document ``{"checks": blob, "answers": {cell id: exercise id}}``
    read from the notebook's metadata: the front end passes data only, never code.
    """
    data = json.loads(payload)
    setup_notebook(data.get("checks") or None, data.get("answers") or None)


def front_end_setup(notebook: dict[str, Any]) -> str:
    """The code the PyLearn front end runs, silently, when a learner notebook's kernel starts.

    Built from the notebook's data only (its ``pylearn.checks`` metadata and the ids of its
    answer cells), passed as one JSON string: nothing of the notebook is run as code. The
    JupyterLab extension builds the same line (labextension/src); this one serves headless
    runs (nbclient, papermill) and the tests.
    """
    pylearn = (notebook.get("metadata") or {}).get("pylearn") or {}
    answers = {
        str(cell["id"]): str(cell["metadata"]["pylearn"]["exercise"])
        for cell in notebook.get("cells", [])
        if cell.get("id") and ((cell.get("metadata") or {}).get("pylearn") or {}).get("role")
        == "answer"
    }
    payload = json.dumps({"checks": pylearn.get("checks"), "answers": answers})
    return ("__import__('pylearn_jupyter.notebook', fromlist=['_'])"
            f".setup_from_front_end({json.dumps(payload)})")


_MAGIC_NAME = "exercise"
_FIRST_MAGIC = re.compile(r"^\s*(%+)\s*([A-Za-z_][\w-]*)?(.*)$")
_LATER_MAGIC = re.compile(r"^\s*%{1,2}\s*exercise\b(.*)$", re.IGNORECASE)


def _looks_like_the_magic(name: str | None) -> bool:
    if not name:
        return False
    name = name.lower()
    return (name.startswith("exer")
            or difflib.SequenceMatcher(None, name, _MAGIC_NAME).ratio() >= 0.75)


def explain_magic_line(problem: str, line: str) -> None:
    """Say in one sentence how to fix the ``%%exercise`` line of the cell being run."""
    _cell.handled = True
    exercise_id = _answer_cells.get(_cell.id or "")
    if exercise_id is None:
        words = re.split(r"\s+", line.strip().lstrip("%").strip(), maxsplit=1)
        exercise_id = words[1].strip() if len(words) > 1 and words[1].strip() else None
    wanted = f"%%exercise {exercise_id}" if exercise_id else "%%exercise <exercise id>"
    if problem == "moved":
        print(f"PyLearn: move the line {wanted} back to the very top of this cell, above "
              "everything else, then run the cell again.")
    else:
        print(f"PyLearn: the first line of this cell must be exactly {wanted} (it reads "
              f"{line.strip()!s}); correct it, then run the cell again.")


def _explained(problem: str, line: str) -> list[str]:
    return [f"__import__('pylearn_jupyter.notebook', fromlist=['_'])"
            f".explain_magic_line({problem!r}, {line!r})\n"]


def _magic_line_transformer(lines: list[str]) -> list[str]:
    """Replace a cell with a misspelt or misplaced ``%%exercise`` line by its explanation.

    Runs before IPython looks for magics, so the learner never meets "Cell magic not found".
    """
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return lines
    line = lines[first]
    stripped = line.strip()
    if stripped == "%%exercise" or stripped.startswith(("%%exercise ", "%%exercise\t")):
        return lines
    match = _FIRST_MAGIC.match(line)
    if match and _looks_like_the_magic(match.group(2)):
        return _explained("misspelt", line.rstrip("\n"))
    for later in lines[first + 1:]:
        if _LATER_MAGIC.match(later):
            return _explained("moved", later.rstrip("\n"))
    return lines


def _before_cell(info: Any) -> None:
    _cell.id = getattr(info, "cell_id", None)
    _cell.handled = False


def _after_cell(_result: Any) -> None:
    exercise_id = _answer_cells.get(_cell.id or "")
    if exercise_id is not None and not _cell.handled:
        print(f"PyLearn: this cell was not checked because its first line %%exercise "
              f"{exercise_id} is missing; put that line back at the top of the cell, then "
              "run it again.")
    _cell.id = None


def load_ipython_extension(shell: Any) -> None:
    """``%load_ext pylearn_jupyter``: register the ``%%exercise`` cell magic."""

    def exercise_magic(line: str, cell: str) -> None:
        exercise_id = line.strip()
        _cell.handled = True
        if not exercise_id:
            print("PyLearn: write the exercise id after %%exercise, for example: "
                  "%%exercise strings.hello")
            return
        try:
            check(exercise_id, cell, user_ns=shell.user_ns, first_line=1)
        except UnknownExercise as exc:
            print(exc)

    shell.register_magic_function(exercise_magic, magic_kind="cell", magic_name="exercise")
    cleanup = shell.input_transformers_cleanup
    if _magic_line_transformer not in cleanup:
        cleanup.append(_magic_line_transformer)
    callbacks = shell.events.callbacks
    if _before_cell not in callbacks["pre_run_cell"]:
        shell.events.register("pre_run_cell", _before_cell)
    if _after_cell not in callbacks["post_run_cell"]:
        shell.events.register("post_run_cell", _after_cell)
