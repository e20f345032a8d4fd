"""Where the learner process runs: bubblewrap, a Docker/Podman container, or (warned) nowhere.

The sandbox, not Python code, is what confines the learner: no network, a read-only view
of the interpreter and of PyLearn's own code, one private scratch folder, its own PID
namespace (so that the whole process tree goes when the grader is done), and limits on
memory, processes, file size and CPU time.
"""

from __future__ import annotations

import functools
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Limits", "Sandbox", "SandboxUnavailable", "choose_sandbox", "SANDBOX_NAMES"]

SANDBOX_NAMES = ("auto", "bwrap", "docker", "podman", "none")
PACKAGE_DIR = Path(__file__).resolve().parents[1]
MOUNT_ROOT = "/opt/pylearn"
BOOT = ("import sys; sys.path.insert(0, {root!r}); "
        "from pylearn_jupyter.sealed.learner import main; sys.exit(main(sys.argv[1:]))")
# Unprivileged ids for the learner process when the grader runs as root: one per sandbox,
# so that the process limit of one learner does not count another's processes.
_UID_BASE = 2_000_000_000
_counter = itertools.count()
_lock = threading.Lock()

INSTALL_HELP = (
    "install bubblewrap (Debian/Ubuntu: sudo apt-get install bubblewrap; Fedora: sudo dnf "
    "install bubblewrap), or Docker or Podman and use --sandbox docker / --sandbox podman. "
    "--sandbox none grades without a sandbox: the learners' code then runs as you, with "
    "your files and your network"
)


class SandboxUnavailable(Exception):
    """The sandbox asked for cannot run here; the message says how to get one."""


@dataclass(frozen=True)
class Limits:
    """What one answer may use."""

    memory: int = 1024 * 1024 * 1024
    processes: int = 32
    file_size: int = 16 * 1024 * 1024
    scratch: int = 64 * 1024 * 1024


def _next_uid() -> int:
    with _lock:
        return _UID_BASE + (os.getpid() % 1_000_000) * 64 + next(_counter) % 64


def _processes_of(uid: int) -> int:
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    count += 1
            except OSError:
                pass
    return count


class Sandbox:
    """How to start one learner process; subclasses are the backends."""

    name = "none"
    confined = False

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()

    def command(self) -> list[str]:
        return [sys.executable, "-I", "-S", "-B", "-c",
                BOOT.format(root=str(PACKAGE_DIR.parent))]

    def answer_limits(self, time_limit: float) -> dict[str, int]:
        """The limits the learner process sets on each answer's own process."""
        limits = {"memory": self.limits.memory, "file_size": self.limits.file_size,
                  "cpu_s": int(time_limit) + 2}
        processes = self.process_limit()
        if processes:
            limits["processes"] = processes
        return limits

    def process_limit(self) -> int:
        if os.name != "posix":
            return 0
        # The limit counts every process of the user: leave the user's own ones room.
        return _processes_of(os.getuid()) + self.limits.processes

    def start(self) -> subprocess.Popen[bytes]:
        # Without a sandbox, the answers at least work in a folder of their own.
        self.scratch = tempfile.mkdtemp(prefix="pylearn-answer-") if not self.confined else None
        return subprocess.Popen(
            self.command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, close_fds=True, start_new_session=True,
            cwd=self.scratch,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"},
        )

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            try:
                os.killpg(process.pid, 9)
            except (ProcessLookupError, PermissionError):
                process.kill()
        process.wait()
        for stream in (process.stdin, process.stdout, process.stderr):
            if stream:
                stream.close()
        if getattr(self, "scratch", None):
            shutil.rmtree(self.scratch, ignore_errors=True)

    @classmethod
    def unavailable(cls) -> str | None:
        """Why this backend cannot run here, or None when it can."""
        return None


class Bubblewrap(Sandbox):
    """bubblewrap: namespaces without a daemon (Debian's ``bubblewrap`` package)."""

    name = "bwrap"
    confined = True

    def __init__(self, limits: Limits | None = None) -> None:
        super().__init__(limits)
        self.uid = _next_uid() if os.geteuid() == 0 else None

    def process_limit(self) -> int:
        if self.uid is not None:
            return self.limits.processes
        return super().process_limit()

    def command(self) -> list[str]:
        args = ["bwrap", "--ro-bind", "/usr", "/usr"]
        for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
            if os.path.islink(top):
                args += ["--symlink", os.readlink(top), top]
            elif os.path.isdir(top):
                args += ["--ro-bind", top, top]
        python_root = os.path.realpath(sys.base_prefix)
        if not python_root.startswith("/usr/"):
            args += _bind_readable(python_root)
        executable = os.path.realpath(sys.executable)
        if not executable.startswith((python_root + "/", "/usr/")):
            args += _bind_readable(executable)
        package = f"{MOUNT_ROOT}/pylearn_jupyter"
        args += ["--perms", "0755", "--dir", MOUNT_ROOT, "--ro-bind", str(PACKAGE_DIR), package]
        if (PACKAGE_DIR / "course" / "notebooks").is_dir():
            # A wheel carries the built-in course, solutions included: hide it.
            args += ["--tmpfs", f"{package}/course/notebooks"]
        args += [
            "--proc", "/proc", "--dev", "/dev",
            "--perms", "1777", "--size", str(self.limits.scratch), "--tmpfs", "/tmp",
            "--chdir", "/tmp",
            "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--as-pid-1",
            "--clearenv", "--setenv", "HOME", "/tmp", "--setenv", "LANG", "C.UTF-8",
            "--setenv", "PATH", "/usr/bin:/bin",
        ]
        boot = [executable, "-I", "-S", "-B", "-c", BOOT.format(root=MOUNT_ROOT)]
        if self.uid is not None:
            # Root keeps only the right to become the learner's unprivileged user.
            return [*args, "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", *boot,
                    str(self.uid), str(self.uid)]
        return [*args, "--unshare-user", "--disable-userns", *boot]

    @classmethod
    def unavailable(cls) -> str | None:
        return _bubblewrap_unavailable()


