"""Run a learner's code and an exercise's tests, in-process, under a time limit.

The learner's code gets its own namespace and its own copy of the builtins; whatever
it changes in the interpreter that the checker relies on (builtins, ``sys.stdout``,
``sys.modules``, ``os._exit``) is put back afterwards, so a learner cannot break the
checker for the next check.
"""

from __future__ import annotations

import builtins
import io
import operator
import os
import sys
import time
import traceback
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import CodeType, TracebackType
from typing import Any

from ..exercise import Exercise
from .result import CheckResult, ErrorReport, TestOutcome
from .testing import (
    ASSERT_EQUAL_NAME,
    TestFailure,
    assert_close,
    assert_equal,
    calls_itself,
    names_used,
    rewrite_asserts,
)
from .timelimit import TimeLimitExceeded, time_limit

__all__ = ["run_tests", "LEARNER_FILENAME", "MAX_OUTPUT"]

LEARNER_FILENAME = "<your code>"
TESTS_FILENAME = "<tests>"
MAX_OUTPUT = 10_000

# Captured at import so that learner code cannot swap them out from under the checker.
_AssertionError = AssertionError
_BaseException = BaseException
_Exception = Exception
_SystemExit = SystemExit
_SyntaxError = SyntaxError
_KeyboardInterrupt = KeyboardInterrupt
_isinstance = isinstance
_monotonic = time.monotonic


class CappedOutput(io.TextIOBase):
    """A text stream that keeps the first ``limit`` characters and notes the rest."""

    def __init__(self, limit: int = MAX_OUTPUT) -> None:
        self._parts: list[str] = []
        self._size = 0
        self.limit = limit
        self.dropped = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:  # type: ignore[override]
        if not _isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        room = self.limit - self._size
        if room > 0:
            self._parts.append(text[:room])
            self._size += min(len(text), room)
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def getvalue(self) -> str:
        return "".join(self._parts)

    @property
    def truncated(self) -> bool:
        return self.dropped > 0


class _NoMoreInput(EOFError):
    pass


def _make_input(text: str, out: CappedOutput) -> Callable[..., str]:
    lines = iter(text.splitlines())

    def learner_input(prompt: object = "") -> str:
        out.write(str(prompt))
        try:
            line = next(lines)
        except StopIteration:
            raise _NoMoreInput(
                "your program asked for input (input()) but the check had no more to give"
            ) from None
        out.write(line + "\n")
        return line

    return learner_input


@contextmanager
def _interpreter_guard(out: CappedOutput) -> Iterator[Callable[[], None]]:
    """Redirect output and put back everything learner code may have changed."""
    saved_builtins = dict(builtins.__dict__)
    saved_sys = {name: getattr(sys, name) for name in
                 ("stdout", "stderr", "stdin", "displayhook", "excepthook", "path", "argv")}
    saved_path = list(sys.path)
    saved_modules = dict(sys.modules)
    saved_recursion = sys.getrecursionlimit()
    saved_os = {name: getattr(os, name) for name in ("_exit", "abort") if hasattr(os, name)}

    def refuse_exit(*_args: object) -> None:
        raise _SystemExit("os._exit() was called")

    for name in saved_os:
        setattr(os, name, refuse_exit)
    sys.stdout = out
    sys.stderr = out
    sys.stdin = io.StringIO("")
    try:
        yield lambda: _restore_builtins(saved_builtins)
    finally:
        _restore_builtins(saved_builtins)
        for name, value in saved_sys.items():
            setattr(sys, name, value)
        sys.path[:] = saved_path
        _restore_dict(sys.modules, saved_modules)
        sys.setrecursionlimit(saved_recursion)
        for name, value in saved_os.items():
            setattr(os, name, value)


def _restore_dict(current: dict[str, Any], saved: dict[str, Any]) -> None:
    """Make ``current`` hold exactly ``saved`` again, comparing values by identity.

    The common case (nothing changed) is checked at C speed; identity, not ``==``,
    so that a learner's object claiming equality cannot hide a change.
    """
    if len(current) == len(saved) and not any(
        map(operator.is_not, map(current.get, saved), saved.values())
    ):
        return
    for name in [n for n in current if n not in saved]:
        del current[name]
    for name, value in saved.items():
        if current.get(name) is not value:
            current[name] = value


def _restore_builtins(saved: dict[str, Any]) -> None:
    _restore_dict(builtins.__dict__, saved)


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


def _exception_text(exc: BaseException) -> str:
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
    return "\n".join([*head, _exception_text(exc)])


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


def _compile_learner(code: str) -> CodeType | ErrorReport:
    try:
        return compile(code, LEARNER_FILENAME, "exec", dont_inherit=True)
    except _SyntaxError as exc:
        return format_syntax_error(exc, code)
    except (ValueError, _Exception) as exc:  # e.g. a NUL character in the source
        return ErrorReport(kind="syntax", summary=f"Python could not read your code: {exc}.")


