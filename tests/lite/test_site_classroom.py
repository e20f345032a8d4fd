"""A class in the JupyterLite site, against a real PyLearn API on 127.0.0.1.

The teacher's side goes through the API (create a class on an uploaded course, upload a
bundle made by `pylearn release --bundle`, read the progress); the learner's side is the
site in Debian's Chromium: log in, join with the code after the consent step, open the
class's exercise from the sidebar, fail it, pass it, and leave. Every request the page
makes goes to 127.0.0.1 (the browser_context fixture fails the test otherwise).
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

from e2e.a11y import assert_accessible
from playwright.sync_api import expect

from pylearn_jupyter.bundle import bundle_source

from .conftest import api_call
from .lite_page import EXERCISE as BUILT_IN_PATH
from .lite_page import (
    PAGE_PYTHON,
    RIGHT,
    WRONG,
    LiteNotebook,
    running_kernels,
    running_sessions,
    show_sidebar,
    wait_until,
)

REPO = Path(__file__).resolve().parents[2]
EXERCISE = "sample.reverse-words"
PASSWORD = "correct horse battery"


def upload_bundle(api: str, class_id: str, bundle: dict, token: str) -> str:
    request = urllib.request.Request(
        f"{api}/classes/{class_id}/course", method="PUT", data=json.dumps(bundle).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)["version"]


def learner_progress(api: str, class_id: str, token: str) -> dict[str, dict]:
    """The teacher's view: username -> {exercise id: LearnerProgress}."""
    answer = api_call("GET", f"{api}/classes/{class_id}/progress", token=token)
    return {learner["username"]: {p["exercise_id"]: p for p in learner["progress"]}
            for learner in answer["learners"]}


