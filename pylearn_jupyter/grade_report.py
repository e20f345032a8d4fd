"""``report.html`` for the instructor and ``--feedback`` pages for each learner.

Both are static pages: inline CSS and inline SVG, no script, nothing loaded from anywhere
(a Content-Security-Policy in each page forbids it too). Everything a learner wrote (names,
code, printed output, messages quoting their values) is hostile input and is HTML-escaped.

The feedback pages show the same verdict and test messages as the check panel in the
notebook (:func:`.widgets.render.result_html`). Hidden tests appear there only as
"hidden test 2 of 3", passed or not yet, without their name, inputs, expected values,
messages or tracebacks, unless ``show_hidden`` is set (after the deadline).
"""

from __future__ import annotations

import csv
import re
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from .checker.result import CheckResult, TestOutcome
from .exercise import Chapter, Exercise
from .grade import NO_SANDBOX_WARNING, Row, write_atomic
from .widgets.render import result_html, test_label

__all__ = ["REPORT_NAME", "report_html", "write_html_report", "read_comments",
           "feedback_pages", "write_feedback", "needs_help", "exercise_stats",
           "unknown_comments"]

REPORT_NAME = "report.html"

# Nothing but inline styles and data: images, whatever a page holds.
_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        "base-uri 'none'; form-action 'none'")

# Status words, icons and classes; every state is told in words, never by colour alone.
_STATUS_SHOWN = {
    "passed": ("✔", "passed", "st-passed"),
    "failed": ("✘", "not yet", "st-failed"),
    "error": ("⚠", "error", "st-error"),
    "time limit": ("◷", "time limit", "st-timeout"),
    "missing": ("–", "missing", "st-missing"),
    "problem": ("!", "unreadable", "st-missing"),
}
_RESULT_STATUS = {"passed": "passed", "failed": "failed", "error": "error",
                  "timeout": "time limit"}

_BASE_CSS = """
:root { color-scheme: light;
  --jp-ui-font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1a1a1a;
  background: #fff; margin: 0; line-height: 1.5; font-size: 1rem; }
main, header.page { max-width: 70rem; margin: 0 auto; padding: 0 1rem; }
header.page { padding-top: 1rem; }
h1 { font-size: 1.6rem; margin: 0.5rem 0; }
h2 { font-size: 1.3rem; margin: 2rem 0 0.5rem; border-bottom: 2px solid #d0d0d0; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 0.4rem; }
p, li { max-width: 60rem; }
a { color: #0b57b0; }
a:focus-visible, [tabindex]:focus-visible, summary:focus-visible {
  outline: 3px solid #0b57b0; outline-offset: 2px; }
.muted { color: #4d4d4d; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  font-size: 0.92rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
caption { text-align: left; font-weight: 600; padding: 0.3rem 0; }
th, td { border: 1px solid #c4c4c4; padding: 0.3rem 0.6rem; text-align: left;
  vertical-align: top; }
thead th { background: #eef1f5; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
.scroll { overflow-x: auto; max-width: 100%; }
.st { display: inline-block; padding: 0 0.4rem; border-radius: 3px; white-space: nowrap;
  font-weight: 600; }
.st-passed { color: #1b5e20; background: #e8f5e9; }
.st-failed { color: #b71c1c; background: #ffebee; }
.st-error { color: #7a3e00; background: #fff3e0; }
.st-timeout { color: #4a148c; background: #f3e5f5; }
.st-missing { color: #3d3d3d; background: #ececec; }
.danger { background: #9b0000; color: #fff; border: 4px solid #4d0000; padding: 0.8rem 1rem;
  margin: 1rem 0; font-size: 1.1rem; }
.danger strong { display: block; font-size: 1.3rem; letter-spacing: 0.02em; }
figure { margin: 0.5rem 0 1rem; }
figure svg { width: 100%; max-width: 44rem; height: auto; display: block; }
figcaption { color: #4d4d4d; max-width: 44rem; }
details { margin: 0.3rem 0 1rem; }
summary { cursor: pointer; color: #0b57b0; text-decoration: underline; }
.stats { display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; padding: 0; list-style: none; }
.stats li { background: #f4f6f9; border: 1px solid #d5dbe3; border-radius: 4px;
  padding: 0.4rem 0.8rem; }
.stats b { font-size: 1.2rem; }
ul.reasons { margin: 0; padding-left: 1.1rem; }
/* The learner stays in view while a wide gradebook scrolls sideways. */
table.gradebook tbody th { position: sticky; left: 0; background: #fff; z-index: 1;
  max-width: 16rem; overflow-wrap: anywhere; }
"""


