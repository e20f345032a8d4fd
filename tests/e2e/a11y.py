"""axe-core in the browser tests of JupyterLab, Notebook 7 and JupyterLite.

One helper for all three. axe-core comes from npm (`tests/pyodide/package.json`,
installed by `npm ci` there) and is injected with Playwright's `add_script_tag`.

JupyterLab's `<body>` is 0 px tall with `overflow: hidden`: axe then takes the side
panels and the cell outputs for clipped and skips every rule that needs visible text,
so a run would report "no violations" whatever the UI does. `html, body {height: 100%}`
is added first (it moves nothing on screen), and every check asserts that axe really
evaluated elements: colour contrast must have been checked on at least one node.

Runs are scoped to PyLearn's own nodes (the sidebar, the check panel): JupyterLab's
own panels have violations of their own, which are listed in docs/accessibility.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
AXE_JS = REPO / "tests" / "pyodide" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")
HEIGHT_PATCH_ID = "pylearn-axe-height-patch"
HEIGHT_PATCH = "html, body { height: 100% !important; }"


def _prepare(page: Any) -> None:
    if not AXE_JS.is_file():
        raise AssertionError(
            f"axe-core is missing at {AXE_JS}: run `cd tests/pyodide && npm ci`")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_JS))
    if not page.evaluate(f"() => !!document.getElementById({json.dumps(HEIGHT_PATCH_ID)})"):
        style = page.add_style_tag(content=HEIGHT_PATCH)
        style.evaluate("(node, id) => { node.id = id; }", HEIGHT_PATCH_ID)


def run_axe(page: Any, selectors: list[str]) -> dict:
    """axe's results for the nodes matching `selectors` (WCAG 2.0 / 2.1, A and AA)."""
    _prepare(page)
    return page.evaluate(
        """async ([selectors, tags]) => {
            const include = selectors.filter(s => document.querySelector(s)).map(s => [s]);
            if (include.length === 0) {
                throw new Error('axe: nothing matches ' + selectors.join(', '));
            }
            const results = await window.axe.run(
                { include },
                { runOnly: { type: 'tag', values: tags } }
            );
            const slim = rule => ({
                id: rule.id, impact: rule.impact, help: rule.help,
                nodes: rule.nodes.map(n => ({
                    target: n.target.join(' '), summary: n.failureSummary || ''
                }))
            });
            return {
                violations: results.violations.map(slim),
                passes: results.passes.map(r => ({ id: r.id, count: r.nodes.length })),
                incomplete: results.incomplete.map(r => ({
                    id: r.id, count: r.nodes.length,
                    why: [...new Set(r.nodes.map(n => (n.any[0] || {}).message || ''))].slice(0, 3)
                }))
            };
        }""",
        [selectors, WCAG_TAGS],
    )


def evaluated(results: dict, rule: str) -> int:
    """On how many nodes axe decided `rule` (passed or violated)."""
    passed = sum(r["count"] for r in results["passes"] if r["id"] == rule)
    failed = sum(len(r["nodes"]) for r in results["violations"] if r["id"] == rule)
    return passed + failed


def blocking(results: dict) -> list[dict]:
    return [v for v in results["violations"] if v["impact"] in BLOCKING]


def describe(violations: list[dict]) -> str:
    lines = []
    for rule in violations:
        lines.append(f"{rule['id']} ({rule['impact']}, {len(rule['nodes'])} nodes): {rule['help']}")
        for node in rule["nodes"][:5]:
            summary = " ".join(node["summary"].split())[:300]
            lines.append(f"    {node['target']}: {summary}")
    return "\n".join(lines)


def assert_accessible(page: Any, selectors: list[str], context: str) -> dict:
    """No serious or critical WCAG 2.1 A/AA violation in `selectors`, and axe really looked."""
    results = run_axe(page, selectors)
    contrast = evaluated(results, "color-contrast")
    assert contrast > 0, (
        f"{context}: axe checked colour contrast on 0 nodes, so it saw nothing: "
        f"incomplete: {results['incomplete']}")
    found = blocking(results)
    assert not found, f"{context}: serious or critical axe violations:\n{describe(found)}"
    return results


def focused(page: Any) -> str:
    """What has the keyboard focus: "body" when focus fell to the page, else a short description."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el || el === document.body) return 'body';
            const text = (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 60);
            return `${el.tagName.toLowerCase()}.${Array.from(el.classList).join('.')} "${text}"`;
        }""")


def focus_ring_contrast(page: Any, unfocused_png: bytes, focused_png: bytes) -> float:
    """The focus ring's contrast with what is there without focus, as WCAG computes it.

    Both are screenshots of the same element. All around the element, 1 and 3 px inside
    its edge (the two rings drawn inside the button), the better of the two must differ;
    the result is the worst such point, so a ring missing on one side gives a low figure.
    """
    import base64

    urls = ["data:image/png;base64," + base64.b64encode(png).decode()
            for png in (unfocused_png, focused_png)]
    return page.evaluate(
        """async ([a, b]) => {
            const load = async url => {
                const img = new Image();
                img.src = url;
                await img.decode();
                const canvas = document.createElement('canvas');
                canvas.width = img.width;
                canvas.height = img.height;
                const ctx = canvas.getContext('2d');
                ctx.drawImage(img, 0, 0);
                return ctx.getImageData(0, 0, img.width, img.height);
            };
            const [before, after] = [await load(a), await load(b)];
            const lum = (d, x, y) => {
                const i = (y * d.width + x) * 4;
                const c = [d.data[i], d.data[i + 1], d.data[i + 2]].map(v => {
                    v /= 255;
                    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
                });
                return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
            };
            const ratio = (x, y) => {
                const [l1, l2] = [lum(before, x, y), lum(after, x, y)];
                return (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
            };
            const w = after.width, h = after.height;
            const points = [];
            for (const f of [0.25, 0.5, 0.75]) {
                const x = Math.floor(w * f), y = Math.floor(h * f);
                points.push([[x, 1], [x, 3]], [[x, h - 2], [x, h - 4]],
                            [[1, y], [3, y]], [[w - 2, y], [w - 4, y]]);
            }
            return Math.min(...points.map(([p, q]) => Math.max(ratio(...p), ratio(...q))));
        }""",
        urls,
    )


def live_regions(page: Any, selectors: list[str]) -> list[str]:
    """Live regions inside `selectors` (PyLearn has one, outside them: the announcer)."""
    return page.evaluate(
        """selectors => selectors.flatMap(s => Array.from(document.querySelectorAll(
            `${s} [aria-live], ${s} [role="status"], ${s} [role="alert"], ${s} [role="log"]`
        ))).map(el => el.outerHTML.slice(0, 120))""",
        selectors,
    )


class screenshot_on_failure:  # noqa: N801 - used as a context manager
    """Saves a screenshot of `page` to `path` when the block fails, then lets it fail."""

    def __init__(self, page: Any, path: Path) -> None:
        self.page = page
        self.path = path

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, error, traceback) -> bool:  # noqa: ANN001
        if kind is not None:
            try:
                self.page.screenshot(path=str(self.path))
            except Exception:  # noqa: BLE001 - the original failure matters, not this
                pass
        return False
