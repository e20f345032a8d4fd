"""The kernel's Python packages, shipped compiled, so the learner's first check comes sooner.

Pyodide writes no bytecode cache (``sys.dont_write_bytecode``), so every module of a wheel
is compiled from its source each time a page starts Python: more than half a second of the
kernel's start for IPython, traitlets, ipywidgets and PyLearn. The site's wheels are
therefore given their compiled modules beside the sources (``__pycache__/*.pyc``, listed in
the wheel's RECORD), compiled by the site's own Pyodide under Node.js so that the bytecode
is that of the Python the kernel runs. They are hash-based and not checked against the
source (PEP 552): unpacking a wheel does not keep the files' times, and the sources in a
site never change after the build. The sources stay, for tracebacks.

Only what the kernel imports as it starts and checks a first exercise is compiled (found by
importing it, :data:`STARTUP_IMPORTS`), and all of PyLearn: compiling every module would
add megabytes (Pygments' hundreds of lexers) that the page downloads as Python starts.

The lock's ``sha256`` of each rewritten wheel is updated, as Pyodide checks it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["STARTUP_IMPORTS", "precompile_wheels"]

#: What the kernel imports by the time the first check's verdict shows: JupyterLite's
#: kernel (IPython through ipykernel), the widgets, and PyLearn's setup, checker and panel.
STARTUP_IMPORTS = ("pyodide_kernel", "ipykernel.ipkernel", "IPython", "micropip", "piplite",
                   "ipywidgets", "pylearn_jupyter.notebook", "pylearn_jupyter.widgets.panel",
                   "pylearn_jupyter.checker")
ALWAYS = ("pylearn_jupyter",)

#: Node.js script: starts the site's Pyodide, mounts the wheels' folder, runs the script.
_RUNNER = """
import { loadPyodide } from %(pyodide)s;
const [folder, others, script, imports, always] = process.argv.slice(2, 7);
const py = await loadPyodide({ stdout: s => console.log(s), stderr: s => console.error(s) });
for (const [root, at] of [[folder, '/wheels'], [others, '/others']]) {
  py.FS.mkdirTree(at);
  py.FS.mount(py.FS.filesystems.NODEFS, { root }, at);
}
py.globals.set('SCRIPT_ARGS', py.toPy(process.argv.slice(7)));
py.globals.set('IMPORTS', py.toPy(imports.split(',')));
py.globals.set('ALWAYS', py.toPy(always.split(',')));
await py.runPythonAsync(await (await import('node:fs/promises')).readFile(script, 'utf8'));
"""

#: Run inside Pyodide: every wheel (those of /wheels to compile, the others of /others) is
#: unpacked on sys.path; the startup imports are made; each wheel of /wheels is written
#: again as ``NAME.new`` with the modules imported (or under ALWAYS) compiled.
_COMPILE = r"""
import importlib, importlib.util, json, os, py_compile, sys, zipfile

trees = {}
for folder in ("/wheels", "/others"):
    for name in sorted(os.listdir(folder)):
        if name.endswith(".whl"):
            tree = f"/tmp/{folder}/{name}"
            with zipfile.ZipFile(f"{folder}/{name}") as wheel:
                wheel.extractall(tree)
            sys.path.insert(0, tree)
            if folder == "/wheels":
                trees[name] = tree
for module in IMPORTS:
    try:
        importlib.import_module(module)
    except Exception:  # a module that needs the browser: what it imported still counts
        pass
imported = {os.path.realpath(m.__file__) for m in list(sys.modules.values())
            if (getattr(m, "__file__", None) or "").endswith(".py")}

