"""``pylearn lab``: JupyterLab with PyLearn and a local PyLearn API, started and stopped together.

The API runs on an embedded SQLite database (the API's default, in the user's data
folder) on a free port of 127.0.0.1, and JupyterLab's PyLearn extension proxies to it, so a
new learner can browse, check, register and sync right away. Both run as child processes
in their own process groups: a Ctrl+C or SIGTERM reaches this command only, which then stops
JupyterLab and the API cleanly (and kills what does not stop in time). When either child
ends, the other is stopped too, so no server is left behind.

JupyterLab serves the learner's workspace folder (``--workspace``, else
``PYLEARN_WORKSPACE``, else ``~/pylearn``), created if needed: exercise notebooks are written
there, and the learner never sees, or writes into, the folder ``pylearn lab`` was started
from. As root (containers, many cloud machines) JupyterLab gets ``--allow-root``.
"""

from __future__ import annotations

import argparse
import collections
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO

import httpx

__all__ = ["main"]

HOST = "127.0.0.1"
HEALTH_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0
LOG_TAIL = 15
DEFAULT_WORKSPACE = "~/pylearn"
WORKSPACE_ENV = "PYLEARN_WORKSPACE"
# JupyterLab options that choose the folder it serves; `pylearn lab` takes them as the workspace
ROOT_DIR_OPTIONS = ("--ServerApp.root_dir", "--notebook-dir", "--ServerApp.notebook_dir",
                    "--NotebookApp.notebook_dir")


class LabProblem(Exception):
    """Why ``pylearn lab`` cannot go on, as one sentence (plus optional log lines)."""

    def __init__(self, message: str, log: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.log = list(log)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pylearn lab",
        description="Start JupyterLab with PyLearn and a local PyLearn API (SQLite). Every "
        "other option goes to JupyterLab, for example: pylearn lab --no-browser --port 8890",
        allow_abbrev=False,
    )
    parser.add_argument("--api-port", type=int, default=0, metavar="PORT",
                        help="port of the local PyLearn API on 127.0.0.1 (default: a free one)")
    parser.add_argument("--database", metavar="URL",
                        help="database of the local API (default: PYLEARN_DATABASE_URL, else a "
                             "SQLite file in your data folder)")
    parser.add_argument("--workspace", metavar="FOLDER",
                        help=f"the folder JupyterLab shows you, where your exercise notebooks "
                             f"are written (default: {WORKSPACE_ENV}, else {DEFAULT_WORKSPACE}); "
                             "created if needed")
    return parser


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def port_in_use(port: int, host: str = HOST) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def _option_value(jupyter_args: Sequence[str], names: Sequence[str]) -> tuple[str, int, int] | None:
    """The value of the last of ``names`` (``--name V`` or ``--name=V``), its index and width."""
    found = None
    for index, arg in enumerate(jupyter_args):
        for name in names:
            if arg == name and index + 1 < len(jupyter_args):
                found = (jupyter_args[index + 1], index, 2)
            elif arg.startswith(name + "="):
                found = (arg.split("=", 1)[1], index, 1)
    return found


def requested_lab_port(jupyter_args: Sequence[str]) -> int | None:
    """The JupyterLab port the user asked for, if any (``--port N``, ``--port=N``)."""
    found = _option_value(jupyter_args, ("--port", "--ServerApp.port"))
    if found is None:
        return None
    return int(found[0]) if found[0].isdigit() else None


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def root_arguments(jupyter_args: Sequence[str]) -> list[str]:
    """``--allow-root`` when running as root and the user did not decide already."""
    if not running_as_root():
        return []
    if any(arg == "--allow-root" or arg.startswith("--ServerApp.allow_root")
           for arg in jupyter_args):
        return []
    print("pylearn lab: running as root (as in many containers), so JupyterLab is started "
          "with --allow-root.", file=sys.stderr, flush=True)
    return ["--allow-root"]


