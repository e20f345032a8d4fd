"""Every symbol the product shows is drawn by Debian's default font, DejaVu Sans.

A symbol the font lacks shows as an empty box (as ⌛ and ⏱ did). fonts-dejavu-core is what
a Debian or Ubuntu desktop has without extra fonts; JupyterLab's font stack falls back to it.
"""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
SOURCES = [REPO / "README.md", *sorted((REPO / "pylearn_jupyter" / "widgets").glob("*.py")),
           *sorted((REPO / "labextension" / "src").rglob("*.ts")),
           *sorted((REPO / "labextension" / "style").rglob("*.css"))]

pytestmark = pytest.mark.skipif(not (FONT.is_file() and shutil.which("fc-query")),
                                reason="needs fonts-dejavu-core and fontconfig")


def font_characters() -> set[int]:
    charset = subprocess.run(["fc-query", "--format=%{charset}", str(FONT)], check=True,
                             capture_output=True, text=True).stdout
    covered: set[int] = set()
    for part in charset.split():
        first, _, last = part.partition("-")
        covered.update(range(int(first, 16), int(last or first, 16) + 1))
    return covered


def symbols() -> dict[str, list[str]]:
    """Symbols (not letters, digits or punctuation) and the files that use them."""
    found: dict[str, list[str]] = {}
    for path in SOURCES:
        for char in set(path.read_text("utf-8")):
            if ord(char) > 0x7F and unicodedata.category(char) in {"So", "Sm", "Sk"}:
                found.setdefault(char, []).append(str(path.relative_to(REPO)))
    return found


def test_every_symbol_in_the_interface_and_readme_is_in_dejavu_sans():
    covered = font_characters()
    used = symbols()

    missing = {f"{char} U+{ord(char):04X}": files for char, files in used.items()
               if ord(char) not in covered}
    assert not missing, f"not in DejaVu Sans, shown as an empty box: {missing}"
    assert {"✔", "✘", "⚠", "◷"} <= set(used), "the verdict glyphs are found"
