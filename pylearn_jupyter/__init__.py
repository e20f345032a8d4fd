"""PyLearn for Jupyter: learn Python through checked exercises in notebooks.

The names here are the kernel side (pure Python, Pyodide-safe). The Jupyter server
and JupyterLab hooks import their modules lazily, so the kernel never loads them.
"""

from __future__ import annotations

from typing import Any

__all__ = ["__version__", "check", "setup_notebook", "load_ipython_extension"]


def __getattr__(name: str) -> Any:
    if name == "__version__":  # read on demand: the sandboxed learner process never needs it
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("pylearn-jupyter")
        except PackageNotFoundError:  # a source tree that was never installed
            return "0.0.0"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def check(exercise_id: str, code: str, **kwargs: Any) -> Any:
    """Check a piece of code against an exercise and show the result (see notebook.check)."""
    from .notebook import check as _check

    return _check(exercise_id, code, **kwargs)


def setup_notebook(blob: str | None = None) -> None:
    """Load a learner notebook's exercises and the %%exercise magic (see notebook.py)."""
    from .notebook import setup_notebook as _setup

    _setup(blob)


def load_ipython_extension(shell: Any) -> None:
    from .notebook import load_ipython_extension as _load

    _load(shell)


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    """The Jupyter server extension (imported only by a Jupyter server)."""
    from .server.app import PyLearnApp

    return [{"module": "pylearn_jupyter.server.app", "app": PyLearnApp}]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "pylearn-jupyter"}]
