"""The learner process: runs one learner's answers inside the sandbox, a fresh child for each.

It starts once per sandbox (as PID 1 of the sandbox's PID namespace under bubblewrap or a
container), drops its privileges, and waits. For each answer it forks a child that sets
the answer's limits, runs the learner's code and then serves the trusted process's
requests (:mod:`.wire`) until told to end. When the child is gone, every other process
of the sandbox is killed and the scratch folder emptied before the next answer.

It never sees a test, an expected value or a solution: only the learner's code, the
exercise's input text and the arguments the tests pass.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
from typing import Any

from ..checker.guard import CappedOutput, private_builtins_module
from ..checker.report import (
    LEARNER_FILENAME,
    exception_text,
    exit_report,
    format_learner_traceback,
    format_syntax_error,
)
from .wire import PROTOCOL_VERSION, Channel, EncodeError, Peer, PeerGone

SCRATCH_FOLDERS = ("/tmp", "/dev/shm")
_IPC_TABLES = (("shm", "shmctl"), ("msg", "msgctl"), ("sem", "semctl"))


class _Capture:
    """What the learner's code prints while one request is served."""

    def __init__(self) -> None:
        self.out = CappedOutput()
        self.previous = (sys.stdout, sys.stderr)
        sys.stdout = sys.stderr = self.out

    def close_capture(self) -> str:
        sys.stdout, sys.stderr = self.previous
        return self.out.getvalue()


def _protocol_fds() -> tuple[int, int]:
    """Move the protocol off fds 0 and 1, so that stray output cannot corrupt it."""
    read_fd, write_fd = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    return read_fd, write_fd


def _drop_privileges(uid: int, gid: int) -> None:
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)


def _not_dumpable() -> None:
    """Answers cannot read or write this process's memory through /proc."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE, 0
    except (OSError, AttributeError):
        pass


def _set_limits(limits: dict[str, Any]) -> None:
    import resource

    for name, key in (("RLIMIT_AS", "memory"), ("RLIMIT_CPU", "cpu_s"),
                      ("RLIMIT_FSIZE", "file_size"), ("RLIMIT_NPROC", "processes")):
        value = limits.get(key)
        if isinstance(value, int) and value > 0 and hasattr(resource, name):
            try:
                resource.setrlimit(getattr(resource, name), (value, value))
            except (ValueError, OSError):
                pass
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _public_names(namespace: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in namespace.items() if not name.startswith("__")}


class _Answer:
    """One answer: the learner's code, its namespace and the requests about it."""

    def __init__(self, channel: Channel, code: str, stdin_text: str) -> None:
        self.channel = channel
        self.code = code
        self.stdin_text = stdin_text
        self.peer = Peer(channel, trusted=False, capture=_Capture)
        self.peer.describe_traceback = self.traceback  # type: ignore[method-assign]
        self.peer.on_request = self.special_request  # type: ignore[method-assign]

    def traceback(self, exc: BaseException) -> str:
        return format_learner_traceback(exc, self.code)

    def execute(self, stdin_text: str) -> tuple[dict[str, Any], CappedOutput]:
        code_obj = compile(self.code, LEARNER_FILENAME, "exec", dont_inherit=True)
        out = CappedOutput()
        previous = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = out
        try:
            with private_builtins_module(out, stdin_text) as learner_builtins:
                namespace: dict[str, Any] = {"__name__": "__main__",
                                             "__builtins__": learner_builtins}
                exec(code_obj, namespace)
        finally:
            sys.stdout, sys.stderr = previous
        return namespace, out

    def first_run(self) -> dict[str, Any]:
        try:
            compile(self.code, LEARNER_FILENAME, "exec", dont_inherit=True)
        except SyntaxError as exc:
            return {"fail": vars(format_syntax_error(exc, self.code))}
        except (ValueError, Exception) as exc:  # a NUL character in the source, say
            return {"fail": {"kind": "syntax",
                             "summary": f"Python could not read your code: {exc}.",
                             "details": ""}}
        output = CappedOutput()
        try:
            namespace, output = self.execute(self.stdin_text)
        except SystemExit as exc:
            return {"fail": vars(exit_report(exc))}
        except BaseException as exc:  # noqa: BLE001 - whatever the learner's code raised
            return {"fail": {"kind": "exception",
                             "summary": f"Your code stopped with an error: {exception_text(exc)}",
                             "details": self.traceback(exc)}}
        names: dict[str, Any] = {}
        for name, value in _public_names(namespace).items():
            try:
                names[name] = self.peer.encode(value)
            except EncodeError:
                names[name] = self.peer.export(value)
        return {"value": {"names": names, "output": output.getvalue(),
                          "truncated": output.truncated}}

    def special_request(self, message: dict[str, Any]) -> dict[str, Any] | None:
        if message.get("op") != "rerun":
            return None
        _namespace, out = self.execute(str(message.get("input", "")))
        return {"value": out.getvalue()}

    def serve(self, number: Any) -> None:
        self.channel.send({"re": number, **self.first_run()})
        while True:
            message = self.channel.receive()
            if message.get("op") == "end":
                return
            self.peer.serve(message)


def _run_answer(channel: Channel, message: dict[str, Any]) -> None:  # pragma: no cover - child
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if os.getpid() != 1:
        os.setsid()
    _set_limits(message.get("limits") or {})
    try:
        _Answer(channel, str(message.get("code", "")), str(message.get("input", ""))).serve(
            message.get("id"))
    except (PeerGone, MemoryError):
        pass


def _clean_up(child: int) -> None:
    """Nothing of the answer survives it: no process, no file."""
    if os.getpid() == 1:
        try:
            os.kill(-1, signal.SIGKILL)  # every process of the sandbox but this one
        except ProcessLookupError:
            pass
    else:
        try:
            os.killpg(child, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            break
    if os.getpid() == 1:
        _empty_scratch()
        _remove_ipc_objects()


def _empty_scratch() -> None:
    for folder in SCRATCH_FOLDERS:
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        for entry in entries:
            path = os.path.join(folder, entry)
            try:
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    os.unlink(path)
            except OSError:
                pass


def _remove_ipc_objects() -> None:
    """System V shared memory, queues and semaphores outlive processes: remove them too."""
    libc = None
    for table, control in _IPC_TABLES:
        try:
            with open(f"/proc/sysvipc/{table}") as handle:
                ids = [int(line.split()[1]) for line in handle.readlines()[1:] if line.strip()]
        except (OSError, ValueError, IndexError):
            continue
        if not ids:
            continue
        if libc is None:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
        for number in ids:
            if control == "semctl":
                libc.semctl(number, 0, 0)  # IPC_RMID
            else:
                libc[control](number, 0, None)  # IPC_RMID


def main(argv: list[str]) -> int:
    read_fd, write_fd = _protocol_fds()
    if len(argv) >= 2:
        _drop_privileges(int(argv[0]), int(argv[1]))
    _not_dumpable()
    channel = Channel(read_fd, write_fd)
    channel.send({"ready": PROTOCOL_VERSION})
    while True:
        try:
            message = channel.receive()
        except PeerGone:
            return 0
        if message.get("op") != "answer":
            return 0
        child = os.fork()
        if child == 0:  # pragma: no cover - the answer's own process
            try:
                _run_answer(channel, message)
            finally:
                os._exit(0)
        _, status = os.waitpid(child, 0)
        _clean_up(child)
        channel.send({"done": os.waitstatus_to_exitcode(status)})


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
