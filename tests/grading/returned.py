"""Returned learner notebooks for grading tests, and ``pylearn grade`` as a process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def notebook(*cells: str) -> str:
    """A learner notebook (JSON text) whose code cells hold these sources."""
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": source} for source in cells]})


def answer(exercise: str, code: str) -> str:
    """An exercise cell: the ``%%exercise`` line, then the learner's code."""
    return f"%%exercise {exercise}\n{code}"


def grade(*args: str, env: dict | None = None, cwd: Path | None = None
          ) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pylearn_jupyter.cli", "grade", *args],
                          capture_output=True, text=True, timeout=300, env=env, cwd=cwd)
