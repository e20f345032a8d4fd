"""Turn a source chapter into the learner notebook handed out.

The learner notebook holds no solution cells and no hidden tests. Everything needed to
check offline (visible tests, hints, the solution shown on request) travels in the
notebook's metadata (``pylearn.checks``), out of the learner's way: when the notebook's
kernel starts, the PyLearn front end (JupyterLab, Notebook 7, JupyterLite) hands that data
to the kernel (``pylearn_jupyter.notebook.setup_from_front_end``), so there is no setup
cell to run. A graded handout (``solutions=False``) carries no solution at all.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

from .exercise import Chapter, Exercise
from .registry import encode_exercises

__all__ = ["learner_notebook", "intro_notebook", "release_folder", "LEARNER_FORMAT"]

LEARNER_FORMAT = 1


def _markdown(source: str, **pylearn: Any) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": "markdown", "metadata": {}, "source": source}
    if pylearn:
        cell["metadata"]["pylearn"] = pylearn
    return cell


def _code(source: str, **pylearn: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    if pylearn:
        metadata["pylearn"] = pylearn
    return {"cell_type": "code", "execution_count": None, "metadata": metadata,
            "outputs": [], "source": source}


def _clean(cell: dict[str, Any]) -> dict[str, Any]:
    cell = copy.deepcopy(cell)
    cell.pop("id", None)
    if cell.get("cell_type") == "code":
        cell["outputs"] = []
        cell["execution_count"] = None
    return cell


def answer_source(exercise_id: str, starter: str) -> str:
    return f"%%exercise {exercise_id}\n{starter}".rstrip() + "\n"


def graded_handout(exercise: Exercise) -> Exercise:
    """The exercise as a graded handout carries it: no solution (nor hidden tests)."""
    return dataclasses.replace(exercise, solution=None, hidden_tests="", graded=True)


def learner_notebook(
    chapter: Chapter, exercise_id: str | None = None, *, solutions: bool = True,
) -> dict[str, Any]:
    """The learner notebook of a chapter, as nbformat 4 JSON data.

    With ``exercise_id`` the notebook holds that one exercise only (what the PyLearn
    sidebar opens); without it, the chapter's introduction and all its exercises (what
    ``pylearn release`` hands out).
    """
    exercises = chapter.exercises
    if exercise_id is not None:
        exercises = [ex for ex in exercises if ex.id == exercise_id]
        if not exercises:
            raise KeyError(exercise_id)
    if not solutions:
        exercises = [graded_handout(ex) for ex in exercises]
    cells: list[dict[str, Any]] = []
    if exercise_id is None:
        cells.extend(_clean(c) for c in chapter.intro_cells)
    else:
        cells.append(_markdown(f"*{chapter.title}*", role="chapter"))
    for exercise in exercises:
        prompt = f"## {exercise.title}\n\n{exercise.prompt}".rstrip()
        prompt += (
            "\n\n*Write your code in the cell below, then run it (Shift+Enter) to check it.*"
        )
        cells.append(_markdown(prompt, exercise=exercise.id, role="prompt"))
        cells.extend(_clean(c) for c in exercise.extra_cells)
        cells.append(_code(answer_source(exercise.id, exercise.starter),
                           exercise=exercise.id, role="answer"))
    return _notebook(cells, "pylearn", chapter, exercises=[
        {"id": ex.id, "title": ex.title, "version": ex.version} for ex in exercises
    ], checks=encode_exercises(exercises))


def intro_notebook(chapter: Chapter) -> dict[str, Any]:
    """A chapter's introduction alone (its explanations and runnable examples)."""
    cells = [_clean(c) for c in chapter.intro_cells]
    return _notebook(cells, "pylearn-intro", chapter, role="intro")


def _notebook(
    cells: list[dict[str, Any]], id_prefix: str, chapter: Chapter, **pylearn: Any
) -> dict[str, Any]:
    """nbformat 4.5 data with stable cell ids and the chapter in the ``pylearn`` metadata.

    An answer cell's id is made from its exercise id, so it differs between notebooks: a
    kernel that several exercise notebooks share (JupyterLite) tells their cells apart.
    """
    for number, cell in enumerate(cells):
        cell["id"] = f"{id_prefix}-{number:03d}"
        role = cell.get("metadata", {}).get("pylearn", {})
        if role.get("role") == "answer":
            digest = hashlib.sha1(role["exercise"].encode("utf-8")).hexdigest()[:16]
            cell["id"] = f"{id_prefix}-answer-{digest}"
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                           "language": "python"},
            "language_info": {"name": "python"},
            "pylearn": {
                "format": LEARNER_FORMAT,
                "chapter": {"id": chapter.id, "title": chapter.title, "order": chapter.order},
                **pylearn,
            },
        },
        "cells": cells,
    }


def learner_file_name(chapter: Chapter) -> str:
    return Path(chapter.path).name if chapter.path else f"{chapter.id}.ipynb"


def write_notebook(notebook: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def release_folder(chapters: list[Chapter], out: Path, *, solutions: bool = True) -> list[Path]:
    """Write one learner notebook per chapter into ``out``; returns the paths written.

    ``solutions=False`` makes graded handouts: no solution anywhere in the notebook.
    """
    written = []
    for chapter in chapters:
        target = out / learner_file_name(chapter)
        write_notebook(learner_notebook(chapter, solutions=solutions), target)
        written.append(target)
    return written
