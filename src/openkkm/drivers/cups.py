"""The ``cups`` device kind: a system printer queue, fed a PDF page laid out at the queue's width.

The URL is ``cups://QUEUE`` with ``dpi`` (the printer's resolution, 203 by default) and
``width_mm`` (paper width; by default the device's ``line_length`` × 12 dots at ``dpi``). The
document is drawn as on a thermal printer and handed to the CUPS client command ``lp`` as one
PDF whose pages are exactly that wide (a page per ``EndPage``), so every barcode prints as in
the preview. With ``label_mm=58x40`` (and ``gap_mm``, which the queue's media handles) each page
is one PDF page of exactly that size, padded below; a page too long for the label is refused
before ``lp`` runs. A queue that ``lpstat`` reports disabled is refused instead of silently queueing
the job.
"""

from __future__ import annotations

import asyncio
import io
import shutil
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

from PIL import Image as PilImage

from openkkm.drivers.printer import Printed, PrinterDriver
from openkkm.errors import ConfigError, DeviceRejected, DeviceTimeout, LinkLost
from openkkm.layout.document import split_pages
from openkkm.layout.labels import (
    MM_PER_INCH,
    LabelSize,
    fit_labels,
    framed,
    label_image,
    parse_label_size,
)
from openkkm.layout.raster import paper_width, render_image

if TYPE_CHECKING:
    from openkkm.config import DeviceConfig
    from openkkm.layout.document import Document

DEFAULT_DPI = 203
LP_TIMEOUT = 30.0  #: seconds for ``lp`` to take the job


def _bad(url: str, ru: str, en: str) -> ConfigError:
    return ConfigError(f"Адрес принтера {url!r}: {ru}", f"Printer address {url!r}: {en}")


def parse_queue_url(url: str) -> tuple[str, int, float | None]:
    """``cups://QUEUE?dpi=N&width_mm=W`` as (queue, dpi, width in mm or None)."""
    parts = urlsplit(url)
    queue = parts.netloc + parts.path.rstrip("/")
    if parts.scheme != "cups" or not queue or "/" in queue:
        raise _bad(url, "нужен адрес вида cups://ИМЯ_ОЧЕРЕДИ", "expected cups://QUEUE_NAME")
    options = dict(parse_qsl(parts.query))
    unknown = set(options) - {"dpi", "width_mm", "label_mm", "gap_mm"}
    if unknown:
        raise _bad(url, f"неизвестный параметр {min(unknown)!r} "
                   "(допустимы: dpi, width_mm, label_mm, gap_mm)",
                   f"unknown option {min(unknown)!r} (known: dpi, width_mm, label_mm, gap_mm)")
    try:
        dpi = int(options.get("dpi", DEFAULT_DPI))
        width = float(options["width_mm"]) if "width_mm" in options else None
    except ValueError as exc:
        raise _bad(url, "dpi и width_mm — числа", "dpi and width_mm are numbers") from exc
    if not 72 <= dpi <= 1200 or (width is not None and not 20 <= width <= 300):
        raise _bad(url, "dpi 72–1200, width_mm 20–300", "dpi 72–1200, width_mm 20–300")
    return queue, dpi, width


def parse_queue_label(url: str) -> LabelSize | None:
    """The ``label_mm``/``gap_mm`` options of a queue URL, or None for continuous paper."""
    options = dict(parse_qsl(urlsplit(url).query))
    if "label_mm" not in options:
        if "gap_mm" in options:
            raise _bad(url, "gap_mm задают вместе с label_mm", "gap_mm needs label_mm")
        return None
    try:
        return parse_label_size(options["label_mm"], options.get("gap_mm"))
    except ValueError as exc:
        raise _bad(url, "label_mm=ШИРИНАxВЫСОТА и gap_mm в мм, например label_mm=58x40&gap_mm=3",
                   "label_mm=WIDTHxHEIGHT and gap_mm in mm, e.g. label_mm=58x40&gap_mm=3") from exc