def _page(title: str, body: str, css: str = "") -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{escape(title)}</title>\n<style>{_BASE_CSS}{css}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def _number(value: float) -> str:
    """0.75, 2, 1.5: points without trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def _status_chip(status: str) -> str:
    icon, word, css = _STATUS_SHOWN.get(status, ("?", status, "st-missing"))
    return (f'<span class="st {css}"><span aria-hidden="true">{icon}</span> '
            f"{escape(word)}</span>")


def _effective(row: Row) -> str:
    """The row's verdict, a duplicate told by the answer that counted."""
    if row.status == "duplicate" and row.result is not None:
        return _RESULT_STATUS[row.result.status]
    return row.status


def _generated() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


# --- the numbers ------------------------------------------------------------------------


@dataclass
class ExerciseStats:
    exercise: Exercise
    learners: int
    counts: Counter
    mean_points: float
    failing_test: str | None  # the test most often failed by answers whose tests all ran
    failing_hidden: bool
    failing_count: int
    ran: int  # answers whose tests all ran (passed or not yet)

    @property
    def passed(self) -> int:
        return self.counts["passed"]

    @property
    def pass_rate(self) -> float:
        return self.passed / self.learners if self.learners else 0.0


def exercise_stats(rows: list[Row], exercises: list[Exercise]) -> list[ExerciseStats]:
    stats = []
    for exercise in exercises:
        mine = [r for r in rows if r.exercise.id == exercise.id]
        counts = Counter(_effective(r) for r in mine)
        failures: Counter = Counter()
        order: dict[str, int] = {}
        hidden: dict[str, bool] = {}
        ran = 0
        for row in mine:
            # Only answers whose tests all ran: after an error or a time limit every test
            # counts as failed, which says nothing about which test is hard.
            if row.result is None or row.result.status not in ("passed", "failed"):
                continue
            ran += 1
            for position, test in enumerate(row.result.tests):
                order.setdefault(test.name, position)
                hidden[test.name] = test.hidden
                if not test.passed:
                    failures[test.name] += 1
        failing, count = None, 0
        if failures:
            failing, count = min(failures.items(), key=lambda kv: (-kv[1], order[kv[0]]))
        mean = statistics.fmean([r.points for r in mine]) if mine else 0.0
        stats.append(ExerciseStats(exercise, len(mine), counts, mean, failing,
                                   hidden.get(failing or "", False), count, ran))
    return stats


@dataclass
class HelpNeeded:
    learner: str
    total: float
    reasons: list[str]  # plain text, escaped when shown


def _titled(row: Row) -> str:
    return f"{row.exercise.title} ({row.exercise.id})"


def needs_help(rows: list[Row]) -> list[HelpNeeded]:
    """Learners with something missing, an error, a time limit, an unreadable notebook,
    or an exercise whose visible tests all pass while a hidden one fails."""
    by_learner: dict[str, list[Row]] = {}
    for row in rows:
        by_learner.setdefault(row.learner, []).append(row)
    found = []
    for learner, mine in by_learner.items():
        reasons: list[str] = []
        groups: dict[str, list[Row]] = {}
        for row in mine:
            groups.setdefault(_effective(row), []).append(row)
        if groups.get("problem"):
            notes = sorted({r.note for r in groups["problem"] if r.note})
            reasons.append("unreadable notebook: " + "; ".join(notes))
        if groups.get("missing"):
            if all(r.note == "nothing returned" for r in groups["missing"]) \
                    and len(groups["missing"]) == len(mine):
                reasons.append("returned nothing")
            else:
                reasons.append("missing: " + ", ".join(_titled(r) for r in groups["missing"]))
        errors: dict[str, list[Row]] = {}  # the same error in many cells is told once
        for row in groups.get("error", []):
            summary = row.result.error.summary if row.result and row.result.error else ""
            errors.setdefault(summary, []).append(row)
        for summary, same in errors.items():
            where = ("every exercise" if len(same) == len(mine) > 1 else
                     ", ".join(_titled(r) for r in same))
            reasons.append(f"error in {where}" + (f": {summary}" if summary else ""))
        if groups.get("time limit"):
            reasons.append("time limit in " + ", ".join(_titled(r) for r in groups["time limit"]))
        for row in mine:
            result = row.result
            if result is None or result.status != "failed":
                continue
            visible = [t for t in result.tests if not t.hidden]
            hidden = [t for t in result.tests if t.hidden]
            failed_hidden = sum(not t.passed for t in hidden)
            if visible and all(t.passed for t in visible) and failed_hidden:
                reasons.append(f"visible tests pass, {failed_hidden} of {len(hidden)} hidden "
                               f"test{'s' if len(hidden) != 1 else ''} not yet: {_titled(row)}")
        if reasons:
            found.append(HelpNeeded(learner, round(sum(r.points for r in mine), 2), reasons))
    return found


