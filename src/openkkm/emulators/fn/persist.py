"""Crash-safe persistence of the ФН state: a small state file and an append-only archive.

``fn-<num>.json`` holds everything but the archive and is replaced whole on every change: written
to a temporary name and renamed over the old one with ``os.replace``. ``fn-<num>.archive`` holds
one JSON line per FD, appended *before* the state file that counts it is replaced. A process
killed at any instant therefore leaves either the old state (perhaps with an archive line it
does not count yet, which the next load cuts off) or the new one. Keeping the archive out of the
state file makes each save cost the same however many documents the ФН holds.

Only a save that adds documents is fsynced (archive, state file, directory), as a real ФН
writes its non-volatile memory when a document is formed. Changes between documents (a receipt
being opened and filled, cash in the drawer) are renamed into place without fsync: they survive
a killed process, as a register that kept its power keeps them, and a host crash loses at most
an open receipt, which no document counts. This takes about two thirds of the fsyncs off a
receipt.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from openkkm.emulators.fn.state import ArchivedDocument, FnState


class StateFile:
    """The files that hold one ФН's state."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.archive_path = self.path.with_suffix(".archive")
        self._archived = 0

    def exists(self) -> bool:
        """Tell whether a state was saved before."""
        return self.path.exists()

    def load(self) -> FnState:
        """Read the saved state; ``OSError`` or ``ValueError`` when it is missing or damaged."""
        header = json.loads(self.path.read_text(encoding="utf-8"))
        archive = self._load_archive(header["last_number"])
        self._archived = len(archive)
        return FnState.from_json(header, archive)

    def save(self, state: FnState) -> None:
        """Write ``state`` durably: new archive lines first, then the state file."""
        fresh = state.archive[self._archived:]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if fresh:
            lines = "".join(json.dumps(doc.to_json(), ensure_ascii=False) + "\n" for doc in fresh)
            with self.archive_path.open("ab") as archive:
                archive.write(lines.encode("utf-8"))
                archive.flush()
                os.fsync(archive.fileno())
            self._archived = len(state.archive)
        text = json.dumps(state.header_json(), ensure_ascii=False)
        atomic_write(self.path, text.encode("utf-8"), durable=bool(fresh))

    def _load_archive(self, count: int) -> list[ArchivedDocument]:
        """Read the first ``count`` archive lines; cut off any beyond them.

        Extra lines are left by a crash between the archive append and the state replace.
        """
        data = self.archive_path.read_bytes() if self.archive_path.exists() else b""
        documents: list[ArchivedDocument] = []
        offset = 0
        while len(documents) < count:
            end = data.find(b"\n", offset)
            if end < 0:
                raise ValueError(f"{self.archive_path}: {len(documents)} documents, "
                                 f"the state counts {count}")
            documents.append(ArchivedDocument.from_json(json.loads(data[offset:end])))
            offset = end + 1
        if offset < len(data):
            with self.archive_path.open("r+b") as archive:
                archive.truncate(offset)
                os.fsync(archive.fileno())
        return documents


def atomic_write(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Replace ``path`` by ``data`` so that a crash leaves the old or the new content.

    ``durable``: fsync the data and the directory, so a host crash also keeps the new content;
    without it a killed process still leaves the old or the new content.
    """
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)
    if not durable:
        return
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
