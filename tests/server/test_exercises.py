"""Opening and resetting exercises: the learner's notebook is written once, never lost."""

from __future__ import annotations

import json
import re

import nbformat
import pytest
from tornado.httpclient import HTTPClientError

EXERCISE = "sample.reverse-words"
PATH = f"pylearn/sample/{EXERCISE}.ipynb"
BACKUP = re.compile(
    rf"^pylearn/sample/{re.escape(EXERCISE)}\.backup-\d{{8}}-\d{{6}}(-\d+)?\.ipynb$"
)


async def post(jp_fetch, *parts: str) -> dict:
    response = await jp_fetch("pylearn", *parts, method="POST", body=b"")
    return json.loads(response.body)


async def test_open_writes_the_learner_notebook_of_that_exercise(jp_fetch, jp_root_dir):
    answer = await post(jp_fetch, "exercises", EXERCISE, "open")

    assert answer == {"path": PATH, "created": True}
    notebook = nbformat.read(jp_root_dir / PATH, as_version=4)
    nbformat.validate(notebook)
    assert [e["id"] for e in notebook.metadata["pylearn"]["exercises"]] == [EXERCISE]


async def test_opening_again_keeps_the_learners_work(jp_fetch, jp_root_dir):
    await post(jp_fetch, "exercises", EXERCISE, "open")
    mine = (jp_root_dir / PATH).read_text(encoding="utf-8").replace("...", "return 'mine'")
    (jp_root_dir / PATH).write_text(mine, encoding="utf-8")

    answer = await post(jp_fetch, "exercises", EXERCISE, "open")

    assert answer == {"path": PATH, "created": False}
    assert (jp_root_dir / PATH).read_text(encoding="utf-8") == mine


async def test_reset_keeps_a_dated_copy_and_restores_the_original(jp_fetch, jp_root_dir):
    await post(jp_fetch, "exercises", EXERCISE, "open")
    original = (jp_root_dir / PATH).read_text(encoding="utf-8")
    mine = original.replace("...", "return 'mine'")
    (jp_root_dir / PATH).write_text(mine, encoding="utf-8")

    answer = await post(jp_fetch, "exercises", EXERCISE, "reset")

    assert answer["path"] == PATH
    assert BACKUP.match(answer["backup"]), answer["backup"]
    assert (jp_root_dir / answer["backup"]).read_text(encoding="utf-8") == mine
    assert (jp_root_dir / PATH).read_text(encoding="utf-8") == original


async def test_reset_never_overwrites_an_earlier_backup(jp_fetch, jp_root_dir):
    await post(jp_fetch, "exercises", EXERCISE, "open")
    backups = []
    for attempt in ("first", "second", "third"):
        (jp_root_dir / PATH).write_text(
            json.dumps({"attempt": attempt}), encoding="utf-8"
        )
        backups.append((await post(jp_fetch, "exercises", EXERCISE, "reset"))["backup"])

    assert len(set(backups)) == 3
    kept = [json.loads((jp_root_dir / b).read_text())["attempt"] for b in backups]
    assert kept == ["first", "second", "third"]


async def test_reset_without_a_learner_notebook_just_writes_it(jp_fetch, jp_root_dir):
    answer = await post(jp_fetch, "exercises", EXERCISE, "reset")

    assert answer == {"path": PATH, "backup": None}
    assert (jp_root_dir / PATH).is_file()


async def test_open_intro_writes_the_chapter_introduction_once(jp_fetch, jp_root_dir):
    first = await post(jp_fetch, "chapters", "sample", "intro", "open")
    second = await post(jp_fetch, "chapters", "sample", "intro", "open")

    assert first == {"path": "pylearn/sample/00-introduction.ipynb", "created": True}
    assert second == {"path": first["path"], "created": False}
    notebook = nbformat.read(jp_root_dir / first["path"], as_version=4)
    assert notebook.metadata["pylearn"]["role"] == "intro"


async def test_an_unknown_exercise_is_a_404_with_a_message(jp_fetch):
    with pytest.raises(HTTPClientError) as error:
        await post(jp_fetch, "exercises", "sample.no-such-exercise", "open")

    assert error.value.code == 404
    assert "no exercise 'sample.no-such-exercise'" in json.loads(error.value.response.body)[
        "message"]


async def test_opening_through_get_is_refused(jp_fetch):
    with pytest.raises(HTTPClientError) as error:
        await jp_fetch("pylearn", "exercises", EXERCISE, "open")

    assert error.value.code == 405
    assert "message" in json.loads(error.value.response.body)


async def test_unknown_pylearn_urls_answer_json_404(jp_fetch):
    with pytest.raises(HTTPClientError) as error:
        await jp_fetch("pylearn", "nothing-here")

    assert error.value.code == 404
    assert "no PyLearn endpoint" in json.loads(error.value.response.body)["message"]


@pytest.mark.pylearn_config(workspace_folder="lessons/python")
async def test_open_creates_the_configured_workspace_folders(jp_fetch, jp_root_dir):
    answer = await post(jp_fetch, "exercises", EXERCISE, "open")

    assert answer == {"path": f"lessons/python/sample/{EXERCISE}.ipynb", "created": True}
    assert (jp_root_dir / answer["path"]).is_file()


@pytest.mark.pylearn_config(workspace_folder=".")
async def test_a_workspace_folder_of_dot_writes_straight_into_root_dir(jp_fetch, jp_root_dir):
    opened = await post(jp_fetch, "exercises", EXERCISE, "open")
    (jp_root_dir / opened["path"]).write_text("{}", encoding="utf-8")
    reset = await post(jp_fetch, "exercises", EXERCISE, "reset")
    catalog = json.loads((await jp_fetch("pylearn", "catalog")).body)

    assert opened == {"path": f"sample/{EXERCISE}.ipynb", "created": True}
    assert (jp_root_dir / "sample" / f"{EXERCISE}.ipynb").is_file()
    assert reset["backup"].startswith(f"sample/{EXERCISE}.backup-")
    assert (jp_root_dir / reset["backup"]).read_text(encoding="utf-8") == "{}"
    assert catalog["chapters"][0]["intro"] == "sample/00-introduction.ipynb"
    assert not (jp_root_dir / "pylearn").exists()
