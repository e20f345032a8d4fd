"""The PyLearn API service: accounts, synced progress, export, deletion, password reset.

Self-contained on purpose: nothing here imports the rest of ``pylearn_jupyter``, and
the kernel-side core never imports this package, so each can be installed and run alone.
"""

from .app import create_app
from .core.config import ConfigError, Settings

__all__ = ["ConfigError", "Settings", "create_app"]
