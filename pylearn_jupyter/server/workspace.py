"""Learner notebooks in the workspace folder: written once, never overwritten.

Files go through the server's contents manager rather than straight to disk, because that
is the component that owns the learner's files: it honours ``root_dir`` and the hidden-file
rules, runs pre/post-save hooks (jupytext and friends), keeps checkpoints, and works with
any ContentsManager (S3, databases), so the path we answer is the path JupyterLab opens.
What the contents manager does not do for us is done here:

- paths are built from validated ids only, and, when the contents manager is file-backed,
  the resolved target (symlinks followed) must lie inside ``root_dir/<workspace_folder>``;
- "exists, else write" is serialised per path, so two quick clicks cannot both write;
- a reset first copies the learner's file byte for byte (read as a plain file, so even a
  notebook that no longer parses is kept) to a dated backup that never replaces another.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from jupyter_core.utils import ensure_async
from jupyter_server.services.contents.fileio import FileManagerMixin

from .errors import OutsideWorkspace

__all__ = ["Workspace", "backup_name"]


def backup_name(path: str, when: datetime, counter: int = 1) -> str:
    """``pylearn/ch/ex.ipynb`` → ``pylearn/ch/ex.backup-YYYYMMDD-HHMMSS[-N].ipynb``."""
    pure = PurePosixPath(path)
    suffix = f"-{counter}" if counter > 1 else ""
    return str(pure.with_name(f"{pure.stem}.backup-{when:%Y%m%d-%H%M%S}{suffix}{pure.suffix}"))


class Workspace:
    def __init__(self, contents_manager: Any, folder: str) -> None:
        self.contents = contents_manager
        self.folder = folder
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    def _check_inside(self, path: str) -> None:
        """Refuse a path that leaves the workspace folder, also through a symlink."""
        pure = PurePosixPath(path)
        folder = PurePosixPath(self.folder).parts
        if pure.is_absolute() or ".." in pure.parts or pure.parts[: len(folder)] != folder:
            raise OutsideWorkspace(f"{path!r} is not inside the PyLearn workspace folder.")
        if not isinstance(self.contents, FileManagerMixin):
            return
        root = Path(self.contents.root_dir).resolve()
        allowed = root / self.folder
        target = (root / path).resolve()
        if target != allowed and allowed not in target.parents:
            raise OutsideWorkspace(
                f"{path} leads outside {allowed} (through a symbolic link); PyLearn only "
                "writes inside its workspace folder. Remove the link or choose another "
                "c.PyLearn.workspace_folder."
            )

    async def _exists(self, path: str) -> bool:
        return bool(
            await ensure_async(self.contents.file_exists(path))
            or await ensure_async(self.contents.dir_exists(path))
        )

    async def _make_parents(self, path: str) -> None:
        parents = list(PurePosixPath(path).parents)[:-1]  # without "."
        for parent in reversed(parents):
            folder = str(parent)
            if not await ensure_async(self.contents.dir_exists(folder)):
                await ensure_async(self.contents.save({"type": "directory"}, folder))

    async def _write(self, path: str, notebook: dict[str, Any]) -> None:
        await self._make_parents(path)
        self._check_inside(path)
        model = {"type": "notebook", "format": "json", "content": notebook}
        await ensure_async(self.contents.save(model, path))

    async def open(self, path: str, notebook: dict[str, Any]) -> bool:
        """Write ``notebook`` at ``path`` unless something is there; True when written."""
        self._check_inside(path)
        async with self._locks[path]:
            if await self._exists(path):
                return False
            await self._write(path, notebook)
            return True

    async def reset(self, path: str, notebook: dict[str, Any]) -> str | None:
        """Keep the learner's file as a dated backup, then write ``notebook``; the backup path."""
        self._check_inside(path)
        async with self._locks[path]:
            backup = None
            if await ensure_async(self.contents.file_exists(path)):
                backup = await self._backup(path)
            await self._write(path, notebook)
            return backup

    async def _backup(self, path: str) -> str:
        now = datetime.now()
        counter = 1
        backup = backup_name(path, now, counter)
        while await self._exists(backup):
            counter += 1
            backup = backup_name(path, now, counter)
        self._check_inside(backup)
        current = await ensure_async(self.contents.get(path, content=True, type="file"))
        copy = {"type": "file", "format": current["format"], "content": current["content"]}
        await ensure_async(self.contents.save(copy, backup))
        return backup
