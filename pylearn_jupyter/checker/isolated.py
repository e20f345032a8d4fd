"""Run a check in a separate Python process with a wall-clock, CPU and memory limit.

In-process guards cannot stop ``os._exit()``, a runaway builtin or a memory bomb; a
child process can simply be killed. Used by ``pylearn check`` and for grading.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from ..exercise import Exercise
from .result import CheckResult, ErrorReport

__all__ = ["run_isolated", "MEMORY_LIMIT_BYTES"]

MEMORY_LIMIT_BYTES = 1024 * 1024 * 1024
_GRACE_S = 2.0


def _limit_resources(memory: int, cpu_s: int) -> None:  # pragma: no cover - runs in the child
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run_isolated(
    exercise: Exercise,
    code: str,
    *,
    include_hidden: bool = False,
    memory_bytes: int = MEMORY_LIMIT_BYTES,
) -> CheckResult:
    """Check ``code`` in a child process; always returns a result, never hangs."""
    limit = exercise.time_limit
    with tempfile.TemporaryDirectory(prefix="pylearn-check-") as tmp:
        job = Path(tmp) / "job.json"
        answer = Path(tmp) / "result.json"
        job.write_text(json.dumps({
            "exercise": exercise.to_dict(),
            "code": code,
            "include_hidden": include_hidden,
        }), encoding="utf-8")
        cpu_s = int(limit + _GRACE_S) + 1
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "pylearn_jupyter.checker.worker", str(job), str(answer)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                timeout=limit + _GRACE_S + 3.0, cwd=tmp,
                preexec_fn=(lambda: _limit_resources(memory_bytes, cpu_s))
                if os.name == "posix" else None,
            )
        except subprocess.TimeoutExpired:
            return _failure(exercise, "timeout", _timeout_summary(exercise))
        if answer.exists():
            try:
                return CheckResult.from_dict(json.loads(answer.read_text(encoding="utf-8")))
            except (ValueError, TypeError):
                pass
        return _crash_result(exercise, proc.returncode)


def _timeout_summary(exercise: Exercise) -> str:
    return (f"Time limit: your code for '{exercise.title}' ({exercise.id}) was stopped after "
            f"{exercise.time_limit:g} seconds.")


def _crash_result(exercise: Exercise, returncode: int) -> CheckResult:
    import signal

    if returncode < 0 and -returncode in (signal.SIGXCPU, signal.SIGKILL):
        return _failure(exercise, "timeout", _timeout_summary(exercise))
    if returncode < 0:
        name = signal.Signals(-returncode).name
        summary = f"Python stopped suddenly while running your code (signal {name})."
    else:
        summary = (f"Python stopped while running your code (exit code {returncode}): your "
                   "code may have used too much memory or ended the process.")
    return _failure(exercise, "crash", summary)


def _failure(exercise: Exercise, kind: str, summary: str) -> CheckResult:
    status = "timeout" if kind == "timeout" else "error"
    return CheckResult(
        exercise_id=exercise.id, status=status,  # type: ignore[arg-type]
        error=ErrorReport(kind=kind, summary=summary),  # type: ignore[arg-type]
        time_limit_s=exercise.time_limit,
    )