def _totals(rows: list[Row]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for row in rows:
        totals[row.learner] = totals.get(row.learner, 0.0) + row.points
    return {learner: round(total, 2) for learner, total in totals.items()}


def _bins(totals: list[float], maximum: float) -> list[tuple[float, float, int]]:
    """Bins of a round width (0.25, 0.5, 1, 2, 2.5, 5, 10, ...) over 0..maximum, at most 10;
    the last one includes the maximum."""
    if maximum <= 0:
        return [(0.0, 0.0, len(totals))]
    width = next(w * 10 ** e for e in range(-2, 10) for w in ((1, 2.5, 5) if e < 0 else
                                                               (1, 2, 2.5, 5))
                 if maximum / (w * 10 ** e) <= 10 + 1e-9)
    count = max(1, -int(-(maximum / width - 1e-9) // 1))
    bins = [(round(i * width, 2), round(min((i + 1) * width, maximum), 2), 0)
            for i in range(count)]
    for total in totals:
        index = min(int(total / width + 1e-9), count - 1)
        low, high, n = bins[index]
        bins[index] = (low, high, n + 1)
    return bins


# --- the plots --------------------------------------------------------------------------

_AXIS = "#1a1a1a"
_BAR = "#1f5fa8"
_GRID = "#c8c8c8"


def _histogram_svg(bins: list[tuple[float, float, int]], maximum: float, learners: int) -> str:
    width, height = 640, 280
    left, right, top, bottom = 48, 12, 26, 64
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((n for _, _, n in bins), default=0) or 1
    step = max(1, -(-peak // 5))  # at most about 5 grid lines
    ceiling = step * -(-peak // step)
    bar_w = plot_w / len(bins)
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" '
        'aria-labelledby="hist-title hist-desc" xmlns="http://www.w3.org/2000/svg">',
        '<title id="hist-title">Distribution of total points</title>',
        f'<desc id="hist-desc">{escape(_histogram_description(bins, maximum, learners))}'
        "</desc>",
    ]
    for tick in range(0, ceiling + 1, step):
        y = top + plot_h - plot_h * tick / ceiling
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="{_GRID}" stroke-width="1"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" '
                     f'font-size="12" fill="{_AXIS}">{tick}</text>')
    for i, (low, high, n) in enumerate(bins):
        x = left + i * bar_w
        h = plot_h * n / ceiling
        y = top + plot_h - h
        label = f"{_number(low)}–{_number(high)} points: {n} learner{'s' if n != 1 else ''}"
        if n:
            parts.append(f'<rect x="{x + 2:.1f}" y="{y:.1f}" width="{bar_w - 4:.1f}" '
                         f'height="{h:.1f}" fill="{_BAR}"><title>{escape(label)}</title></rect>')
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" '
                         f'font-size="12" fill="{_AXIS}">{n}</text>')
        parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 16}" '
                     f'text-anchor="middle" font-size="11" fill="{_AXIS}">'
                     f"{_number(low)}–{_number(high)}</text>")
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" '
                 f'y2="{top + plot_h}" stroke="{_AXIS}" stroke-width="1.5"/>')
    parts.append(f'<text x="{left + plot_w / 2}" y="{height - 18}" text-anchor="middle" '
                 f'font-size="13" fill="{_AXIS}">total points (of {_number(maximum)})</text>')
    parts.append(f'<text x="14" y="{top + plot_h / 2}" text-anchor="middle" font-size="13" '
                 f'fill="{_AXIS}" transform="rotate(-90 14 {top + plot_h / 2})">learners</text>')
    parts.append("</svg>")
    return "".join(parts)


def _histogram_description(bins: list[tuple[float, float, int]], maximum: float,
                           learners: int) -> str:
    filled = [f"{_number(lo)} to {_number(hi)} points: {n}" for lo, hi, n in bins if n]
    return (f"Histogram of the totals of {learners} learner{'s' if learners != 1 else ''} "
            f"out of {_number(maximum)} points. Learners per range: " + "; ".join(filled) + ".")


