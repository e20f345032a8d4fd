"""The built site: self-contained configuration, the course as contents, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

from pylearn_jupyter.lite.audit import external_urls
from pylearn_jupyter.lite.build import KERNEL_PLUGIN
from pylearn_jupyter.lite.kernel_wheel import build_kernel_wheel
from pylearn_jupyter.registry import decode_exercises

from .conftest import free_port


def _lite_json(site: Path) -> dict:
    return json.loads((site / "jupyter-lite.json").read_text())["jupyter-config-data"]


def test_configuration_names_no_other_host(site_dir: Path, api_port: int) -> None:
    assert external_urls(site_dir, allowed_hosts=("127.0.0.1",)) == []


def test_audit_reports_a_cdn_url(clean_site_copy: Path) -> None:
    config = clean_site_copy / "jupyter-lite.json"
    data = json.loads(config.read_text())
    data["jupyter-config-data"]["pyodideUrl"] = "https://cdn.jsdelivr.net/pyodide/pyodide.mjs"
    config.write_text(json.dumps(data))

    found = external_urls(clean_site_copy, allowed_hosts=("127.0.0.1",))

    assert [str(f[2]) for f in found] == ["https://cdn.jsdelivr.net/pyodide/pyodide.mjs"]


def test_every_locked_package_is_a_file_of_the_site(site_dir: Path) -> None:
    lock_path = site_dir / "static" / "pyodide-lock" / "pyodide-lock.json"
    packages = json.loads(lock_path.read_text())["packages"]

    missing = [name for name, pkg in packages.items()
               if not (lock_path.parent / pkg["file_name"]).resolve().is_file()]
    dangling = [(name, dep) for name, pkg in packages.items()
                for dep in pkg["depends"] if dep not in packages]

    assert missing == [] and dangling == []
    assert {"pylearn-jupyter", "ipywidgets", "ipykernel", "pyodide-kernel"} <= set(packages)


def test_kernel_loads_pyodide_and_packages_from_the_site(site_dir: Path) -> None:
    config = _lite_json(site_dir)
    kernel = config["litePluginSettings"][KERNEL_PLUGIN]

    assert kernel["disablePyPIFallback"] is True
    assert kernel["pyodideUrl"].startswith("./static/pyodide/")
    assert (site_dir / kernel["pyodideUrl"]).is_file()
    assert kernel["loadPyodideOptions"]["lockFileURL"] == "./static/pyodide-lock/pyodide-lock.json"
    assert "pylearn-jupyter" in kernel["loadPyodideOptions"]["packages"]


def test_front_end_knows_lite_mode_and_api_url(site_dir: Path, api_port: int) -> None:
    config = _lite_json(site_dir)

    assert config["pylearnMode"] == "lite"
    assert config["pylearnApiUrl"] == f"http://127.0.0.1:{api_port}"


def test_no_source_maps_are_shipped(site_dir: Path) -> None:
    assert list(site_dir.rglob("*.map")) == []


def test_course_is_in_the_contents_with_catalog_and_originals(site_dir: Path) -> None:
    files = site_dir / "files"
    catalog = json.loads((files / "pylearn" / "catalog.json").read_text())
    paths = [ex["path"] for ch in catalog["chapters"] for ex in ch["exercises"]]
    paths += [ch["intro"] for ch in catalog["chapters"] if ch["intro"]]

    assert "api" not in catalog
    assert paths == ["pylearn/sample/sample.reverse-words.ipynb",
                     "pylearn/sample/sample.greet.ipynb",
                     "pylearn/sample/00-introduction.ipynb"]
    for path in paths:
        learner = (files / path).read_bytes()
        assert (files / "pylearn" / ".originals" / path).read_bytes() == learner


def test_contents_index_lists_the_originals_folder(site_dir: Path) -> None:
    listing = json.loads((site_dir / "api" / "contents" / "pylearn" / "all.json").read_text())

    assert {"catalog.json", "sample", ".originals"} <= {item["name"] for item in
                                                          listing["content"]}


def test_learner_notebook_has_no_setup_cell_and_carries_its_checks(site_dir: Path) -> None:
    notebook = json.loads(
        (site_dir / "files" / "pylearn" / "sample" / "sample.greet.ipynb").read_text())
    code = ["".join(cell["source"]) for cell in notebook["cells"]
            if cell["cell_type"] == "code"]

    assert code == [c for c in code if c.startswith("%%exercise sample.greet")] and code
    assert not any("pylearn_jupyter" in c or "pip" in c for c in code)
    assert [ex.id for ex in decode_exercises(notebook["metadata"]["pylearn"]["checks"])] == [
        "sample.greet"]
    # The site's own kernel, so that JupyterLite has nothing to resolve (or rewrite).
    assert notebook["metadata"]["kernelspec"]["name"] == "python"


def test_kernel_wheel_holds_no_server_code(tmp_path: Path) -> None:
    wheel = build_kernel_wheel(tmp_path)

    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read("pylearn_jupyter-" + wheel.name.split("-")[1]
                                + ".dist-info/METADATA").decode()
    assert "pylearn_jupyter/checker/timelimit.py" in names
    assert "pylearn_jupyter/widgets/panel.py" in names
    assert not [n for n in names if n.startswith(("pylearn_jupyter/api/",
                                                  "pylearn_jupyter/lite/"))]
    assert [line for line in metadata.splitlines() if line.startswith("Requires-Dist")] == [
        "Requires-Dist: ipywidgets>=8.1"]


def test_build_refuses_a_folder_that_is_not_a_site(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me")

    done = subprocess.run([sys.executable, "-m", "pylearn_jupyter.cli", "lite", "build",
                           "--output", str(tmp_path)], capture_output=True, text=True)

    assert done.returncode == 1
    assert "is not a JupyterLite site" in done.stderr
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_serve_command_serves_the_site_on_loopback(site_dir: Path) -> None:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "pylearn_jupyter.cli", "lite", "serve",
                               "--dir", str(site_dir), "--port", str(port)],
                              stdout=subprocess.PIPE, text=True)
    try:
        banner = server.stdout.readline()
        deadline = time.monotonic() + 10
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab/index.html") as answer:
                    status = answer.status
                with urllib.request.urlopen(
                        f"http://127.0.0.1:{port}/static/pyodide/pyodide.asm.wasm") as answer:
                    wasm_type = answer.headers["Content-Type"]
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=10)

    assert f"http://127.0.0.1:{port}/" in banner
    assert status == 200
    assert wasm_type == "application/wasm"


def test_serve_explains_a_missing_site(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "pylearn_jupyter.cli", "lite", "serve",
                           "--dir", str(tmp_path / "nothing")], capture_output=True, text=True)

    assert done.returncode == 2
    assert "pylearn lite build" in done.stderr
