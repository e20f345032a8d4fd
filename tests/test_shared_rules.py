"""Rules and constants that Python and the TypeScript front end (labextension/src) both hold.

The front end cannot import Python, so each constant is read out of the TypeScript source
with a small regular expression and compared with the Python one: a change on one side
fails here until the other side follows. The backup name of "reset to original" is one
rule with its cases in docs/backup-names.json, run here and by labextension/test/backup.test.ts.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TS = REPO / "labextension" / "src"
SAMPLE_COURSE = REPO / "tests" / "data" / "sample_chapter.ipynb"


def ts_source(name: str) -> str:
    return (TS / name).read_text(encoding="utf-8")


def ts_find(name: str, pattern: str, what: str) -> list[str]:
    """Every match of ``pattern``'s first group in labextension/src/``name``; fails if none."""
    found = re.findall(pattern, ts_source(name), flags=re.S)
    assert found, (f"{what} is no longer found in labextension/src/{name} (pattern {pattern!r}): "
                   "update tests/test_shared_rules.py to where it went, so it stays pinned")
    return found


def ts_one(name: str, pattern: str, what: str) -> str:
    found = ts_find(name, pattern, what)
    assert len(set(found)) == 1, f"{what} has several values in labextension/src/{name}: {found}"
    return found[0]


def ts_interface_fields(name: str, interface: str) -> set[str]:
    body = ts_one(name, rf"export interface {interface} \{{(.*?)\n\}}", f"interface {interface}")
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    return set(re.findall(r"^\s+(\w+)\??:", body, flags=re.M))


# -- constants ------------------------------------------------------------------------------

def test_exercise_id_pattern_is_the_same_everywhere() -> None:
    from pylearn_jupyter.api.schemas import EXERCISE_ID_PATTERN as API_PATTERN
    from pylearn_jupyter.exercise import EXERCISE_ID_PATTERN

    in_ts = ts_one("types.ts", r"const EXERCISE_ID = /(.+?)/;", "the exercise-id pattern")

    assert EXERCISE_ID_PATTERN.pattern == API_PATTERN, (
        "pylearn_jupyter/exercise.py and pylearn_jupyter/api/schemas.py differ")
    assert in_ts == EXERCISE_ID_PATTERN.pattern, (
        f"labextension/src/types.ts accepts exercise ids /{in_ts}/, "
        f"Python /{EXERCISE_ID_PATTERN.pattern}/")


def test_class_exercise_ids_are_accepted_alike_by_the_front_end_and_the_api() -> None:
    """docs/api.md: `class:<16 hex digits>/<exercise id>`; what the store and the outbox
    keep is exactly what POST /submissions can take, no more and no less."""
    from pylearn_jupyter.api.schemas import SYNCED_EXERCISE_ID_PATTERN
    from pylearn_jupyter.exercise import EXERCISE_ID_PATTERN

    in_ts = ts_one("types.ts", r"export const CLASS_EXERCISE_ID =\s*/(.+?)/;",
                   "the class exercise-id pattern").replace("\\/", "/")
    front_end = re.compile(in_ts)
    samples = [
        "class:0f3a9c2e7b1d4a58/week1.sum", "class:0f3a9c2e7b1d4a58/a",
        "class:0F3A9C2E7B1D4A58/week1.sum", "class:0f3a9c2e7b1d4a5/week1.sum",
        "class:0f3a9c2e7b1d4a580/week1.sum", "class:0f3a9c2e7b1d4a5g/week1.sum",
        "class:0f3a9c2e7b1d4a58/", "class:0f3a9c2e7b1d4a58/Week1", "class:/week1.sum",
        "class:0f3a9c2e7b1d4a58/a/b", "klass:0f3a9c2e7b1d4a58/week1.sum",
        f"class:0f3a9c2e7b1d4a58/{'a' * 128}", f"class:0f3a9c2e7b1d4a58/{'a' * 129}",
        "week1.sum", "first.hello", "-first", "",
    ]
    for sample in samples:
        api = re.fullmatch(SYNCED_EXERCISE_ID_PATTERN, sample) is not None
        ours = bool(EXERCISE_ID_PATTERN.fullmatch(sample) or front_end.fullmatch(sample))
        assert api == ours, f"{sample!r}: the API says {api}, the front end {ours}"


