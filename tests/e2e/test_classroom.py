"""The classroom in a real JupyterLab, a real PyLearn API and Debian's Chromium.

Two browser profiles: a teacher creates a class in the Class panel and reads its join code;
a learner joins with it through the consent step, fails then passes an exercise; the
teacher's grid shows "tried", then "done", and the learner's code; the learner leaves and
the teacher no longer sees them. axe checks the panel and the consent step; the grid's
code and its sorting are used with the keyboard alone.

A class on an uploaded course: the teacher uploads a bundle from the Class panel; the
learner who joined sees its course in the sidebar, opens an exercise (its notebook is
written to the learner's files), fails then passes it under the `class:` id; the teacher's
grid follows; opening it again keeps the learner's file; leaving removes the course.
"""

from __future__ import annotations

import json
import re
import time
import urllib.parse
import urllib.request

from playwright.sync_api import expect

from pylearn_jupyter.bundle import bundle_source, write_bundle

from .a11y import assert_accessible
from .classroom import PANEL, api_call, classes_area, grid_cell, new_lab, panel, register
from .conftest import REPO
from .lab import SIDEBAR, assert_typing_goes_into_the_body, focus_settled, log_in
from .test_commands import open_palette, palette_item

TEACHER = ("grace_e2e", "grace@example.org", "teacher password 1")
LEARNER = ("lin_e2e", "lin@example.org", "learner password 1")
PASSWORD = "teacher password 2"
WRONG = "def reverse_words(text):\n    return text\n"
RIGHT = 'def reverse_words(text):\n    return " ".join(reversed(text.split()))\n'
EXERCISE = "sample.reverse-words"
TITLE = "Reverse the words"


