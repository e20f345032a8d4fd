"""GET /pylearn/catalog: the course the sidebar shows."""

from __future__ import annotations

import json
import shutil

import pytest

from pylearn_jupyter.course import load_course

from .conftest import SAMPLE_CHAPTER


async def test_catalog_lists_the_course_folder_with_workspace_paths(jp_fetch):
    response = await jp_fetch("pylearn", "catalog")

    catalog = json.loads(response.body)
    assert response.code == 200
    assert catalog["format"] == 1
    assert catalog["problems"] == []
    [chapter] = catalog["chapters"]
    assert chapter["id"] == "sample"
    assert chapter["intro"] == "pylearn/sample/00-introduction.ipynb"
    assert chapter["exercises"], "the sample chapter has exercises"
    for exercise in chapter["exercises"]:
        assert exercise["path"] == f"pylearn/sample/{exercise['id']}.ipynb"


async def test_catalog_says_where_the_api_is(jp_fetch, pylearn_api_url):
    catalog = json.loads((await jp_fetch("pylearn", "catalog")).body)

    assert catalog["api"] == {"proxy": "/pylearn/api/v1", "url": pylearn_api_url}


@pytest.mark.pylearn_config(workspace_folder="lessons/python")
async def test_catalog_paths_follow_the_configured_workspace_folder(jp_fetch):
    catalog = json.loads((await jp_fetch("pylearn", "catalog")).body)

    paths = [ex["path"] for ex in catalog["chapters"][0]["exercises"]]
    assert paths and all(p.startswith("lessons/python/sample/") for p in paths)


@pytest.mark.pylearn_config(include_builtin_course=True)
async def test_catalog_serves_the_builtin_course_next_to_instructor_folders(jp_fetch):
    catalog = json.loads((await jp_fetch("pylearn", "catalog")).body)

    served = {chapter["id"] for chapter in catalog["chapters"]}
    builtin = {chapter.id for chapter in load_course().chapters}
    assert served == builtin | {"sample"}


@pytest.mark.pylearn_config(course_folders=["course"])
async def test_a_broken_notebook_is_skipped_and_named_in_problems(jp_fetch, jp_root_dir):
    course = jp_root_dir / "course"
    course.mkdir()
    shutil.copy(SAMPLE_CHAPTER, course / "sample.ipynb")
    (course / "broken.ipynb").write_text("{ this is not json", encoding="utf-8")

    catalog = json.loads((await jp_fetch("pylearn", "catalog")).body)

    assert [c["id"] for c in catalog["chapters"]] == ["sample"]
    [problem] = catalog["problems"]
    assert "broken.ipynb" in problem


@pytest.mark.pylearn_config(course_folders=["no-such-folder"])
async def test_a_missing_course_folder_is_reported_not_fatal(jp_fetch):
    catalog = json.loads((await jp_fetch("pylearn", "catalog")).body)

    assert catalog["chapters"] == []
    assert any("no-such-folder" in p and "does not exist" in p for p in catalog["problems"])


@pytest.mark.pylearn_config(course_folders=["course"])
async def test_an_edited_course_is_served_without_a_restart(jp_fetch, jp_root_dir):
    course = jp_root_dir / "course"
    course.mkdir()
    first = json.loads((await jp_fetch("pylearn", "catalog")).body)
    shutil.copy(SAMPLE_CHAPTER, course / "sample.ipynb")

    second = json.loads((await jp_fetch("pylearn", "catalog")).body)

    assert first["chapters"] == []
    assert [c["id"] for c in second["chapters"]] == ["sample"]


@pytest.mark.pylearn_config(course_folders=["a", "b"])
async def test_a_duplicate_exercise_id_is_served_once_and_reported(jp_fetch, jp_root_dir):
    for folder in ("a", "b"):
        (jp_root_dir / folder).mkdir()
        shutil.copy(SAMPLE_CHAPTER, jp_root_dir / folder / "sample.ipynb")

    catalog = json.loads((await jp_fetch("pylearn", "catalog")).body)

    assert [c["id"] for c in catalog["chapters"]] == ["sample"]
    assert catalog["problems"] and "already used" in catalog["problems"][0]
