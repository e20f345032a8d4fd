"""Learner-facing descriptions of what went wrong: tracebacks, syntax errors, limits."""

from __future__ import annotations

import traceback
from types import TracebackType

from ..exercise import Exercise
from .explain import PREFIX, explain
from .result import ErrorReport

__all__ = ["LEARNER_FILENAME", "format_learner_traceback", "format_syntax_error",
           "exception_text", "explanation_line", "timeout_report", "exit_report"]

LEARNER_FILENAME = "<your code>"
_BaseException = BaseException


MAX_FRAMES = 12


def _learner_frames(tb: TracebackType | None, code_lines: list[str]) -> list[str]:
    """The learner's frames as text, repeats folded the way Python folds them.

    Endless recursion would otherwise print a thousand identical frames.
    """
    entries: list[tuple[str, int]] = []
    for frame in traceback.extract_tb(tb):
        if frame.filename == LEARNER_FILENAME:
            entries.append((frame.name.replace("<module>", "your code"), frame.lineno or 0))
    lines: list[str] = []
    shown = 0
    index = 0
    while index < len(entries):
        name, lineno = entries[index]
        repeats = 0
        while index + 1 < len(entries) and entries[index + 1] == (name, lineno):
            repeats += 1
            index += 1
        if shown == MAX_FRAMES // 2 and len(entries) - index > MAX_FRAMES // 2:
            skipped = len(entries) - index - MAX_FRAMES // 2
            lines.append(f"  ... {skipped} more line(s) of your code in between ...")
            index = len(entries) - MAX_FRAMES // 2
            shown += 1
            continue
        lines.append(f"  line {lineno}, in {name}")
        if 0 < lineno <= len(code_lines):
            lines.append(f"    {code_lines[lineno - 1].strip()}")
        if repeats:
            lines.append(f"  [the line above repeated {repeats} more time(s)]")
        shown += 1
        index += 1
    return lines


def exception_text(exc: BaseException) -> str:
    try:
        message = str(exc)
    except _BaseException:
        message = ""
    name = type(exc).__name__
    return f"{name}: {message}" if message else name


def explanation_line(exc: BaseException) -> str | None:
    """``What it means: <one plain sentence>`` for the errors beginners meet most, or None."""
    sentence = explain(exc)
    return f"{PREFIX}{sentence}" if sentence else None


def format_learner_traceback(exc: BaseException, code: str) -> str:
    """A traceback holding only the learner's own lines, newest last, then (for the errors
    beginners meet most) one plain sentence saying what it means."""
    frames = _learner_frames(exc.__traceback__, code.splitlines())
    head = ["Traceback (your code only):", *frames] if frames else []
    plain = explanation_line(exc)
    return "\n".join([*head, exception_text(exc), *([plain] if plain else [])])


def format_syntax_error(exc: SyntaxError, code: str) -> ErrorReport:
    lineno = exc.lineno or 0
    lines = code.splitlines()
    shown = lines[lineno - 1] if 0 < lineno <= len(lines) else (exc.text or "").rstrip("\n")
    caret = ""
    if exc.offset and shown:
        indent = len(shown) - len(shown.lstrip())
        caret = " " * (max(exc.offset - 1, indent)) + "^"
    message = exc.msg or "invalid syntax"
    plain = explanation_line(exc) or ""
    details = "\n".join(p for p in (f"line {lineno}:", f"    {shown}", f"    {caret}", plain)
                        if p.strip())
    return ErrorReport(
        kind="syntax",
        summary=f"Python could not read your code: {message} (line {lineno}).",
        details=details,
    )


def timeout_report(exercise: Exercise, seconds: float) -> ErrorReport:
    return ErrorReport(
        kind="timeout",
        summary=(f"Time limit: your code for '{exercise.title}' ({exercise.id}) was stopped "
                 f"after {seconds:g} second{'' if seconds == 1 else 's'}."),
        details=("Look for a loop that never ends (a while loop whose condition stays true) "
                 "or a computation that is far too big."),
    )


def exit_report(exc: SystemExit) -> ErrorReport:
    return ErrorReport(
        kind="exit",
        summary="Your code tried to stop Python (exit(), quit(), sys.exit() or os._exit()).",
        details="Remove that call: the checker needs your code to finish normally.",
    )
