"""Run a learner's code and an exercise's tests, in-process, under a time limit.

The learner's code gets its own namespace and its own copy of the builtins; whatever
it changes in the interpreter that the checker relies on (builtins, ``sys.stdout``,
``sys.modules``, ``os._exit``) is put back afterwards, so a learner cannot break the
checker for the next check.
"""

from __future__ import annotations

import builtins
import sys
import time
import traceback
from collections.abc import Callable
from types import CodeType
from typing import Any, Protocol

from ..exercise import Exercise
from .guard import (
    MAX_OUTPUT,
    CappedOutput,
    interpreter_guard,
    private_builtins_module,
    redirect_output,
)
from .report import (
    LEARNER_FILENAME,
    exception_text,
    exit_report,
    format_learner_traceback,
    format_syntax_error,
    timeout_report,
)
from .result import CheckResult, ErrorReport, Status, TestOutcome
from .testing import (
    ASSERT_EQUAL_NAME,
    TestFailure,
    assert_close,
    assert_equal,
    assert_raises,
    assert_same_items,
    calls_itself,
    expand_parameters,
    names_used,
    parametrize,
    rewrite_asserts,
)
from .timelimit import TimeLimitExceeded, time_limit

__all__ = ["run_tests", "collect_tests", "run_one_test", "test_namespace", "authoring_helpers",
           "LEARNER_FILENAME", "MAX_OUTPUT"]

TESTS_FILENAME = "<tests>"

# Captured at import so that learner code cannot swap them out from under the checker.
_AssertionError = AssertionError
_BaseException = BaseException
_Exception = Exception
_SystemExit = SystemExit
_SyntaxError = SyntaxError
_KeyboardInterrupt = KeyboardInterrupt
_isinstance = isinstance
_monotonic = time.monotonic


def _compile_learner(code: str) -> CodeType | ErrorReport:
    try:
        return compile(code, LEARNER_FILENAME, "exec", dont_inherit=True)
    except _SyntaxError as exc:
        return format_syntax_error(exc, code)
    except (ValueError, _Exception) as exc:  # e.g. a NUL character in the source
        return ErrorReport(kind="syntax", summary=f"Python could not read your code: {exc}.")


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
        previous = sys.stdout
        sys.stdout = sys.stderr = out
        try:
            with private_builtins_module(out, stdin_text) as learner_builtins:
                namespace: dict[str, Any] = {
                    "__name__": "__main__", "__builtins__": learner_builtins,
                }
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

        return authoring_helpers(self.code, self.out.getvalue(), run_program)

    def test_namespace(self) -> dict[str, Any]:
        return test_namespace(
            {name: value for name, value in self.namespace.items()
             if _defined_in_learner_code(value) or name not in builtins.__dict__},
            self.test_helpers(),
        )

    def traceback(self, exc: BaseException) -> str:
        return format_learner_traceback(exc, self.code)

    abort: tuple[type[BaseException], ...] = (TimeLimitExceeded, _KeyboardInterrupt)
    exits: tuple[type[BaseException], ...] = (_SystemExit,)


def capture_output(func: Callable[..., Any], *args: Any, **kwargs: Any) -> str:
    """Call ``func`` and return what it printed."""
    out = CappedOutput()
    with redirect_output(out):
        func(*args, **kwargs)
    return out.getvalue()


def authoring_helpers(code: str, output: str, run_program: Callable[..., str]) -> dict[str, Any]:
    """The names every exercise's tests can use (docs/authoring.md, "Writing good tests")."""
    return {
        "assert_equal": assert_equal,
        "assert_close": assert_close,
        "assert_raises": assert_raises,
        "assert_same_items": assert_same_items,
        "parametrize": parametrize,
        ASSERT_EQUAL_NAME: assert_equal,
        "output": output,
        "run_program": run_program,
        "capture_output": capture_output,
        "learner_source": code,
        "names_used": lambda: names_used(code),
        "calls_itself": lambda name: calls_itself(code, name),
    }


def test_namespace(learner_names: dict[str, Any], helpers: dict[str, Any]) -> dict[str, Any]:
    """The globals tests run in: fresh builtins, the learner's names, then the helpers.

    ``learner_names`` holds only what the learner defined: ``print = 5`` stays the
    learner's, while ``def max(...)`` reaches the tests.
    """
    namespace: dict[str, Any] = {"__name__": "pylearn_tests",
                                 "__builtins__": dict(builtins.__dict__)}
    for name, value in learner_names.items():
        if not name.startswith("__"):
            namespace[name] = value
    namespace.update(helpers)
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
        (case_name, case, hidden)
        for name, value in namespace.items()
        if name.startswith("test")
        and before.get(name) is not value
        and getattr(getattr(value, "__code__", None), "co_filename", None) == TESTS_FILENAME
        for case_name, case in expand_parameters(name, value)
    ]


