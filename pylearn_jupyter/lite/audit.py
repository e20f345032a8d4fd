"""Check that a built site's configuration sends the browser to no other host.

Every ``jupyter-lite.json`` (the root one and each app's) and the Pyodide lock are read
as JSON and every string value that is an absolute URL is reported: the site must load
everything from itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["ExternalUrl", "config_files", "external_urls"]

_URL = re.compile(r"""\b(?:https?|wss?):(?://)?[^\s"'<>]*""", re.IGNORECASE)
#: Keys whose URLs the browser never fetches (documentation links in the config).
_INERT_KEYS = {"homepage", "repository", "bugs", "url_docs"}


class ExternalUrl(tuple):
    """``(file, json_path, url)``."""

    def __new__(cls, file: Path, where: str, url: str) -> ExternalUrl:
        return super().__new__(cls, (file, where, url))

    def __str__(self) -> str:
        return f"{self[0]}: {self[1]} = {self[2]}"


def config_files(site: Path) -> list[Path]:
    files = sorted(site.rglob("jupyter-lite.json"))
    files += sorted((site / "static").rglob("pyodide-lock.json"))
    return files


def _walk(value: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key not in _INERT_KEYS:
                yield from _walk(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{where}[{index}]")
    elif isinstance(value, str):
        for match in _URL.findall(value):
            yield where, match


def external_urls(site: Path, allowed_hosts: tuple[str, ...] = ()) -> list[ExternalUrl]:
    """Absolute URLs in the site's configuration whose host is not in ``allowed_hosts``."""
    found = []
    for file in config_files(site):
        data = json.loads(file.read_text(encoding="utf-8"))
        for where, url in _walk(data, "$"):
            host = re.sub(r"^[a-z]+:(//)?", "", url, flags=re.IGNORECASE).split("/")[0]
            if host.split(":")[0] not in allowed_hosts:
                found.append(ExternalUrl(file.relative_to(site), where, url))
    return found