def _pass_rate_svg(stats: list[ExerciseStats]) -> str:
    row_h, left, right, top = 30, 230, 150, 10
    width = 700
    height = top * 2 + row_h * len(stats) + 24
    plot_w = width - left - right
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" '
        'aria-labelledby="rate-title rate-desc" xmlns="http://www.w3.org/2000/svg">',
        '<title id="rate-title">Pass rate per exercise</title>',
        '<desc id="rate-desc">' + escape("Share of learners whose answer passed every test: "
                                         + "; ".join(f"{s.exercise.id}: {s.pass_rate:.0%}"
                                                     for s in stats) + ".") + "</desc>",
    ]
    for tick in (0, 25, 50, 75, 100):
        x = left + plot_w * tick / 100
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" '
                     f'y2="{top + row_h * len(stats)}" stroke="{_GRID}" stroke-width="1"/>')
        parts.append(f'<text x="{x:.1f}" y="{top + row_h * len(stats) + 16}" '
                     f'text-anchor="middle" font-size="12" fill="{_AXIS}">{tick} %</text>')
    for i, s in enumerate(stats):
        y = top + i * row_h
        name = s.exercise.id if len(s.exercise.id) <= 30 else s.exercise.id[:29] + "…"
        w = plot_w * s.pass_rate
        label = f"{s.pass_rate:.0%} ({s.passed} of {s.learners})"
        parts.append(f'<text x="{left - 8}" y="{y + row_h / 2 + 4:.1f}" text-anchor="end" '
                     f'font-size="13" fill="{_AXIS}">{escape(name)}</text>')
        parts.append(f'<rect x="{left}" y="{y + 5}" width="{max(w, 0.0):.1f}" '
                     f'height="{row_h - 10}" fill="{_BAR}"><title>'
                     f"{escape(s.exercise.id)}: {escape(label)}</title></rect>")
        parts.append(f'<text x="{left + w + 6:.1f}" y="{y + row_h / 2 + 4:.1f}" '
                     f'font-size="13" fill="{_AXIS}">{escape(label)}</text>')
    parts.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + row_h * len(stats)}" '
                 f'stroke="{_AXIS}" stroke-width="1.5"/>')
    parts.append("</svg>")
    return "".join(parts)


# --- report.html ------------------------------------------------------------------------


def _exercise_cell(exercise: Exercise) -> str:
    return (f"{escape(exercise.title)}<br><code class=\"muted\">{escape(exercise.id)}</code>")


def _scroll_table(label: str, table: str) -> str:
    """A wide table scrolls sideways inside its own box (keyboard-scrollable too)."""
    return (f'<div class="scroll" role="region" aria-label="{escape(label)}" tabindex="0">'
            f"{table}</div>")


