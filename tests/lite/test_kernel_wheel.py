"""The kernel wheel inside Pyodide, loaded from a built site's lock as its kernel loads it.

Node.js runs the site's own Pyodide core with the site's lock (tests/pyodide/site_kernel.mjs):
no repository mount and no network, so what imports here is what the browser gets.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import run_in_site_kernel

#: Never in the kernel: the server extension and its handlers, the API, the command line,
#: the JupyterLab launcher, the site build, the instructor's tools, grading, sealed checking.
HOST_SIDE = ("api", "server", "handlers", "cli", "lab", "lite", "release", "validate",
             "catalog", "grade", "grade_report", "sealed")


@pytest.fixture(scope="module")
def kernel(site_dir: Path) -> dict:
    return run_in_site_kernel(site_dir, "kernel_wheel_driver.py", "pylearn-jupyter")


def _is_host_side(module: str) -> bool:
    parts = module.split(".")
    return len(parts) > 1 and parts[1] in HOST_SIDE


def test_the_wheel_is_what_pyodide_imports(kernel: dict) -> None:
    assert kernel["platform"] == "emscripten"
    assert kernel["location"].startswith("/lib/python3"), kernel["location"]


def test_every_module_of_the_wheel_imports_in_pyodide(kernel: dict) -> None:
    assert kernel["failed_imports"] == {}
    assert {"pylearn_jupyter.notebook", "pylearn_jupyter.checker.runner",
            "pylearn_jupyter.widgets.panel", "pylearn_jupyter.testing"} <= set(kernel["modules"])


def test_a_check_runs_with_its_panel_from_the_wheel(kernel: dict) -> None:
    assert kernel["status"] == "passed"


def test_a_broken_magic_line_is_explained_on_pyodide(kernel: dict) -> None:
    first, missing = kernel["magic_line_messages"]
    assert first.startswith("PyLearn: the first line of this cell must be exactly "
                            "%%exercise sample.double")
    assert missing.startswith("PyLearn: this cell was not checked because its first line "
                              "%%exercise sample.double is missing")


def test_no_server_api_cli_grading_or_sealed_module_is_in_the_wheel(kernel: dict) -> None:
    assert [m for m in kernel["modules"] if _is_host_side(m)] == []
    assert [m for m in kernel["loaded"] if _is_host_side(m)] == []
    assert [f for f in kernel["files"] if f.startswith("pylearn_jupyter/course/notebooks")] == []
