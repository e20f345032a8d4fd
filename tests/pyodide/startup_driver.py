"""Runs inside Pyodide from a built site's lock (see site_kernel.mjs): what the kernel's start
and a first check import, and which of those modules Python had to compile from source.

Prints one JSON document on its last line for tests/lite/test_precompiled.py.
"""

import importlib._bootstrap_external as bootstrap
import json
import os
import sys

compiled = []
to_code = bootstrap.SourceLoader.source_to_code


def recording(self, data, path, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201
    compiled.append(path)
    return to_code(self, data, path, *args, **kwargs)


bootstrap.SourceLoader.source_to_code = recording
stdout = sys.stdout  # the kernel's modules may take it over

import IPython  # noqa: E402
import ipywidgets  # noqa: E402, F401

import pylearn_jupyter.notebook  # noqa: E402
import pylearn_jupyter.widgets.panel  # noqa: E402, F401

print(json.dumps({
    "compiled": compiled,
    "notebook_cached": pylearn_jupyter.notebook.__spec__.cached,
    "notebook_cached_exists": os.path.isfile(pylearn_jupyter.notebook.__spec__.cached),
    "ipython": IPython.__file__,
}), file=stdout)
