"""The checker: runs a learner's code against an exercise's tests (pure Python, Pyodide-safe)."""

from .result import CheckResult, ErrorReport, TestOutcome
from .runner import run_tests
from .timelimit import TimeLimitExceeded, time_limit

__all__ = ["CheckResult", "ErrorReport", "TestOutcome", "TimeLimitExceeded", "run_tests",
           "time_limit"]
