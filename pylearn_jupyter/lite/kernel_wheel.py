"""A kernel-only wheel of ``pylearn_jupyter`` for the Pyodide kernel.

The real wheel declares the Jupyter server and the API service as dependencies, which
must not (and cannot) be installed in Pyodide. This wheel holds the kernel side of the
package only and depends on ipywidgets only; the site's lock carries it and the kernel
loads it at start, so ``import pylearn_jupyter`` works without an install step.

The kernel side is an allow-list: the modules a learner's kernel imports by name
(:data:`KERNEL_ENTRY_POINTS`) and every module of the package they import, followed
through their ``import`` statements. Every other module is declared host side
(:data:`HOST_SIDE`), and the build stops with :class:`KernelBoundaryError` when a kernel
module imports one, when a module belongs to neither side, or when a declared name no
longer exists.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import importlib.metadata
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pylearn_jupyter

__all__ = ["DIST_NAME", "HOST_SIDE", "KERNEL_ENTRY_POINTS", "KernelBoundaryError",
           "build_kernel_wheel", "kernel_modules", "package_version"]

DIST_NAME = "pylearn-jupyter"
PACKAGE = "pylearn_jupyter"
KERNEL_REQUIRES = ["ipywidgets>=8.1"]
#: The packages besides the standard library that kernel modules may import: ipywidgets and
#: IPython, which it brings (Pyodide's kernel has both).
KERNEL_IMPORTS = {"ipywidgets", "IPython"}

#: What a learner's kernel imports by name: ``pylearn_jupyter.notebook`` (the front end's setup),
#: the names it loads, the helpers learners may star-import, and the checker and the check
#: panel, whole (their ``__init__`` loads submodules by name on first use).
KERNEL_ENTRY_POINTS = (
    "pylearn_jupyter",
    "pylearn_jupyter.notebook",
    "pylearn_jupyter.exercise",
    "pylearn_jupyter.registry",
    "pylearn_jupyter.submission",
    "pylearn_jupyter.testing",
    "pylearn_jupyter.checker.*",
    "pylearn_jupyter.widgets.*",
)

#: Functions of kernel modules that only a Jupyter server calls: their imports are not
#: followed (``pylearn_jupyter.__init__`` names the server extension for Jupyter).
SERVER_HOOKS = {"pylearn_jupyter": {"_jupyter_server_extension_points"}}

#: The rest of the package, never in the kernel: the Jupyter server extension and its
#: handlers, the API, the command line and JupyterLab launcher, the site build, the
#: instructor's tools (release, validate, catalog, course bundles, classes) and sealed
#: grading.
HOST_SIDE = (
    "api", "server", "handlers", "cli", "lab", "lite",
    "release", "validate", "catalog", "bundle", "classes_cli", "grade", "grade_report",
    "sealed",
)


class KernelBoundaryError(RuntimeError):
    """The kernel side of the package is not closed, or a declared name is stale."""


@dataclass(frozen=True)
class _Import:
    module: str  # the importing module
    target: str  # a module it imports: of the package, or any other
    line: int


def _module_files(root: Path) -> dict[str, Path]:
    """Every module of the package (``pylearn_jupyter.x.y`` → its file)."""
    found: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if "__pycache__" in rel.parts or not all(p.isidentifier() for p in rel.parts[:-1]):
            continue
        parts = [PACKAGE, *rel.parts[:-1]]
        if path.stem != "__init__":
            parts.append(path.stem)
        found[".".join(parts)] = path
    return found


def _is_package(name: str, files: dict[str, Path]) -> bool:
    return files[name].name == "__init__.py"


def _with_parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def _imports(name: str, files: dict[str, Path]) -> list[_Import]:
    """What module ``name`` imports (anywhere in it, save hooks): the package's modules
    with their parent packages, and other modules by their top-level name."""
    tree = ast.parse(files[name].read_bytes(), filename=str(files[name]))
    skipped = SERVER_HOOKS.get(name, set())
    here = name if _is_package(name, files) else name.rpartition(".")[0]
    found: list[_Import] = []

    def add(target: str, line: int) -> None:
        if target == PACKAGE or target.startswith(PACKAGE + "."):
            found.extend(_Import(name, t, line) for t in _with_parents(target))
        elif target:
            found.append(_Import(name, target.split(".")[0], line))

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) \
                    and child.name in skipped and node is tree:
                continue
            if isinstance(child, ast.Import):
                for alias in child.names:
                    add(alias.name, child.lineno)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base_parts = here.split(".")
                    base_parts = base_parts[:len(base_parts) - (child.level - 1)]
                    base = ".".join([*base_parts, *([child.module] if child.module else [])])
                else:
                    base = child.module or ""
                add(base, child.lineno)
                for alias in child.names:  # ``from . import panel`` imports a submodule
                    if f"{base}.{alias.name}" in files:
                        add(f"{base}.{alias.name}", child.lineno)
            visit(child)

    visit(tree)
    return found


def kernel_modules(root: Path | None = None) -> dict[str, Path]:
    """The kernel side: the entry points and what they import, each with its file.

    Raises :class:`KernelBoundaryError` when a kernel module imports a host-side module, a
    module the package lacks or a package outside the standard library and
    :data:`KERNEL_IMPORTS`, when a module is on neither side, or when an entry point or a
    host-side name names nothing.
    """
    root = root or Path(pylearn_jupyter.__file__).parent
    files = _module_files(root)
    problems: list[str] = []

    def host_side(name: str) -> bool:
        return any(name == f"{PACKAGE}.{h}" or name.startswith(f"{PACKAGE}.{h}.")
                   for h in HOST_SIDE)

    def where(module: str) -> str:
        return files[module].relative_to(root.parent).as_posix()

    todo: list[str] = []
    for entry in KERNEL_ENTRY_POINTS:
        if entry.endswith(".*"):
            package = entry[:-2]
            members = [m for m in files if m == package or m.startswith(package + ".")]
        else:
            members = [entry] if entry in files else []
        if not members:
            problems.append(f"the kernel entry point {entry} names no module of the package")
        todo.extend(members)
    for name in HOST_SIDE:
        if f"{PACKAGE}.{name}" not in files:
            problems.append(f"HOST_SIDE names {PACKAGE}.{name}, which does not exist")

    kernel: set[str] = set()
    while todo:
        name = todo.pop()
        if name in kernel:
            continue
        kernel.add(name)
        for edge in _imports(name, files):
            if edge.target.split(".")[0] != PACKAGE:
                if edge.target not in sys.stdlib_module_names | KERNEL_IMPORTS:
                    problems.append(f"{where(edge.module)}:{edge.line} imports {edge.target}, "
                                    "which the kernel wheel does not require (KERNEL_IMPORTS)")
            elif edge.target not in files:
                problems.append(f"{where(edge.module)}:{edge.line} imports {edge.target}, "
                                "which the package does not have")
            elif host_side(edge.target):
                problems.append(f"{where(edge.module)}:{edge.line} imports {edge.target}, "
                                "which is host side (HOST_SIDE): the kernel must not need it")
            elif edge.target not in kernel:
                todo.append(edge.target)
    for name in sorted(kernel):
        if host_side(name):
            problems.append(f"the kernel entry point {name} is declared host side too")
    stray = sorted(m for m in files if m not in kernel and not host_side(m))
    for name in stray:
        problems.append(f"{where(name)} is on neither side: import it from the kernel side "
                        "or add it to HOST_SIDE in pylearn_jupyter/lite/kernel_wheel.py")
    if problems:
        raise KernelBoundaryError("the kernel wheel cannot be cut:\n  "
                                  + "\n  ".join(dict.fromkeys(problems)))
    return {name: files[name] for name in sorted(kernel)}


def package_version() -> str:
    try:
        return importlib.metadata.version(DIST_NAME)
    except importlib.metadata.PackageNotFoundError:
        return "0.0.0"


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return f"sha256={digest.decode()}"


def build_kernel_wheel(out_dir: Path, version: str | None = None) -> Path:
    """Write ``pylearn_jupyter-<version>-py3-none-any.whl`` into ``out_dir``; returns its path."""
    version = version or package_version()
    root = Path(pylearn_jupyter.__file__).parent
    modules = kernel_modules(root)
    stem = f"pylearn_jupyter-{version}"
    dist_info = f"{stem}.dist-info"
    metadata = "\n".join([
        "Metadata-Version: 2.1",
        f"Name: {DIST_NAME}",
        f"Version: {version}",
        "Summary: PyLearn for Jupyter, kernel side (checker and check panel) for Pyodide.",
        *(f"Requires-Dist: {req}" for req in KERNEL_REQUIRES),
        "",
    ])
    wheel_meta = "Wheel-Version: 1.0\nGenerator: pylearn-lite\nRoot-Is-Purelib: true\n" \
                 "Tag: py3-none-any\n"
    entries: list[tuple[str, bytes]] = [
        (f"{PACKAGE}/{path.relative_to(root).as_posix()}", path.read_bytes())
        for path in sorted(modules.values())
    ]
    entries += [(f"{dist_info}/METADATA", metadata.encode()),
                (f"{dist_info}/WHEEL", wheel_meta.encode()),
                (f"{dist_info}/top_level.txt", f"{PACKAGE}\n".encode())]
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in entries)
    record += f"{dist_info}/RECORD,,\n"
    entries.append((f"{dist_info}/RECORD", record.encode()))

    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{stem}-py3-none-any.whl"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return target
