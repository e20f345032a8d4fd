"""The trusted side of a sealed check: tests run here, against handles to the learner's code.

:class:`SealedChecker` starts one learner process per learner (per returned notebook, or
per ``pylearn check``), in the sandbox chosen, and checks that learner's answers one
after the other. The learner process gets the learner's code and the exercise's input
text; this process keeps the tests, runs them, and makes every comparison.
"""

from __future__ import annotations

import signal
import sys
import time
from typing import Any

from ..checker.report import exit_report, timeout_report
from ..checker.result import CheckResult, ErrorReport, TestOutcome
from ..checker.runner import (
    authoring_helpers,
    collect_tests,
    listed_tests,
    run_one_test,
    test_namespace,
    tests_not_loaded,
    verdict,
)
from ..exercise import Exercise
from .sandbox import Limits, Sandbox, SandboxUnavailable, choose_sandbox
from .wire import (
    PROTOCOL_VERSION,
    AnswerEnded,
    Channel,
    Deadline,
    EncodeError,
    Peer,
    PeerGone,
    ProtocolError,
    RemoteExit,
    remote_type_name,
)

__all__ = ["SandboxError", "SealedChecker", "check_sealed", "SandboxUnavailable"]

START_TIMEOUT_S = 30.0
END_TIMEOUT_S = 5.0


class SandboxError(Exception):
    """The learner process could not be started or stopped as it must."""


class _SealedSide:
    """What :func:`run_one_test` needs to know about the learner's side of a sealed check."""

    abort = (Deadline, PeerGone, ProtocolError, EncodeError, KeyboardInterrupt)
    exits = (RemoteExit,)

    def traceback(self, exc: BaseException) -> str:
        text = getattr(exc, "remote_traceback", None)
        if text:
            return text
        return f"{getattr(exc, 'remote_type', type(exc).__name__)}: {exc}"


_SIDE = _SealedSide()


class _Process:
    """One running sandbox with the learner process in it."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.popen = sandbox.start()
        assert self.popen.stdout is not None and self.popen.stdin is not None
        self.channel = Channel(self.popen.stdout.fileno(), self.popen.stdin.fileno())
        self.channel.deadline = time.monotonic() + START_TIMEOUT_S
        try:
            hello = self.channel.receive()
        except (Deadline, PeerGone, ProtocolError) as exc:
            errors = self._stderr()
            self.stop()
            raise SandboxError(
                f"the {sandbox.name} sandbox did not start ({type(exc).__name__})"
                + (f": {errors}" if errors else "")) from None
        if hello.get("ready") != PROTOCOL_VERSION:
            self.stop()
            raise SandboxError("the learner process speaks another protocol version")

    def _stderr(self) -> str:
        if self.popen.poll() is None or self.popen.stderr is None:
            return ""
        return self.popen.stderr.read(4000).decode("utf-8", "replace").strip()

    def stop(self) -> None:
        self.sandbox.stop(self.popen)


class SealedChecker:
    """Checks answers with the tests here and the learner's code in a sandbox.

    Use one per learner (``with SealedChecker(...) as checker``): answers checked by the
    same checker share a learner process (a fresh child of it per answer).
    """

    def __init__(self, sandbox: str | type[Sandbox] = "auto", limits: Limits | None = None):
        self.backend = choose_sandbox(sandbox) if isinstance(sandbox, str) else sandbox
        self.limits = limits or Limits()
        self._process: _Process | None = None

    def __enter__(self) -> SealedChecker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the learner process; nothing of it survives."""
        if self._process is not None:
            process, self._process = self._process, None
            try:
                process.channel.deadline = time.monotonic() + END_TIMEOUT_S
                process.channel.send({"op": "quit"})
            except (PeerGone, Deadline):
                pass
            process.stop()

    def _kill(self) -> None:
        if self._process is not None:
            process, self._process = self._process, None
            process.stop()

    def check(self, exercise: Exercise, code: str, *, include_hidden: bool = False) -> CheckResult:
        """Check one answer; always returns a result, never hangs, never runs learner code here."""
        if self._process is None:
            self._process = _Process(self.backend(self.limits))
        process = self._process
        seconds = float(exercise.time_limit)
        started = time.monotonic()
        result = CheckResult(exercise_id=exercise.id, status="failed", time_limit_s=seconds)
        process.channel.deadline = started + seconds
        answer = _SealedAnswer(exercise, code, include_hidden, process, result)
        clean_end = False
        try:
            answer.run(process.sandbox.answer_limits(seconds))
            clean_end = answer.end()
        except Deadline:
            result.status, result.error = "timeout", timeout_report(exercise, seconds)
        except AnswerEnded as exc:
            if exc.exit_code == -signal.SIGXCPU:  # the answer's CPU time limit
                result.status, result.error = "timeout", timeout_report(exercise, seconds)
            else:
                result.status, result.error = "error", _ended_report(exc.exit_code)
            clean_end = True
        except PeerGone:
            result.status, result.error = "error", _ended_report(None)
        except (ProtocolError, EncodeError) as exc:
            result.status = "error"
            result.error = ErrorReport(
                kind="crash",
                summary=f"Your code's results could not be read back ({exc}).")
        answer.finish_tests()
        if not clean_end:
            self._kill()
        result.duration_s = time.monotonic() - started
        return result