def report_html(rows: list[Row], exercises: list[Exercise], *, sandbox: str,
                generated: str | None = None) -> str:
    """The whole report page."""
    totals = _totals(rows)
    learners = list(totals)
    maximum = round(sum(ex.points for ex in exercises), 2)
    stats = exercise_stats(rows, exercises)
    helped = needs_help(rows)
    body = ['<header class="page">', "<h1>Grading report</h1>"]
    if sandbox == "none":
        body.append('<div class="danger" role="alert"><strong>Not sandboxed: do not trust '
                    f"these grades blindly.</strong>{escape(NO_SANDBOX_WARNING)}</div>")
    where = {"bwrap": "in the <b>bubblewrap</b> sandbox",
             "docker": "in a <b>Docker</b> container", "podman": "in a <b>Podman</b> container",
             "none": "<b>without a sandbox</b>"}.get(sandbox,
                                                    f"in the <b>{escape(sandbox)}</b> sandbox")
    body.append(f'<p class="muted">Graded {escape(generated or _generated())} {where}: '
                f"{len(learners)} learner"
                f"{'s' if len(learners) != 1 else ''}, {len(exercises)} exercise"
                f"{'s' if len(exercises) != 1 else ''}, {_number(maximum)} points in all. "
                'The full data: <a href="grades.csv">grades.csv</a> (one row per learner and '
                'exercise), <a href="gradebook.csv">gradebook.csv</a> (one row per learner), '
                '<a href="grades.json">grades.json</a>.</p>')
    body.append('<nav aria-label="Sections"><ul class="stats">'
                '<li><a href="#totals">Totals</a></li>'
                '<li><a href="#exercises">Exercises</a></li>'
                f'<li><a href="#help">Learners who need help ({len(helped)})</a></li>'
                '<li><a href="#gradebook">Gradebook</a></li></ul></nav>')
    body.append("</header><main>")

    # Totals.
    values = list(totals.values())
    body.append('<section aria-labelledby="totals"><h2 id="totals">Totals</h2>')
    if values:
        body.append('<ul class="stats" aria-label="Totals in numbers">'
                    f"<li>mean <b>{_number(round(statistics.fmean(values), 2))}</b></li>"
                    f"<li>median <b>{_number(round(statistics.median(values), 2))}</b></li>"
                    f"<li>lowest <b>{_number(min(values))}</b></li>"
                    f"<li>highest <b>{_number(max(values))}</b></li>"
                    f"<li>full marks <b>{sum(v >= maximum for v in values)}</b> of "
                    f"{len(values)}</li></ul>")
        bins = _bins(values, maximum)
        body.append("<figure>" + _histogram_svg(bins, maximum, len(values)) +
                    "<figcaption>How many learners reached each total (points, out of "
                    f"{_number(maximum)}). Each range includes its lower end; the last one "
                    "also its upper end.</figcaption></figure>")
        table = ["<table><caption>Learners per range of total points</caption><thead><tr>"
                 '<th scope="col">total points</th><th scope="col" class="num">learners'
                 "</th></tr></thead><tbody>"]
        for low, high, n in bins:
            table.append(f'<tr><th scope="row">{_number(low)} to {_number(high)}</th>'
                         f'<td class="num">{n}</td></tr>')
        table.append("</tbody></table>")
        body.append("<details><summary>The histogram as a table</summary>" + "".join(table)
                    + "</details>")
    body.append("</section>")

    # Exercises.
    body.append('<section aria-labelledby="exercises"><h2 id="exercises">Exercises</h2>')
    body.append("<p>Pass rate: the share of learners whose answer passed every test, hidden "
                "ones included (a missing answer counts as not passed).</p>")
    if stats:
        body.append("<figure>" + _pass_rate_svg(stats) + "<figcaption>Pass rate per exercise; "
                    "the table below gives the same numbers and more.</figcaption></figure>")
    table = ["<table><caption>Per exercise: pass rate, points, the test failed most often, "
             "the other verdicts</caption><thead><tr>"
             '<th scope="col">exercise</th><th scope="col" class="num">pass rate</th>'
             '<th scope="col" class="num">mean points</th>'
             '<th scope="col">most common failing test</th>'
             '<th scope="col">not passed</th></tr></thead><tbody>']
    for s in stats:
        if s.failing_test:
            failing = (f"<code>{escape(test_label(s.failing_test))}</code>"
                       + (" (hidden test)" if s.failing_hidden else "")
                       + f'<br><span class="muted">not yet for {s.failing_count} of {s.ran} '
                       "answers whose tests all ran</span>")
        else:
            failing = '<span class="muted">none</span>'
        others = [(s.counts["failed"], "not yet"), (s.counts["error"], "error"),
                  (s.counts["time limit"], "time limit"), (s.counts["missing"], "missing"),
                  (s.counts["problem"], "unreadable")]
        shown = "<br>".join(f"{n} {word}" for n, word in others if n) or "none"
        table.append(
            f'<tr><th scope="row">{_exercise_cell(s.exercise)}</th>'
            f'<td class="num">{s.pass_rate:.0%}<br><span class="muted">{s.passed} of '
            f"{s.learners}</span></td>"
            f'<td class="num">{_number(round(s.mean_points, 2))} of '
            f"{_number(s.exercise.points)}</td>"
            f"<td>{failing}</td><td>{shown}</td></tr>")
    table.append("</tbody></table>")
    body.append(_scroll_table("Per exercise", "".join(table)))
    body.append("</section>")

    # Learners who need help.
    body.append('<section aria-labelledby="help"><h2 id="help">Learners who need help</h2>')
    body.append("<p>Anything missing or unreadable, an error, a time limit, or an answer that "
                "passes every visible test but not the hidden ones (it may only work for the "
                "examples).</p>")
    if helped:
        table = ["<table><caption>Learners who need help, and why</caption><thead><tr>"
                 '<th scope="col">learner</th><th scope="col" class="num">total</th>'
                 '<th scope="col">why</th></tr></thead><tbody>']
        for h in helped:
            reasons = "".join(f"<li>{escape(r)}</li>" for r in h.reasons)
            table.append(f'<tr><th scope="row">{escape(h.learner)}</th>'
                         f'<td class="num">{_number(h.total)} of {_number(maximum)}</td>'
                         f'<td><ul class="reasons">{reasons}</ul></td></tr>')
        table.append("</tbody></table>")
        body.append(_scroll_table("Learners who need help", "".join(table)))
    else:
        body.append("<p><b>Nobody</b>: every answer was there and ran.</p>")
    body.append("</section>")

    # The gradebook.
    body.append('<section aria-labelledby="gradebook"><h2 id="gradebook">Gradebook</h2>')
    cells: dict[tuple[str, str], Row] = {(r.learner, r.exercise.id): r for r in rows}
    table = ['<table class="gradebook"><caption>Verdict and points per learner and exercise'
             "</caption><thead><tr>"
             '<th scope="col">learner</th>']
    table += [f'<th scope="col">{escape(ex.id)}</th>' for ex in exercises]
    table.append(f'<th scope="col" class="num">total (of {_number(maximum)})</th>'
                 "</tr></thead><tbody>")
    for learner in learners:
        table.append(f'<tr><th scope="row">{escape(learner)}</th>')
        for ex in exercises:
            row = cells.get((learner, ex.id))
            if row is None:
                table.append("<td></td>")
                continue
            extra = " (duplicate)" if row.status == "duplicate" else ""
            table.append(f"<td>{_status_chip(_effective(row))}{extra}<br>"
                         f"{_number(row.points)} of {_number(ex.points)}</td>")
        table.append(f'<td class="num"><b>{_number(totals[learner])}</b></td></tr>')
    table.append("</tbody></table>")
    body.append(_scroll_table("Gradebook", "".join(table)))
    body.append("</section></main>")
    return _page("Grading report", "\n".join(body))


