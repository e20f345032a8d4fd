"""``report.html`` and the ``--feedback`` pages, from a real ``pylearn grade`` run.

A small class graded once in bubblewrap: right, duplicated, missing, syntax error, endless
loop, visible tests passed but the hidden one failed, unreadable, returned nothing, and a
learner whose folder name and printed output are HTML. The report must list who needs
help and why, the pass rates and the most common failing test; the feedback pages must not
leak the hidden test; both open in Chromium with no request to any host and no serious
axe-core violation.
"""

from __future__ import annotations

import ast
import html
import json
import re
from pathlib import Path

import pytest

from pylearn_jupyter.course import load_course

from .returned import answer, grade, notebook

# The sample chapter alone: other courses may sit next to it in tests/data.
SOURCE = str(Path(__file__).resolve().parents[1] / "data" / "sample_chapter.ipynb")
RIGHT = "def reverse_words(text):\n    return ' '.join(reversed(text.split()))\n"
WRONG = "def reverse_words(text):\n    return text\n"
# Passes the three visible tests, fails the hidden one (several spaces in a row).
SPLIT_ON_SPACE = "def reverse_words(text):\n    return ' '.join(reversed(text.split(' ')))\n"
BROKEN = "def reverse_words(text):\n    return (\n"
ENDLESS = "def reverse_words(text):\n    while True:\n        pass\n"
GREET = 'name = input("Name? ")\nprint(f"Hello, {name}!")\n'
HOSTILE = "<script>alert(1)<img src=x onerror=alert(2)>"
HOSTILE_OUTPUT = "print('<script>alert(3)</script><img src=http://127.0.0.1:9/x.png>')\n"
COMMENT = "Try text with several spaces in a row.\nWhat does split(' ') give? <b>bold</b>"


def hand_in(folder: Path, learner: str, *cells: str) -> None:
    (folder / learner).mkdir(parents=True, exist_ok=True)
    (folder / learner / "sample_chapter.ipynb").write_text(notebook(*cells))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    returned = root / "returned"
    hand_in(returned, "ada", answer("sample.reverse-words", RIGHT), answer("sample.greet", GREET))
    hand_in(returned, "bob", answer("sample.reverse-words", RIGHT),
            answer("sample.reverse-words", WRONG))
    hand_in(returned, "cy", answer("sample.reverse-words", BROKEN), answer("sample.greet", GREET))
    hand_in(returned, "dee", answer("sample.reverse-words", ENDLESS),
            answer("sample.greet", GREET))
    hand_in(returned, "eve", answer("sample.reverse-words", SPLIT_ON_SPACE),
            answer("sample.greet", GREET))
    hand_in(returned, HOSTILE, answer("sample.reverse-words", HOSTILE_OUTPUT + WRONG),
            answer("sample.greet", 'print("<b>hi</b>")\n'))
    (returned / "kim.ipynb").write_text("{ not json")
    roster = root / "roster.csv"
    roster.write_text("learner\nada\nzoe\n")
    comments = root / "comments.csv"
    with comments.open("w", newline="") as handle:
        import csv

        writer = csv.writer(handle)
        writer.writerow(["learner", "exercise_id", "comment"])
        writer.writerow(["eve", "sample.reverse-words", COMMENT])
        writer.writerow(["nobody", "sample.greet", "a typo in the learner column"])
    proc = grade(SOURCE, str(returned), "--out", str(root / "out"), "--roster", str(roster),
                 "--feedback", str(root / "feedback"), "--comments", str(comments))
    assert proc.returncode == 1, proc.stderr  # kim's notebook is unreadable
    return root, proc


def section(page: str, start: str, end: str) -> str:
    return page[page.index(f'id="{start}"'):page.index(f'id="{end}"')]


