"""Stop learner code that runs past its time limit, in-process, on CPython and Pyodide.

Signals do not exist in Pyodide and threads cannot be relied on there, so the guard
lives in the interpreter itself: a trace function (CPython) or ``sys.monitoring``
callbacks (Pyodide) that raise :class:`TimeLimitExceeded` once the deadline passes.
Neither can stop a single long call into a builtin (``sum(range(10**12))``); the
out-of-process runner (``pylearn check``, grading) kills the process for that.
"""

from __future__ import annotations

import dis
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import CodeType, FrameType
from typing import Any

__all__ = ["TimeLimitExceeded", "time_limit"]

_JUMP_OPCODES = frozenset(dis.hasjrel) | frozenset(dis.hasjabs)
_self_jump_cache: dict[CodeType, bool] = {}


class TimeLimitExceeded(BaseException):
    """Raised inside learner code when its time is up.

    Derived from BaseException so that ``except Exception`` in learner code
    does not swallow it.
    """

    def __init__(self, seconds: float) -> None:
        super().__init__(f"time limit of {seconds:g} s exceeded")
        self.seconds = seconds


def _has_self_jump(code: CodeType) -> bool:
    """True when ``code`` holds a jump to itself (``while True: pass`` on one line).

    Such a loop emits no line events on CPython 3.11, so only opcode tracing sees it.
    """
    cached = _self_jump_cache.get(code)
    if cached is None:
        cached = any(
            ins.opcode in _JUMP_OPCODES and ins.argval == ins.offset
            for ins in dis.get_instructions(code)
        )
        _self_jump_cache[code] = cached
    return cached


@contextmanager
def _settrace_deadline(seconds: float) -> Iterator[None]:
    deadline = time.monotonic() + seconds
    monotonic = time.monotonic

    def local_tracer(frame: FrameType, event: str, arg: Any) -> Callable[..., Any]:
        if monotonic() > deadline:
            raise TimeLimitExceeded(seconds)
        return local_tracer

    def global_tracer(frame: FrameType, event: str, arg: Any) -> Callable[..., Any]:
        if monotonic() > deadline:
            raise TimeLimitExceeded(seconds)
        if _has_self_jump(frame.f_code):
            frame.f_trace_opcodes = True
        return local_tracer

    previous = sys.gettrace()
    sys.settrace(global_tracer)
    try:
        yield
    finally:
        sys.settrace(previous)


def _free_monitoring_tool() -> int:
    mon = sys.monitoring
    for tool in (4, 3, 5, 2):
        if mon.get_tool(tool) is None:
            return tool
    raise RuntimeError("no free sys.monitoring tool id for the time limit")


@contextmanager
def _monitoring_deadline(seconds: float) -> Iterator[None]:
    """sys.monitoring guard: about three times cheaper than settrace on Pyodide.

    Events are process-wide, so this is used only where Python is single-threaded.
    The clock is read every 256 events to keep the callback cheap.
    """
    mon = sys.monitoring
    events = mon.events
    deadline = time.monotonic() + seconds
    monotonic = time.monotonic
    counter = [0]

    def on_event(*_args: Any) -> None:
        counter[0] += 1
        if counter[0] & 255 == 0 and monotonic() > deadline:
            raise TimeLimitExceeded(seconds)

    tool = _free_monitoring_tool()
    mon.use_tool_id(tool, "pylearn-time-limit")
    try:
        mon.register_callback(tool, events.PY_START, on_event)
        mon.register_callback(tool, events.JUMP, on_event)
        mon.set_events(tool, events.PY_START | events.JUMP)
        yield
    finally:
        mon.set_events(tool, 0)
        mon.register_callback(tool, events.PY_START, None)
        mon.register_callback(tool, events.JUMP, None)
        mon.free_tool_id(tool)


def guard_kind() -> str:
    """Name of the guard this runtime uses (for reports and benchmarks)."""
    if sys.platform == "emscripten" and hasattr(sys, "monitoring"):
        return "sys.monitoring"
    return "settrace"


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`TimeLimitExceeded` in the code run inside once ``seconds`` have passed."""
    guard = _monitoring_deadline if guard_kind() == "sys.monitoring" else _settrace_deadline
    with guard(seconds):
        yield
