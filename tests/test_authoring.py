"""The exercise format, `pylearn validate` and learner notebooks, from an author's side."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from pylearn_jupyter.exercise import FormatError, load_chapter, parse_chapter
from pylearn_jupyter.registry import decode_exercises
from pylearn_jupyter.release import learner_notebook
from pylearn_jupyter.validate import validate_paths

SAMPLE = Path(__file__).parent / "data" / "sample_chapter.ipynb"


def sample_notebook() -> dict:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def write(tmp_path: Path, notebook: dict, name: str = "chapter.ipynb") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return path


def cell_index(notebook: dict, startswith: str, exercise: int = 0) -> int:
    found = [i for i, c in enumerate(notebook["cells"])
             if "".join(c["source"]).startswith(startswith)]
    return found[exercise]


def test_source_notebook_is_read_into_chapter_and_exercises():
    chapter = load_chapter(SAMPLE)

    assert (chapter.id, chapter.title, chapter.order) == ("sample", "Sample chapter", 1.0)
    assert len(chapter.intro_cells) == 2
    first = chapter.exercises[0]
    assert first.id == "sample.reverse-words"
    assert first.version == "2" and first.time_limit == 2.0 and first.solution_after == 2
    assert first.prompt.startswith("Write a function `reverse_words(text)`")
    assert "def test_two_words" in first.tests and "def test_extra_spaces" in first.hidden_tests
    assert first.starter.startswith("def reverse_words")
    assert [h.test for h in first.hints] == [None, "test_empty_text", None]
    assert chapter.exercises[1].input == "Ada\n"


def test_a_notebook_without_chapter_cell_is_refused_with_what_to_do():
    notebook = sample_notebook()
    del notebook["cells"][0]

    with pytest.raises(FormatError, match="first cell must be the chapter cell"):
        parse_chapter(notebook, "x.ipynb")


def test_validate_accepts_a_sound_source(tmp_path):
    report = validate_paths([SAMPLE])

    assert report.ok, [str(p) for p in report.problems]
    assert report.exercise_count == 2


@pytest.mark.parametrize("break_it, expected", [
    (lambda nb: nb["cells"].__setitem__(
        cell_index(nb, "#| solution"),
        {**nb["cells"][cell_index(nb, "#| solution")],
         "source": "#| solution\ndef reverse_words(text):\n    return text.split()"}),
     "the reference solution does not pass every test"),
    (lambda nb: nb["cells"].__setitem__(
        cell_index(nb, "#| starter"),
        {**nb["cells"][cell_index(nb, "#| starter")],
         "source": "#| starter\ndef reverse_words(text):\n"
                   "    return ' '.join(reversed(text.split()))"}),
     "the starter code already passes every test"),
    (lambda nb: nb["cells"].__setitem__(
        cell_index(nb, "#| exercise"),
        {**nb["cells"][cell_index(nb, "#| exercise")],
         "source": "#| exercise: Sample/Reverse\n#| title: Reverse"}),
     "the id must be lowercase letters"),
    (lambda nb: [nb["cells"].pop(i) for i in sorted(
        (i for i, c in enumerate(nb["cells"]) if "".join(c["source"]).startswith("#| hint")),
        reverse=True)],
     "add at least one hint"),
    (lambda nb: nb["cells"].__setitem__(
        cell_index(nb, "#| exercise", 1),
        {**nb["cells"][cell_index(nb, "#| exercise", 1)],
         "source": "#| exercise: sample.reverse-words\n#| title: Again"}),
     "exercise id 'sample.reverse-words' is used twice"),
    (lambda nb: nb["cells"].__setitem__(
        cell_index(nb, "#| hint: test_empty_text"),
        {**nb["cells"][cell_index(nb, "#| hint: test_empty_text")],
         "source": "#| hint: test_nothing\nA hint."}),
     "a hint is tied to 'test_nothing', which is not a visible test"),
])
def test_validate_names_each_problem(tmp_path, break_it, expected):
    notebook = sample_notebook()
    break_it(notebook)

    report = validate_paths([write(tmp_path, notebook)])

    assert not report.ok
    assert any(expected in str(p) for p in report.problems), [str(p) for p in report.problems]


def test_validate_reports_unreadable_notebooks(tmp_path):
    (tmp_path / "broken.ipynb").write_text("{not json", encoding="utf-8")

    report = validate_paths([tmp_path, tmp_path / "missing"])

    messages = [str(p) for p in report.problems]
    assert any("is not a notebook (invalid JSON" in m for m in messages)
    assert any("no such file or folder" in m for m in messages)


def test_learner_notebook_has_no_solution_and_no_hidden_tests():
    chapter = load_chapter(SAMPLE)

    notebook = learner_notebook(chapter)

    text = json.dumps(notebook)
    assert "#| solution" not in text and "#| hidden-tests" not in text
    assert "test_extra_spaces" not in text
    packed = decode_exercises(notebook["metadata"]["pylearn"]["checks"])
    assert [ex.id for ex in packed] == ["sample.reverse-words", "sample.greet"]
    assert packed[0].hidden_tests == ""
    assert "test_two_words" in packed[0].tests
    assert packed[0].solution.startswith("def reverse_words")  # shown on request, offline
    answers = [c for c in notebook["cells"]
               if c["metadata"].get("pylearn", {}).get("role") == "answer"]
    assert answers[0]["source"].startswith("%%exercise sample.reverse-words\n")
    assert notebook["metadata"]["pylearn"]["chapter"]["id"] == "sample"


def test_learner_notebook_for_one_exercise(tmp_path):
    chapter = load_chapter(SAMPLE)

    notebook = learner_notebook(chapter, "sample.greet")

    ids = [e["id"] for e in notebook["metadata"]["pylearn"]["exercises"]]
    assert ids == ["sample.greet"]
    assert not any("reverse" in json.dumps(c) for c in notebook["cells"])


def test_source_cells_are_not_mutated_by_release():
    chapter = load_chapter(SAMPLE)
    before = copy.deepcopy(chapter.intro_cells)

    learner_notebook(chapter)

    assert chapter.intro_cells == before
