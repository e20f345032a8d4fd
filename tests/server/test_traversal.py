"""Ids that try to leave the workspace folder are refused, and nothing is written."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

EXERCISE = "sample.reverse-words"

ESCAPING = [
    "..",
    "%2e%2e",
    "%2E%2E",
    "..%2F..%2Fescaped",
    "..%5C..%5Cescaped",
    "%2Fetc%2Fpasswd",
    "/etc/passwd",
    "sample/..",
    "Sample.Reverse-Words",
    "sample%00.greet",
    "sample.greet%20",
    ".hidden",
    "",
]


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


@pytest.mark.parametrize("action", ["open", "reset"])
@pytest.mark.parametrize("exercise_id", ESCAPING)
async def test_odd_exercise_ids_are_refused_with_400(raw_fetch, tmp_path, exercise_id, action):
    before = files_under(tmp_path)

    response = await raw_fetch(f"/pylearn/exercises/{exercise_id}/{action}")

    assert response.code == 400, response.body
    assert "is not a valid exercise id" in json.loads(response.body)["message"]
    assert files_under(tmp_path) == before


@pytest.mark.parametrize("chapter_id", ["..", "%2e%2e", "..%2F..", "%2Ftmp"])
async def test_odd_chapter_ids_are_refused_with_400(raw_fetch, tmp_path, chapter_id):
    before = files_under(tmp_path)

    response = await raw_fetch(f"/pylearn/chapters/{chapter_id}/intro/open")

    assert response.code == 400
    assert "is not a valid chapter id" in json.loads(response.body)["message"]
    assert files_under(tmp_path) == before


async def test_an_unknown_chapter_is_a_404(raw_fetch):
    response = await raw_fetch("/pylearn/chapters/no-such-chapter/intro/open")

    assert response.code == 404
    assert "no chapter 'no-such-chapter'" in json.loads(response.body)["message"]


async def test_a_workspace_folder_linked_outside_root_is_refused(raw_fetch, jp_root_dir,
                                                                 tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, jp_root_dir / "pylearn")

    response = await raw_fetch(f"/pylearn/exercises/{EXERCISE}/open")

    assert response.code == 400
    assert "symbolic link" in json.loads(response.body)["message"]
    assert list(outside.iterdir()) == []


async def test_a_chapter_folder_linked_outside_root_is_refused(raw_fetch, jp_root_dir, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (jp_root_dir / "pylearn").mkdir()
    os.symlink(outside, jp_root_dir / "pylearn" / "sample")

    response = await raw_fetch(f"/pylearn/exercises/{EXERCISE}/reset")

    assert response.code == 400
    assert list(outside.iterdir()) == []


async def test_a_notebook_linked_outside_root_is_neither_read_nor_replaced(
    raw_fetch, jp_root_dir, tmp_path
):
    target = tmp_path / "secret.ipynb"
    target.write_text("secret", encoding="utf-8")
    (jp_root_dir / "pylearn" / "sample").mkdir(parents=True)
    os.symlink(target, jp_root_dir / "pylearn" / "sample" / f"{EXERCISE}.ipynb")

    response = await raw_fetch(f"/pylearn/exercises/{EXERCISE}/reset")

    assert response.code == 400
    assert target.read_text(encoding="utf-8") == "secret"
    assert not list((jp_root_dir / "pylearn" / "sample").glob("*.backup-*"))