def _fresh_builtins(out: CappedOutput, stdin_text: str) -> dict[str, Any]:
    fresh = dict(builtins.__dict__)
    fresh["input"] = _make_input(stdin_text, out)
    return fresh


@contextmanager
def _private_builtins_module(namespace: dict[str, Any]) -> Iterator[None]:
    """While learner code runs, ``import builtins`` gives it its own copy of the module.

    Its changes then stay in its own namespace instead of reaching the checker.
    """
    module = types.ModuleType("builtins")
    module.__dict__.update(namespace["__builtins__"])
    namespace["__builtins__"] = module.__dict__
    real = sys.modules.get("builtins")
    sys.modules["builtins"] = module
    try:
        yield
    finally:
        sys.modules["builtins"] = real  # type: ignore[assignment]


def _timeout_report(exercise: Exercise, seconds: float) -> ErrorReport:
    return ErrorReport(
        kind="timeout",
        summary=(f"Time limit: your code for '{exercise.title}' ({exercise.id}) was stopped "
                 f"after {seconds:g} seconds."),
        details=("Look for a loop that never ends (a while loop whose condition stays true) "
                 "or a computation that is far too big."),
    )


def _exit_report(exc: SystemExit) -> ErrorReport:
    return ErrorReport(
        kind="exit",
        summary="Your code tried to stop Python (exit(), quit(), sys.exit() or os._exit()).",
        details="Remove that call: the checker needs your code to finish normally.",
    )


def _defined_in_learner_code(value: Any) -> bool:
    code = getattr(value, "__code__", None)
    if code is None and isinstance(value, type):
        return getattr(value, "__module__", None) == "__main__"
    return getattr(code, "co_filename", None) == LEARNER_FILENAME


class _Session:
    """The state of one check: the learner's namespace, their code and its output."""

    def __init__(self, exercise: Exercise, code: str, code_obj: CodeType, deadline_s: float):
        self.exercise = exercise
        self.code = code
        self.code_obj = code_obj
        self.deadline_s = deadline_s
        self.out = CappedOutput()
        self.namespace: dict[str, Any] = {}
        self.restore_builtins: Callable[[], None] = lambda: None

    def run_learner(self, stdin_text: str, out: CappedOutput) -> dict[str, Any]:
        namespace: dict[str, Any] = {
            "__name__": "__main__",
            "__builtins__": _fresh_builtins(out, stdin_text),
        }
        previous = sys.stdout
        sys.stdout = sys.stderr = out
        try:
            with _private_builtins_module(namespace):
                exec(self.code_obj, namespace)
        finally:
            sys.stdout = sys.stderr = previous
        return namespace

    def test_helpers(self) -> dict[str, Any]:
        session = self

        def run_program(input: str = "") -> str:  # noqa: A002 - mirrors the builtin name
            """Run the learner's whole program again with ``input`` and return what it printed."""
            out = CappedOutput()
            session.run_learner(input, out)
            return out.getvalue()

        def capture_output(func: Callable[..., Any], *args: Any, **kwargs: Any) -> str:
            """Call ``func`` and return what it printed."""
            out = CappedOutput()
            previous = sys.stdout
            sys.stdout = out
            try:
                func(*args, **kwargs)
            finally:
                sys.stdout = previous
            return out.getvalue()

        return {
            "assert_equal": assert_equal,
            "assert_close": assert_close,
            ASSERT_EQUAL_NAME: assert_equal,
            "output": self.out.getvalue(),
            "run_program": run_program,
            "capture_output": capture_output,
            "learner_source": self.code,
            "names_used": lambda: names_used(self.code),
            "calls_itself": lambda name: calls_itself(self.code, name),
        }

    def test_namespace(self) -> dict[str, Any]:
        fresh = dict(builtins.__dict__)
        namespace: dict[str, Any] = {"__name__": "pylearn_tests", "__builtins__": fresh}
        for name, value in self.namespace.items():
            if name.startswith("__"):
                continue
            if name in fresh and not _defined_in_learner_code(value):
                continue  # `print = 5` stays the learner's; `def max(...)` reaches the tests
            namespace[name] = value
        namespace.update(self.test_helpers())
        return namespace


_compiled_tests: dict[str, CodeType] = {}


def _compile_tests(source: str) -> CodeType:
    """Tests are compiled once per source: a learner checks the same exercise many times."""
    code = _compiled_tests.get(source)
    if code is None:
        if len(_compiled_tests) > 256:
            _compiled_tests.clear()
        code = _compiled_tests[source] = rewrite_asserts(source, TESTS_FILENAME)
    return code


def _collect_tests(
    source: str, namespace: dict[str, Any], hidden: bool
) -> list[tuple[str, Any, bool]]:
    code = _compile_tests(source)
    before = dict(namespace)
    exec(code, namespace)
    return [
        (name, value, hidden)
        for name, value in namespace.items()
        if name.startswith("test")
        and before.get(name) is not value
        and getattr(getattr(value, "__code__", None), "co_filename", None) == TESTS_FILENAME
    ]


