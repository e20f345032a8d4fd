"""Figures for a big class: the API's progress answer and the Class panel's grid
(a benchmark, not a test: it prints, it asserts nothing).

Starts the real API (``python -m pylearn_jupyter.api``) on a temporary SQLite file, seeds
it in bulk through the API's own models with one class of LEARNERS learners × EXERCISES
exercises of progress (every learner has an entry for every exercise, each with a few
hundred bytes of code), then prints:

* ``GET /api/v1/classes/{id}/progress``: the median answer time over RUNS runs, with and
  without ``Accept-Encoding: gzip``, and the bytes sent;
* the Class panel in a real JupyterLab in Debian's Chromium, whose grid renders only the
  rows in and near its viewport: the time from opening the panel to its first rows shown
  (with the progress request's share), from the data in hand to the first rows laid out
  (the ``pylearn-class-grid`` performance measure starts it), a re-sort of all the
  learners, and a scroll to the bottom until the last learner's row is laid out; and the
  same for a peer measured in the same page and run: a plain <table> of every cell, each
  holding its state as text, in the same scroll box. The ratios are panel / peer.

Usage: python bench/class_panel.py [--learners 300] [--exercises 150] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, ApiServer, LabServer  # noqa: E402

CODE = (
    "def solve(values):\n"
    "    total = 0\n"
    "    for value in values:\n"
    "        if value % 2 == 0:\n"
    "            total += value\n"
    "        else:\n"
    "            total -= value\n"
    "    return total  # attempt {n}\n"
) * 2


def call(url: str, method: str = "GET", body: object = None, token: str | None = None,
         gzip: bool = False) -> tuple[int, bytes, float]:
    headers = {"Content-Type": "application/json",
               "X-PyLearn-Device": secrets.token_hex(16)}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    headers["Accept-Encoding"] = "gzip" if gzip else "identity"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=300) as answer:
        raw = answer.read()
        status = answer.status
    return status, raw, time.perf_counter() - start


def seed(api: ApiServer, learners: int, exercises: int) -> tuple[str, str, dict]:
    """A teacher (through the API) and a class; learners and progress in bulk (models)."""
    from sqlalchemy import create_engine, insert

    from pylearn_jupyter.api.models import ClassMember, Progress, User

    root = f"{api.url}/api/v1"
    _, raw, _ = call(f"{root}/auth/register", "POST", {
        "username": "teacher", "email": "teacher@example.org",
        "password": "bench teacher password"})
    auth = json.loads(raw)
    _, raw, _ = call(f"{root}/classes", "POST", {"name": "Big class"}, auth["token"])
    info = json.loads(raw)

    now = datetime.now(UTC)
    users, members, progress = [], [], []
    for i in range(learners):
        uid = str(uuid.uuid4())
        name = f"learner{i:04d}"
        users.append({"id": uid, "username": name, "username_key": name,
                      "email": f"{name}@example.org", "email_key": f"{name}@example.org",
                      "password_hash": "pbkdf2_sha256$1$x$x", "token_version": 0,
                      "created_at": now})
        members.append({"class_id": info["id"], "user_id": uid,
                        "joined_at": now - timedelta(days=30)})
        for j in range(exercises):
            attempts = 1 + (i * 7 + j * 3) % 5
            passed = (i + j) % 3 != 0
            when = now - timedelta(minutes=(i * exercises + j) % 10_000)
            progress.append({
                "user_id": uid, "exercise_id": f"bench.ex{j:03d}", "attempts": attempts,
                "completed_at": when if passed else None, "last_id": str(uuid.uuid4()),
                "last_code": CODE.format(n=attempts), "last_submitted_at": when,
                "solution_viewed": (i * j) % 17 == 0,
            })
    engine = create_engine(f"sqlite:///{api.db_path}")
    with engine.begin() as db:
        db.execute(insert(User), users)
        db.execute(insert(ClassMember), members)
        for start in range(0, len(progress), 5000):
            db.execute(insert(Progress), progress[start:start + 5000])
    engine.dispose()
    return auth["token"], info["id"], auth["user"]


def api_figures(api: ApiServer, token: str, class_id: str, runs: int) -> None:
    url = f"{api.url}/api/v1/classes/{class_id}/progress"
    call(url, token=token)  # warm up
    for gzip in (False, True):
        times, size = [], 0
        for _ in range(runs):
            status, raw, seconds = call(url, token=token, gzip=gzip)
            if status != 200:
                raise SystemExit(f"GET {url} answered {status}")
            times.append(seconds)
            size = len(raw)
        label = "gzip    " if gzip else "identity"
        print(f"  GET /classes/{{id}}/progress, {label}:"
              f" median {statistics.median(times) * 1000:7.1f} ms"
              f" (min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f}; {runs} runs),"
              f" {size / 1_000_000:.2f} MB sent")


MEASURE_JS = """async ([name, runs]) => {
  const waitFor = async (test) => {
    for (let i = 0; i < 30000; i++) {
      if (test()) return;
      await new Promise(r => setTimeout(r, 2));
    }
    throw new Error('timed out');
  };
  const frame = () => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
  const scrolled = (box) => new Promise(r => box.addEventListener('scroll', r, {once: true}));
  const panel = document.querySelector('#pylearn-class');
  const results = {render: [], layout: [], drawn: [], sort: [], sortLayout: [], bottom: [],
                   shown: [], cells: [], peer: [], peerLayout: [], peerDrawn: [], peerSort: [],
                   peerBottom: []};
  let rows = 0, cols = 0;
  for (let run = 0; run < runs; run++) {
    // The panel: Refresh fetches, then renders once; the measure is the render alone.
    const before = performance.getEntriesByName(name).length;
    // Laid out: forced in the microtask right after the render's task (before the
    // browser draws anything), as for the peer below; drawn: after the next frame.
    let laidOut = null;
    const observer = new MutationObserver(() => {
      if (laidOut === null && performance.getEntriesByName(name).length > before) {
        panel.querySelector('table.pylearn-grid').getBoundingClientRect();
        laidOut = performance.now();
      }
    });
    observer.observe(panel.querySelector('.pylearn-grid-box'),
                     {childList: true, subtree: true, attributes: true});
    [...panel.querySelectorAll('button')].find(b => b.textContent === 'Refresh').click();
    await waitFor(() => laidOut !== null);
    observer.disconnect();
    const entry = performance.getEntriesByName(name).at(-1);
    results.layout.push(laidOut - entry.startTime);
    results.render.push(entry.duration);
    await frame();
    results.drawn.push(performance.now() - entry.startTime);
    let table = panel.querySelector('table.pylearn-grid');
    rows = Number(table.getAttribute('aria-rowcount')) - 1;
    cols = Number(table.getAttribute('aria-colcount')) - 1;
    results.shown.push(table.querySelectorAll('tbody > tr[data-row]').length);
    results.cells.push(table.querySelectorAll('td.pylearn-cell').length);
    await frame();
    // A re-sort of all the learners: the rows at the top rendered again.
    const select = panel.querySelector('#pylearn-class-sort');
    select.value = run % 2 ? 'name' : 'most-done';
    let t = performance.now();
    select.dispatchEvent(new Event('change'));
    results.sort.push(performance.now() - t);
    t = performance.now();
    table.getBoundingClientRect();
    results.sortLayout.push(performance.now() - t);
    await frame();
    // Scrolled to the bottom: until the last learner's row is in the page and laid out.
    const box = panel.querySelector('.pylearn-grid-scroll');
    t = performance.now();
    const done = scrolled(box);
    box.scrollTop = box.scrollHeight;
    await done;
    await waitFor(() => table.querySelector(`tr[aria-rowindex="${rows + 1}"]`));
    table.querySelector(`tr[aria-rowindex="${rows + 1}"]`).getBoundingClientRect();
    results.bottom.push(performance.now() - t);
    await frame();
    box.scrollTop = 0;
    await frame();
  }
  // The peer: a plain table of text with every cell, in a scroll box like the panel's,
  // in the same place of the page.
  const words = ['done', 'tried', 'not started'];
  const grid = panel.querySelector('.pylearn-grid-box');
  const peerRows = (order) => {
    const fragment = document.createDocumentFragment();
    for (const r of order) {
      const tr = document.createElement('tr');
      const th = document.createElement('th');
      th.textContent = 'learner' + r;
      tr.append(th);
      for (let c = 0; c < cols; c++) {
        const td = document.createElement('td');
        td.textContent = words[(r + c) % 3];
        tr.append(td);
      }
      fragment.append(tr);
    }
    return fragment;
  };
  const ascending = [...Array(rows).keys()];
  for (let run = 0; run < runs; run++) {
    let t = performance.now();
    const start = t;
    const peer = document.createElement('table');
    const body = document.createElement('tbody');
    body.append(peerRows(ascending));
    peer.append(body);
    const box = document.createElement('div');
    box.className = 'pylearn-grid-scroll';
    box.append(peer);
    grid.replaceChildren(box);
    results.peer.push(performance.now() - t);
    t = performance.now();
    peer.getBoundingClientRect();
    results.peerLayout.push(performance.now() - t);
    await frame();
    results.peerDrawn.push(performance.now() - start);
    t = performance.now();
    body.replaceChildren(peerRows(run % 2 ? ascending : [...ascending].reverse()));
    peer.getBoundingClientRect();
    results.peerSort.push(performance.now() - t);
    await frame();
    t = performance.now();
    const done = scrolled(box);
    box.scrollTop = box.scrollHeight;
    await done;
    body.lastElementChild.getBoundingClientRect();
    results.peerBottom.push(performance.now() - t);
    await frame();
  }
  return {rows, cols, results};
}"""


WATCH_JS = """() => {
  // Until the panel's first rows are in the page: then laid out at once, and drawn after
  // the next frame.
  window.pylearnBench = {laidOut: null, drawn: null};
  const observer = new MutationObserver(() => {
    const row = document.querySelector('#pylearn-class table.pylearn-grid tbody tr[data-row]');
    if (!row) return;
    observer.disconnect();
    row.getBoundingClientRect();
    window.pylearnBench.laidOut = performance.now();
    requestAnimationFrame(() => setTimeout(() => {
      window.pylearnBench.drawn = performance.now();
    }, 0));
  });
  observer.observe(document.body, {childList: true, subtree: true});
  return performance.now();
}"""


OPEN_JS = """([clicked, name]) => {
  // The panel's opening as the page timed it, from the click: its requests, its first
  // render, and the first rows laid out (now).
  const requests = performance.getEntriesByType('resource')
    .filter(e => e.startTime >= clicked && e.name.includes('/classes'))
    .map(e => ({path: new URL(e.name).pathname.replace(/.*\\/classes/, '/classes'),
                start: e.startTime - clicked, end: e.responseEnd - clicked,
                size: e.transferSize, body: e.decodedBodySize}));
  const render = performance.getEntriesByName(name)
    .filter(e => e.startTime >= clicked)[0];
  return {requests, shown: window.pylearnBench.laidOut - clicked,
          drawn: window.pylearnBench.drawn - clicked,
          render: render ? {start: render.startTime - clicked, duration: render.duration} : null};
}"""


def median(values: list[float]) -> float:
    return statistics.median(values)


def browser_figures(lab: LabServer, token: str, user: dict, runs: int, folder: Path) -> None:
    from playwright.sync_api import sync_playwright

    session = json.dumps({"token": token, "user": user})
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        context.add_init_script(
            f"localStorage.setItem('pylearn.v1.account.session', {json.dumps(session)});")
        page = context.new_page()
        page.goto(lab.lab_url)
        page.wait_for_selector("#jp-main-dock-panel", timeout=120_000)
        tab = page.locator('.jp-SideBar [data-id="pylearn-sidebar"]')
        tab.wait_for(timeout=60_000)
        if "lm-mod-current" not in (tab.get_attribute("class") or ""):
            tab.click()
        opened = time.perf_counter()
        clicked = page.evaluate(WATCH_JS)
        try:
            page.locator("#pylearn-sidebar").get_by_role(
                "button", name="Open the Class panel").click(timeout=60_000)
        finally:
            page.screenshot(path=str(folder / "class-panel-bench-start.png"))
        page.locator("#pylearn-class table.pylearn-grid tbody tr[data-row]").first.wait_for(
            timeout=180_000)
        first = time.perf_counter() - opened
        page.wait_for_function("() => window.pylearnBench.drawn !== null")
        timeline = page.evaluate(OPEN_JS, [clicked, "pylearn-class-grid"])
        page.screenshot(path=str(folder / "class-panel-bench.png"))
        data = page.evaluate(MEASURE_JS, ["pylearn-class-grid", runs])
        browser.close()
    r = data["results"]
    cells = data["rows"] * data["cols"]
    m = {key: median(values) for key, values in r.items()}
    panel = m["layout"]
    peer = m["peer"] + m["peerLayout"]
    sort = m["sort"] + m["sortLayout"]
    print(f"  grid: {data['rows']} learners × {data['cols']} exercises = {cells} cells;"
          f" rows in the page: {m['shown']:.0f} of {data['rows']}"
          f", {m['cells']:.0f} cells")
    print(f"  panel opened → first rows visible (fetch included; Playwright's clock):"
          f" {first * 1000:.0f} ms")
    for request in timeline["requests"]:
        print(f"    GET {request['path']}: {request['start']:.0f} → {request['end']:.0f} ms"
              f" after the click ({request['size'] / 1e6:.2f} MB sent,"
              f" {request['body'] / 1e6:.2f} MB of JSON)")
    if timeline["render"]:
        render = timeline["render"]
        print(f"    first render function: {render['start']:.0f} → "
              f"{render['start'] + render['duration']:.0f} ms; first rows laid out at"
              f" {timeline['shown']:.0f} ms, drawn at {timeline['drawn']:.0f} ms")
    print(f"  data in hand → first rows laid out: median {panel:.1f} ms (render function"
          f" {m['render']:.1f} ms: model, sort, stuck list, table); → drawn (next frame):"
          f" {m['drawn']:.1f} ms")
    print(f"  re-sort of all learners: median {m['sort']:.1f} ms + layout"
          f" {m['sortLayout']:.1f} ms → {sort:.1f} ms")
    print(f"  scroll to the bottom → last learner's row laid out: median {m['bottom']:.1f} ms")
    print("  peer (plain text table, every cell, same scroll box, same page):")
    print(f"    built {m['peer']:.1f} ms + layout {m['peerLayout']:.1f} ms → {peer:.1f} ms"
          f" (drawn {m['peerDrawn']:.1f} ms);"
          f" re-sort (body rebuilt) {m['peerSort']:.1f} ms;"
          f" scroll to the bottom {m['peerBottom']:.1f} ms")
    print(f"  ratios panel / peer: first rows laid out {panel / peer:.2f}×, drawn"
          f" {m['drawn'] / m['peerDrawn']:.2f}×, re-sort"
          f" {sort / m['peerSort']:.2f}×, scroll to the bottom"
          f" {m['bottom'] / m['peerBottom']:.2f}×  ({runs} runs each)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=300)
    parser.add_argument("--exercises", type=int, default=150)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pylearn-class-bench-") as tmp:
        folder = Path(tmp)
        (folder / "api").mkdir()
        api = ApiServer(folder / "api")
        api.start()
        lab = None
        try:
            started = time.perf_counter()
            token, class_id, user = seed(api, args.learners, args.exercises)
            size = api.db_path.stat().st_size / 1e6
            print(f"seeded {args.learners} learners × {args.exercises} exercises of progress"
                  f" in {time.perf_counter() - started:.1f} s (SQLite, {size:.0f} MB)")
            print("API (loopback, one process):")
            api_figures(api, token, class_id, args.runs)
            (folder / "lab").mkdir()
            lab = LabServer(folder / "lab", api.url)
            lab.start()
            print("Class panel in JupyterLab, Debian's Chromium (headless):")
            out = REPO / "test-artifacts"
            out.mkdir(exist_ok=True)
            browser_figures(lab, token, user, args.runs, out)
        finally:
            if lab is not None:
                lab.stop()
            api.stop()


if __name__ == "__main__":
    main()
