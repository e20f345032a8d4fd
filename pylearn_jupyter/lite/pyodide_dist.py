"""A self-hosted Pyodide core, taken from the npm registry and kept in a cache.

The CDN build of Pyodide is what JupyterLite loads by default; the site must load
nothing from any other host, so the core (``pyodide.mjs``, the wasm, the stdlib and
the lock) is packed from npm once and copied into every site.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

__all__ = ["PyodideUnavailable", "pyodide_core"]


class PyodideUnavailable(RuntimeError):
    """The Pyodide core could not be had from the cache or the npm registry."""


def _npm_pack(version: str, into: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise PyodideUnavailable(
            f"Pyodide {version} is not in the cache and npm is missing to fetch it; "
            "install Node.js (apt-get install nodejs npm) or pass --pyodide-tarball")
    into.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([npm, "pack", f"pyodide@{version}", "--silent"], cwd=into,
                          capture_output=True, text=True)
    tarball = into / f"pyodide-{version}.tgz"
    if done.returncode != 0 or not tarball.is_file():
        raise PyodideUnavailable(
            f"npm could not fetch pyodide@{version}: {done.stderr.strip() or done.stdout.strip()}")
    return tarball


def _patch_lock(lock_path: Path, version: str) -> None:
    """npm's lock lacks ``info.version``, which pyodide-lock requires."""
    lock = json.loads(lock_path.read_text(encoding="utf-8"))
    info = lock.setdefault("info", {})
    if info.get("version") != version:
        info["version"] = version
        lock_path.write_text(json.dumps(lock), encoding="utf-8")


def pyodide_core(version: str, cache_dir: Path, tarball: Path | None = None) -> Path:
    """The folder of an unpacked Pyodide core ``version`` (fetched into ``cache_dir`` once)."""
    target = cache_dir / f"pyodide-{version}"
    marker = target / "pyodide.mjs"
    if marker.is_file() and (target / "pyodide-lock.json").is_file():
        return target
    if tarball is None:
        tarball = cache_dir / f"pyodide-{version}.tgz"
        if not tarball.is_file():
            tarball = _npm_pack(version, cache_dir)
    with tempfile.TemporaryDirectory(dir=cache_dir) as tmp, tarfile.open(tarball) as archive:
        archive.extractall(tmp, filter="data")
        package = Path(tmp) / "package"
        if not (package / "pyodide.mjs").is_file():
            raise PyodideUnavailable(f"{tarball} holds no Pyodide core (no package/pyodide.mjs)")
        _patch_lock(package / "pyodide-lock.json", version)
        for junk in ("README.md", "console.html", "console-v2.html", "ffi.d.ts", "pyodide.d.ts"):
            (package / junk).unlink(missing_ok=True)
        shutil.rmtree(target, ignore_errors=True)
        package.rename(target)
    return target
