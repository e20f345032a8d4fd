"""The extension is enabled by its shipped config file and validates in `jupyter server
extension list` (what CI and a user check after `pip install`)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import jupyter_env

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "jupyter-config" / "server-config" / "pylearn_jupyter.json"


def extension_list(env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "jupyter", "server", "extension", "list"],
        capture_output=True, text=True, timeout=120, env=env,
    )
    return re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)


def test_the_shipped_config_enables_the_extension():
    config = json.loads(SHIPPED.read_text(encoding="utf-8"))

    assert config == {"ServerApp": {"jpserver_extensions": {"pylearn_jupyter": True}}}


def test_the_shipped_config_makes_the_extension_listed_ok(jupyter_home):
    env = jupyter_env(jupyter_home)
    config_d = Path(env["JUPYTER_CONFIG_DIR"]) / "jupyter_server_config.d"
    config_d.mkdir(parents=True)
    shutil.copy(SHIPPED, config_d)

    listed = extension_list(env)

    assert re.search(r"pylearn_jupyter\s+enabled", listed), listed
    assert re.search(r"pylearn_jupyter\b.*\bOK", listed), listed


def test_the_installed_package_enables_the_extension(jupyter_home):
    listed = extension_list(jupyter_env(jupyter_home))

    assert re.search(r"pylearn_jupyter\s+enabled", listed), (
        "the installed package did not enable the server extension; reinstall it "
        f"(pip install -e .) so jupyter-config/ is installed:\n{listed}")
    assert re.search(r"pylearn_jupyter\b.*\bOK", listed), listed
