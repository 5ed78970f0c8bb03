"""Atomic persistence of the ФН state: one JSON file, replaced whole on every change.

The file is written to a temporary name, flushed with fsync, renamed over the old one with
``os.replace`` and the directory fsynced, so a process killed at any instant leaves either the
old state or the new one. Archive entries never change once written, so their JSON text is
cached and each save only joins strings.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from openkkm.emulators.fn.state import FnState


class StateFile:
    """The file that holds one ФН's state."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._archive_json: list[str] = []

    def exists(self) -> bool:
        """True when a state was saved before."""
        return self.path.exists()

    def load(self) -> FnState:
        """Read the saved state; ``OSError`` or ``ValueError`` when it is missing or damaged."""
        data = json.loads(self.path.read_text(encoding="utf-8"))
        state = FnState.from_json(data)
        self._archive_json = [json.dumps(doc, ensure_ascii=False) for doc in data["archive"]]
        return state

    def save(self, state: FnState) -> None:
        """Write ``state`` atomically and durably."""
        del self._archive_json[len(state.archive):]
        for doc in state.archive[len(self._archive_json):]:
            self._archive_json.append(json.dumps(doc.to_json(), ensure_ascii=False))
        header = json.dumps(state.header_json(), ensure_ascii=False)
        text = f'{header[:-1]}, "archive": [{", ".join(self._archive_json)}]}}'
        atomic_write(self.path, text.encode("utf-8"))


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` by ``data`` so that a crash leaves the old or the new content."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