@functools.lru_cache(maxsize=1)
def _bubblewrap_unavailable() -> str | None:
    """Asked once per process: the answer does not change while grading."""
    if sys.platform != "linux":
        return "bubblewrap runs on Linux only"
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed"
    probe = subprocess.run(
        ["bwrap", "--ro-bind", "/", "/", "--unshare-pid", "--unshare-net",
         *([] if os.geteuid() == 0 else ["--unshare-user"]), "true"],
        capture_output=True, text=True, timeout=20, check=False,
    )
    if probe.returncode != 0:
        reason = probe.stderr.strip().splitlines()[-1:] or ["no reason given"]
        return f"bubblewrap cannot create a sandbox here ({reason[0]})"
    return None


def _bind_readable(path: str) -> list[str]:
    """Bind ``path`` read-only, with parent folders the unprivileged learner can traverse."""
    args: list[str] = []
    parents = list(Path(path).parents)[::-1][1:]
    for parent in parents:
        args += ["--perms", "0755", "--dir", str(parent)]
    return [*args, "--ro-bind", path, path]


class Container(Sandbox):
    """A Docker or Podman container, the way otter-grader users know it."""

    confined = True
    image = os.environ.get("PYLEARN_SANDBOX_IMAGE", "python:3.11-slim")

    def __init__(self, limits: Limits | None = None) -> None:
        super().__init__(limits)
        self.container = f"pylearn-grade-{os.getpid()}-{next(_counter)}"

    def process_limit(self) -> int:
        return 0  # --pids-limit confines the whole container

    def command(self) -> list[str]:
        package = f"{MOUNT_ROOT}/pylearn_jupyter"
        args = [
            self.name, "run", "--rm", "-i", "--name", self.container, "--network", "none",
            "--read-only", "--tmpfs", f"/tmp:rw,size={self.limits.scratch},mode=1777",
            "--memory", str(self.limits.memory), "--pids-limit", str(self.limits.processes),
            "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
            "--user", "65534:65534", "--workdir", "/tmp",
            "-v", f"{PACKAGE_DIR}:{package}:ro",
        ]
        if (PACKAGE_DIR / "course" / "notebooks").is_dir():
            args += ["--tmpfs", f"{package}/course/notebooks:ro"]
        return [*args, self.image, "python", "-I", "-S", "-B", "-c",
                BOOT.format(root=MOUNT_ROOT)]

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        subprocess.run([self.name, "rm", "--force", self.container], capture_output=True,
                       timeout=60, check=False)
        super().stop(process)

    @classmethod
    def unavailable(cls) -> str | None:
        if shutil.which(cls.name) is None:
            return f"{cls.name} is not installed"
        try:
            probe = subprocess.run([cls.name, "info"], capture_output=True, timeout=20,
                                   check=False)
        except subprocess.TimeoutExpired:
            return f"{cls.name} did not answer"
        if probe.returncode != 0:
            return f"{cls.name} is installed but cannot run containers here"
        return None


class Docker(Container):
    name = "docker"


class Podman(Container):
    name = "podman"


_BACKENDS: dict[str, type[Sandbox]] = {
    "bwrap": Bubblewrap, "docker": Docker, "podman": Podman, "none": Sandbox,
}


def choose_sandbox(name: str = "auto") -> type[Sandbox]:
    """The backend to use: ``auto`` takes the first of bubblewrap, Docker, Podman that runs.

    Raises :class:`SandboxUnavailable` with what to install when none does.
    """
    if name not in SANDBOX_NAMES:
        raise SandboxUnavailable(f"there is no sandbox '{name}'; choose one of "
                                 + ", ".join(SANDBOX_NAMES))
    if name != "auto":
        backend = _BACKENDS[name]
        reason = backend.unavailable()
        if reason:
            raise SandboxUnavailable(f"{reason}; {INSTALL_HELP}")
        return backend
    reasons = []
    for backend in (Bubblewrap, Docker, Podman):
        reason = backend.unavailable()
        if reason is None:
            return backend
        reasons.append(reason)
    raise SandboxUnavailable(f"no sandbox to run learners' code in ({'; '.join(reasons)}); "
                             f"{INSTALL_HELP}")
