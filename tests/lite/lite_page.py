"""What a learner does in the JupyterLite site, as page operations for the tests."""

from __future__ import annotations

import re
import time

#: The kernel starts (Pyodide, then the prefetched wheels) within this time on these machines.
KERNEL_START_MS = 120_000
EXERCISE = "pylearn/sample/sample.reverse-words.ipynb"
#: Where the session of the Python started with the page is listed (pagepython.ts).
PAGE_PYTHON = "pylearn/.python-for-exercises.ipynb"
WRONG = "def reverse_words(text):\n    return text\n"
RIGHT = 'def reverse_words(text):\n    return " ".join(reversed(text.split()))\n'
ENDLESS = "def reverse_words(text):\n    while True:\n        pass\n"


def show_sidebar(page):  # noqa: ANN001, ANN201 - a Playwright Page and Locator
    """The PyLearn sidebar, selecting its tab unless the restored layout shows it already."""
    tab = page.locator('.jp-SideBar [data-id="pylearn-sidebar"]')
    tab.wait_for(timeout=60_000)
    page.wait_for_load_state("networkidle")
    if "lm-mod-current" not in (tab.get_attribute("class") or ""):
        tab.click()
    page.locator(".pylearn-course").wait_for()
    return page.locator("#pylearn-sidebar")


class LiteNotebook:
    """A notebook open in JupyterLite's lab interface."""

    def __init__(self, page, base_url: str) -> None:  # noqa: ANN001 - playwright Page
        self.page = page
        self.base_url = base_url

    def open(self, path: str, ready_text: str = "%%exercise") -> LiteNotebook:
        """Open ``path`` and wait until a cell showing ``ready_text`` is rendered."""
        self.page.goto(f"{self.base_url}lab/index.html?path={path}")
        self.cells.locator(".cm-content", has_text=ready_text).first.wait_for()
        return self

    @property
    def cells(self):  # noqa: ANN201
        return self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")

    def cell(self, index: int):  # noqa: ANN201
        return self.cells.nth(index if index >= 0 else self.cells.count() + index)

    def run(self, index: int, timeout: float = KERNEL_START_MS) -> None:
        """Run one cell (staying on it) and wait until its new execution count appears."""
        cell = self.cell(index)
        cell.locator(".jp-Cell-inputWrapper").click()
        before = cell.locator(".jp-InputArea-prompt").inner_text()
        self.page.keyboard.press("Control+Enter")
        prompt = cell.locator(".jp-InputArea-prompt")
        self.page.wait_for_function(
            "([el, before]) => /\\[\\d+\\]/.test(el.textContent) && el.textContent !== before",
            arg=[prompt.element_handle(), before], timeout=timeout)

    def set_source(self, index: int, source: str) -> None:
        cell = self.cell(index)
        cell.locator(".jp-InputArea-editor").click()
        self.page.keyboard.press("Control+A")
        self.page.keyboard.insert_text(source)
        self.page.keyboard.press("Escape")

    def source(self, index: int) -> str:
        return self.cell(index).locator(".cm-content").inner_text()

    def append_cell(self, source: str) -> int:
        """Add a code cell at the end with ``source``; returns its index."""
        self.cell(-1).locator(".jp-Cell-inputWrapper").click()
        self.page.keyboard.press("Escape")
        self.page.keyboard.press("b")
        index = self.cells.count() - 1
        self.page.keyboard.press("Enter")
        self.page.keyboard.insert_text(source)
        return index

    def output_text(self, index: int) -> str:
        return self.cell(index).locator(".jp-OutputArea").inner_text()

    def verdict(self, index: int, timeout: float = 60_000) -> str:
        verdict = self.cell(index).locator(".pylearn-verdict").last
        verdict.wait_for(timeout=timeout)
        return verdict.inner_text()

    def wait_verdict(self, index: int, pattern: str, timeout: float = 60_000) -> str:
        verdict = self.cell(index).locator(".pylearn-verdict", has_text=re.compile(pattern))
        verdict.first.wait_for(timeout=timeout)
        return verdict.first.inner_text()

    def save(self) -> None:
        self.page.keyboard.press("Escape")
        self.page.keyboard.press("Control+s")
        self.page.wait_for_selector(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty",
                                    state="detached", timeout=10_000)


def running_sessions(page) -> list[dict]:  # noqa: ANN001 - a Playwright Page
    """The page's sessions (JupyterLite keeps them in the page): path and kernel id."""
    return page.evaluate("""async () => {
        const sessions = window.jupyterapp.serviceManager.sessions;
        await sessions.refreshRunning();
        return Array.from(sessions.running(),
                          s => ({path: s.path, kernel: s.kernel ? s.kernel.id : null}));
    }""")


def running_kernels(page) -> list[str]:  # noqa: ANN001
    return page.evaluate("""async () => {
        const kernels = window.jupyterapp.serviceManager.kernels;
        await kernels.refreshRunning();
        return Array.from(kernels.running(), k => k.id);
    }""")


def wait_until(check, timeout: float = 30, what: str = "the page"):  # noqa: ANN001, ANN201
    """Until `check()` returns something true, which is returned (the page works in the
    background: the sidebar's sync, the sessions a notebook starts)."""
    deadline = time.monotonic() + timeout
    while not (value := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)
    return value
