"""The site ships its kernel's startup modules compiled (pylearn_jupyter/lite/precompile.py):
Pyodide then compiles none of them as a page starts Python and checks a first exercise."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from pylearn_jupyter.lite.precompile import precompile_wheels

from .conftest import run_in_site_kernel


@pytest.fixture(scope="module")
def startup(site_dir: Path) -> dict:
    return run_in_site_kernel(site_dir, "startup_driver.py",
                              "ipython", "ipywidgets", "pylearn-jupyter")


def test_the_startup_modules_are_not_compiled_in_the_page(startup: dict) -> None:
    assert startup["notebook_cached_exists"], startup["notebook_cached"]
    ours = ("/pylearn_jupyter/", "/ipywidgets/", "/IPython/", "/traitlets/")
    compiled_here = [path for path in startup["compiled"] if any(p in path for p in ours)]
    assert compiled_here == []


def test_the_lock_names_the_rewritten_wheels_by_their_new_hash(site_dir: Path) -> None:
    lock_dir = site_dir / "static" / "pyodide-lock"
    lock = json.loads((lock_dir / "pyodide-lock.json").read_text())
    ours = lock["packages"]["pylearn-jupyter"]
    wheel = lock_dir / Path(ours["file_name"]).name
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        record = archive.read(next(n for n in names if n.endswith(".dist-info/RECORD")))
    cached = [n for n in names if n.startswith("pylearn_jupyter/__pycache__/notebook.")]
    assert len(cached) == 1 and cached[0].endswith(".pyc"), cached
    assert f"{cached[0]},,".encode() in record
    assert "pylearn_jupyter/notebook.py" in names  # the source stays, for tracebacks
    for pkg in lock["packages"].values():
        local = lock_dir / Path(pkg["file_name"]).name
        if local.is_file():
            assert hashlib.sha256(local.read_bytes()).hexdigest() == pkg["sha256"], local.name


def test_without_node_the_site_is_left_as_it_is_and_says_why(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    said: list[str] = []
    assert precompile_wheels(tmp_path, said.append) == {}
    assert said and "Node.js is missing" in said[0] and "install nodejs" in said[0]