def text_of(page: str) -> str:
    """The words of a page, without its tags."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def row_headers(fragment: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'<th scope="row">(.*?)</th>', fragment)]


def test_grade_writes_the_report_and_the_feedback_pages(graded):
    root, proc = graded
    assert (root / "out" / "report.html").is_file()
    assert "report.html" in proc.stdout and "feedback: 8 page(s)" in proc.stdout
    pages = sorted(p.relative_to(root / "feedback").as_posix()
                   for p in (root / "feedback").rglob("*.html"))
    assert "eve/sample_chapter.html" in pages and "zoe/sample_chapter.html" in pages
    assert "index.html" in pages and len(pages) == 9
    # A folder name made of the hostile learner name holds no markup characters.
    assert not any(set(p) & set("<>\"' =") for p in pages)
    # Temporary files of the atomic writes are gone.
    assert not list((root / "out").glob(".*.tmp")) and not list(root.rglob(".*.tmp"))
    assert "comment for an unknown learner or exercise, not shown: nobody, sample.greet" \
        in proc.stderr


def test_report_lists_every_learner_who_needs_help_and_why(graded):
    root, _ = graded
    page = (root / "out" / "report.html").read_text()
    helped = section(page, "help", "gradebook")
    assert row_headers(helped) == ["bob", "cy", "dee", "eve", "kim", "zoe"]
    text = html.unescape(helped)
    assert "missing: Greet someone (sample.greet)" in text
    assert "error in Reverse the words (sample.reverse-words): Python could not read " \
           "your code" in text
    assert "time limit in Reverse the words (sample.reverse-words)" in text
    assert "visible tests pass, 1 of 1 hidden test not yet: Reverse the words" in text
    assert "unreadable notebook: kim.ipynb: cannot be read as a notebook" in text
    assert "returned nothing" in text


def test_report_shows_pass_rates_and_the_most_common_failing_test(graded):
    root, _ = graded
    page = (root / "out" / "report.html").read_text()
    exercises = section(page, "exercises", "help")
    rows = re.findall(r"<tr><th scope=\"row\">.*?</tr>", exercises)
    reverse, greet = rows
    # Only ada passed everything; eve, bob and the hostile learner failed the hidden test,
    # the last two also two visible ones; cy's and dee's tests did not run.
    assert "sample.reverse-words" in reverse and "1 of 8" in reverse
    assert "<code>extra spaces</code> (hidden test)" in reverse
    assert "not yet for 3 of 4 answers whose tests all ran" in reverse
    assert "3 not yet<br>1 error<br>1 time limit<br>1 missing<br>1 unreadable" in reverse
    assert "sample.greet" in greet and "50%" in greet and "4 of 8" in greet
    assert "<code>greets ada</code>" in greet and "not yet for 1 of 5" in greet
    assert "2 missing" in greet and "1 unreadable" in greet
    # The plots carry their data in words too.
    assert '<title id="rate-title">Pass rate per exercise</title>' in page
    assert "sample.reverse-words: 12%; sample.greet: 50%" in page
    assert '<title id="hist-title">Distribution of total points</title>' in page
    assert "Histogram of the totals of 8 learners out of 2 points" in page
    assert "no-sandbox" not in page and "WITHOUT a sandbox" not in page


def test_gradebook_table_in_the_report(graded):
    root, _ = graded
    page = (root / "out" / "report.html").read_text()
    book = page[page.index('id="gradebook"'):]
    assert row_headers(book) == sorted([HOSTILE, "ada", "bob", "cy", "dee", "eve", "kim", "zoe"])
    eve = re.search(r'<th scope="row">eve</th>.*?</tr>', book).group(0)
    assert "0.75 of 1" in eve and "<b>1.75</b>" in eve


def hidden_literals() -> list[str]:
    """Every string and number written in the hidden tests of the sample chapter."""
    exercise = load_course([SOURCE]).find("sample.reverse-words")
    tree = ast.parse(exercise.hidden_tests)
    values = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
              and isinstance(node.value, str | int | float) and node.value not in (None, "")]
    names = [node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)]
    assert values and names
    return [*(repr(v) for v in values), *(json.dumps(v) for v in values),
            *(v for v in values if isinstance(v, str) and v.strip() != v),
            *names, *(n.removeprefix("test_").replace("_", " ") for n in names)]


def test_feedback_pages_hold_no_hidden_input_or_expected_value(graded):
    root, _ = graded
    secrets = hidden_literals()
    assert "'  a   b '" in secrets and "'b a'" in secrets and "extra spaces" in secrets
    # What wrong answers made of the hidden input: eve's "' b   a  '".
    secrets += ["b   a", "a   b"]
    for path in (root / "feedback").rglob("*.html"):
        text = html.unescape(path.read_text())
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"{path.name} of {path.parent.name} shows {leaked}"
    eve = text_of((root / "feedback" / "eve" / "sample_chapter.html").read_text())
    assert "not yet: hidden test 1 of 1" in eve
    assert "passed: two words" in eve and "3 of 4 tests passed" in eve


def test_show_hidden_shows_the_hidden_tests_in_full(tmp_path):
    returned = tmp_path / "returned"
    hand_in(returned, "eve", answer("sample.reverse-words", SPLIT_ON_SPACE))
    proc = grade(SOURCE, str(returned), "--out", str(tmp_path / "out"),
                 "--feedback", str(tmp_path / "feedback"), "--show-hidden")
    assert proc.returncode == 0, proc.stderr
    text = text_of((tmp_path / "feedback" / "eve" / "sample_chapter.html").read_text())
    assert "not yet: extra spaces (hidden test)" in text
    assert "expected: 'b a'" in text and "got:      ' b   a  '" in text
    assert "hidden tests in full" in proc.stdout


def test_feedback_shows_code_verdicts_and_messages_as_in_the_notebook(graded):
    root, _ = graded
    bob = text_of((root / "feedback" / "bob" / "sample_chapter.html").read_text())
    assert "the last one counted" in bob
    assert "Your code (cell 2 of sample_chapter.ipynb)" in bob
    assert "expected: 'world hello'" in bob and "got:      'hello world'" in bob
    assert "no cell of your notebook starts with %%exercise sample.greet" in bob
    cy = (root / "feedback" / "cy" / "sample_chapter.html").read_text()
    # Lines are numbered as in the cell, so that "line 3" of the error is line 3 here.
    assert '<span class="ln" aria-hidden="true">3</span>    return (' in cy
    assert "could not read your code: &#x27;(&#x27; was never closed (line 3)" in cy
    zoe = text_of((root / "feedback" / "zoe" / "sample_chapter.html").read_text())
    assert "nothing was handed in" in zoe and "0 of 2 points" in zoe


def test_instructor_comments_appear_on_that_learners_page_only(graded):
    root, _ = graded
    eve = (root / "feedback" / "eve" / "sample_chapter.html").read_text()
    assert "Comment from your instructor" in eve
    assert html.escape(COMMENT) in eve and "<b>bold</b>" not in eve
    for path in (root / "feedback").rglob("*.html"):
        if path.parent.name != "eve":
            assert "several spaces" not in path.read_text(), path


def test_learner_names_and_output_are_escaped(graded):
    root, _ = graded
    folder = next(p for p in (root / "feedback").iterdir() if "script" in p.name)
    pages = [root / "out" / "report.html", root / "feedback" / "index.html",
             folder / "sample_chapter.html"]
    for path in pages:
        text = path.read_text()
        assert "<script" not in text.lower() and "<img" not in text.lower(), path
        assert "<b>hi</b>" not in text
        assert html.escape(HOSTILE) in text, path
        assert "default-src &#x27;none&#x27;" in text or "default-src 'none'" in text
    feedback = (folder / "sample_chapter.html").read_text()
    assert html.escape("<script>alert(3)</script>") in feedback  # what the code printed
    assert html.escape('print("<b>hi</b>")') in feedback  # the code itself


def test_no_sandbox_puts_a_loud_banner_on_the_report(tmp_path):
    from pylearn_jupyter.grade import NO_SANDBOX_WARNING

    returned = tmp_path / "returned"
    hand_in(returned, "ada", answer("sample.reverse-words", RIGHT))
    proc = grade(SOURCE, str(returned), "--out", str(tmp_path / "out"), "--sandbox", "none")
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "out" / "report.html").read_text()
    banner = re.search(r'<div class="danger" role="alert">(.*?)</div>', page).group(1)
    assert html.escape(NO_SANDBOX_WARNING) in banner and "Not sandboxed" in banner
    assert page.index('class="danger"') < page.index('id="totals"')


def test_feedback_options_need_feedback(tmp_path):
    proc = grade(SOURCE, str(tmp_path), "--show-hidden")
    assert proc.returncode == 2 and "add --feedback DIR" in proc.stderr
    comments = tmp_path / "c.csv"
    comments.write_text("learner,comment\n")
    proc = grade(SOURCE, str(tmp_path), "--feedback", str(tmp_path / "f"),
                 "--comments", str(comments))
    assert proc.returncode == 2 and "'exercise_id' column" in proc.stderr


# pytest-jupyter (loaded by the root conftest) closes "the" asyncio loop after every test;
# here that loop belongs to Playwright's sync API, so these two stand down, as in tests/e2e.
@pytest.fixture
def jp_asyncio_loop():
    yield None


@pytest.fixture
def jp_server_cleanup():
    yield None


@pytest.fixture(scope="module")
def chromium():
    from e2e.conftest import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's Chromium is needed: apt-get install -y chromium", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.mark.parametrize("page_name", ["report", "feedback-eve", "feedback-hostile",
                                       "feedback-index"])
@pytest.mark.parametrize("width", [1280, 640])  # 640 CSS pixels: 200 % zoom of 1280
def test_pages_open_in_chromium_offline_and_accessible(graded, chromium, page_name, width):
    from e2e.a11y import assert_accessible

    root, _ = graded
    hostile = next(p for p in (root / "feedback").iterdir() if "script" in p.name)
    path = {"report": root / "out" / "report.html",
            "feedback-eve": root / "feedback" / "eve" / "sample_chapter.html",
            "feedback-hostile": hostile / "sample_chapter.html",
            "feedback-index": root / "feedback" / "index.html"}[page_name]
    # The page's own Content-Security-Policy is bypassed, so that axe can be injected and
    # so that only the escaping keeps hostile markup from loading anything.
    context = chromium.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    assert all(url.startswith("file://") for url in requests), requests
    assert not dialogs
    assert page.evaluate("document.documentElement.scrollWidth") <= width, \
        "the page scrolls sideways"
    assert_accessible(page, ["body"], f"{page_name} at {width} px")
    if page_name == "report":
        for svg in page.locator("svg").all():
            assert svg.get_attribute("role") == "img"
            assert svg.locator("title").first.text_content()
    assert all(url.startswith("file://") for url in requests), requests
    context.close()


def test_needs_help_tells_one_error_in_every_exercise_once(tmp_path):
    from pylearn_jupyter.checker.result import CheckResult, ErrorReport
    from pylearn_jupyter.grade import Row
    from pylearn_jupyter.grade_report import needs_help, report_html

    exercises = load_course([SOURCE]).exercises
    syntax = ErrorReport(kind="syntax", summary="Python could not read your code: x (line 2).")
    rows = [Row("dan", ex, "error", result=CheckResult(ex.id, "error", error=syntax),
                tests_total=2) for ex in exercises]
    rows += [Row("ada", ex, "passed", result=CheckResult(ex.id, "passed"), tests_total=2)
             for ex in exercises]
    (helped,) = needs_help(rows)
    assert helped.learner == "dan" and helped.reasons == [
        "error in every exercise: Python could not read your code: x (line 2)."]
    page = report_html(rows, exercises, sandbox="bwrap")
    assert "in the <b>bubblewrap</b> sandbox" in page and 'class="danger"' not in page


def test_comments_csv_joins_two_comments_on_one_exercise(tmp_path):
    from pylearn_jupyter.grade_report import read_comments

    path = tmp_path / "comments.csv"
    path.write_text("\ufefflearner,exercise_id,comment\n"
                    "eve,sample.greet,First.\n eve ,sample.greet,\"Second,\nline two\"\n"
                    "eve,sample.reverse-words,\n", encoding="utf-8")
    assert read_comments(path) == {("eve", "sample.greet"): "First.\n\nSecond,\nline two"}
