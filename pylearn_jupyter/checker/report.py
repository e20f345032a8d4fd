"""Learner-facing descriptions of what went wrong: tracebacks, syntax errors, limits."""

from __future__ import annotations

import traceback
from types import TracebackType

from ..exercise import Exercise
from .result import ErrorReport

__all__ = ["LEARNER_FILENAME", "format_learner_traceback", "format_syntax_error",
           "exception_text", "timeout_report", "exit_report"]

LEARNER_FILENAME = "<your code>"
_BaseException = BaseException


def _learner_frames(tb: TracebackType | None, code_lines: list[str]) -> list[str]:
    lines = []
    for frame in traceback.extract_tb(tb):
        if frame.filename != LEARNER_FILENAME:
            continue
        lineno = frame.lineno or 0
        lines.append(f"  line {lineno}, in {frame.name.replace('<module>', 'your code')}")
        if 0 < lineno <= len(code_lines):
            lines.append(f"    {code_lines[lineno - 1].strip()}")
    return lines


def exception_text(exc: BaseException) -> str:
    try:
        message = str(exc)
    except _BaseException:
        message = ""
    name = type(exc).__name__
    return f"{name}: {message}" if message else name


def format_learner_traceback(exc: BaseException, code: str) -> str:
    """A traceback holding only the learner's own lines, newest last."""
    frames = _learner_frames(exc.__traceback__, code.splitlines())
    head = ["Traceback (your code only):", *frames] if frames else []
    return "\n".join([*head, exception_text(exc)])


def format_syntax_error(exc: SyntaxError, code: str) -> ErrorReport:
    lineno = exc.lineno or 0
    lines = code.splitlines()
    shown = lines[lineno - 1] if 0 < lineno <= len(lines) else (exc.text or "").rstrip("\n")
    caret = ""
    if exc.offset and shown:
        indent = len(shown) - len(shown.lstrip())
        caret = " " * (max(exc.offset - 1, indent)) + "^"
    message = exc.msg or "invalid syntax"
    details = "\n".join(p for p in (f"line {lineno}:", f"    {shown}", f"    {caret}") if p.strip())
    return ErrorReport(
        kind="syntax",
        summary=f"Python could not read your code: {message} (line {lineno}).",
        details=details,
    )


def timeout_report(exercise: Exercise, seconds: float) -> ErrorReport:
    return ErrorReport(
        kind="timeout",
        summary=(f"Time limit: your code for '{exercise.title}' ({exercise.id}) was stopped "
                 f"after {seconds:g} seconds."),
        details=("Look for a loop that never ends (a while loop whose condition stays true) "
                 "or a computation that is far too big."),
    )


def exit_report(exc: SystemExit) -> ErrorReport:
    return ErrorReport(
        kind="exit",
        summary="Your code tried to stop Python (exit(), quit(), sys.exit() or os._exit()).",
        details="Remove that call: the checker needs your code to finish normally.",
    )
