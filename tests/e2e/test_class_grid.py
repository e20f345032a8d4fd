"""The Class panel's grid with a class bigger than its window, in a real JupyterLab, a real
PyLearn API and Debian's Chromium.

Sixty learners join a class and submit through the API. The grid is one table that says
its full size (`aria-rowcount`) while only the rows in and near its viewport are in the
page; the keyboard reaches the last learner (the row is rendered, scrolled to and
focused), the cell says its state in words and Enter shows that learner's code. axe checks
the panel. Choosing the same bundle file again in the upload control uploads it again,
and the note says so each time.
"""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from pylearn_jupyter.bundle import bundle_source, write_bundle

from .a11y import assert_accessible
from .classroom import PANEL, api_call, new_lab, panel, register
from .conftest import REPO
from .lab import focus_settled, log_in
from .test_commands import open_palette, palette_item

PASSWORD = "grid teacher password"
LEARNERS = 60
EXERCISES = 10


def code_of(i: int, j: int) -> str:
    return f"def answer():\n    return {i * 100 + j}  # learner {i}, exercise {j}\n"


def seed_class(api_server, teacher: str, course: str = "pylearn") -> tuple[dict, dict]:
    """A teacher and their class, through the API."""
    auth = register(api_server.url, teacher, f"{teacher}@example.org", PASSWORD)
    info = api_call(api_server, "POST", "/classes", auth["token"],
                    {"name": f"{teacher} class", "course": course})
    return auth, info


def open_class_panel(lab) -> None:  # noqa: ANN001 - a Lab
    palette, _ = open_palette(lab.page)
    lab.page.keyboard.type("PyLearn Class Panel")
    palette_item(palette, "Open the PyLearn Class Panel").click()
    expect(panel(lab)).to_be_visible()


