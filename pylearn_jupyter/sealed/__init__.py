"""Sealed checking: the learner's code in a sandboxed process, the tests and the verdict outside it.

A *trusted* process (the grader, ``pylearn check``) holds the exercise, its tests and its
expected values. The *learner* process, started in a sandbox (:mod:`.sandbox`), runs only
the learner's code. They talk through :mod:`.wire`, a small versioned protocol of plain
values: results, printed text, exceptions by type and message, and handles for learner
objects whose methods the tests call (:class:`.wire.Remote`). Every comparison is made in
the trusted process, so nothing the learner's code does can change a verdict.

docs/authoring.md ("Grading") describes what instructors get from it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SandboxError", "SealedChecker", "check_sealed"]


def __getattr__(name: str) -> Any:
    # Loaded on first use: the learner process imports only .learner and .wire.
    if name in __all__:
        from . import runner

        return getattr(runner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