def refresh_until(teacher, check, timeout: float = 30) -> None:  # noqa: ANN001
    """Press Refresh until `check()` holds (the learner's sync may take a moment)."""
    deadline = time.monotonic() + timeout
    while True:
        panel(teacher).get_by_role("button", name="Refresh").click()
        expect(panel(teacher).locator(".pylearn-grid-box")).not_to_have_attribute(
            "aria-busy", "true")
        try:
            check()
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_teacher_and_learner_in_one_class(browser, lab_server, api_server, artifacts):
    for username, email, password in (TEACHER, LEARNER):
        register(api_server.url, username, email, password)

    # --- A guest sees how to join, and nothing is sent for them.
    learner = new_lab(browser, lab_server)
    expect(classes_area(learner)).to_contain_text("Log in to join a class.")
    expect(classes_area(learner).get_by_role("button")).to_have_count(0)

    # --- The teacher logs in through the sidebar and opens the Class panel from it.
    teacher = new_lab(browser, lab_server)
    tpage = teacher.page
    log_in(teacher, TEACHER[0], TEACHER[2])
    classes_area(teacher).get_by_role("button", name="Teach a class").click()
    expect(panel(teacher)).to_be_visible()
    expect(panel(teacher)).to_contain_text("You teach no class yet.")
    create = panel(teacher).locator("form.pylearn-create-class")
    create.get_by_label("Name of the new class").fill("Python 101")
    create.get_by_role("button", name="Create class").click()
    code_shown = panel(teacher).locator("#pylearn-join-code-value")
    expect(code_shown).to_have_text(re.compile(r"^[0-9A-Z]{5}-[0-9A-Z]{5}$"), timeout=30_000)
    code = code_shown.inner_text()
    expect(teacher.announcer()).to_contain_text(f"Its join code is {code}.")
    panel(teacher).get_by_role("button", name=f"Copy the join code {code}").click()
    expect(teacher.announcer()).to_contain_text(re.compile(
        rf"Join code {code} copied\.|The join code {code} is selected"))
    expect(panel(teacher)).to_contain_text("No learner has joined yet.")

    # --- The learner logs in and joins: a wrong code first, then the right one, typed in
    # lower case without its dash; the consent step says what the teacher will see.
    log_in(learner, LEARNER[0], LEARNER[2])
    lpage = learner.page
    area = classes_area(learner)
    expect(area).to_contain_text("You have not joined a class.")
    area.get_by_role("button", name="Join a class").click()
    field = area.get_by_label("Join code")
    expect(field).to_be_focused()
    field.fill("AAAAA-AAAAA")
    area.get_by_role("button", name="Continue").click()
    area.get_by_role("button", name="Join", exact=True).click()
    expect(area.locator("#pylearn-join-code-error")).to_have_text(
        re.compile("No class has that join code"), timeout=30_000)
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(learner.announcer()).to_contain_text("No class has that join code")
    expect(field).to_be_focused()

    field.fill(code.lower().replace("-", ""))
    lpage.keyboard.press("Enter")  # Continue, from the field
    consent = area.locator(".pylearn-consent")
    expect(consent).to_contain_text("which exercises you completed and when")
    expect(consent).to_contain_text("your latest code")
    expect(consent).to_contain_text("whether you viewed a solution")
    expect(consent).to_contain_text("will not see your email address or your other classes")
    assert_accessible(lpage, [f"{SIDEBAR} .pylearn-classes"], "join consent step")
    area.screenshot(path=artifacts / "classes-consent.png")
    joins_before = api_server.rows("SELECT COUNT(*) FROM class_members")[0][0]
    assert joins_before == 0, "nothing may be joined before the learner says Join"
    consent.get_by_role("button", name="Join", exact=True).click()
    expect(area).to_contain_text(f"You joined Python 101 (teacher: {TEACHER[0]}).",
                                 timeout=30_000)
    expect(learner.announcer()).to_contain_text("You joined Python 101")
    expect(area.get_by_role("button", name="Leave class Python 101")).to_be_visible()
    area.screenshot(path=artifacts / "classes-joined.png")

    # --- The learner fails: the teacher's grid says "tried", with the attempts on focus.
    learner.open_exercise(EXERCISE)
    learner.write_answer(EXERCISE, WRONG)
    learner.check_with_keyboard(EXERCISE)
    expect(learner.verdict(EXERCISE)).to_contain_text("Not yet", timeout=60_000)
    api_server.wait_for_rows(f"SELECT id FROM submissions WHERE exercise_id = '{EXERCISE}'", 1)
    refresh_until(teacher, lambda: expect(grid_cell(teacher, LEARNER[0], TITLE)).to_contain_text(
        "tried", timeout=1000))
    cell = grid_cell(teacher, LEARNER[0], TITLE)
    cell.hover()  # the attempts show on hover (the title) ...
    expect(cell).to_have_attribute("title", re.compile(r"^1 attempt, the last on "))
    focus_settled(cell)  # ... and on focus, under the table too
    expect(panel(teacher).locator(".pylearn-cell-detail")).to_have_text(
        re.compile(rf"^{LEARNER[0]}, {TITLE}: tried\. 1 attempt, the last on "))
    expect(cell).to_have_accessible_description(re.compile(r"^1 attempt"))
    expect(panel(teacher).locator("table.pylearn-grid caption")).to_contain_text(
        "Progress of Python 101: 1 learner")

    # --- ... then passes: "done", and the cell shows the learner's code (as text).
    learner.write_answer(EXERCISE, RIGHT)
    learner.check_with_button(EXERCISE)
    expect(learner.verdict(EXERCISE)).to_contain_text("Passed", timeout=60_000)
    api_server.wait_for_rows(f"SELECT id FROM submissions WHERE exercise_id = '{EXERCISE}'"
                  " AND passed", 1)
    refresh_until(teacher, lambda: expect(grid_cell(teacher, LEARNER[0], TITLE)).to_contain_text(
        "done", timeout=1000))
    cell = grid_cell(teacher, LEARNER[0], TITLE)
    cell.click()
    pane = panel(teacher).locator(".pylearn-code-pane")
    expect(pane).to_be_visible()
    expect(pane.locator("pre.pylearn-code")).to_have_text(RIGHT.rstrip("\n"))
    expect(pane).to_contain_text("2 attempts")
    tpage.screenshot(path=artifacts / "class-panel.png")
    panel(teacher).screenshot(path=artifacts / "class-panel-grid.png")
    pane.get_by_role("button", name="Close the code").click()
    expect(pane).to_be_hidden()
    expect(cell).to_be_focused()

    # --- Keyboard only: Enter on a cell shows its code, Escape goes back to the cell; the
    # arrow keys move between cells.
    focus_settled(cell)
    tpage.keyboard.press("ArrowRight")
    greet = grid_cell(teacher, LEARNER[0], "Greet someone")
    expect(greet).to_be_focused()
    expect(greet).to_have_text(re.compile(r"not started$"))
    expect(panel(teacher).locator(".pylearn-cell-detail")).to_contain_text(
        "Greet someone: not started. No attempts yet.")
    tpage.keyboard.press("ArrowLeft")
    expect(cell).to_be_focused()
    tpage.keyboard.press("Enter")
    expect(pane).to_be_visible()
    expect(pane.locator("pre.pylearn-code")).to_have_text(RIGHT.rstrip("\n"))
    expect(pane.locator("#pylearn-code-heading")).to_be_focused()
    tpage.keyboard.press("Escape")
    expect(pane).to_be_hidden()
    expect(cell).to_be_focused()

    # Sorting, from the keyboard: the new order is said.
    sort = panel(teacher).get_by_label("Sort learners")
    focus_settled(sort)
    tpage.keyboard.press("ArrowDown")
    expect(sort).to_have_value("most-done")
    expect(teacher.announcer()).to_contain_text(
        "Learners sorted by progress, most done first. First: lin_e2e.")
    expect(panel(teacher).locator("table.pylearn-grid caption")).to_contain_text(
        "sorted by progress, most done first")

    assert_accessible(tpage, [PANEL], "Class panel with its grid")

    # --- Export CSV: the columns of `pylearn class progress`, no email address.
    with tpage.expect_download() as download:
        panel(teacher).get_by_role("button", name="Export CSV").click()
    csv_text = open(download.value.path(), encoding="utf-8").read()
    lines = csv_text.strip().split("\n")
    assert lines[0] == ("username,joined_at,exercise_id,status,attempts,completed_at,"
                        "last_submitted_at")
    assert any(line.startswith(f"{LEARNER[0]},") and f",{EXERCISE},done,2," in line
               for line in lines), lines
    assert "@" not in csv_text

    # --- The learner leaves (after a confirm dialog); the teacher sees them no more.
    area.get_by_role("button", name="Leave class Python 101").click()
    dialog = lpage.locator(".jp-Dialog")
    expect(dialog).to_contain_text("will no longer see any of your progress")
    dialog.get_by_role("button", name="Leave class").click()
    expect(area).to_contain_text("You left Python 101.", timeout=30_000)
    expect(area.get_by_role("button", name="Leave class Python 101")).to_have_count(0)
    refresh_until(teacher, lambda: expect(panel(teacher)).to_contain_text(
        "No learner has joined yet.", timeout=1000))
    expect(panel(teacher).locator("table.pylearn-grid")).to_have_count(0)
    panel(teacher).screenshot(path=artifacts / "class-panel-after-leave.png")

    learner.page.context.close()
    teacher.page.context.close()


