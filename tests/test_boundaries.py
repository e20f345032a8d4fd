"""The package's boundaries: what goes into the kernel wheel.

The kernel wheel (Pyodide) holds the modules the kernel imports, followed from its entry
points through their imports; tests/lite/test_kernel_wheel.py imports it in Pyodide.
"""

from __future__ import annotations

import ast
import shutil
import zipfile
from pathlib import Path

import pytest

import pylearn_jupyter
from pylearn_jupyter.lite import kernel_wheel
from pylearn_jupyter.lite.kernel_wheel import (
    KernelBoundaryError,
    build_kernel_wheel,
    kernel_modules,
)

PACKAGE = Path(pylearn_jupyter.__file__).parent
NEVER_IN_THE_KERNEL = ("api", "server", "handlers", "cli", "lab", "lite", "grade",
                       "grade_report", "sealed", "release", "validate", "catalog")


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    """The package's Python sources, to be changed by a test."""
    target = tmp_path / "pylearn_jupyter"
    shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns(
        "__pycache__", "labextension", "notebooks", "*.mako"))
    return target


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text("utf-8") + text, encoding="utf-8")


def test_the_kernel_side_is_the_entry_points_and_what_they_import() -> None:
    modules = set(kernel_modules())

    assert {"pylearn_jupyter", "pylearn_jupyter.notebook", "pylearn_jupyter.registry",
            "pylearn_jupyter.course", "pylearn_jupyter.checker.runner",
            "pylearn_jupyter.checker.timelimit", "pylearn_jupyter.widgets.panel",
            "pylearn_jupyter.testing", "pylearn_jupyter.submission"} <= modules
    assert [m for m in modules if m.split(".")[1:2] and m.split(".")[1] in NEVER_IN_THE_KERNEL
            ] == []


def test_the_wheel_holds_exactly_the_kernel_modules(tmp_path: Path) -> None:
    wheel = build_kernel_wheel(tmp_path, version="1.2.3")

    with zipfile.ZipFile(wheel) as archive:
        sources = {n for n in archive.namelist() if not n.startswith("pylearn_jupyter-1.2.3")}
    expected = {p.relative_to(PACKAGE.parent).as_posix() for p in kernel_modules().values()}
    assert sources == expected
    assert [n for n in sources if n.split("/")[1].removesuffix(".py") in NEVER_IN_THE_KERNEL
            ] == []


def test_a_kernel_module_importing_the_server_stops_the_build(package_copy: Path) -> None:
    _append(package_copy / "notebook.py", "\n\ndef _late():\n    from .server import config\n")

    with pytest.raises(KernelBoundaryError) as caught:
        kernel_modules(package_copy)

    assert "pylearn_jupyter/notebook.py" in str(caught.value)
    assert "imports pylearn_jupyter.server" in str(caught.value)


def test_an_indirect_import_of_grading_stops_the_build(package_copy: Path) -> None:
    _append(package_copy / "checker" / "diff.py", "\nimport pylearn_jupyter.grade\n")

    with pytest.raises(KernelBoundaryError, match=r"checker/diff.py:\d+ imports "
                                                  r"pylearn_jupyter.grade, which is host side"):
        kernel_modules(package_copy)


def test_the_server_extension_hook_is_not_followed() -> None:
    source = (PACKAGE / "__init__.py").read_text("utf-8")

    assert "_jupyter_server_extension_points" in source
    assert "pylearn_jupyter.server" not in {m.rsplit(".", 1)[0] for m in kernel_modules()}


def test_a_module_on_neither_side_stops_the_build(package_copy: Path) -> None:
    (package_copy / "newcomer.py").write_text("X = 1\n", encoding="utf-8")

    with pytest.raises(KernelBoundaryError, match="newcomer.py is on neither side"):
        kernel_modules(package_copy)


def test_a_stale_host_side_name_stops_the_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kernel_wheel, "HOST_SIDE", (*kernel_wheel.HOST_SIDE, "no_such_module"))

    with pytest.raises(KernelBoundaryError, match="pylearn_jupyter.no_such_module, which does "
                                                  "not exist"):
        kernel_modules()


def test_an_import_of_a_missing_module_stops_the_build(package_copy: Path) -> None:
    _append(package_copy / "registry.py", "\nfrom .vanished import thing\n")

    with pytest.raises(KernelBoundaryError, match="which the package does not have"):
        kernel_modules(package_copy)


def test_the_server_extension_handlers_live_in_handlers_py() -> None:
    """HTTP handlers in ``pylearn_jupyter/handlers.py``; ``server/`` keeps configuration,
    courses and the workspace (the JupyterLab extension template's layout)."""
    from pylearn_jupyter import handlers

    assert callable(handlers.setup_handlers)
    handler_classes = {}
    for path in sorted((PACKAGE / "server").glob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        handler_classes[path.name] = [
            node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
            and any(ast.unparse(base).endswith("Handler") for base in node.bases)]
    assert {name: found for name, found in handler_classes.items() if found} == {}
    assert not list((PACKAGE / "server").glob("*handlers*.py"))


def test_a_kernel_module_needing_a_server_package_stops_the_build(package_copy: Path) -> None:
    _append(package_copy / "registry.py", "\n\ndef _fetch():\n    import httpx\n")

    with pytest.raises(KernelBoundaryError, match=r"registry.py:\d+ imports httpx, which the "
                                                  "kernel wheel does not require"):
        kernel_modules(package_copy)