def _run_one(name: str, func: Any, hidden: bool, session: _Session) -> TestOutcome:
    out = CappedOutput(2_000)
    previous = sys.stdout
    sys.stdout = sys.stderr = out
    try:
        func()
    except TestFailure as failure:
        return TestOutcome(
            name=name, passed=False, message=failure.message, expected=failure.expected_repr,
            actual=failure.actual_repr, difference=failure.difference,
            output=out.getvalue(), hidden=hidden,
        )
    except _AssertionError as failure:
        message = str(failure) or _failed_assert_line(failure)
        return TestOutcome(name=name, passed=False, message=message, output=out.getvalue(),
                           hidden=hidden)
    except (TimeLimitExceeded, _KeyboardInterrupt):
        raise
    except _SystemExit as exc:
        report = _exit_report(exc)
        return TestOutcome(name=name, passed=False, message=report.summary, hidden=hidden)
    except _BaseException as exc:
        missing = _missing_name(exc)
        if missing:
            return TestOutcome(
                name=name, passed=False, hidden=hidden,
                message=(f"the test uses '{missing}', but your code does not define it: "
                         "check the spelling of the name and that you ran the whole cell"),
            )
        return TestOutcome(
            name=name, passed=False,
            message=f"your code raised {type(exc).__name__} during this test",
            traceback=format_learner_traceback(exc, session.code),
            output=out.getvalue(), hidden=hidden,
        )
    finally:
        sys.stdout = sys.stderr = previous
    return TestOutcome(name=name, passed=True, output=out.getvalue(), hidden=hidden)


def _missing_name(exc: BaseException) -> str | None:
    """The name a test looked up that the learner's code never defined, if that is the error."""
    if not _isinstance(exc, NameError):
        return None
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames or frames[-1].filename != TESTS_FILENAME:
        return None
    return getattr(exc, "name", None)


def _failed_assert_line(failure: BaseException) -> str:
    for frame in reversed(traceback.extract_tb(failure.__traceback__)):
        if frame.filename == TESTS_FILENAME and frame.line:
            return f"this check failed: {frame.line.strip()}"
    return "a check in this test failed"


def run_tests(
    exercise: Exercise,
    code: str,
    *,
    include_hidden: bool = False,
    time_limit_s: float | None = None,
    namespace_out: dict[str, Any] | None = None,
) -> CheckResult:
    """Check ``code`` against ``exercise``'s tests and return the structured result.

    Never raises for anything the learner's code does, except a ``KeyboardInterrupt``
    the user asked for.
    """
    seconds = float(time_limit_s or exercise.time_limit)
    started = _monotonic()
    result = CheckResult(exercise_id=exercise.id, status="failed", time_limit_s=seconds)
    compiled = _compile_learner(code)
    if _isinstance(compiled, ErrorReport):
        result.status, result.error = "error", compiled
        result.duration_s = _monotonic() - started
        return result
    session = _Session(exercise, code, compiled, seconds)
    with _interpreter_guard(session.out) as restore_builtins:
        session.restore_builtins = restore_builtins
        try:
            with time_limit(seconds):
                _check(session, result, include_hidden)
        except TimeLimitExceeded:
            result.status, result.error = "timeout", _timeout_report(exercise, seconds)
    if namespace_out is not None:
        namespace_out.update(session.namespace)
    result.output = session.out.getvalue()
    result.output_truncated = session.out.truncated
    result.duration_s = _monotonic() - started
    return result


def _check(session: _Session, result: CheckResult, include_hidden: bool) -> None:
    exercise = session.exercise
    try:
        session.namespace = session.run_learner(exercise.input, session.out)
        session.restore_builtins()
    except (TimeLimitExceeded, _KeyboardInterrupt):
        raise
    except _SystemExit as exc:
        result.status, result.error = "error", _exit_report(exc)
        return
    except _BaseException as exc:
        result.status = "error"
        result.error = ErrorReport(
            kind="exception",
            summary=f"Your code stopped with an error: {_exception_text(exc)}",
            details=format_learner_traceback(exc, session.code),
        )
        return
    namespace = session.test_namespace()
    try:
        tests = _collect_tests(exercise.tests, namespace, hidden=False)
        if include_hidden and exercise.hidden_tests:
            tests += _collect_tests(exercise.hidden_tests, namespace, hidden=True)
    except (TimeLimitExceeded, _KeyboardInterrupt):
        raise
    except _BaseException as exc:
        result.status = "error"
        result.error = ErrorReport(
            kind="crash",
            summary=("The tests of this exercise could not be loaded: "
                     f"{_exception_text(exc)}. This is a problem of the exercise, not of "
                     "your code; please tell your teacher."),
        )
        return
    for name, func, hidden in tests:
        result.tests.append(_run_one(name, func, hidden, session))
        session.restore_builtins()
    all_passed = bool(result.tests) and all(t.passed for t in result.tests)
    result.status = "passed" if all_passed else "failed"
