"""Build the PyLearn JupyterLite site.

The build runs ``jupyter lite build`` in a throw-away work folder assembled from the
pinned configuration (``lite/``), then makes the result self-contained: every entry of
the Pyodide lock that points at another host is dropped, PyPI fallback is disabled (so a
missing package fails at once, with its name), and the configuration is scanned for any
absolute URL left. The finished site replaces the output folder in one rename, so a
server that is serving it never sees half a site.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .audit import external_urls
from .kernel_wheel import DIST_NAME, build_kernel_wheel
from .precompile import precompile_wheels
from .pyodide_dist import PyodideUnavailable, pyodide_core

__all__ = ["BuildProblem", "BuildOptions", "BuildResult", "build_site", "config_dir",
           "default_cache_dir", "pinned_requirements", "KERNEL_PLUGIN"]

KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"
#: The labextensions a site carries: the Pyodide kernel and the ipywidgets manager.
BASE_LABEXTENSIONS = ("@jupyterlite/pyodide-kernel-extension",
                      "@jupyter-widgets/jupyterlab-manager")
PYLEARN_LABEXTENSION = "pylearn-jupyter"
#: The password reset page of the site, where the reset mail links to (docs/api.md).
RESET_PAGE = "pylearn/reset-password/index.html"
CONFIG_FILES = ("jupyter_lite_config.json", "jupyter-lite.json", "overrides.json",
                "constraints.txt")


class BuildProblem(RuntimeError):
    """The site could not be built; the message says what to do."""


@dataclass
class BuildOptions:
    output: Path
    api_url: str | None = None
    course: list[str] | None = None
    #: False builds the same site without PyLearn (no course, wheel or sidebar): a baseline.
    pylearn: bool = True
    extra_contents: list[Path] = field(default_factory=list)
    cache_dir: Path | None = None
    require_labextension: bool = False
    log: Any = None


@dataclass
class BuildResult:
    output: Path
    seconds: float
    size_bytes: int
    exercises: int
    labextensions: list[str]
    warnings: list[str]


def config_dir() -> Path:
    """The site's configuration: ``lite/`` of the source tree, or the copy in the package."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "site", here.parents[1] / "lite"):
        if (candidate / "jupyter_lite_config.json").is_file():
            return candidate
    raise BuildProblem("the site configuration (lite/jupyter_lite_config.json) is missing "
                       "from this installation; reinstall pylearn-jupyter")


