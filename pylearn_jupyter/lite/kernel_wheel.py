"""A kernel-only wheel of ``pylearn_jupyter`` for the Pyodide kernel.

The real wheel declares the Jupyter server and the API service as dependencies, which
must not (and cannot) be installed in Pyodide. This wheel holds the same kernel-side
sources and depends on ipywidgets only; the site's lock carries it and the kernel loads
it at start, so ``import pylearn_jupyter`` works without an install step.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import zipfile
from pathlib import Path

import pylearn_jupyter

__all__ = ["DIST_NAME", "build_kernel_wheel", "package_version"]

DIST_NAME = "pylearn-jupyter"
#: Parts of the package that serve the Jupyter server, the API or the build, never the kernel.
SERVER_ONLY = {"api", "lite", "server", "labextension", "handlers", "lab", "cli", "__main__",
               "release", "validate", "catalog"}
KERNEL_REQUIRES = ["ipywidgets>=8.1"]


def package_version() -> str:
    try:
        return importlib.metadata.version(DIST_NAME)
    except importlib.metadata.PackageNotFoundError:
        return "0.0.0"


def _kernel_files(root: Path) -> list[Path]:
    files = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if not path.is_file() or "__pycache__" in rel.parts or path.suffix in {".pyc", ".pyo"}:
            continue
        if rel.parts[0] in SERVER_ONLY or rel.parts[0].removesuffix(".py") in SERVER_ONLY:
            continue
        if rel.parts[:2] == ("course", "notebooks"):
            continue
        if path.suffix not in {".py", ".json", ".css", ".typed"}:
            continue
        files.append(path)
    return files


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return f"sha256={digest.decode()}"


def build_kernel_wheel(out_dir: Path, version: str | None = None) -> Path:
    """Write ``pylearn_jupyter-<version>-py3-none-any.whl`` into ``out_dir``; returns its path."""
    version = version or package_version()
    root = Path(pylearn_jupyter.__file__).parent
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
        (f"pylearn_jupyter/{p.relative_to(root).as_posix()}", p.read_bytes())
        for p in _kernel_files(root)
    ]
    entries += [(f"{dist_info}/METADATA", metadata.encode()),
                (f"{dist_info}/WHEEL", wheel_meta.encode()),
                (f"{dist_info}/top_level.txt", b"pylearn_jupyter\n")]
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
