"""What each kind of install brings (pyproject.toml), and the API installed alone.

- learners (``pylearn-jupyter[lab]``) get JupyterLab, no PostgreSQL driver, and a
  JupyterLab that neither asks to fetch Jupyter's news nor checks for updates (nothing is
  fetched from elsewhere unless a learner asks);
- the API service installs alone (``pylearn-jupyter[api]``): a clean venv, no JupyterLab,
  and ``pylearn api`` answers ``/api/v1/health`` (docs/api.md, "Install it alone"); asked
  for PostgreSQL without the ``postgresql`` extra, it names the extra;
- ``make lab ARGS="..."`` hands its options to ``pylearn lab``.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]
JUPYTER = {"jupyterlab", "jupyter-server", "notebook"}


def names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\[<>=!~; ]", r, maxsplit=1)[0].lower().replace("_", "-")
            for r in requirements}


def extra(name: str) -> list[str]:
    return PROJECT["optional-dependencies"][name]


def test_the_base_install_is_the_kernel_side_only() -> None:
    base = names(PROJECT["dependencies"])

    assert not base & JUPYTER
    assert "psycopg" not in base
    assert "nbformat" not in base  # notebooks are read as JSON, also inside Pyodide


def test_the_kernel_wheel_requires_what_the_base_install_does() -> None:
    from pylearn_jupyter.lite.kernel_wheel import KERNEL_REQUIRES

    assert KERNEL_REQUIRES == PROJECT["dependencies"]


def test_learners_get_jupyterlab_and_no_postgresql_driver() -> None:
    lab = names(extra("lab"))

    assert {"jupyterlab", "jupyter-server"} <= lab
    assert "pylearn-jupyter" in lab and "pylearn-jupyter[api]" in extra("lab")
    assert "psycopg" not in lab | names(extra("api"))


def test_jupyterlab_asks_for_no_news_and_checks_for_no_updates(tmp_path: Path) -> None:
    """The defaults JupyterLab serves in this environment, for a user with no settings of
    their own (jupyter-config/lab-settings, installed into JupyterLab's overrides.d)."""
    from jupyterlab.commands import get_app_dir
    from jupyterlab_server.settings_utils import get_settings

    app = Path(get_app_dir())
    settings, _warnings = get_settings(
        str(app / "settings"), str(app / "schemas"), str(tmp_path),
        schema_name="@jupyterlab/apputils-extension:notification")
    defaults = settings["schema"]["properties"]
    # "none" (JupyterLab's own default) is what makes it ask the learner.
    assert defaults["fetchNews"]["default"] == "false"
    assert defaults["checkForUpdates"]["default"] is False


def test_make_lab_passes_its_options_to_pylearn_lab() -> None:
    """`make lab ARGS="..."` (the README's main command) ends in `pylearn lab ...`."""
    # Run as make's own child when the tests run under `make test`: not a sub-make.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    dry_run = subprocess.run(["make", "--no-print-directory", "-n", "lab",
                              "ARGS=--port 8890 --no-browser"],
                             cwd=REPO, env=env, capture_output=True, text=True, check=True)
    assert dry_run.stdout.strip().splitlines()[-1] == (
        ".venv/bin/pylearn lab --port 8890 --no-browser")


def test_postgresql_is_asked_for_by_an_extra_that_the_tests_pull_in() -> None:
    assert names(extra("postgresql")) == {"psycopg"}
    pulled = next(r for r in extra("test") if r.startswith("pylearn-jupyter["))
    assert {"lab", "api", "postgresql", "lite"} <= set(pulled[16:-1].split(","))


def test_the_api_extra_holds_no_jupyter() -> None:
    api = names(extra("api"))

    assert {"fastapi", "uvicorn", "sqlalchemy", "alembic"} <= api
    assert not api & JUPYTER


def test_a_command_whose_extra_is_missing_says_which_to_install(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from pylearn_jupyter import cli

    def missing(module: str):  # noqa: ANN202
        raise ModuleNotFoundError("No module named 'fastapi'", name="fastapi")

    monkeypatch.setattr(cli.importlib, "import_module", missing)

    assert cli.main(["api", "--port", "1"]) == 2
    assert 'pip install "pylearn-jupyter[api]"' in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.timeout(420)
def test_the_api_installs_and_runs_alone_in_a_clean_venv(tmp_path: Path) -> None:
    """pip resolves from the package index (its wheel cache makes a rerun quick)."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    env |= {"PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}
    done = subprocess.run([str(python), "-m", "pip", "install", "--quiet", f"{REPO}[api]"],
                          capture_output=True, text=True, timeout=330, env=env)
    assert done.returncode == 0, done.stderr[-3000:]

    absent = subprocess.run(
        [str(python), "-c", "import importlib.util as u; print([m for m in ('jupyterlab', "
         "'jupyter_server', 'notebook', 'psycopg') if u.find_spec(m)])"],
        capture_output=True, text=True, timeout=60, env=env)
    assert absent.stdout.strip() == "[]", absent.stdout + absent.stderr

    env |= {"PYLEARN_JWT_SECRET": secrets.token_urlsafe(48),
            "XDG_DATA_HOME": str(tmp_path / "data")}
    postgresql = subprocess.run(
        [str(venv / "bin" / "pylearn"), "api", "migrate",
         "--database", "postgresql://pylearn@127.0.0.1:9/pylearn"],
        capture_output=True, text=True, timeout=60, env=env)
    assert postgresql.returncode == 2, postgresql.stderr[-2000:]
    assert 'pip install "pylearn-jupyter[postgresql]"' in postgresql.stderr

    port = _free_port()
    server = subprocess.Popen(
        [str(venv / "bin" / "pylearn"), "api", "--port", str(port),
         "--database", f"sqlite:///{tmp_path / 'api.db'}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "pylearn api did not answer within 60 s"
                time.sleep(0.3)
        assert answer.status_code == 200
        assert answer.json()["status"] == "ok"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