def default_cache_dir() -> Path:
    env = os.environ.get("PYLEARN_LITE_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "pylearn-jupyter" / "lite"


def pinned_requirements(folder: Path) -> dict[str, str]:
    """``{name: version}`` of the ``name==version`` lines of ``requirements.txt``."""
    pins = {}
    for line in (folder / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[name.split("[")[0].strip()] = version.strip()
    return pins


def _check_pins(folder: Path) -> None:
    wrong = []
    for name, version in pinned_requirements(folder).items():
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            wrong.append(f"{name}=={version} (found {installed or 'nothing'})")
    if wrong:
        raise BuildProblem(
            "the site is built with pinned versions; install them with "
            f"'pip install -r {folder / 'requirements.txt'}': " + ", ".join(wrong))


def _labextension_dirs() -> dict[str, Path]:
    """Prebuilt labextensions of this environment, by npm name."""
    import pylearn_jupyter

    found: dict[str, Path] = {}
    roots = [Path(sys.prefix) / "share" / "jupyter" / "labextensions"]
    for root in roots:
        for pkg_json in [*root.glob("*/package.json"), *root.glob("@*/*/package.json")]:
            name = json.loads(pkg_json.read_text(encoding="utf-8")).get("name")
            if name:
                found.setdefault(name, pkg_json.parent)
    packaged = Path(pylearn_jupyter.__file__).parent / "labextension"
    if (packaged / "package.json").is_file() and (packaged / "static").is_dir():
        found[PYLEARN_LABEXTENSION] = packaged
    return found


def _stage_labextensions(stage: Path, names: list[str]) -> None:
    available = _labextension_dirs()
    for name in names:
        target = stage / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(available[name], target, symlinks=False,
                        ignore=shutil.ignore_patterns("*.map"))


def _read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _prepare_lite_dir(opts: BuildOptions, lite_dir: Path, cache: Path,
                      labextension_stage: Path) -> None:
    source = config_dir()
    _check_pins(source)
    lite_dir.mkdir(parents=True)
    for name in CONFIG_FILES:
        if (source / name).is_file():
            shutil.copy2(source / name, lite_dir / name)
    constraints = lite_dir / "constraints.txt"
    if constraints.is_file():
        lines = [line for line in constraints.read_text(encoding="utf-8").splitlines()
                 if not line.strip().startswith(DIST_NAME)]
        constraints.write_text("\n".join(lines) + "\n", encoding="utf-8")

    from jupyterlite_pyodide_kernel.constants import PYODIDE_VERSION

    try:
        core = pyodide_core(PYODIDE_VERSION, cache / "pyodide")
    except PyodideUnavailable as exc:
        raise BuildProblem(str(exc)) from None
    shutil.copytree(core, lite_dir / "static" / "pyodide",
                    ignore=shutil.ignore_patterns("*.map"))

    config = _read_json(lite_dir / "jupyter_lite_config.json")
    lock = config.setdefault("PyodideLockAddon", {})
    config.setdefault("FederatedExtensionAddon", {})["extra_labextensions_path"] = [
        str(labextension_stage)]
    if opts.pylearn:
        build_kernel_wheel(lite_dir / "wheels")
        lock["wheels"] = ["wheels"]
        lock["prefetch_extra"] = [*lock.get("prefetch_extra", []), DIST_NAME]
    _write_json(lite_dir / "jupyter_lite_config.json", config)

    lite_json = _read_json(lite_dir / "jupyter-lite.json")
    data = lite_json.setdefault("jupyter-config-data", {})
    if not opts.pylearn:
        data.pop("pylearnMode", None)
        data["appName"] = "JupyterLite"
    elif opts.api_url:
        data["pylearnApiUrl"] = opts.api_url.rstrip("/")
    _write_json(lite_dir / "jupyter-lite.json", lite_json)


def _self_contained_lock(lock_path: Path, required: list[str]) -> int:
    """Drop lock entries that live on another host; returns how many were dropped."""
    lock = _read_json(lock_path)
    packages: dict[str, Any] = lock["packages"]
    remote = {name for name, pkg in packages.items()
              if urllib.parse.urlparse(pkg["file_name"]).scheme}
    for name in remote:
        del packages[name]
    for pkg in packages.values():
        pkg["depends"] = [d for d in pkg.get("depends", []) if d in packages]
    missing = [name for name in required if name not in packages]
    if missing:
        raise BuildProblem("the site's Pyodide lock lacks " + ", ".join(missing)
                           + "; add them to PyodideLockAddon.specs in "
                           "lite/jupyter_lite_config.json")
    lock_path.write_text(json.dumps(lock, indent=2) + "\n", encoding="utf-8")
    return len(remote)


def _finish_config(site: Path, opts: BuildOptions) -> list[str]:
    """Patch every jupyter-lite.json: no PyPI fallback; returns the prefetched packages."""
    prefetch: list[str] = []
    for path in sorted(site.rglob("jupyter-lite.json")):
        lite_json = _read_json(path)
        data = lite_json.get("jupyter-config-data", {})
        settings = data.get("litePluginSettings", {}).get(KERNEL_PLUGIN)
        if settings is None:
            continue
        settings["disablePyPIFallback"] = True
        prefetch = settings.get("loadPyodideOptions", {}).get("packages", prefetch)
        _write_json(path, lite_json)
    root = _read_json(site / "jupyter-lite.json")
    settings = root["jupyter-config-data"].get("litePluginSettings", {}).get(KERNEL_PLUGIN, {})
    if not settings.get("disablePyPIFallback") or "lockFileURL" not in settings.get(
            "loadPyodideOptions", {}):
        raise BuildProblem("the built jupyter-lite.json does not point the kernel at the "
                           "site's own Pyodide lock; check lite/jupyter_lite_config.json")
    return prefetch


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _replace(output: Path, built: Path) -> None:
    if output.exists():
        old = output.with_name(f".{output.name}.old-{os.getpid()}")
        output.rename(old)
        built.rename(output)
        shutil.rmtree(old, ignore_errors=True)
    else:
        built.rename(output)


def _check_output(output: Path) -> None:
    if output.exists() and any(output.iterdir()) and not (output / "jupyter-lite.json").is_file():
        raise BuildProblem(f"{output} exists and is not a JupyterLite site; choose an empty "
                           "or new folder, the build replaces its contents")


def _write_reset_page(site: Path, opts: BuildOptions) -> None:
    """The page the password reset mail links to: ``<site>/pylearn/reset-password/``."""
    from ..server.reset_page import reset_page

    api = f"{opts.api_url.rstrip('/')}/api/v1" if opts.api_url else None
    target = site / RESET_PAGE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(reset_page(api_base=api, continue_url="../../lab/index.html",
                                 through_jupyter=False), encoding="utf-8")


def build_site(opts: BuildOptions) -> BuildResult:
    """Build the site into ``opts.output`` (replacing a site built there before)."""
    started = time.monotonic()
    output = opts.output.resolve()
    _check_output(output)
    cache = (opts.cache_dir or default_cache_dir()).resolve()
    cache.mkdir(parents=True, exist_ok=True)
    warnings: list[str] = []
    say = opts.log or (lambda message: print(message, file=sys.stderr))

    labextensions = list(BASE_LABEXTENSIONS)
    available = _labextension_dirs()
    if opts.pylearn:
        if PYLEARN_LABEXTENSION in available:
            labextensions.append(PYLEARN_LABEXTENSION)
        elif opts.require_labextension:
            raise BuildProblem("the PyLearn JupyterLab extension is not built; run "
                               "'pip install -e .' in the source tree first")
        else:
            warnings.append("the PyLearn JupyterLab extension is not built, so the site has "
                            "no PyLearn sidebar; 'pip install -e .' builds it")
    missing = [name for name in labextensions if name not in available]
    if missing:
        raise BuildProblem("labextensions missing from this environment: " + ", ".join(missing)
                           + f"; install {config_dir() / 'requirements.txt'}")

    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pylearn-lite-") as tmp:
        work = Path(tmp)
        lite_dir = work / "lite"
        stage = work / "labextensions"
        _stage_labextensions(stage, labextensions)
        _prepare_lite_dir(opts, lite_dir, cache, stage)

        contents = work / "contents"
        contents.mkdir()
        exercises = 0
        if opts.pylearn:
            from ..course import load_course
            from ..exercise import FormatError
            from .contents import write_course_contents

            try:
                course = load_course(opts.course or None)
            except (FormatError, OSError) as exc:
                raise BuildProblem(f"the course could not be read: {exc}") from None
            write_course_contents(course, contents)
            exercises = len(course.exercises)
            if not exercises:
                warnings.append("the course has no exercises")
        for extra in opts.extra_contents:
            target = contents / extra.name
            (shutil.copytree if extra.is_dir() else shutil.copy2)(extra, target)

        built = output.with_name(f".{output.name}.building-{os.getpid()}")
        shutil.rmtree(built, ignore_errors=True)
        env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never",
               "JUPYTERLITE_CACHE_DIR": str(work / "cache")}
        env.pop("JUPYTERLITE_PYODIDE_URL", None)
        command = [sys.executable, "-m", "jupyterlite_core", "build",
                   "--lite-dir", str(lite_dir), "--output-dir", str(built),
                   "--contents", str(contents)]
        say(f"building the JupyterLite site in {built} ...")
        done = subprocess.run(command, cwd=lite_dir, env=env, capture_output=True, text=True)
        log = work / "build.log"
        log.write_text(done.stdout + done.stderr, encoding="utf-8")
        if done.returncode != 0 or not (built / "jupyter-lite.json").is_file():
            kept = cache / "last-build.log"
            shutil.copy2(log, kept)
            shutil.rmtree(built, ignore_errors=True)
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-25:])
            raise BuildProblem(f"jupyter lite build failed (full log: {kept}):\n{tail}")

        try:
            prefetch = _finish_config(built, opts)
            if opts.pylearn:
                _write_reset_page(built, opts)
            lock_path = built / "static" / "pyodide-lock" / "pyodide-lock.json"
            _self_contained_lock(lock_path, [p for p in prefetch])
            if opts.pylearn:
                try:
                    precompile_wheels(built, say)
                except RuntimeError as exc:
                    raise BuildProblem(str(exc)) from None
            allowed = ("127.0.0.1", "localhost")
            if opts.api_url:
                host = urllib.parse.urlparse(opts.api_url).hostname
                allowed += (host,) if host else ()
            found = external_urls(built, allowed)
            if found:
                raise BuildProblem("the built configuration still names other hosts:\n"
                                   + "\n".join(str(f) for f in found[:20]))
        except BaseException:
            shutil.rmtree(built, ignore_errors=True)
            raise
        _replace(output, built)

    return BuildResult(output=output, seconds=time.monotonic() - started,
                       size_bytes=_size(output), exercises=exercises,
                       labextensions=labextensions, warnings=warnings)