def test_submission_mime_type_is_the_same_in_kernel_and_front_end() -> None:
    from pylearn_jupyter.submission import SUBMISSION_MIME_TYPE

    in_ts = ts_one("types.ts", r"export const SUBMISSION_MIME_TYPE = '([^']+)';",
                   "SUBMISSION_MIME_TYPE")
    assert in_ts == SUBMISSION_MIME_TYPE
    for path in sorted(TS.glob("*.ts")):  # nobody writes the type out by hand
        code = re.sub(r"/\*.*?\*/|//[^\n]*", "", path.read_text("utf-8"), flags=re.S)
        others = set(re.findall(r"['\"`](application/vnd\.pylearn[^'\"`]*)", code))
        assert others <= {SUBMISSION_MIME_TYPE}, f"{path.name} names {others}"


def test_the_front_end_sends_batches_the_api_accepts() -> None:
    from pylearn_jupyter.api.middleware import MAX_BODY_BYTES
    from pylearn_jupyter.api.schemas import MAX_BATCH

    limits = {
        "store.ts": ts_find("store.ts", r"\bmaxItems = ([\d_]+)", "the outbox batch size"),
        "sync.ts": ts_find("sync.ts", r"\bmaxBatch = ([\d_]+)", "the sync batch size"),
    }
    for name, found in limits.items():
        assert {int(n) for n in found} == {MAX_BATCH}, (
            f"labextension/src/{name} sends batches of {found}, the API accepts {MAX_BATCH}")
    max_bytes = int(ts_one("store.ts", r"\bmaxBytes = ([\d_]+)", "the batch size in bytes"))
    assert max_bytes < MAX_BODY_BYTES


def test_the_catalog_has_the_fields_the_front_end_reads() -> None:
    from pylearn_jupyter.catalog import CATALOG_FORMAT, catalog
    from pylearn_jupyter.course import load_course

    answer = catalog(load_course([SAMPLE_COURSE]))
    chapter = answer["chapters"][0]

    assert answer["format"] == CATALOG_FORMAT
    assert ts_interface_fields("types.ts", "ICatalog") == set(answer) | {"api"}, (
        "the ICatalog interface (the server's handler adds 'api')")
    assert ts_interface_fields("types.ts", "ICatalogChapter") == set(chapter)
    assert ts_interface_fields("types.ts", "ICatalogExercise") == set(chapter["exercises"][0])


def test_notebook_markers_the_front_end_looks_for() -> None:
    from pylearn_jupyter.course import load_course
    from pylearn_jupyter.release import learner_notebook
    from pylearn_jupyter.widgets.panel import CHECK_BUTTON_CLASS

    key = ts_one("setup.ts", r"getMetadata\('(\w+)'\)", "the notebook and cell metadata key")
    role = ts_one("setup.ts", r"meta\?\.role === '(\w+)'", "the answer cell's role")
    chapter = load_course([SAMPLE_COURSE]).chapters[0]
    exercise = chapter.exercises[0]
    notebook = learner_notebook(chapter, exercise.id)
    roles = [c["metadata"].get(key, {}).get("role") for c in notebook["cells"]
             if c["metadata"].get(key, {}).get("exercise") == exercise.id]

    assert role in roles, f"setup.ts looks for {key}.role == {role!r}; the notebook has {roles}"
    assert ts_one("checkbuttons.ts", r"const CHECK_BUTTON_CLASS = '([^']+)';",
                  "CHECK_BUTTON_CLASS") == CHECK_BUTTON_CLASS
    panel = "pylearn-panel"
    assert f"add_class({panel!r})".replace("'", '"') in (
        REPO / "pylearn_jupyter" / "widgets" / "panel.py").read_text("utf-8")
    assert ts_one("keyboard.ts", r"const PANEL = '\.([\w-]+)';", "the panel class") == panel


def test_lite_paths_are_where_the_site_build_writes() -> None:
    from pylearn_jupyter.lite.contents import CATALOG_FILE, ORIGINALS

    assert ts_one("course.ts", r"contents\.get\('([^']+)'", "the site's catalog path") \
        == CATALOG_FILE
    assert ts_one("course.ts", r"const aside = `([^`$]+)/\$\{path\}`;",
                  "the folder of the originals") == ORIGINALS


