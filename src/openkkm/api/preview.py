"""``GET /preview/{IdCommand}.png`` and ``.html``: the image of what a command printed (§10).

The journal keeps the laid-out document as JSON; the image or page is drawn only when asked
for, in a thread, so commands never wait for drawing.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from openkkm.api.envelope import JSON_HEADERS, Status, dumps, envelope
from openkkm.api.wire import Reply
from openkkm.layout.html import render_html
from openkkm.layout.raster import render_png
from openkkm.layout.store import load_document

if TYPE_CHECKING:
    from openkkm.jobs.service import JobService

log = logging.getLogger(__name__)

_MEDIA = {"png": "image/png", "html": "text/html; charset=utf-8"}
_MISSING = (("Нет образа документа команды {0}: она ничего не печатала, не найдена или удалена "
             "из журнала"),
            ("No preview for command {0}: it printed nothing, is unknown or was removed from the "
             "journal"))


def preview_name(segment: str) -> tuple[str, str] | None:
    """Split ``{IdCommand}.png`` / ``.html`` into the id and the format; None if neither."""
    stem, dot, suffix = segment.rpartition(".")
    if not dot or not stem or suffix.lower() not in _MEDIA:
        return None
    return stem, suffix.lower()


async def preview_response(jobs: JobService, id_command: str, fmt: str, *,
                           headers: dict[str, str], language: str) -> Reply:
    """The preview of ``id_command`` as ``fmt`` (``png`` or ``html``), or 404 with a JSON text."""
    stored = await jobs.preview(id_command)
    document = None
    if stored is not None:
        try:
            document = load_document(stored)
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("the stored preview of %s is unreadable: %s", id_command, exc)
    if document is None:
        ru, en = _MISSING
        text = (en if language == "en" else ru).format(id_command)
        answer = envelope(None, command="", status=Status.NOT_FOUND, error=text,
                          id_command=id_command)
        return Reply(404, {**JSON_HEADERS, **headers}, dumps(answer))
    if fmt == "png":
        body: bytes = await asyncio.to_thread(render_png, document)
    else:
        page = await asyncio.to_thread(render_html, document, title=id_command)
        body = page.encode("utf-8")
    return Reply(200, {"content-type": _MEDIA[fmt], **headers}, body)