async def _run(*args: str, data: bytes = b"") -> tuple[int, str]:
    """Run a CUPS client command; (exit code, its output)."""
    try:
        process = await asyncio.create_subprocess_exec(
            *args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT)
    except OSError as exc:
        raise LinkLost(f"Не удалось запустить {args[0]}: {exc.strerror}",
                       f"Cannot run {args[0]}: {exc.strerror}") from exc
    try:
        async with asyncio.timeout(LP_TIMEOUT):
            output, _ = await process.communicate(data)
    except TimeoutError as exc:
        process.kill()
        await process.wait()
        raise DeviceTimeout(f"{args[0]} не ответил за {LP_TIMEOUT:.0f} с",
                            f"{args[0]} did not finish within {LP_TIMEOUT:.0f} s") from exc
    return process.returncode or 0, output.decode("utf-8", "replace").strip()


class CupsDriver(PrinterDriver):
    """A printer behind a CUPS queue: a document is a PDF, a page per ``EndPage``."""

    kind = "cups"

    def __init__(self, config: DeviceConfig, *, data_dir: str) -> None:
        super().__init__(config, data_dir=data_dir)
        self.queue, self.dpi, self.width_mm = parse_queue_url(config.url)
        self.label = parse_queue_label(config.url)
        if self.label is not None and paper_width(self.line_length) > self._label_width():
            raise _bad(config.url, f"{self.line_length} символов не помещаются в ширину этикетки",
                       f"{self.line_length} characters do not fit the label's width")

    def framed(self, document: Document) -> Document:
        """On labels, the document checked to fit them and marked with their height for previews."""
        return document if self.label is None else framed(document, self.label, self.dpi)

    def _label_width(self) -> int:
        assert self.label is not None
        return round(self.label.width_mm * self.dpi / MM_PER_INCH)

    async def start(self) -> None:
        """Check that the CUPS client is installed."""
        if shutil.which("lp") is None:
            raise LinkLost("Команда lp (CUPS) не найдена: установите cups-client",
                           "The CUPS command lp is not installed (install cups-client)")

    async def stop(self) -> None:
        """Nothing to close: each job is one ``lp`` run."""

    async def check_ready(self) -> None:
        """Refuse a queue that CUPS does not know or has disabled."""
        code, output = await _run("lpstat", "-p", self.queue)
        if code != 0:
            raise DeviceRejected(code, f"Очередь печати {self.queue}: {output}",
                                 f"Print queue {self.queue}: {output}")
        if "disabled" in output or "отключ" in output:
            raise DeviceRejected(0, f"Принтер {self.queue} отключён: {output}",
                                 f"Printer {self.queue} is disabled: {output}")

    def pdf(self, document: Document) -> bytes:
        """The document as a PDF exactly as wide as the paper, one page per page end."""
        if self.label is not None:
            return self._label_pdf(document, self.label)
        images = [render_image(page) for page in split_pages(document)]
        dpi = self.dpi if self.width_mm is None else images[0].width * 25.4 / self.width_mm
        buffer = io.BytesIO()
        images[0].save(buffer, format="PDF", resolution=dpi, save_all=True,
                       append_images=images[1:])
        return buffer.getvalue()

    def _label_pdf(self, document: Document, label: LabelSize) -> bytes:
        """One PDF page of exactly the label's size per page (``ValidationError`` if one is too long)."""
        width = self._label_width()
        images = []
        for placed in fit_labels(document, label, self.dpi):
            content = label_image(placed)
            image = PilImage.new("1", (width, content.height), 1)
            image.paste(content, ((width - content.width) // 2, 0))
            images.append(image)
        dpi = (width * MM_PER_INCH / label.width_mm, images[0].height * MM_PER_INCH / label.height_mm)
        buffer = io.BytesIO()
        images[0].save(buffer, format="PDF", dpi=dpi, save_all=True, append_images=images[1:])
        return buffer.getvalue()

    async def print_document(self, document: Document, *, copies: int = 1) -> Printed:
        """Hand the PDF to ``lp``; a refusal by CUPS is a ``DeviceRejected`` with its text."""
        data = self.pdf(document)
        if shutil.which("lpstat") is not None:
            await self.check_ready()
        code, output = await _run("lp", "-d", self.queue, "-n", str(copies), "-t", "openkkm", "-",
                                  data=data)
        if code != 0:
            raise DeviceRejected(code, f"CUPS не принял задание для {self.queue}: {output}",
                                 f"CUPS refused the job for {self.queue}: {output}")
        return Printed(document)
