"""The checker: runs a learner's code against an exercise's tests (pure Python, Pyodide-safe).

Its names load on first use, so that a process needing only a part of the checker (the
sandboxed learner process needs the output guard and the error reports) starts fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["CheckResult", "ErrorReport", "TestOutcome", "TimeLimitExceeded", "run_tests",
           "time_limit"]

_WHERE = {"CheckResult": "result", "ErrorReport": "result", "TestOutcome": "result",
          "run_tests": "runner", "TimeLimitExceeded": "timelimit", "time_limit": "timelimit"}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
