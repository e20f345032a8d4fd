"""The course as site contents: learner notebooks, the sidebar's catalog, pristine copies.

Layout (paths are the JupyterLite contents paths the labextension reads)::

    pylearn/catalog.json                      the catalog (catalog.catalog(), no "api" key)
    pylearn/<chapter>/<exercise-id>.ipynb     one learner notebook per exercise
    pylearn/<chapter>/00-introduction.ipynb   a chapter's introduction, when it has one
    pylearn/.originals/<path>                 the pristine copy of each of the above,
                                              for "reset exercise to original"
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any

from ..catalog import catalog
from ..course import Course
from ..release import intro_notebook, learner_notebook, write_notebook

__all__ = ["FOLDER", "ORIGINALS", "CATALOG_FILE", "write_course_contents"]

FOLDER = "pylearn"
#: The kernel of the site (jupyterlite-pyodide-kernel). A notebook naming another kernel
#: (``python3``, as the server's notebooks do) would make JupyterLite look for a match
#: while the page starts: a check run in that moment asks "Select Kernel", and the
#: notebook opens with unsaved changes (the kernelspec it rewrites).
KERNELSPEC = {"name": "python", "display_name": "Python (Pyodide)", "language": "python"}
ORIGINALS = f"{FOLDER}/.originals"
CATALOG_FILE = f"{FOLDER}/catalog.json"


def _write_pair(notebook: dict[str, Any], path: str, contents_dir: Path) -> None:
    notebook["metadata"]["kernelspec"] = dict(KERNELSPEC)
    write_notebook(notebook, contents_dir / PurePosixPath(path))
    write_notebook(notebook, contents_dir / PurePosixPath(ORIGINALS) / PurePosixPath(path))


def write_course_contents(course: Course, contents_dir: Path) -> dict[str, Any]:
    """Write the course under ``contents_dir``; returns the catalog written."""
    data = catalog(course, folder=FOLDER)
    data.pop("api", None)
    data["originals"] = ORIGINALS
    by_id = {chapter.id: chapter for chapter in course.chapters}
    for entry in data["chapters"]:
        chapter = by_id[entry["id"]]
        if entry.get("intro"):
            _write_pair(intro_notebook(chapter), entry["intro"], contents_dir)
        for exercise in entry["exercises"]:
            notebook = learner_notebook(chapter, exercise["id"])
            _write_pair(notebook, exercise["path"], contents_dir)
    target = contents_dir / CATALOG_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return data
