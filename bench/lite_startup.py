"""How much PyLearn adds to the start of a JupyterLite site (issue 6's benchmark).

Builds two sites the same way (same pins, self-hosted Pyodide): the PyLearn site, and a
plain one without PyLearn (no course, no kernel wheel, no sidebar). Then, each time in a
fresh Chromium profile, it measures

* PyLearn: navigation -> the first check result of an exercise (nothing to set up: the
  starter checked as written, the moment the notebook shows; PyLearn starts Python with
  the page, see labextension/src/pagepython.ts);
* plain:   navigation -> the result of ``1+1``;
* PyLearn: exercise 1 -> exercise 2: the second exercise opened from the sidebar, then
  checked (it runs in the Python runtime the first one started);

and prints them, the ratio of the first two (goal: at most 1.0), the second exercise's
time (goal: at most 1 s), the warm check time (the same check run again) and the size of
the PyLearn site. A PyLearn run whose first check never runs is counted and left out of
the medians, with a screenshot in test-artifacts/.

    python bench/lite_startup.py [--repeat 3] [--course PATH] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402

from pylearn_jupyter.lite.build import BuildOptions, build_site  # noqa: E402
from pylearn_jupyter.lite.serve import serve_in_thread  # noqa: E402
from tests.lite.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.lite.lite_page import LiteNotebook  # noqa: E402

ARTIFACTS = REPO / "test-artifacts"

PLAIN_NOTEBOOK = {
    "nbformat": 4, "nbformat_minor": 5,
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                "language": "python"},
                 "language_info": {"name": "python"}},
    "cells": [{"cell_type": "code", "id": "one-plus-one", "metadata": {}, "outputs": [],
               "execution_count": None, "source": "1+1"}],
}


def build_both(work: Path, course: list[str] | None) -> tuple[Path, Path, dict]:
    plain_nb = work / "plain.ipynb"
    plain_nb.write_text(json.dumps(PLAIN_NOTEBOOK))
    pylearn = build_site(BuildOptions(output=work / "pylearn-site", course=course,
                                      log=lambda _m: None))
    plain = build_site(BuildOptions(output=work / "plain-site", pylearn=False,
                                    extra_contents=[plain_nb], log=lambda _m: None))
    catalog = json.loads((pylearn.output / "files" / "pylearn" / "catalog.json").read_text())
    info = {"pylearn_build_s": pylearn.seconds, "plain_build_s": plain.seconds,
            "pylearn_mb": pylearn.size_bytes / 1e6, "plain_mb": plain.size_bytes / 1e6,
            "labextensions": pylearn.labextensions,
            "exercise": next(ex["path"] for ch in catalog["chapters"] for ex in ch["exercises"]),
            "second": [ex["id"] for ch in catalog["chapters"] for ex in ch["exercises"]][1]}
    return pylearn.output, plain.output, info


def _context(playwright, profile: Path):  # noqa: ANN001, ANN202
    context = playwright.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, args=CHROMIUM_ARGS,
        viewport={"width": 1400, "height": 900})
    context.set_default_timeout(120_000)
    return context


def time_plain(playwright, url: str, profile: Path) -> float:  # noqa: ANN001
    context = _context(playwright, profile)
    try:
        page = context.new_page()
        started = time.monotonic()
        notebook = LiteNotebook(page, url).open("plain.ipynb", ready_text="1+1")
        notebook.run(0)
        page.wait_for_function(
            "el => el.textContent.includes('2')",
            arg=notebook.cell(0).locator(".jp-OutputArea").element_handle())
        return time.monotonic() - started
    finally:
        context.close()


class FirstCheckNotRun(Exception):
    """The first check, pressed as the exercise showed, had not run after two minutes."""


def time_pylearn(playwright, url: str, exercise: str, second: str,  # noqa: ANN001
                 profile: Path) -> tuple[float, float, float]:
    """Navigation -> first verdict, the same check again, and exercise 1 -> exercise 2."""
    context = _context(playwright, profile)
    try:
        page = context.new_page()
        problems: list[str] = []  # the page's errors and warnings, for a run that fails
        page.on("console", lambda m: problems.append(f"{m.type}: {m.text[:300]}")
                if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        started = time.monotonic()
        notebook = LiteNotebook(page, url).open(exercise)
        answer = notebook.cells.count() - 1
        try:
            notebook.run(answer)
        except PlaywrightTimeout:
            shot = ARTIFACTS / f"bench-lite-first-check-not-run-{profile.name}.png"
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(shot))
            dialogs = page.locator(".jp-Dialog").all_inner_texts()
            kernel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) "
                                  ".jp-KernelStatus, .jp-Toolbar-kernelName").all_inner_texts()
            log = "\n      ".join(problems[-15:]) or "none"
            raise FirstCheckNotRun(f"the first check never ran (dialogs: {dialogs}; kernel: "
                                   f"{kernel}; screenshot: {shot});\n    the page's errors "
                                   f"and warnings:\n      {log}") from None
        notebook.verdict(answer)
        first = time.monotonic() - started
        warm_started = time.monotonic()
        notebook.run(answer)
        notebook.verdict(answer)
        warm = time.monotonic() - warm_started

        tab = page.locator('.jp-SideBar [data-id="pylearn-sidebar"]')
        if "lm-mod-current" not in (tab.get_attribute("class") or ""):
            tab.click()
        entry = page.locator(f'li[data-exercise-id="{second}"] .pylearn-exercise-open')
        entry.wait_for()
        switched = time.monotonic()
        entry.click()
        page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .cm-content",
                     has_text=f"%%exercise {second}").wait_for()
        answer = notebook.cells.count() - 1
        notebook.run(answer)
        notebook.verdict(answer)
        return first, warm, time.monotonic() - switched
    finally:
        context.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="fresh-profile runs per site")
    parser.add_argument("--course", action="append", metavar="PATH",
                        help="course for the PyLearn site (default: the built-in course)")
    parser.add_argument("--keep", metavar="DIR", help="build the sites here and keep them")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="pylearn-bench-") as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        pylearn_dir, plain_dir, info = build_both(work, args.course)
        pylearn_server, pylearn_url = serve_in_thread(pylearn_dir)
        plain_server, plain_url = serve_in_thread(plain_dir)
        plain_times, first_times, warm_times, second_times = [], [], [], []
        not_run: list[str] = []
        with sync_playwright() as playwright:
            for run in range(args.repeat):
                plain_times.append(time_plain(playwright, plain_url, Path(tmp) / f"p{run}"))
                try:
                    first, warm, second = time_pylearn(playwright, pylearn_url,
                                                       info["exercise"], info["second"],
                                                       Path(tmp) / f"l{run}")
                except FirstCheckNotRun as problem:
                    not_run.append(f"run {run + 1}: {problem}")
                    continue
                first_times.append(first)
                warm_times.append(warm)
                second_times.append(second)
        pylearn_server.shutdown()
        plain_server.shutdown()

    if not first_times:
        print("no PyLearn run checked its exercise:", *not_run, sep="\n  ")
        return 1
    plain = statistics.median(plain_times)
    first = statistics.median(first_times)
    warm = statistics.median(warm_times)
    second = statistics.median(second_times)
    print(f"builds: PyLearn {info['pylearn_build_s']:.1f} s, plain {info['plain_build_s']:.1f} s"
          f" (labextensions: {', '.join(info['labextensions'])})")
    print(f"exercise: {info['exercise']}")
    print(f"plain site, navigation -> first 1+1 result:      {plain:.2f} s   "
          f"runs: {', '.join(f'{t:.2f}' for t in plain_times)}")
    print(f"PyLearn site, navigation -> first check result:  {first:.2f} s   "
          f"runs: {', '.join(f'{t:.2f}' for t in first_times)}")
    print(f"ratio PyLearn / plain: {first / plain:.2f} (goal <= 1.00)")
    print(f"exercise 1 -> exercise 2 (open from the sidebar, check): {second:.2f} s   "
          f"runs: {', '.join(f'{t:.2f}' for t in second_times)} (goal <= 1.00 s)")
    print(f"warm check (same check again): {warm * 1000:.0f} ms   "
          f"runs: {', '.join(f'{t * 1000:.0f}' for t in warm_times)}")
    print(f"site size: PyLearn {info['pylearn_mb']:.1f} MB, plain {info['plain_mb']:.1f} MB")
    print(f"PyLearn runs whose first check never ran: {len(not_run)} of {args.repeat}")
    for line in not_run:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
