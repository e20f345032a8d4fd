"""Keeping learner code from changing what the checker relies on.

Output goes to a capped buffer; builtins, ``sys`` attributes, ``sys.modules`` and
``os._exit`` are put back after every check; ``import builtins`` in learner code gets a
private copy of the module.
"""

from __future__ import annotations

import builtins
import io
import operator
import os
import sys
import threading
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["CappedOutput", "MAX_OUTPUT", "interpreter_guard", "private_builtins_module",
           "restore_builtins", "redirect_output", "output_per_thread"]

MAX_OUTPUT = 10_000
_isinstance = isinstance
_SystemExit = SystemExit


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


class _ThreadOutput(io.TextIOBase):
    """``sys.stdout`` while several threads check at once: each thread has its own target."""

    def __init__(self, default: Any) -> None:
        self.default = default
        self.local = threading.local()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:  # type: ignore[override]
        return (getattr(self.local, "target", None) or self.default).write(text)

    def flush(self) -> None:
        target = getattr(self.local, "target", None) or self.default
        if hasattr(target, "flush"):
            target.flush()


@contextmanager
def redirect_output(out: Any) -> Iterator[None]:
    """Send ``print`` to ``out`` for the duration, for this thread only when threads share."""
    current = sys.stdout
    if _isinstance(current, _ThreadOutput):
        previous = getattr(current.local, "target", None)
        current.local.target = out
        try:
            yield
        finally:
            current.local.target = previous
        return
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = out
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


@contextmanager
def output_per_thread() -> Iterator[None]:
    """While threads check answers side by side, their output must not cross."""
    saved = sys.stdout, sys.stderr
    sys.stdout = _ThreadOutput(saved[0])
    sys.stderr = _ThreadOutput(saved[1])
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


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
def interpreter_guard(out: CappedOutput) -> Iterator[Callable[[], None]]:
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
        yield lambda: restore_builtins(saved_builtins)
    finally:
        restore_builtins(saved_builtins)
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


def restore_builtins(saved: dict[str, Any]) -> None:
    _restore_dict(builtins.__dict__, saved)


@contextmanager
def private_builtins_module(out: CappedOutput, stdin_text: str) -> Iterator[dict[str, Any]]:
    """A copy of the builtins for learner code, whose ``input()`` reads ``stdin_text``.

    While it is in use, ``import builtins`` in learner code gives this copy, so what the
    code changes there stays in its own namespace instead of reaching the checker.
    Yields the dictionary to run the code with as ``__builtins__``.
    """
    module = types.ModuleType("builtins")
    module.__dict__.update(builtins.__dict__)
    module.__dict__["input"] = _make_input(stdin_text, out)
    real = sys.modules.get("builtins")
    sys.modules["builtins"] = module
    try:
        yield module.__dict__
    finally:
        sys.modules["builtins"] = real  # type: ignore[assignment]