counts = {}
for name in SCRIPT_ARGS:
    source = f"/wheels/{name}"
    tree = trees[name]
    with zipfile.ZipFile(source) as wheel:
        entries = wheel.infolist()
    compiled = []
    for entry in entries:
        path = entry.filename
        full = os.path.realpath(os.path.join(tree, path))
        if not path.endswith(".py") or not (
                full in imported or path.split("/")[0] in ALWAYS):
            continue
        pyc = importlib.util.cache_from_source(path)
        py_compile.compile(full, os.path.join(tree, pyc), dfile=path, doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        compiled.append(pyc)
    with zipfile.ZipFile(source) as wheel, \
            zipfile.ZipFile(source + ".new", "w", zipfile.ZIP_DEFLATED) as out:
        for entry in entries:
            data = wheel.read(entry)
            if entry.filename.endswith(".dist-info/RECORD"):
                data += "".join(f"{path},,\n" for path in compiled).encode()
            out.writestr(entry, data)
        for path in compiled:
            out.write(os.path.join(tree, path), path)
    counts[name] = len(compiled)
# Not printed: the kernel's modules take sys.stdout over as they are imported.
with open("/wheels/precompiled.json", "w") as report:
    json.dump(counts, report)
"""


def precompile_wheels(site: Path, say=None) -> dict[str, int]:  # noqa: ANN001 - a logger
    """Compile the modules of the wheels in the site's Pyodide lock; ``{wheel: modules}``.

    Needs Node.js (which fetched the site's Pyodide in the first place); without it the
    site is left as it is and ``say`` is told why.
    """
    node = shutil.which("node")
    lock_dir = site / "static" / "pyodide-lock"
    lock_path = lock_dir / "pyodide-lock.json"
    pyodide = site / "static" / "pyodide" / "pyodide.mjs"
    if node is None:
        if say:
            say("Node.js is missing: the kernel's packages are not precompiled, so the "
                "site's first check takes longer (install nodejs and build again)")
        return {}
    lock = json.loads(lock_path.read_text(encoding="utf-8"))
    wheels = {Path(pkg["file_name"]).name: pkg for pkg in lock["packages"].values()
              if pkg["file_name"].endswith(".whl")
              and (lock_dir / Path(pkg["file_name"]).name).is_file()}
    if not wheels:
        return {}
    # The kernel's own wheels (ipykernel, piplite, ...) come with JupyterLite's kernel
    # extension and are listed in its index too: imported, not rewritten.
    others = {(lock_path.parent / pkg["file_name"]).resolve().parent
              for pkg in lock["packages"].values()
              if pkg["file_name"].endswith(".whl")
              and Path(pkg["file_name"]).name not in wheels}
    with tempfile.TemporaryDirectory(prefix="pylearn-precompile-") as tmp:
        runner = Path(tmp) / "precompile.mjs"
        runner.write_text(_RUNNER % {"pyodide": json.dumps(pyodide.as_uri())}, encoding="utf-8")
        script = Path(tmp) / "precompile.py"
        script.write_text(_COMPILE, encoding="utf-8")
        other_dir = Path(tmp) / "others"
        other_dir.mkdir()
        for folder in others:
            for wheel in folder.glob("*.whl"):
                shutil.copy2(wheel, other_dir / wheel.name)
        done = subprocess.run([node, str(runner), str(lock_dir), str(other_dir), str(script),
                               ",".join(STARTUP_IMPORTS), ",".join(ALWAYS), *sorted(wheels)],
                              capture_output=True, text=True, timeout=600)
    report = lock_dir / "precompiled.json"
    counts: dict[str, int] = json.loads(report.read_text()) if report.is_file() else {}
    report.unlink(missing_ok=True)
    if done.returncode != 0 or not counts:
        for stale in lock_dir.glob("*.whl.new"):
            stale.unlink()
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise RuntimeError(f"precompiling the kernel's packages failed:\n{tail}")
    for name, pkg in wheels.items():
        new = lock_dir / f"{name}.new"
        if name not in counts or not new.is_file():
            raise RuntimeError(f"precompiling the kernel's packages left {name} out")
        if not counts[name]:  # nothing of it is imported as the kernel starts
            new.unlink()
            continue
        new.replace(lock_dir / name)
        pkg["sha256"] = hashlib.sha256((lock_dir / name).read_bytes()).hexdigest()
    lock_path.write_text(json.dumps(lock, indent=2) + "\n", encoding="utf-8")
    return counts
