"""HTML for a check result: verdict, tests, output, errors.

Kept apart from the widgets so that it can be tested and reused as plain text/HTML.
Every state is told by an icon and by words, never by colour alone.

Nothing here is a live region. Each verdict carries its announcement in words in
``data-pylearn-announce`` with an id of its own (``data-pylearn-id``); the PyLearn
JupyterLab extension reads it out once through the one live region of the page, which
exists before any check (a live region created with its text already in it is often
never read).
"""

from __future__ import annotations

import uuid
from html import escape

from ..checker.result import CheckResult, TestOutcome
from ..exercise import Exercise

__all__ = ["VERDICTS", "headline", "announce_attrs", "announcement", "verdict_html", "result_html",
           "result_text", "test_label"]

VERDICTS = {
    "passed": ("✔", "Passed", "pylearn-verdict-passed"),
    "failed": ("✘", "Not yet", "pylearn-verdict-failed"),
    "error": ("⚠", "Error", "pylearn-verdict-error"),
    "timeout": ("◷", "Time limit", "pylearn-verdict-timeout"),
}

_STYLE = """
<style>
.pylearn-result { font-family: var(--jp-ui-font-family, sans-serif); line-height: 1.4; }
.pylearn-verdict { font-size: 1.1em; font-weight: 600; padding: 4px 8px; border-radius: 4px;
  border-left: 4px solid; margin-bottom: 6px; }
.pylearn-verdict-passed { border-color: #2e7d32; background: rgba(46,125,50,0.12); }
.pylearn-verdict-failed { border-color: #c62828; background: rgba(198,40,40,0.10); }
.pylearn-verdict-error { border-color: #ef6c00; background: rgba(239,108,0,0.12); }
.pylearn-verdict-timeout { border-color: #6a1b9a; background: rgba(106,27,154,0.10); }
.pylearn-tests { list-style: none; padding-left: 0; margin: 4px 0; }
.pylearn-tests li { margin: 2px 0; }
.pylearn-result pre { background: var(--jp-layout-color2, #f5f5f5);
  color: var(--jp-content-font-color1, inherit); padding: 6px; border-radius: 3px;
  white-space: pre-wrap; margin: 2px 0 6px 1.5em; }
.pylearn-notice { font-style: italic; opacity: 0.85; }
</style>
"""


def test_label(name: str) -> str:
    """'test_empty_text' → 'empty text'."""
    label = name[4:] if name.startswith("test") else name
    return label.lstrip("_").replace("_", " ") or name


def _printed_during(test: TestOutcome) -> str:
    text = test.output if len(test.output) <= 300 else test.output[:300] + " … (shortened)"
    return f"during this test your code printed: {text.rstrip()}"


def _summary(result: CheckResult) -> str:
    total = len(result.tests)
    passed = sum(t.passed for t in result.tests)
    if result.status == "passed":
        return f"all {total} test{'s' if total != 1 else ''} passed"
    if result.status == "failed":
        if total == 0:
            return "this exercise has no tests to run"
        return f"{passed} of {total} tests passed"
    if result.error is not None:
        return result.error.summary
    return ""


def headline(result: CheckResult, exercise: Exercise) -> str:
    """The verdict in words, without its icon."""
    if result.status == "timeout":  # the summary already says "Time limit" and names it
        return _summary(result)
    _, word, _ = VERDICTS[result.status]
    return f"{word}: {exercise.title} — {_summary(result)}"


def _failure_details(test: TestOutcome) -> list[str]:
    """What went wrong in a failed test, one paragraph per item."""
    items = [test.message]
    if test.expected is not None:
        items += [f"expected: {test.expected}", f"got:      {test.actual}"]
    items += [test.difference or "", test.traceback or "",
              _printed_during(test) if test.output else ""]
    return [item for item in items if item]


def announcement(result: CheckResult) -> str:
    """The verdict as one spoken sentence: "Not yet: 2 of 3 tests passed."."""
    summary = _summary(result)
    if result.status == "timeout":
        text = summary or "Time limit"
    else:
        text = f"{VERDICTS[result.status][1]}: {summary}" if summary \
            else VERDICTS[result.status][1]
    return text if text.endswith((".", "!", "?")) else text + "."


def announce_attrs(text: str) -> str:
    """Attributes that have the PyLearn extension read `text` out once (new id each time)."""
    return f'data-pylearn-announce="{escape(text)}" data-pylearn-id="{uuid.uuid4().hex}"'


def verdict_html(result: CheckResult, exercise: Exercise) -> str:
    icon, _, css = VERDICTS[result.status]
    return (
        f'<div class="pylearn-verdict {css}" {announce_attrs(announcement(result))}>'
        f'<span aria-hidden="true">{icon}</span> {escape(headline(result, exercise))}</div>'
    )


def _test_html(test: TestOutcome) -> str:
    label = escape(test_label(test.name))
    hidden = " (hidden test)" if test.hidden else ""
    if test.passed:
        return f'<li><span aria-hidden="true">✔</span> passed: {label}{hidden}</li>'
    lines = [f'<li><span aria-hidden="true">✘</span> <b>not yet: {label}</b>{hidden}']
    detail = _failure_details(test)
    if detail:
        lines.append("<pre>" + "\n".join(escape(item) for item in detail) + "</pre>")
    lines.append("</li>")
    return "".join(lines)


def result_html(result: CheckResult, exercise: Exercise) -> str:
    """The whole result as one HTML fragment (verdict first, for screen readers too)."""
    parts = [_STYLE, '<div class="pylearn-result">', verdict_html(result, exercise)]
    if result.error is not None and result.error.details:
        parts.append(f"<pre>{escape(result.error.details)}</pre>")
    if result.tests:
        parts.append('<ul class="pylearn-tests" aria-label="Tests">')
        parts.extend(_test_html(t) for t in result.tests)
        parts.append("</ul>")
    if result.output:
        parts.append("<div>Your code printed:</div>")
        parts.append(f"<pre>{escape(result.output)}</pre>")
        if result.output_truncated:
            parts.append('<div class="pylearn-notice">(output shortened: only the first '
                         f"{len(result.output):,} characters are shown)</div>")
    parts.append("</div>")
    return "".join(parts)


def result_text(result: CheckResult, exercise: Exercise) -> str:
    """The result as plain text, for terminals and front ends without widgets."""
    lines = [f"{VERDICTS[result.status][0]} {headline(result, exercise)}"]
    if result.error is not None and result.error.details:
        lines.append(result.error.details)
    for test in result.tests:
        mark = "✔ passed" if test.passed else "✘ not yet"
        lines.append(f"  {mark}: {test_label(test.name)}")
        if not test.passed:
            for item in _failure_details(test):
                lines.extend(f"      {line}" for line in item.splitlines())
    if result.output:
        lines.append("Your code printed:")
        lines.extend(f"  {line}" for line in result.output.splitlines())
        if result.output_truncated:
            lines.append("  (output shortened)")
    return "\n".join(lines)
