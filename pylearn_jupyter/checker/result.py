"""What a check produces: one structured result, shared by the widget, the CLI and grading."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Status = Literal["passed", "failed", "error", "timeout"]

__all__ = ["Status", "TestOutcome", "ErrorReport", "CheckResult"]


@dataclass
class TestOutcome:
    """One test: its name, whether it passed, and for a failure what went wrong."""

    __test__ = False  # not a pytest test class

    name: str
    passed: bool
    message: str = ""
    expected: str | None = None
    actual: str | None = None
    difference: str | None = None
    traceback: str | None = None
    output: str = ""
    hidden: bool = False


@dataclass
class ErrorReport:
    """Why the learner's code could not be checked at all."""

    kind: Literal["syntax", "exception", "exit", "timeout", "crash"]
    summary: str
    details: str = ""


@dataclass
class CheckResult:
    exercise_id: str
    status: Status
    tests: list[TestOutcome] = field(default_factory=list)
    error: ErrorReport | None = None
    output: str = ""
    output_truncated: bool = False
    duration_s: float = 0.0
    time_limit_s: float = 0.0

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def to_json(self) -> dict[str, Any]:
        """The document ``pylearn check --json`` prints (docs/design.md)."""
        return {
            "exercise_id": self.exercise_id,
            "passed": self.passed,
            "status": self.status,
            "tests": [
                {"name": t.name, "passed": t.passed, "message": _test_message(t)}
                for t in self.tests
            ],
            "error": _error_text(self.error),
            "output": self.output,
            "duration_s": round(self.duration_s, 4),
        }

    def to_dict(self) -> dict[str, Any]:
        """Everything, for passing a result between processes."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        tests = [TestOutcome(**t) for t in data.get("tests", [])]
        error = ErrorReport(**data["error"]) if data.get("error") else None
        rest = {k: v for k, v in data.items() if k not in ("tests", "error")}
        return cls(tests=tests, error=error, **rest)


def _test_message(test: TestOutcome) -> str:
    if test.passed:
        return ""
    parts = [test.message]
    if test.expected is not None:
        parts.append(f"expected: {test.expected}")
        parts.append(f"got: {test.actual}")
    if test.difference:
        parts.append(test.difference)
    if test.traceback:
        parts.append(test.traceback)
    return "\n".join(p for p in parts if p)


def _error_text(error: ErrorReport | None) -> str | None:
    if error is None:
        return None
    return f"{error.summary}\n{error.details}".strip()