def write_html_report(rows: list[Row], exercises: list[Exercise], out: Path, *,
                      sandbox: str) -> Path:
    """``report.html`` in ``out``, written atomically."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / REPORT_NAME
    write_atomic(path, report_html(rows, exercises, sandbox=sandbox))
    return path


# --- comments ---------------------------------------------------------------------------

COMMENT_FIELDS = ("learner", "exercise_id", "comment")


def read_comments(path: Path) -> dict[tuple[str, str], str]:
    """The instructor's comments: ``(learner, exercise_id) → text`` from a CSV file."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [f for f in COMMENT_FIELDS if f not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path} has no {', '.join(repr(f) for f in missing)} column "
                             f"(the columns are: {', '.join(COMMENT_FIELDS)})")
        comments: dict[tuple[str, str], str] = {}
        for record in reader:
            key = ((record.get("learner") or "").strip(),
                   (record.get("exercise_id") or "").strip())
            text = (record.get("comment") or "").strip()
            if key[0] and key[1] and text:
                comments[key] = f"{comments[key]}\n\n{text}" if key in comments else text
        return comments


# --- feedback pages ---------------------------------------------------------------------

_FEEDBACK_CSS = """
section.exercise { border-top: 1px solid #c4c4c4; margin-top: 1.5rem; }
.code { background: #f6f8fa; border: 1px solid #d5dbe3; border-radius: 4px;
  padding: 0.5rem 0.6rem; overflow-x: auto; margin: 0.3rem 0 0.8rem; }
.code pre { margin: 0; white-space: pre; }
.code .ln { display: inline-block; min-width: 2.5em; padding-right: 0.8em; color: #4d4d4d;
  text-align: right; user-select: none; }
.comment { background: #fff8dc; border-left: 5px solid #8a6d00; padding: 0.5rem 0.8rem;
  margin: 0.6rem 0; white-space: pre-wrap; }
.comment h3 { margin: 0 0 0.3rem; }
.note { background: #eef1f5; border-left: 5px solid #5a6b80; padding: 0.4rem 0.8rem; }
.pylearn-result pre { background: #f6f8fa; }
.pylearn-notice { opacity: 1; color: #4d4d4d; }
"""


def _for_learner(result: CheckResult, show_hidden: bool) -> CheckResult:
    """The result as a learner may see it: hidden tests as "hidden test 2 of 3" only."""
    if show_hidden:
        return result
    count = sum(t.hidden for t in result.tests)
    tests, seen = [], 0
    for test in result.tests:
        if test.hidden:
            seen += 1
            # No name, message, values, traceback or output: only passed or not.
            tests.append(TestOutcome(name=f"hidden test {seen} of {count}", passed=test.passed))
        else:
            tests.append(test)
    return replace(result, tests=tests)


def _code_block(code: str, first_line: int, label: str) -> str:
    lines = code.rstrip("\n").split("\n") if code.strip() else []
    if not lines:
        return '<p class="muted">(the cell is empty)</p>'
    numbered = "\n".join(
        f'<span class="ln" aria-hidden="true">{number}</span>{escape(line)}'
        for number, line in enumerate(lines, start=first_line))
    # A region of its own: long lines scroll sideways, also with the keyboard.
    return (f'<div class="code" role="region" tabindex="0" aria-label="{escape(label)}">'
            f"<pre><code>{numbered}</code></pre></div>")


