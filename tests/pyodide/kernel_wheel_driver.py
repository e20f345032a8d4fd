"""Runs inside Pyodide from a built site's lock (see site_kernel.mjs): the kernel wheel alone.

Imports every module the wheel holds, checks a learner's code through the notebook's own
path (the front end's silent setup, ``check`` with its panel, a misspelt ``%%exercise``
line in a real IPython shell), and prints one JSON document on its last line
for tests/lite/test_kernel_wheel.py.
"""

import contextlib
import importlib
import importlib.metadata
import io
import json
import sys

import pylearn_jupyter
from pylearn_jupyter.exercise import Exercise
from pylearn_jupyter.registry import encode_exercises

files = [str(f) for f in importlib.metadata.files("pylearn-jupyter")]
modules = sorted(
    f.removesuffix("/__init__.py").removesuffix(".py").replace("/", ".")
    for f in files if f.endswith(".py")
)
failed = {}
for name in modules:
    try:
        importlib.import_module(name)
    except Exception as exc:  # noqa: BLE001 - reported to the test
        failed[name] = f"{type(exc).__name__}: {exc}"

exercise = Exercise(id="sample.double", title="Double", chapter="sample", time_limit=2.0,
                    tests="def test_two():\n    assert double(2) == 4\n")
pylearn_jupyter.setup_notebook(encode_exercises([exercise]))
result = pylearn_jupyter.check("sample.double", "def double(x):\n    return 2 * x\n")

from IPython.core.interactiveshell import InteractiveShell  # noqa: E402

from pylearn_jupyter.notebook import setup_from_front_end  # noqa: E402

shell = InteractiveShell.instance()
setup_from_front_end(json.dumps({"checks": encode_exercises([exercise]),
                                 "answers": {"cell-1": "sample.double"}}))
said = io.StringIO()
with contextlib.redirect_stdout(said):
    shell.run_cell("%%exercse sample.double\ndef double(x):\n    return 2 * x\n")
    shell.run_cell("def double(x):\n    return 2 * x\n", cell_id="cell-1")

print(json.dumps({
    "platform": sys.platform,
    "location": pylearn_jupyter.__file__,
    "files": files,
    "modules": modules,
    "failed_imports": failed,
    "loaded": sorted(m for m in sys.modules if m.split(".")[0] == "pylearn_jupyter"),
    "status": result.status,
    "magic_line_messages": said.getvalue().splitlines(),
}))