def test_every_server_url_of_the_front_end_has_a_handler() -> None:
    from tornado.httputil import HTTPHeaders, HTTPServerRequest, RequestStartLine
    from tornado.web import Application

    from pylearn_jupyter.handlers import NotFoundHandler, setup_handlers

    app = Application(base_url="/")
    setup_handlers(app)
    urls = ts_find("course.ts", r"(?:this\.post|serverRequest)\([^`']*?[`'](pylearn/[^`']+)[`']",
                   "the server URLs")
    assert {u.split("/")[1] for u in urls} == {"catalog", "exercises", "chapters"}, urls
    for url in urls:
        path = "/" + re.sub(r"\$\{[^}]+\}", "sample.greet", url)
        request = HTTPServerRequest(start_line=RequestStartLine("POST", path, "HTTP/1.1"),
                                    headers=HTTPHeaders({"Host": "127.0.0.1"}))
        handler = app.find_handler(request).handler_class
        assert handler is not NotFoundHandler, f"no handler answers {path} (course.ts)"


def test_the_front_ends_setup_line_reaches_the_kernel_with_the_notebooks_data() -> None:
    """setup.ts builds the kernel's setup line (no setup cell); Python builds the same one."""
    from pylearn_jupyter import notebook
    from pylearn_jupyter.course import load_course
    from pylearn_jupyter.release import learner_notebook

    call = ts_one("setup.ts", r"\.(setup_from_front_end)\(", "the kernel's setup function")
    module = ts_one("setup.ts", r"__import__\('([\w.]+)'", "the setup function's module")
    checks = ts_one("setup.ts", r"checks\?: unknown", "the checks field")

    assert module == notebook.__name__ and hasattr(notebook, call)
    assert checks and "checks" in learner_notebook(
        load_course([SAMPLE_COURSE]).chapters[0])["metadata"]["pylearn"]
    assert f".{call}(" in notebook.front_end_setup({"metadata": {}, "cells": []})


# -- the backup name of "reset to original" ---------------------------------------------------

BACKUP_CASES = json.loads((REPO / "docs" / "backup-names.json").read_text("utf-8"))["cases"]


@pytest.mark.parametrize("case", BACKUP_CASES, ids=[c["name"] for c in BACKUP_CASES])
def test_backup_names_follow_the_shared_cases(case: dict) -> None:
    from pylearn_jupyter.server.workspace import backup_name

    assert backup_name(case["path"], datetime(*case["time"]), case["counter"]) == case["name"]


def test_the_front_end_runs_the_same_backup_cases() -> None:
    test = (REPO / "labextension" / "test" / "backup.test.ts").read_text("utf-8")

    assert "docs/backup-names.json" in test
    assert "freeBackupPath" in ts_source("course.ts"), (
        "JupyterLite's reset must pick a backup name no earlier backup holds")


def test_the_reset_page_keeps_the_session_where_the_extension_reads_it() -> None:
    from pylearn_jupyter.server.reset_page import STORAGE_KEYS

    for name, key in STORAGE_KEYS.items():
        in_ts = ts_one("store.ts", rf"\b{name}: '([^']+)'", f"the storage key {name}")
        assert in_ts == key, (f"labextension/src/store.ts keeps {name} under {in_ts!r}, the "
                              f"reset page (pylearn_jupyter/server/reset_page.py) under {key!r}")


def test_the_reset_page_cannot_be_broken_out_of_by_its_configuration() -> None:
    from pylearn_jupyter.server.reset_page import reset_page

    html = reset_page(api_base="https://api.example.org/api/v1</script><script>alert(1)",
                      continue_url="../../lab/index.html", through_jupyter=False)

    assert "</script><script>alert(1)" not in html
    assert html.count("</script>") == 2  # the configuration's and the page script's own


def test_a_saved_verdict_has_the_icons_of_the_live_panel() -> None:
    from pylearn_jupyter.widgets.render import VERDICTS

    body = ts_one("mime.ts", r"const ICONS: Record<string, string> = \{(.*?)\};", "the icons")
    icons = dict(re.findall(r"(\w+): '([^']+)'", body))

    assert icons == {status: icon for status, (icon, _, _) in VERDICTS.items()}