def _cell_code(row: Row) -> tuple[str, int]:
    """The exercise cell as it is in the notebook, with its first line number.

    Tracebacks count lines in the whole cell, the ``%%exercise`` line being line 1; the
    graded code keeps a blank line in its place, so the lines are numbered the same way.
    """
    if row.notebook:
        body = row.code.split("\n", 1)[1] if "\n" in row.code else ""
        return f"%%exercise {row.exercise.id}\n{body}", 1
    return row.code, 2


def _exercise_section(row: Row, number: int, comment: str | None, show_hidden: bool) -> str:
    ex = row.exercise
    status = _effective(row)
    parts = [f'<section class="exercise" aria-labelledby="ex-{number}">',
             f'<h2 id="ex-{number}">{escape(ex.title)} <code class="muted">{escape(ex.id)}'
             "</code></h2>",
             f"<p>{_status_chip(status)} <b>{_number(row.points)} of {_number(ex.points)} "
             f"point{'s' if ex.points != 1 else ''}</b> · {row.tests_passed} of "
             f"{row.tests_total} tests passed</p>"]
    if comment:
        parts.append(f'<div class="comment"><h3>Comment from your instructor</h3>'
                     f"{escape(comment)}</div>")
    if row.status == "missing":
        parts.append('<p class="note">No answer: '
                     + ("nothing was handed in." if row.note == "nothing returned" else
                        "no cell of your notebook starts with "
                        f"<code>%%exercise {escape(ex.id)}</code>.") + "</p>")
    elif row.status == "problem":
        parts.append(f'<p class="note">Your notebook could not be read: {escape(row.note)}</p>')
    if row.status == "duplicate":
        parts.append(f'<p class="note">{escape(row.note)}</p>')
    if row.result is not None:
        where = (f"cell {row.cell} of {Path(row.notebook).name}" if row.notebook and row.cell
                 else "")
        code, first = _cell_code(row)
        parts.append(f"<h3>Your code{' (' + escape(where) + ')' if where else ''}</h3>")
        parts.append(_code_block(code, first, f"Your code for {ex.title}"))
        parts.append("<h3>What the check said</h3>")
        parts.append(result_html(_for_learner(row.result, show_hidden), ex))
    parts.append("</section>")
    return "".join(parts)


def _feedback_page(learner: str, notebook: str, rows: list[Row],
                   comments: dict[tuple[str, str], str], show_hidden: bool,
                   generated: str) -> str:
    points = round(sum(r.points for r in rows), 2)
    maximum = round(sum(r.exercise.points for r in rows), 2)
    hidden_total = sum(1 for r in rows if r.result for t in r.result.tests if t.hidden)
    chapters = list(dict.fromkeys(r.exercise.chapter_title or r.exercise.chapter for r in rows))
    body = ['<header class="page">',
            f"<h1>Feedback: {escape(', '.join(chapters))}</h1>",
            f"<p>For <b>{escape(learner)}</b>, on your notebook <b>{escape(notebook)}</b>. "
            f"Graded {escape(generated)}: <b>{_number(points)} of {_number(maximum)} points</b>."
            "</p>"]
    if hidden_total and not show_hidden:
        body.append('<p class="muted">Your answers were also checked with hidden tests, '
                    "with other values than the tests you saw. They are listed as "
                    "“hidden test 1 of 2” and the like, and say only whether they passed."
                    "</p>")
    toc = ["<table><caption>Your exercises</caption><thead><tr>"
           '<th scope="col">exercise</th><th scope="col">verdict</th>'
           '<th scope="col" class="num">points</th></tr></thead><tbody>']
    for number, row in enumerate(rows, start=1):
        toc.append(f'<tr><th scope="row"><a href="#ex-{number}">{escape(row.exercise.title)}'
                   f"</a></th><td>{_status_chip(_effective(row))}</td>"
                   f'<td class="num">{_number(row.points)} of '
                   f"{_number(row.exercise.points)}</td></tr>")
    toc.append("</tbody></table>")
    body.append(_scroll_table("Your exercises", "".join(toc)))
    body.append("</header><main>")
    for number, row in enumerate(rows, start=1):
        body.append(_exercise_section(row, number, comments.get((learner, row.exercise.id)),
                                      show_hidden))
    body.append("</main>")
    return _page(f"Feedback: {notebook} — {learner}", "\n".join(body), _FEEDBACK_CSS)