def workspace_arguments(option: str | None, jupyter_args: list[str]) -> tuple[Path, list[str]]:
    """The learner's workspace folder, created, and JupyterLab's arguments serving it.

    An explicit root folder for JupyterLab (``--ServerApp.root_dir``, ``--notebook-dir``)
    is the workspace too; giving both it and ``--workspace`` is a usage problem. Exercise
    notebooks go straight into the workspace (``PyLearn.workspace_folder`` ``.``) unless
    the user set ``--PyLearn.workspace_folder`` themselves.
    """
    rest = list(jupyter_args)
    explicit = _option_value(rest, ROOT_DIR_OPTIONS)
    if explicit is not None:
        if option:
            raise LabProblem("give the folder to work in once: either --workspace or "
                             f"{rest[explicit[1]].split('=')[0]}, not both.")
        raw = explicit[0]
        while (found := _option_value(rest, ROOT_DIR_OPTIONS)) is not None:
            del rest[found[1]:found[1] + found[2]]
    else:
        raw = option or os.environ.get(WORKSPACE_ENV) or DEFAULT_WORKSPACE
    folder = Path(raw).expanduser().absolute()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise LabProblem(f"the workspace {folder} is a file, not a folder; choose another "
                         "with --workspace FOLDER.") from None
    except OSError as exc:
        raise LabProblem(f"the workspace folder {folder} cannot be created "
                         f"({exc.strerror or exc}); choose another with --workspace FOLDER."
                         ) from None
    arguments = [f"--ServerApp.root_dir={folder}"]
    if not any(arg.startswith("--PyLearn.workspace_folder") for arg in rest):
        arguments.append("--PyLearn.workspace_folder=.")
    return folder, arguments + rest


class Child:
    """A child process in its own process group, its output passed on with a prefix and
    its last lines kept for error messages."""

    def __init__(self, name: str, command: list[str], *, capture: bool,
                 env: dict[str, str] | None = None) -> None:
        self.name = name
        self.tail: collections.deque[str] = collections.deque(maxlen=LOG_TAIL)
        posix = os.name == "posix"
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if capture else None,
            stderr=subprocess.STDOUT if capture else None,
            env=env,
            start_new_session=posix,
            creationflags=0 if posix else getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0),
        )
        if capture and self.process.stdout is not None:
            threading.Thread(target=self._relay, args=(self.process.stdout,),
                             daemon=True).start()

    def _relay(self, stream: IO[bytes]) -> None:
        """Keep reading even when our stderr is gone, or the child would block on a full pipe."""
        for raw in iter(stream.readline, b""):
            line = raw.decode(errors="replace").rstrip()
            self.tail.append(line)
            try:
                print(f"[{self.name}] {line}", file=sys.stderr, flush=True)
            except (OSError, ValueError):
                pass

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def _signal(self, signum: int) -> None:
        if not self.running:
            return
        try:
            if os.name == "posix":
                os.killpg(self.process.pid, signum)
            elif signum == signal.SIGTERM:
                self.process.terminate()
            else:
                self.process.kill()
        except ProcessLookupError:
            pass

    def terminate(self) -> None:
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        self._signal(getattr(signal, "SIGKILL", signal.SIGTERM))


