"""What the kernel remembers about a learner's work on each exercise during a session."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..checker.result import CheckResult
from ..exercise import Exercise, Hint

__all__ = ["ExerciseState", "state_for", "reset_states"]


@dataclass
class ExerciseState:
    exercise: Exercise
    attempts: int = 0
    failed_attempts: int = 0
    passed: bool = False
    hints_shown: list[int] = field(default_factory=list)
    solution_viewed: bool = False
    last_result: CheckResult | None = None
    last_code: str = ""

    def record(self, result: CheckResult, code: str) -> None:
        self.attempts += 1
        self.last_result = result
        self.last_code = code
        if result.passed:
            self.passed = True
        else:
            self.failed_attempts += 1

    def next_hint(self) -> tuple[int, Hint] | None:
        """The next hint to show.

        A hint tied to a failing test comes first (the first failing test's before
        the others'); then the general hints in order; then whatever is left.
        """
        hints = self.exercise.hints
        remaining = [i for i in range(len(hints)) if i not in self.hints_shown]
        if not remaining:
            return None
        failing = [t.name for t in self.last_result.tests if not t.passed] \
            if self.last_result else []
        tied = (i for name in failing for i in remaining if hints[i].test == name)
        untied = (i for i in remaining if hints[i].test is None)
        chosen = next(tied, None)
        if chosen is None:
            chosen = next(untied, remaining[0])
        self.hints_shown.append(chosen)
        return chosen, hints[chosen]

    @property
    def solution_unlocked(self) -> bool:
        """After enough failed attempts the solution is offered without asking twice."""
        return self.passed or self.failed_attempts >= self.exercise.solution_after


_states: dict[str, ExerciseState] = {}


def state_for(exercise: Exercise) -> ExerciseState:
    state = _states.get(exercise.id)
    if state is None or state.exercise.version != exercise.version:
        state = _states[exercise.id] = ExerciseState(exercise)
    else:
        state.exercise = exercise
    return state


def reset_states() -> None:
    _states.clear()