def _file_name(text: str, fallback: str) -> str:
    """A file or folder name made of letters, digits and ``. _ - @ +`` only."""
    name = re.sub(r"[^\w.@+-]+", "_", text).strip("._")[:80]
    return name or fallback


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 2
    while candidate.lower() in taken:
        candidate, n = f"{name}-{n}", n + 1
    taken.add(candidate.lower())
    return candidate


def feedback_pages(rows: list[Row], chapters: Iterable[Chapter], *, show_hidden: bool = False,
                   comments: dict[tuple[str, str], str] | None = None,
                   generated: str | None = None) -> dict[str, tuple[str, str, str]]:
    """``relative path → (learner, notebook, html)``: one page per learner and notebook.

    An exercise goes on the page of the notebook that held it; a missing one on the page of
    the notebook holding the rest of its chapter, else on one named after the chapter's
    handout notebook.
    """
    from .release import learner_file_name

    comments = comments or {}
    generated = generated or _generated()
    handout = {ex.id: Path(learner_file_name(ch)).stem for ch in chapters for ex in ch.exercises}
    by_learner: dict[str, list[Row]] = {}
    for row in rows:
        by_learner.setdefault(row.learner, []).append(row)
    pages: dict[str, tuple[str, str, str]] = {}
    folders: set[str] = {"index.html"}  # the index of all pages sits next to the folders
    for learner, mine in by_learner.items():
        chapter_home: dict[str, str] = {}
        for row in mine:
            if row.notebook:
                chapter_home.setdefault(row.exercise.chapter, Path(row.notebook).stem)
        grouped: dict[str, list[Row]] = {}
        for row in mine:
            stem = (Path(row.notebook).stem if row.notebook else
                    chapter_home.get(row.exercise.chapter)
                    or handout.get(row.exercise.id, row.exercise.chapter))
            grouped.setdefault(stem, []).append(row)
        folder = _unique(_file_name(learner, "learner"), folders)
        names: set[str] = set()
        for stem, notebook_rows in grouped.items():
            name = _unique(_file_name(stem, "notebook"), names)
            shown = next((Path(r.notebook).name for r in notebook_rows if r.notebook),
                         f"{stem}.ipynb")
            pages[f"{folder}/{name}.html"] = (
                learner, shown, _feedback_page(learner, shown, notebook_rows, comments,
                                               show_hidden, generated))
    return pages


def _index_html(pages: dict[str, tuple[str, str, str]], show_hidden: bool) -> str:
    by_learner: dict[str, list[tuple[str, str]]] = {}
    for path, (learner, notebook, _html) in pages.items():
        by_learner.setdefault(learner, []).append((path, notebook))
    rows = []
    for learner, links in by_learner.items():
        folder = links[0][0].split("/", 1)[0]
        shown = ", ".join(f'<a href="{escape(path)}">{escape(notebook)}</a>'
                          for path, notebook in links)
        rows.append(f'<tr><th scope="row">{escape(learner)}</th><td><code>{escape(folder)}/'
                    f"</code></td><td>{shown}</td></tr>")
    hidden = ("Hidden tests are shown in full (--show-hidden)." if show_hidden else
              "Hidden tests are shown only as passed or not yet, without their values.")
    body = ('<header class="page"><h1>Feedback pages</h1>'
            "<p>This list is for you. Each learner's pages are in a folder of their own: "
            f"give each learner their folder. {hidden}</p></header><main>"
            + _scroll_table("Feedback pages", "<table><caption>Pages per learner</caption>"
                            '<thead><tr><th scope="col">learner</th><th scope="col">folder'
                            '</th><th scope="col">pages (one per notebook)</th></tr></thead>'
                            "<tbody>" + "".join(rows) + "</tbody></table>") + "</main>")
    return _page("Feedback pages", body)


def write_feedback(rows: list[Row], chapters: Iterable[Chapter], folder: Path, *,
                   show_hidden: bool = False,
                   comments: dict[tuple[str, str], str] | None = None) -> list[Path]:
    """Write the feedback pages and an ``index.html`` listing them; returns the pages."""
    pages = feedback_pages(rows, chapters, show_hidden=show_hidden, comments=comments)
    written = []
    for relative, (_learner, _notebook, html) in pages.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, html)
        written.append(path)
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder / "index.html", _index_html(pages, show_hidden))
    return written


def unknown_comments(comments: dict[tuple[str, str], str], rows: list[Row]) -> list[str]:
    """Comments whose learner and exercise match no row (a typo in the CSV)."""
    known = {(r.learner, r.exercise.id) for r in rows}
    return [f"{learner}, {exercise}" for learner, exercise in comments
            if (learner, exercise) not in known]