def test_an_uploaded_course_from_the_teacher_to_the_learners_sidebar(
        browser, lab_server, api_server, artifacts, tmp_path):
    teacher_auth = register(api_server.url, "hopper_e2e", "hopper@example.org", PASSWORD)
    register(api_server.url, "kay_e2e", "kay@example.org", PASSWORD)
    bundle, _ = bundle_source(REPO / "tests" / "data" / "sample_chapter.ipynb", "Sample course")
    course_file = tmp_path / "sample.bundle.json"
    write_bundle(bundle, course_file)

    teacher = new_lab(browser, lab_server)
    page = teacher.page
    log_in(teacher, "hopper_e2e", PASSWORD)
    # From the command palette (category PyLearn).
    palette, _ = open_palette(page)
    page.keyboard.type("PyLearn Class Panel")
    palette_item(palette, "Open the PyLearn Class Panel").click()
    expect(panel(teacher)).to_be_visible()
    create = panel(teacher).locator("form.pylearn-create-class")
    create.get_by_label("Name of the new class").fill("Uploaded 101")
    create.get_by_label("Course").select_option("uploaded")
    create.get_by_role("button", name="Create class").click()
    code = panel(teacher).locator("#pylearn-join-code-value")
    expect(code).to_have_text(re.compile(r"^[0-9A-Z]{5}-[0-9A-Z]{5}$"), timeout=30_000)
    expect(panel(teacher)).to_contain_text("a course you upload")

    # --- A learner joins before the course is there: the sidebar says so in words.
    class_id = next(c["id"] for c in api_call(api_server, "GET", "/classes",
                                                teacher_auth["token"])["items"])
    learner = new_lab(browser, lab_server)
    lpage = learner.page
    log_in(learner, "kay_e2e", PASSWORD)
    area = classes_area(learner)
    area.get_by_role("button", name="Join a class").click()
    area.get_by_label("Join code").fill(code.inner_text())
    area.get_by_role("button", name="Continue").click()
    area.locator(".pylearn-consent").get_by_role("button", name="Join", exact=True).click()
    expect(area).to_contain_text("You joined Uploaded 101 (teacher: hopper_e2e).",
                                 timeout=30_000)
    section = learner.sidebar.locator(f'.pylearn-class-course[data-class-id="{class_id}"]')
    expect(section).to_contain_text("Your teacher has not uploaded the course yet.",
                                    timeout=30_000)
    expect(section.get_by_role("heading", name="Course of Uploaded 101")).to_be_visible()

    # --- The teacher uploads the bundle; the learner's sidebar shows it once it loads.
    panel(teacher).get_by_label(re.compile("Upload a course bundle")).set_input_files(course_file)
    expect(panel(teacher).locator("#pylearn-bundle-note")).to_have_text(
        re.compile(r"^Course uploaded: version \S+\.$"), timeout=30_000)
    expect(teacher.announcer()).to_contain_text("Course uploaded: version")
    learner.reload()
    expect(section.get_by_role("heading", name="Sample course")).to_be_visible(timeout=30_000)
    expect(section).to_contain_text("Course of the class Uploaded 101 (teacher: hopper_e2e).")
    expect(section.get_by_role("heading", name="Sample chapter")).to_be_visible()
    ids = section.locator("li.pylearn-exercise").evaluate_all(
        "items => items.map(li => li.dataset.exerciseId)")
    assert ids == [f"class:{class_id}/sample.reverse-words", f"class:{class_id}/sample.greet"]
    kept = json.loads(lpage.evaluate(
        f"localStorage.getItem('pylearn.v1.class-course.{class_id}')"))
    assert kept["etag"].strip('"') and kept["bundle"]["course"]["title"] == "Sample course"
    class_exercise = learner.exercise(f"class:{class_id}/{EXERCISE}")
    expect(class_exercise).to_contain_text("to do")
    assert_accessible(lpage, [f"{SIDEBAR} .pylearn-class-courses"], "class course in the sidebar")
    learner.sidebar.screenshot(path=artifacts / "class-course-sidebar.png")

    # Loading the sidebar again asks with the version kept: 304, and the same course shows.
    course_answers: list[tuple[int, str | None]] = []
    lpage.on("response", lambda r: course_answers.append(
        (r.status, r.request.headers.get("if-none-match")))
        if urllib.parse.urlsplit(r.url).path.endswith(f"/classes/{class_id}/course") else None)
    learner.reload()
    expect(section.get_by_role("heading", name="Sample course")).to_be_visible(timeout=30_000)
    expect(class_exercise).to_contain_text("to do")
    deadline = time.monotonic() + 30
    while not course_answers and time.monotonic() < deadline:
        lpage.wait_for_timeout(200)
    # (Once per fetch of the class list, which the page may fetch twice as it starts.)
    assert course_answers and set(course_answers) == {(304, kept["etag"])}, course_answers

    # --- Opening an exercise writes the chapter's notebook into the learner's files (marked
    # as the class's) and puts the cursor in its answer; the learner fails, then passes.
    class_exercise.locator(".pylearn-exercise-open").click()
    answer = learner.answer_cell(EXERCISE)
    answer.wait_for(timeout=30_000)
    learner.wait_for_kernel()
    assert_typing_goes_into_the_body(lpage, answer, EXERCISE)
    notebook_path = "classes/Uploaded 101/sample_chapter.ipynb"
    written = lab_contents(lab_server, notebook_path)
    assert written["content"]["metadata"]["pylearn"]["class"] == class_id
    learner.write_answer(EXERCISE, WRONG)
    learner.check_with_keyboard(EXERCISE)
    expect(learner.verdict(EXERCISE)).to_contain_text("Not yet", timeout=60_000)
    class_id_sql = f"class:{class_id}/{EXERCISE}"
    api_server.wait_for_rows(f"SELECT id FROM submissions WHERE exercise_id = '{class_id_sql}'", 1)
    expect(class_exercise).to_contain_text("tried", timeout=30_000)
    refresh_until(teacher, lambda: expect(grid_cell(teacher, "kay_e2e", TITLE)).to_contain_text(
        "tried", timeout=1000))
    learner.write_answer(EXERCISE, RIGHT)
    learner.check_with_button(EXERCISE)
    expect(learner.verdict(EXERCISE)).to_contain_text("Passed", timeout=60_000)
    api_server.wait_for_rows(f"SELECT id FROM submissions WHERE exercise_id = '{class_id_sql}'"
                             " AND passed", 1)
    expect(class_exercise).to_contain_text("done", timeout=30_000)
    # The built-in course's exercise of the same id is another exercise: still to do.
    expect(learner.sidebar.locator(".pylearn-course").locator(
        f'li[data-exercise-id="{EXERCISE}"]')).to_contain_text("to do")
    assert api_server.rows(
        "SELECT COUNT(*) FROM submissions s JOIN users u ON u.id = s.user_id"
        f" WHERE u.username = 'kay_e2e' AND s.exercise_id = '{EXERCISE}'")[0][0] == 0
    learner.sidebar.screenshot(path=artifacts / "class-course-done.png")

    refresh_until(teacher, lambda: expect(grid_cell(teacher, "kay_e2e", TITLE)).to_contain_text(
        "done", timeout=1000))
    expect(grid_cell(teacher, "kay_e2e", "Greet someone")).to_have_text("not started")
    grid_cell(teacher, "kay_e2e", TITLE).click()
    pane = panel(teacher).locator(".pylearn-code-pane")
    expect(pane.locator("pre.pylearn-code")).to_have_text(RIGHT.rstrip("\n"))
    expect(pane).to_contain_text("2 attempts")
    pane.get_by_role("button", name="Close the code").click()
    panel(teacher).screenshot(path=artifacts / "class-panel-uploaded.png")
    with page.expect_download() as download:
        panel(teacher).get_by_role("button", name="Export CSV").click()
    lines = open(download.value.path(), encoding="utf-8").read().strip().split("\n")
    assert any(line.startswith("kay_e2e,") and f",{EXERCISE},done,2," in line
               for line in lines), lines

    # --- Opening it again opens the learner's own file: nothing is written over it.
    # The check saved it: nothing left to save, the answer in the file.
    expect(lpage.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current.jp-mod-dirty")
           ).to_have_count(0, timeout=10_000)
    wait_for_file(lab_server, notebook_path, "reversed(text.split())")
    saved = lab_contents(lab_server, notebook_path)["last_modified"]
    lpage.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current"
                  " .lm-TabBar-tabCloseIcon").click()
    expect(learner.panel()).to_have_count(0)
    class_exercise.locator(".pylearn-exercise-open").click()
    expect(learner.answer_cell(EXERCISE).locator(".cm-content")).to_contain_text(
        "reversed(text.split())", timeout=30_000)
    assert lab_contents(lab_server, notebook_path)["last_modified"] == saved

    # --- The learner leaves: the class's course goes from the sidebar (the notebook stays
    # theirs), and the teacher no longer sees them.
    area.get_by_role("button", name="Leave class Uploaded 101").click()
    lpage.locator(".jp-Dialog").get_by_role("button", name="Leave class").click()
    expect(area).to_contain_text("You left Uploaded 101.", timeout=30_000)
    expect(section).to_have_count(0)
    assert lpage.evaluate(
        f"localStorage.getItem('pylearn.v1.class-course.{class_id}')") is None
    assert lab_contents(lab_server, notebook_path)["content"]["metadata"]["pylearn"][
        "class"] == class_id
    refresh_until(teacher, lambda: expect(panel(teacher)).to_contain_text(
        "No learner has joined yet.", timeout=1000))
    learner.page.context.close()
    teacher.page.context.close()


def wait_for_file(lab_server, path: str, text: str, timeout: float = 30) -> None:  # noqa: ANN001
    """Until the file at `path` has `text` in it (a save has reached the disk)."""
    deadline = time.monotonic() + timeout
    while text not in json.dumps(lab_contents(lab_server, path)["content"]):
        assert time.monotonic() < deadline, f"{path} never had {text!r}"
        time.sleep(0.3)


def lab_contents(lab_server, path: str) -> dict:  # noqa: ANN001 - a LabServer
    """A file of the learner's workspace, through the Jupyter server's contents API."""
    url = f"{lab_server.url}/api/contents/{urllib.parse.quote(path)}?token={lab_server.token}"
    with urllib.request.urlopen(url, timeout=30) as answer:
        return json.load(answer)