class _SealedAnswer:
    def __init__(self, exercise: Exercise, code: str, include_hidden: bool, process: _Process,
                 result: CheckResult) -> None:
        self.exercise = exercise
        self.code = code
        self.include_hidden = include_hidden
        self.channel = process.channel
        self.result = result
        self.peer = Peer(self.channel, trusted=True)
        self.peer.on_output = lambda text: sys.stdout.write(text)
        self.tests: list[tuple[str, Any, bool]] = []

    def run(self, limits: dict[str, int]) -> None:
        self.channel.send({"id": 0, "op": "answer", "code": self.code,
                           "input": self.exercise.input, "limits": limits})
        first = self.channel.receive()
        if "done" in first:
            raise AnswerEnded(first["done"])
        if first.get("re") != 0:
            raise ProtocolError("the first answer does not answer the code")
        result = self.result
        if "fail" in first:
            result.status, result.error = "error", _error_report(first["fail"])
            self._collect({})
            return
        value = first.get("value")
        if not isinstance(value, dict) or not isinstance(value.get("names"), dict):
            raise ProtocolError("the first answer has no names")
        output = value.get("output")
        result.output = output[:20_000] if isinstance(output, str) else ""
        result.output_truncated = bool(value.get("truncated"))
        names = {str(k): self.peer.decode(v) for k, v in value["names"].items()}
        if not self._collect(names):
            return
        for name, func, hidden in self.tests:
            result.tests.append(run_one_test(name, func, hidden, _SIDE))
        result.status = verdict(result.tests)

    def _collect(self, names: dict[str, Any]) -> bool:
        import builtins

        learner = {name: value for name, value in names.items()
                   if name not in builtins.__dict__ or remote_type_name(value) is not None}
        namespace = test_namespace(learner, authoring_helpers(
            self.code, self.result.output, self.run_program))
        try:
            self.tests = collect_tests(self.exercise, namespace, self.include_hidden)
        except _SealedSide.abort:
            raise
        except BaseException as exc:  # noqa: BLE001 - the exercise's own tests are broken
            if self.result.status != "error":
                self.result.status, self.result.error = "error", tests_not_loaded(exc)
            return False
        return True

    def run_program(self, input: str = "") -> str:  # noqa: A002 - the authoring name
        """Run the learner's whole program again with ``input``; what it printed."""
        return self.peer.request("rerun", input=str(input))

    def finish_tests(self) -> None:
        """Every test of the exercise is counted, also those that could not run."""
        ran = {t.name for t in self.result.tests}
        reason = {"timeout": "not run: the time limit was reached",
                  "error": "not run: your code could not be checked"}.get(
                      self.result.status, "not run")
        listed = [(name, hidden) for name, _func, hidden in self.tests]
        if not listed and self.result.status != "passed":
            listed = listed_tests(self.exercise, self.include_hidden)
        for name, hidden in listed:
            if name not in ran:
                self.result.tests.append(
                    TestOutcome(name=name, passed=False, message=reason, hidden=hidden))
        if self.result.status == "passed" and not all(t.passed for t in self.result.tests):
            self.result.status = "failed"

    def end(self) -> bool:
        """Tell the answer's process to end, and wait for the sandbox to be clean again."""
        self.channel.deadline = time.monotonic() + END_TIMEOUT_S
        self.channel.send({"op": "end"})
        if "done" in self.channel.receive():
            return True
        # Anything else is the learner process talking out of turn.
        raise ProtocolError("unexpected message after the check")


def _ended_report(exit_code: int | None) -> ErrorReport:
    """Why the answer's process ended before the check did."""
    if exit_code is not None and exit_code >= 0:
        return exit_report(SystemExit(exit_code))
    if exit_code is not None:
        try:
            name = signal.Signals(-exit_code).name
        except ValueError:
            name = str(-exit_code)
        return ErrorReport(kind="crash", summary=(
            f"Python stopped suddenly while running your code (signal {name})."))
    return ErrorReport(kind="crash", summary=(
        "Python stopped while your code was being checked: your code may have used too "
        "much memory or too many processes."))


def _error_report(data: Any) -> ErrorReport:
    if not isinstance(data, dict):
        raise ProtocolError("an error report is not an object")
    kind = data.get("kind")
    if kind not in ("syntax", "exception", "exit"):
        kind = "exception"
    if kind == "exit":
        return exit_report(SystemExit())
    return ErrorReport(kind=kind, summary=str(data.get("summary", ""))[:2000],
                       details=str(data.get("details", ""))[:20000])


def check_sealed(exercise: Exercise, code: str, *, include_hidden: bool = False,
                 sandbox: str = "auto") -> CheckResult:
    """Check one answer in a learner process of its own (``pylearn check``)."""
    with SealedChecker(sandbox) as checker:
        return checker.check(exercise, code, include_hidden=include_hidden)