def test_a_big_class_in_a_window_of_rows(browser, lab_server, api_server, artifacts):
    auth, info = seed_class(api_server, "turing_grid")
    # Learners grid000 … grid059 (the grid sorts by name): each joins, then submits ten
    # exercises: passed while j < i % (EXERCISES + 1), failed once after that.
    for i in range(LEARNERS):
        name = f"grid{i:03d}"
        learner = register(api_server.url, name, f"{name}@example.org", PASSWORD)
        api_call(api_server, "POST", "/classes/join", learner["token"],
                 {"join_code": info["join_code"], "consent": True})
        done = i % (EXERCISES + 1)
        api_call(api_server, "POST", "/submissions", learner["token"], {"items": [
            {"id": str(uuid.uuid4()), "exercise_id": f"grid.ex{j:02d}", "code": code_of(i, j),
             "passed": j < done, "submitted_at": f"2026-01-05T10:{j:02d}:00Z"}
            for j in range(EXERCISES)]})

    teacher = new_lab(browser, lab_server)
    page = teacher.page
    log_in(teacher, "turing_grid", PASSWORD)
    open_class_panel(teacher)
    table = panel(teacher).locator("table.pylearn-grid")
    expect(table).to_have_attribute("aria-rowcount", str(LEARNERS + 1), timeout=60_000)
    expect(table.locator("caption")).to_contain_text(f"{LEARNERS} learners")
    expect(table.locator("thead th").filter(has_text="grid.ex09")).to_have_count(1)
    expect(table.locator("thead tr")).to_have_attribute("aria-rowindex", "1")
    expect(table.locator("thead th").first).to_have_attribute("aria-colindex", "1")

    # Only a window of the rows is in the page, the first learner's first.
    rows = table.locator("tbody > tr[data-row]")
    expect(rows.first).to_have_attribute("aria-rowindex", "2")
    expect(rows.first.locator("th")).to_contain_text("grid000")
    shown = rows.count()
    assert 10 < shown < LEARNERS, f"{shown} rows in the page for {LEARNERS} learners"
    expect(table.locator("tbody th", has_text="grid059")).to_have_count(0)
    # The column headers stay at the top of the scroll box.
    assert table.locator("thead th").first.evaluate(
        "th => getComputedStyle(th).position") == "sticky"

    # The keyboard: Control+End goes to the last learner's last cell, rendered and focused.
    first = rows.first.locator("td.pylearn-cell").first
    expect(first).to_have_attribute("tabindex", "0")
    focus_settled(first)
    page.keyboard.press("Control+End")
    last_row = table.locator(f'tbody > tr[aria-rowindex="{LEARNERS + 1}"]')
    expect(last_row.locator("th")).to_contain_text("grid059")
    focused = table.locator("td.pylearn-cell:focus")
    expect(focused).to_have_count(1)
    expect(focused).to_have_attribute("data-row", str(LEARNERS - 1))
    assert focused.evaluate("td => td.closest('tr').getAttribute('aria-rowindex')") == str(
        LEARNERS + 1)
    expect(last_row).to_be_in_viewport()
    expect(table.locator("td[tabindex='0']")).to_have_count(1)
    assert rows.count() < LEARNERS
    expect(table.locator("tbody th", has_text=re.compile(r"^grid000"))).to_have_count(0)

    # Control+Home, then Page Down until the last learner: the row header says who.
    page.keyboard.press("Control+Home")
    expect(table.locator("td.pylearn-cell:focus")).to_have_attribute("data-row", "0")
    for _ in range(LEARNERS):
        if focused.get_attribute("data-row") == str(LEARNERS - 1):
            break
        page.keyboard.press("PageDown")
    expect(focused).to_have_attribute("data-row", str(LEARNERS - 1))
    expect(focused).to_have_attribute("data-col", "0")
    # The built-in course's exercises come first (not started), then grid.ex00 … ex09.
    columns = int(table.get_attribute("aria-colcount") or 0) - 1
    assert columns >= EXERCISES
    expect(focused).to_have_text("not started")
    page.keyboard.press("End")
    expect(focused).to_have_attribute("data-col", str(columns - 1))
    # grid059 has passed 59 % 11 = 4 exercises: grid.ex09 is tried, grid.ex00 done.
    expect(focused).to_have_text("tried")
    expect(focused).to_have_attribute("title", re.compile(r"^1 attempt, the last on "))
    for _ in range(EXERCISES - 1):
        page.keyboard.press("ArrowLeft")
    expect(focused).to_have_attribute("data-col", str(columns - EXERCISES))
    expect(focused).to_have_text("done")
    expect(panel(teacher).locator(".pylearn-cell-detail")).to_have_text(
        re.compile(r"^grid059, grid\.ex00: done\. 1 attempt, the last on "))

    # Enter shows that learner's code; Escape goes back to the cell.
    page.keyboard.press("Enter")
    pane = panel(teacher).locator(".pylearn-code-pane")
    expect(pane).to_be_visible()
    expect(pane.locator("#pylearn-code-heading")).to_have_text("grid059: grid.ex00")
    expect(pane.locator("pre.pylearn-code")).to_have_text(code_of(59, 0).rstrip("\n"))
    page.keyboard.press("Escape")
    expect(pane).to_be_hidden()
    expect(table.locator("td.pylearn-cell:focus")).to_have_attribute("data-row", str(LEARNERS - 1))

    # In a narrower window only the columns near the view are rendered too: Home, then
    # End reaches the last exercise, its header and cell rendered, the first ones not.
    page.set_viewport_size({"width": 800, "height": 900})
    page.keyboard.press("Home")
    expect(focused).to_have_attribute("data-col", "0")
    page.keyboard.press("End")
    expect(focused).to_have_attribute("data-col", str(columns - 1))
    expect(focused).to_have_attribute("aria-colindex", str(columns + 1))
    expect(table.locator(f'thead th[aria-colindex="{columns + 1}"]')).to_have_count(1)
    expect(table.locator('thead th[aria-colindex="2"]')).to_have_count(0)
    gap = table.locator(f'tbody > tr[aria-rowindex="{LEARNERS + 1}"] > td.pylearn-grid-gap')
    expect(gap.first).to_have_attribute("aria-hidden", "true")
    expect(focused).to_be_in_viewport()
    assert_accessible(page, [PANEL], "Class panel, rows and columns left out")
    page.set_viewport_size({"width": 1400, "height": 900})

    # Scrolling back to the top renders the first rows again, the focused row kept.
    panel(teacher).locator(".pylearn-grid-scroll").evaluate("box => { box.scrollTop = 0; }")
    expect(table.locator("tbody th", has_text=re.compile(r"^grid000"))).to_have_count(1)
    expect(table.locator(f'tbody > tr[aria-rowindex="{LEARNERS + 1}"]')).to_have_count(1)
    expect(table.locator("td[tabindex='0']")).to_have_attribute("data-row", str(LEARNERS - 1))

    # Sorting covers every learner, not only the rows rendered: the most done first.
    panel(teacher).get_by_label("Sort learners").select_option("most-done")
    expect(rows.first.locator("th")).to_contain_text("grid010")  # 10 done, first by name
    expect(teacher.announcer()).to_contain_text(
        "Learners sorted by progress, most done first. First: grid010, grid021, grid032.")

    panel(teacher).screenshot(path=artifacts / "class-grid-window.png")
    assert_accessible(page, [PANEL], "Class panel with a windowed grid")
    page.context.close()