def stop_all(children: Sequence[Child], timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM to every child's process group, SIGKILL to what is still there after
    ``timeout`` seconds (a child's own children included)."""
    for child in children:
        child.terminate()
    deadline = time.monotonic() + timeout
    for child in children:
        try:
            child.process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"pylearn lab: {child.name} did not stop within {timeout:g} s; killing it.",
                  file=sys.stderr)
            child.kill()
            child.process.wait()
        # what the child started in its group (kernels, workers) goes with it
        if os.name == "posix":
            try:
                os.killpg(child.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def start_api(port: int, database: str | None) -> Child:
    command = [sys.executable, "-m", "pylearn_jupyter.api", "--host", HOST, "--port", str(port)]
    if database:
        command += ["--database", database]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return Child("PyLearn API", command, capture=True, env=env)


def wait_until_healthy(api: Child, url: str, stop: threading.Event,
                       timeout: float = HEALTH_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while not stop.is_set():
        if not api.running:
            raise LabProblem(
                f"the PyLearn API failed to start (exit status {api.process.returncode}); "
                "its last lines:", api.tail)
        try:
            response = httpx.get(f"{url}/api/v1/health", timeout=2, trust_env=False)
            if response.status_code == 200:
                return
            last = f"status {response.status_code}"
        except httpx.HTTPError as exc:
            last = type(exc).__name__
        if time.monotonic() > deadline:
            raise LabProblem(
                f"the PyLearn API at {url} was not healthy within {timeout:g} s ({last}); "
                "its last lines:", api.tail)
        stop.wait(0.2)


def database_shown(database: str | None) -> str:
    if database or os.environ.get("PYLEARN_DATABASE_URL"):
        return database or os.environ["PYLEARN_DATABASE_URL"].split("@")[-1]
    try:
        from .api.core.config import default_database_url

        return default_database_url()
    except Exception:
        return "the default SQLite file"


def run(api_port: int, database: str | None, jupyter_args: list[str],
        workspace: str | None = None) -> int:
    folder, jupyter_args = workspace_arguments(workspace, jupyter_args)
    jupyter_args = [*root_arguments(jupyter_args), *jupyter_args]
    if api_port and port_in_use(api_port):
        raise LabProblem(f"port {api_port} on {HOST} is already in use; choose another "
                         "--api-port or stop the program that uses it.")
    lab_port = requested_lab_port(jupyter_args)
    if lab_port and port_in_use(lab_port):
        raise LabProblem(f"port {lab_port} is already in use; choose another --port for "
                         "JupyterLab or stop the program that uses it.")
    port = api_port or free_port()
    url = f"http://{HOST}:{port}"

    stop = threading.Event()
    reason: list[str] = []

    def request_stop(signum: int, _frame: object) -> None:
        if stop.is_set():  # asked twice: no more waiting
            for child in children:
                child.kill()
        reason.append(signal.Signals(signum).name)
        stop.set()

    children: list[Child] = []
    handled = [signal.SIGINT, signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP")
                                                  else [])
    previous = {signum: signal.signal(signum, request_stop) for signum in handled}
    try:
        print(f"pylearn lab: starting the PyLearn API on {url} "
              f"(database: {database_shown(database)})", file=sys.stderr, flush=True)
        api = start_api(port, database)
        children.append(api)
        wait_until_healthy(api, url, stop)
        if stop.is_set():
            return 0
        print(f"pylearn lab: the PyLearn API is ready; starting JupyterLab in your workspace "
              f"{folder} (another folder: --workspace FOLDER).", file=sys.stderr, flush=True)
        lab = Child("JupyterLab", [sys.executable, "-m", "jupyterlab",
                                   f"--PyLearn.api_url={url}", *jupyter_args], capture=False)
        children.insert(0, lab)
        while not stop.wait(0.25):
            if not lab.running:
                status = lab.process.returncode
                stop_all(children)
                return status
            if not api.running:
                stop_all(children)
                raise LabProblem(
                    f"the PyLearn API stopped unexpectedly (exit status "
                    f"{api.process.returncode}); JupyterLab was stopped too. Its last lines:",
                    api.tail)
        print(f"pylearn lab: stopping JupyterLab and the PyLearn API ({reason[0]}).",
              file=sys.stderr, flush=True)
        return 0
    finally:
        stop_all(children)
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def main(argv: list[str] | None = None) -> int:
    """``pylearn lab [--api-port P] [--database URL] [--workspace FOLDER] [JupyterLab options]``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--"]:
        argv = argv[1:]
    args, jupyter_args = _parser().parse_known_args(argv)
    try:
        return run(args.api_port, args.database, jupyter_args, args.workspace)
    except LabProblem as problem:
        print(f"pylearn lab: {problem}", file=sys.stderr)
        for line in problem.log:
            print(f"    {line}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