def test_a_learner_takes_a_class_course_in_the_lite_site(page, site_url: str, api: str,
                                                         requests_seen,
                                                         artifacts: Path) -> None:
    teacher = api_call("POST", f"{api}/auth/register",
                       {"username": "liteteacher", "email": "teacher@example.org",
                        "password": PASSWORD})["token"]
    api_call("POST", f"{api}/auth/register",
             {"username": "liteclass", "email": "learner@example.org", "password": PASSWORD})
    created = api_call("POST", f"{api}/classes", {"name": "Lite 101", "course": "uploaded"},
                       token=teacher)
    class_id, code = created["id"], created["join_code"]
    bundle, _ = bundle_source(REPO / "tests" / "data" / "sample_chapter.ipynb", "Sample course")
    upload_bundle(api, class_id, bundle, teacher)
    class_exercise = f"class:{class_id}/{EXERCISE}"

    # --- The learner logs in and joins with the code, after reading what the teacher sees.
    page.goto(f"{site_url}lab/index.html")
    sidebar = show_sidebar(page)
    sidebar.get_by_role("button", name="Log in").first.click()
    sidebar.get_by_label("Username or email").fill("liteclass")
    sidebar.get_by_label("Password").fill(PASSWORD)
    sidebar.locator(".pylearn-form-login").get_by_role("button", name="Log in").click()
    sidebar.locator(".pylearn-account", has_text="liteclass").wait_for(timeout=15_000)
    area = sidebar.locator(".pylearn-classes")
    area.get_by_role("button", name="Join a class").click()
    area.get_by_label("Join code").fill(code)
    area.get_by_role("button", name="Continue").click()
    consent = area.locator(".pylearn-consent")
    expect(consent).to_contain_text("your latest code")
    assert learner_progress(api, class_id, teacher) == {}, "nothing before Join"
    consent.get_by_role("button", name="Join", exact=True).click()
    expect(area).to_contain_text("You joined Lite 101 (teacher: liteteacher).", timeout=30_000)

    # --- The class's course shows in the sidebar; its exercise opens as a notebook of the
    # learner's files in the browser.
    section = sidebar.locator(f'.pylearn-class-course[data-class-id="{class_id}"]')
    expect(section.get_by_role("heading", name="Sample course")).to_be_visible(timeout=30_000)
    entry = section.locator(f'li.pylearn-exercise[data-exercise-id="{class_exercise}"]')
    expect(entry).to_contain_text("to do")
    assert_accessible(page, [".pylearn-class-courses"], "class course in the Lite sidebar")
    # A built-in exercise is open already: the class's notebook joins its Python.
    sidebar.locator(f'.pylearn-course li[data-exercise-id="{EXERCISE}"]'
                    " .pylearn-exercise-open").click()
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .cm-content",
                 has_text=f"%%exercise {EXERCISE}").wait_for(timeout=30_000)
    entry.locator(".pylearn-exercise-open").click()
    notebook = LiteNotebook(page, site_url)
    page.locator(".jp-MainAreaWidget .lm-TabBar-tab.lm-mod-current, "
                 ".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current",
                 has_text="sample_chapter.ipynb").wait_for(timeout=30_000)
    answer_cell = notebook.cells.filter(
        has=page.locator(".cm-content", has_text=f"%%exercise {EXERCISE}"))
    answer_cell.wait_for(timeout=30_000)
    answer = next(i for i in range(notebook.cells.count())
                  if f"%%exercise {EXERCISE}" in notebook.source(i))
    # Both notebooks joined the page's Python (listed at a session of its own).
    both = sorted([BUILT_IN_PATH, "classes/Lite 101/sample_chapter.ipynb", PAGE_PYTHON])
    wait_until(lambda: sorted(s["path"] for s in running_sessions(page)) == both)
    assert len(running_kernels(page)) == 1, "one Python for both notebooks"

    # --- Fail, then pass: the teacher sees "tried", then "done" with the learner's code.
    notebook.set_source(answer, f"%%exercise {EXERCISE}\n" + WRONG)
    notebook.run(answer)
    notebook.wait_verdict(answer, "Not yet")
    tried = wait_until(lambda: learner_progress(api, class_id, teacher).get("liteclass", {})
                     .get(class_exercise))
    assert tried["attempts"] == 1 and tried["completed_at"] is None
    expect(entry).to_contain_text("tried", timeout=30_000)

    notebook.set_source(answer, f"%%exercise {EXERCISE}\n" + RIGHT)
    notebook.run(answer)
    notebook.wait_verdict(answer, "Passed")
    done = wait_until(lambda: (p := learner_progress(api, class_id, teacher)["liteclass"]
                             [class_exercise])["completed_at"] and p)
    assert done["attempts"] == 2
    assert done["last_code"].rstrip("\n").endswith(RIGHT.rstrip("\n"))
    expect(entry).to_contain_text("done", timeout=30_000)
    sidebar.screenshot(path=str(artifacts / "lite-class-course.png"))
    # The built-in course's exercise of the same id is untouched.
    mine = api_call("GET", f"{api}/progress", token=api_call(
        "POST", f"{api}/auth/login", {"login": "liteclass", "password": PASSWORD})["token"])
    assert [p["exercise_id"] for p in mine["items"]] == [class_exercise]

    # --- The learner leaves: the course goes from the sidebar, the teacher sees nothing.
    area.get_by_role("button", name="Leave class Lite 101").click()
    page.locator(".jp-Dialog").get_by_role("button", name="Leave class").click()
    expect(area).to_contain_text("You left Lite 101.", timeout=30_000)
    expect(section).to_have_count(0)
    assert learner_progress(api, class_id, teacher) == {}
    # A check in the class's notebook, still open, shows its verdict but is not recorded
    # for a class the learner left: nothing is sent, nothing is refused.
    sends = requests_seen.count("POST", f"{api}/submissions")
    assert sends >= 2  # the two checks above
    notebook.run(answer)
    notebook.wait_verdict(answer, "Passed")
    page.wait_for_timeout(2000)
    assert requests_seen.count("POST", f"{api}/submissions") == sends
    expect(sidebar.locator(".pylearn-sync")).to_contain_text("Synced with your account")
    after = api_call("GET", f"{api}/progress", token=api_call(
        "POST", f"{api}/auth/login", {"login": "liteclass", "password": PASSWORD})["token"])
    assert [p["attempts"] for p in after["items"]] == [2]

    api_host = urlparse(api).netloc
    assert any(urlparse(u).netloc == api_host for u in requests_seen.urls)