def test_the_same_bundle_file_chosen_twice_uploads_twice(browser, lab_server, api_server,
                                                          artifacts, tmp_path):
    _, info = seed_class(api_server, "hopper_grid", course="uploaded")
    bundle, _ = bundle_source(REPO / "tests" / "data" / "sample_chapter.ipynb", "Sample course")
    course_file = tmp_path / "sample.bundle.json"
    write_bundle(bundle, course_file)

    teacher = new_lab(browser, lab_server)
    log_in(teacher, "hopper_grid", PASSWORD)
    open_class_panel(teacher)
    expect(panel(teacher)).to_contain_text("a course you upload", timeout=30_000)
    note = panel(teacher).locator("#pylearn-bundle-note")
    chooser = panel(teacher).get_by_label(re.compile("Upload a course bundle"))

    def uploaded_at() -> list[tuple]:
        return api_server.rows("SELECT version, uploaded_at FROM class_courses"
                               " WHERE class_id = ?", info["id"])

    chooser.set_input_files(course_file)
    expect(note).to_have_text(re.compile(r"^Course uploaded: version \S+\.$"), timeout=30_000)
    first = uploaded_at()
    assert len(first) == 1
    version = first[0][0]
    assert note.inner_text() == f"Course uploaded: version {version}."
    expect(chooser).to_have_value("")

    # The same file again: a second upload, said as such.
    chooser.set_input_files(course_file)
    expect(note).to_have_text(
        f"Course uploaded again (upload 2 from this panel): version {version},"
        " the same course as the upload before.", timeout=30_000)
    second = uploaded_at()
    assert second[0][0] == version and second[0][1] != first[0][1], (first, second)
    expect(teacher.announcer()).to_contain_text("Course uploaded again (upload 2")

    # The teacher edits the bundle file and chooses it again: a new version.
    bundle["course"]["title"] = "Sample course, edited"
    write_bundle(bundle, course_file)
    chooser.set_input_files(course_file)
    expect(note).to_have_text(re.compile(
        r"^Course uploaded again \(upload 3 from this panel\): version \S+, a new version\.$"),
        timeout=30_000)
    third = uploaded_at()
    assert third[0][0] != version, (second, third)
    assert third[0][0] in note.inner_text()
    announced = teacher.announcer().text_content() or ""
    assert announced.count("Course uploaded") == 3, announced
    panel(teacher).screenshot(path=artifacts / "class-grid-upload-again.png")
    teacher.page.context.close()