def collect_tests(
    exercise: Exercise, namespace: dict[str, Any], include_hidden: bool
) -> list[tuple[str, Any, bool]]:
    """The exercise's test functions, defined in ``namespace``: (name, function, hidden)."""
    tests = _collect_tests(exercise.tests, namespace, hidden=False)
    if include_hidden and exercise.hidden_tests:
        tests += _collect_tests(exercise.hidden_tests, namespace, hidden=True)
    return tests


def listed_tests(exercise: Exercise, include_hidden: bool = True) -> list[tuple[str, bool]]:
    """The exercise's tests, (name, hidden), collected without any learner code.

    Tests whose top level needs the learner's names cannot be listed so: then the
    test functions of the source are listed, as written.
    """
    namespace = test_namespace({}, authoring_helpers("", "", lambda input="": ""))
    try:
        return [(name, hidden) for name, _func, hidden in
                collect_tests(exercise, namespace, include_hidden)]
    except Exception:  # noqa: BLE001 - tests whose top level uses the learner's names
        pass
    import ast

    listed = []
    for source, hidden in ((exercise.tests, False), (exercise.hidden_tests, True)):
        if hidden and not include_hidden:
            continue
        try:
            tree = ast.parse(source or "")
        except SyntaxError:
            continue
        listed += [(node.name, hidden) for node in tree.body
                   if isinstance(node, ast.FunctionDef) and node.name.startswith("test")]
    return listed


class LearnerSide(Protocol):
    """Where the learner's code runs, as the verdict of one test needs to know it."""

    abort: tuple[type[BaseException], ...]  # end the whole check (time limit, ...)
    exits: tuple[type[BaseException], ...]  # the learner's code tried to stop Python

    def traceback(self, exc: BaseException) -> str: ...


def run_one_test(name: str, func: Any, hidden: bool, learner: LearnerSide) -> TestOutcome:
    """Run one test function and turn what happened into its outcome."""
    out = CappedOutput(2_000)
    try:
        with redirect_output(out):
            func()
    except learner.abort:
        raise
    except TestFailure as failure:
        return TestOutcome(
            name=name, passed=False, message=failure.message, expected=failure.expected_repr,
            actual=failure.actual_repr, difference=failure.difference,
            output=out.getvalue(), hidden=hidden,
        )
    except _AssertionError as failure:
        if getattr(failure, "remote_traceback", None) is None:
            message = str(failure) or _failed_assert_line(failure)
            return TestOutcome(name=name, passed=False, message=message,
                               output=out.getvalue(), hidden=hidden)
        return _raised(name, failure, hidden, learner, out)
    except learner.exits as exc:
        report = exit_report(exc)  # type: ignore[arg-type]
        return TestOutcome(name=name, passed=False, message=report.summary, hidden=hidden)
    except _BaseException as exc:
        return _raised(name, exc, hidden, learner, out)
    return TestOutcome(name=name, passed=True, output=out.getvalue(), hidden=hidden)


def _raised(name: str, exc: BaseException, hidden: bool, learner: LearnerSide,
            out: CappedOutput) -> TestOutcome:
    missing = _missing_name(exc)
    if missing:
        return TestOutcome(
            name=name, passed=False, hidden=hidden,
            message=(f"the test uses '{missing}', but your code does not define it: "
                     "check the spelling of the name and that you ran the whole cell"),
        )
    kind = getattr(exc, "remote_type", None) or type(exc).__name__
    message = getattr(exc, "learner_message", None) or f"your code raised {kind} during this test"
    return TestOutcome(
        name=name, passed=False,
        message=message,
        traceback=learner.traceback(exc),
        output=out.getvalue(), hidden=hidden,
    )


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
    with interpreter_guard(session.out) as restore_builtins:
        session.restore_builtins = restore_builtins
        try:
            with time_limit(seconds):
                _check(session, result, include_hidden)
        except TimeLimitExceeded:
            result.status, result.error = "timeout", timeout_report(exercise, seconds)
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
        result.status, result.error = "error", exit_report(exc)
        return
    except _BaseException as exc:
        result.status = "error"
        result.error = ErrorReport(
            kind="exception",
            summary=f"Your code stopped with an error: {exception_text(exc)}",
            details=format_learner_traceback(exc, session.code),
        )
        return
    namespace = session.test_namespace()
    try:
        tests = collect_tests(exercise, namespace, include_hidden)
    except (TimeLimitExceeded, _KeyboardInterrupt):
        raise
    except _BaseException as exc:
        result.status, result.error = "error", tests_not_loaded(exc)
        return
    for name, func, hidden in tests:
        result.tests.append(run_one_test(name, func, hidden, session))
        session.restore_builtins()
    result.status = verdict(result.tests)


def tests_not_loaded(exc: BaseException) -> ErrorReport:
    return ErrorReport(
        kind="crash",
        summary=("The tests of this exercise could not be loaded: "
                 f"{exception_text(exc)}. This is a problem of the exercise, not of "
                 "your code; please tell your teacher."),
    )


def verdict(tests: list[TestOutcome]) -> Status:
    return "passed" if tests and all(t.passed for t in tests) else "failed"
