"""`pylearn release SRC course.json --bundle`: one JSON file with the course outline and its
learner notebooks (docs/api.md, *Course bundles*), checked by the same rules as the API,
and accepted by the API."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from api.conftest import bearer, make_settings, register
from fastapi.testclient import TestClient
from pydantic import ValidationError

from pylearn_jupyter.api import create_app
from pylearn_jupyter.api.schemas import CourseBundleIn
from pylearn_jupyter.bundle import (
    MAX_BUNDLE_BYTES,
    BundleError,
    check_bundle,
    make_bundle,
    read_bundle,
)
from pylearn_jupyter.course import load_course
from pylearn_jupyter.registry import decode_exercises

DATA = Path(__file__).parent / "data"
SOLUTION = 'return " ".join(reversed(text.split()))'
BLOB = re.compile(r"[A-Za-z0-9+/=]{40,}")


def pylearn(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pylearn_jupyter.cli", *args],
                          capture_output=True, text=True, timeout=timeout)


def packed_solutions(notebook: dict) -> list[str | None]:
    """The solutions of the exercises a learner notebook carries (in its metadata)."""
    return [exercise.solution
            for exercise in decode_exercises(notebook["metadata"]["pylearn"]["checks"])]


@pytest.fixture(scope="module")
def bundles(tmp_path_factory) -> dict[str, Path]:
    """The sample course bundled twice, as a handout with solutions and a graded one, and
    released as folders of notebooks to compare with."""
    root = tmp_path_factory.mktemp("bundles")
    made = {"first": root / "course.json", "again": root / "again.json",
            "graded": root / "graded.json", "folder": root / "folder",
            "graded-folder": root / "graded-folder"}
    for args in ((str(made["first"]), "--bundle"), (str(made["again"]), "--bundle"),
                 (str(made["graded"]), "--bundle", "--no-solutions", "--title", "Graded"),
                 (str(made["folder"]),), (str(made["graded-folder"]), "--no-solutions")):
        proc = pylearn("release", str(DATA), *args)
        assert proc.returncode == 0, proc.stderr
    return made


def test_bundle_has_the_documented_shape_and_release_notebooks(bundles) -> None:
    bundle = json.loads(bundles["first"].read_text(encoding="utf-8"))

    assert list(bundle) == ["format", "course", "notebooks"] and bundle["format"] == 1
    assert bundle["course"] == {"title": "data", "chapters": [{
        "id": "sample", "title": "Sample chapter", "order": 1,
        "notebook": "sample_chapter.ipynb",
        "exercises": [{"id": "sample.reverse-words", "title": "Reverse the words", "version": "2"},
                      {"id": "sample.greet", "title": "Greet someone", "version": "1"}],
    }]}
    released = json.loads((bundles["folder"] / "sample_chapter.ipynb").read_text("utf-8"))
    assert bundle["notebooks"] == {"sample_chapter.ipynb": released}
    assert SOLUTION in packed_solutions(released)[0]
    assert "#| solution" not in json.dumps(bundle)
    assert "test_extra_spaces" not in json.dumps(bundle)  # a hidden test
    assert check_bundle(bundle) == []
    CourseBundleIn.model_validate(bundle)  # the API's own validator


def test_bundling_is_deterministic(bundles) -> None:
    assert bundles["first"].read_bytes() == bundles["again"].read_bytes()
    chapters = load_course([DATA]).chapters
    assert make_bundle(chapters, "data") == json.loads(bundles["first"].read_bytes())


def test_no_solutions_bundle_carries_no_solution(bundles) -> None:
    bundle = json.loads(bundles["graded"].read_text(encoding="utf-8"))
    notebook = bundle["notebooks"]["sample_chapter.ipynb"]

    assert bundle["course"]["title"] == "Graded"
    assert notebook == json.loads((bundles["graded-folder"] / "sample_chapter.ipynb")
                                  .read_text("utf-8"))
    solutions = packed_solutions(notebook)
    assert len(solutions) == 2 and solutions == [None, None]
    assert "reversed(text.split())" not in json.dumps(bundle)


def test_invalid_sources_write_no_bundle(tmp_path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "b.ipynb").write_text('{"cells": [], "metadata": {}}')
    failing = tmp_path / "failing"
    failing.mkdir()
    source = json.loads((DATA / "sample_chapter.ipynb").read_text("utf-8"))
    for cell in source["cells"]:
        text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if text.startswith("#| solution\ndef reverse_words"):
            cell["source"] = "#| solution\ndef reverse_words(text):\n    return text\n"
    (failing / "chapter.ipynb").write_text(json.dumps(source))

    for folder in (broken, failing, tmp_path / "missing"):
        out = tmp_path / f"{folder.name}.json"
        proc = pylearn("release", str(folder), str(out), "--bundle")
        assert proc.returncode == 1, proc.stderr
        assert "Nothing released" in proc.stderr and "Traceback" not in proc.stderr
        assert not out.exists()
    assert list(tmp_path.glob("*.json")) == [] and list(tmp_path.glob(".*")) == []


def test_usage_problems_exit_2(tmp_path) -> None:
    folder = tmp_path / "existing"
    folder.mkdir()
    chapter = tmp_path / "chapter.ipynb"
    chapter.write_text((DATA / "sample_chapter.ipynb").read_text("utf-8"), encoding="utf-8")
    before = chapter.read_bytes()

    into_folder = pylearn("release", str(DATA), str(folder), "--bundle")
    onto_source = pylearn("release", str(chapter), str(chapter), "--bundle")
    title_alone = pylearn("release", str(DATA), str(tmp_path / "out"), "--title", "T")

    assert into_folder.returncode == 2 and "is a folder" in into_folder.stderr
    assert onto_source.returncode == 2 and "differ from the source" in onto_source.stderr
    assert chapter.read_bytes() == before
    assert title_alone.returncode == 2 and "--bundle" in title_alone.stderr
    assert not (tmp_path / "out").exists() and list(folder.iterdir()) == []


def test_a_single_notebook_source_is_titled_by_its_name(tmp_path) -> None:
    out = tmp_path / "one.json"
    proc = pylearn("release", str(DATA / "sample_chapter.ipynb"), str(out), "--bundle")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text("utf-8"))["course"]["title"] == "sample_chapter"


def _mutations(good: dict):
    """Bundles the API refuses, one rule broken each."""
    def changed(edit):
        bundle = copy.deepcopy(good)
        edit(bundle)
        return bundle

    chapter = lambda b: b["course"]["chapters"][0]  # noqa: E731
    exercise = lambda b: chapter(b)["exercises"][0]  # noqa: E731
    yield changed(lambda b: b.update(format=2))
    yield changed(lambda b: b.update(extra=1))
    yield changed(lambda b: b.pop("notebooks"))
    yield changed(lambda b: b.update(notebooks={}))
    yield changed(lambda b: b["course"].update(title=""))
    yield changed(lambda b: b["course"].update(title="x" * 201))
    yield changed(lambda b: b["course"].update(chapters=[]))
    yield changed(lambda b: b["course"].update(extra=True))
    yield changed(lambda b: chapter(b).update(id="Week 1"))
    yield changed(lambda b: chapter(b).update(order="1"))
    yield changed(lambda b: chapter(b).update(order=True))
    yield changed(lambda b: chapter(b).update(notebook="other.ipynb"))
    yield changed(lambda b: chapter(b).update(notebook="../sample_chapter.ipynb"))
    yield changed(lambda b: chapter(b).pop("exercises"))
    yield changed(lambda b: exercise(b).update(id="a" * 129))
    yield changed(lambda b: exercise(b).update(version=""))
    yield changed(lambda b: exercise(b).update(version="v" * 65))
    yield changed(lambda b: exercise(b).update(title="nul\x00"))
    yield changed(lambda b: exercise(b).update(points=1))
    yield changed(lambda b: chapter(b)["exercises"].append(dict(exercise(b))))
    yield changed(lambda b: b["course"]["chapters"].append(dict(chapter(b), exercises=[])))
    yield changed(lambda b: b["notebooks"].update({"a/./b.ipynb": {}}))
    yield changed(lambda b: b["notebooks"].update({"(1).ipynb": b["notebooks"][
        "sample_chapter.ipynb"]}))
    yield changed(lambda b: b["notebooks"]["sample_chapter.ipynb"].update(nbformat=3))
    yield changed(lambda b: b["notebooks"]["sample_chapter.ipynb"].update(nbformat_minor=-1))
    yield changed(lambda b: b["notebooks"]["sample_chapter.ipynb"].pop("cells"))


def test_check_bundle_refuses_what_the_api_refuses(bundles) -> None:
    good = json.loads(bundles["first"].read_text(encoding="utf-8"))
    kept = copy.deepcopy(good)
    kept["notebooks"]["sample_chapter.ipynb"]["other"] = 1  # kept inside notebooks
    del kept["course"]["chapters"][0]["exercises"][0]["version"]  # "1" by default
    assert check_bundle(kept) == []
    CourseBundleIn.model_validate(kept)
    for number, bad in enumerate(_mutations(good)):
        with pytest.raises(ValidationError):
            CourseBundleIn.model_validate(bad)
        assert check_bundle(bad), f"mutation {number} passes check_bundle"


def test_chapters_released_under_one_name_cannot_be_bundled(tmp_path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        text = (DATA / "sample_chapter.ipynb").read_text("utf-8")
        if folder == "b":
            text = text.replace("sample", "other")
        (tmp_path / folder / "chapter.ipynb").write_text(text, encoding="utf-8")
    with pytest.raises(BundleError, match="two chapters would be released as 'chapter.ipynb'"):
        make_bundle(load_course([tmp_path]).chapters, "Twice")


def test_read_bundle_refuses_files_the_api_would_refuse(tmp_path, bundles) -> None:
    not_json = tmp_path / "x.json"
    not_json.write_text("{nope")
    huge = tmp_path / "huge.json"
    huge.write_bytes(b" " * (MAX_BUNDLE_BYTES + 1))
    with pytest.raises(BundleError, match="not JSON"):
        read_bundle(not_json)
    with pytest.raises(BundleError, match="20 MiB"):
        read_bundle(huge)
    bundle, data = read_bundle(bundles["first"])
    assert data == bundles["first"].read_bytes() and bundle["format"] == 1


def test_the_api_accepts_the_bundle_and_versions_it_by_content(bundles, tmp_path) -> None:
    body = bundles["first"].read_bytes()
    with TestClient(create_app(make_settings(f"sqlite:///{tmp_path / 'api.db'}"))) as client:
        token, _ = register(client)
        made = client.post("/api/v1/classes", headers=bearer(token),
                           json={"name": "Bundled", "course": "uploaded"}).json()
        url = f"/api/v1/classes/{made['id']}/course"
        headers = {**bearer(token), "Content-Type": "application/json"}
        first = client.put(url, headers=headers, content=body)
        second = client.put(url, headers=headers, content=bundles["again"].read_bytes())
        graded = client.put(url, headers=headers, content=bundles["graded"].read_bytes())
        served = client.get(url, headers=bearer(token))

    assert first.status_code == 200, first.text
    assert second.status_code == 200 and second.json() == first.json()
    assert graded.status_code == 200 and graded.json() != first.json()
    assert served.json() == json.loads(bundles["graded"].read_bytes())
