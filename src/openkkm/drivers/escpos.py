"""The ``escpos`` device kind: an ESC/POS receipt or label printer over TCP, serial or a device file.

The URL names the link and the printer's options: ``tcp://HOST:9100``,
``serial:///dev/ttyS0?baudrate=19200``, ``file:///dev/usb/lp0``, plus ``codepage`` (cp866,
cp1251), ``codetable`` (the ``ESC t`` number when the printer's differs from Epson's),
``native`` (on/off: the printer's own barcode and QR commands), ``cut`` (full, partial, none),
``status`` (on/off: ask ``DLE EOT`` before printing; off for printers that never answer) and
``drawer`` (2 or 5, the kick-out pin). ``label_mm=58x40`` (and ``gap_mm=3``) prints each page
on one label of that size at 203 dpi: a page is padded by feeding to the label's end, one too
long is refused before any byte is sent, and ``GS V`` is sent only with an explicit ``cut``. Before each document the printer is asked whether it is
online and has paper, so an offline printer fails the job with a clear error instead of taking
bytes it will not print.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit

from openkkm.drivers import escpos_commands as cmd
from openkkm.drivers.escpos_encode import (
    CutMode,
    EscposOptions,
    encode_document,
    encode_labels,
)
from openkkm.drivers.printer import Printed, PrinterDriver
from openkkm.errors import (
    ConfigError,
    DeviceRejected,
    DeviceTimeout,
    LinkLost,
    TransportError,
)
from openkkm.layout.charset import missing_warning
from openkkm.layout.labels import LabelSize, fit_labels, framed, parse_label_size
from openkkm.transport import Transport, open_transport, parse_url

if TYPE_CHECKING:
    from openkkm.config import DeviceConfig
    from openkkm.layout.document import Document

log = logging.getLogger(__name__)

STATUS_TIMEOUT = 2.0  #: seconds for the one-byte answer to ``DLE EOT``
#: ``ESC t`` numbers of the code pages we print Russian in (Epson table; ``PROTOCOLS.md`` §4.1).
CODE_TABLES: dict[str, int] = {"cp866": 17, "cp1251": 46}
_SWITCHES = {"on": True, "off": False}
_OPTIONS = ("codepage", "codetable", "native", "cut", "status", "drawer", "label_mm", "gap_mm")
DPI = 203  #: 8 dots per mm, the resolution of ESC/POS thermal printers


@dataclass(frozen=True, slots=True)
class PrinterUrl:
    """A checked ``escpos`` device URL: where the bytes go and how the printer takes them."""

    link: str  #: the transport URL without the printer's options, or a ``file://`` path
    options: EscposOptions
    status: bool
    drawer_pin: int
    label: LabelSize | None = None  #: fixed label size, or None for continuous paper

    @property
    def device_file(self) -> Path | None:
        """The device file of a ``file://`` URL, else None."""
        parts = urlsplit(self.link)
        return Path(parts.netloc + parts.path) if parts.scheme == "file" else None


def _bad(url: str, ru: str, en: str) -> ConfigError:
    return ConfigError(f"Адрес принтера {url!r}: {ru}", f"Printer address {url!r}: {en}")


def _choice(url: str, key: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise _bad(url, f"{key}={value!r}, допустимо {', '.join(allowed)}",
                   f"{key}={value!r}, allowed {', '.join(allowed)}")
    return value


def parse_printer_url(url: str) -> PrinterUrl:
    """Split the printer's options off ``url`` and check both parts (``ConfigError`` if wrong)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    mine = {key: query.pop(key) for key in _OPTIONS if key in query}
    link = url.split("?", 1)[0] + (f"?{urlencode(query)}" if query else "")
    encoding = _choice(url, "codepage", mine.get("codepage", "cp866").lower(), tuple(CODE_TABLES))
    table = mine.get("codetable", str(CODE_TABLES[encoding]))
    if not table.isdigit() or int(table) > 255:
        raise _bad(url, f"codetable={table!r}, нужно число 0–255", f"codetable={table!r}, 0–255 expected")
    label = _label(url, mine)
    default_cut = CutMode.NONE if label is not None else CutMode.FULL
    options = EscposOptions(
        code_table=int(table), encoding=encoding,
        native_codes=_SWITCHES[_choice(url, "native", mine.get("native", "on"), tuple(_SWITCHES))],
        cut=CutMode(_choice(url, "cut", mine.get("cut", default_cut), tuple(CutMode))),
    )
    drawer = int(_choice(url, "drawer", mine.get("drawer", "2"), ("2", "5")))
    if parts.scheme == "file":
        if query or not parts.path:
            raise _bad(url, "нужен адрес вида file:///dev/usb/lp0", "expected file:///dev/usb/lp0")
        status = _SWITCHES[_choice(url, "status", mine.get("status", "off"), tuple(_SWITCHES))]
        if status:
            raise _bad(url, "файл устройства не отвечает на запрос состояния",
                       "a device file cannot answer a status request")
        return PrinterUrl(link, options, False, drawer, label)
    parse_url(link)
    status = _SWITCHES[_choice(url, "status", mine.get("status", "on"), tuple(_SWITCHES))]
    return PrinterUrl(link, options, status, drawer, label)


def _label(url: str, mine: dict[str, str]) -> LabelSize | None:
    if "label_mm" not in mine:
        if "gap_mm" in mine:
            raise _bad(url, "gap_mm задают вместе с label_mm", "gap_mm needs label_mm")
        return None
    try:
        return parse_label_size(mine["label_mm"], mine.get("gap_mm"))
    except ValueError as exc:
        raise _bad(url, "label_mm=ШИРИНАxВЫСОТА и gap_mm в мм, например label_mm=58x40&gap_mm=3",
                   "label_mm=WIDTHxHEIGHT and gap_mm in mm, e.g. label_mm=58x40&gap_mm=3") from exc


def _append(path: Path, data: bytes) -> None:
    with path.open("ab") as device:
        device.write(data)


class EscposDriver(PrinterDriver):
    """An ESC/POS printer: slips and non-fiscal receipts, barcodes, cutter and cash drawer."""

    kind = "escpos"

    def __init__(self, config: DeviceConfig, *, data_dir: str) -> None:
        super().__init__(config, data_dir=data_dir)
        if not config.url:
            raise ConfigError(f"Принтер {config.num}: не задан url (например tcp://192.168.1.50:9100)",
                              f"Printer {config.num}: no url (e.g. tcp://192.168.1.50:9100)")
        self.target = parse_printer_url(config.url)
        self._transport: Transport | None = None

    async def start(self) -> None:
        """Open the link (a device file is opened for each document)."""
        path = self.target.device_file
        if path is not None:
            if not path.parent.is_dir():
                raise LinkLost(f"Принтер {path} не найден", f"Printer {path} not found")
            return
        self._transport = await open_transport(self.target.link)

    async def stop(self) -> None:
        """Close the link; never raises."""
        transport, self._transport = self._transport, None
        if transport is not None:
            try:
                await transport.close()
            except (OSError, TransportError) as exc:
                log.debug("closing printer %s: %s", self.config.num, exc)

    async def _ask(self, transport: Transport, which: cmd.StatusRequest) -> int:
        await transport.write(cmd.status_request(which))
        try:
            return (await transport.read(1, STATUS_TIMEOUT))[0]
        except DeviceTimeout as exc:
            raise DeviceTimeout(
                f"Принтер {self.config.unit_name} не ответил на запрос состояния: проверьте, что он "
                "включён и подключён (для принтера без ответа задайте status=off в url)",
                f"Printer {self.config.unit_name} did not answer the status request: check that it "
                "is on and connected (for a printer that never answers set status=off in the url)",
            ) from exc

    async def check_ready(self) -> None:
        """Raise ``DeviceRejected`` when the printer is offline or out of paper."""
        transport = self._link()
        printer = await self._ask(transport, cmd.StatusRequest.PRINTER)
        paper = await self._ask(transport, cmd.StatusRequest.PAPER)
        name = self.config.unit_name
        if paper & cmd.PaperStatus.END:
            raise DeviceRejected(paper, f"В принтере {name} закончилась бумага",
                                 f"Printer {name} is out of paper")
        if printer & cmd.PrinterStatus.OFFLINE:
            raise DeviceRejected(printer, f"Принтер {name} не готов: открыта крышка или ошибка",
                                 f"Printer {name} is offline: cover open or an error")

    def _link(self) -> Transport:
        if self._transport is None:
            raise LinkLost(f"Принтер {self.config.unit_name} не подключён",
                           f"Printer {self.config.unit_name} is not connected")
        return self._transport

    async def send(self, data: bytes) -> None:
        """Write raw bytes to the printer."""
        path = self.target.device_file
        if path is None:
            await self._link().write(data)
            return
        try:
            # A device file has no non-blocking write; one short write per document.
            await asyncio.to_thread(_append, path, data)
        except OSError as exc:
            raise LinkLost(f"Принтер {path}: {exc.strerror}", f"Printer {path}: {exc.strerror}") from exc

    def framed(self, document: Document) -> Document:
        """On labels, the document checked to fit them and marked with their height for previews."""
        label = self.target.label
        return document if label is None else framed(document, label, DPI)

    async def print_document(self, document: Document, *, copies: int = 1) -> Printed:
        """Check the printer, then send the document's bytes; warnings name missing characters.

        On labels a page too long for its label raises ``ValidationError`` before anything is sent.
        """
        label = self.target.label
        if label is None:
            encoded = encode_document(document, self.target.options, copies=copies)
        else:
            encoded = encode_labels(fit_labels(document, label, DPI), self.target.options,
                                    gap_dots=label.gap_dots(DPI), copies=copies)
        if self.target.status:
            await self.check_ready()
        await self.send(encoded.data)
        warnings: tuple[tuple[str, str], ...] = ()
        if encoded.missing:
            warnings = (missing_warning(encoded.missing, self.target.options.encoding),)
        return Printed(document, warnings)

    async def open_drawer(self) -> None:
        """Pulse the drawer pin."""
        if self.target.status:
            await self.check_ready()
        await self.send(cmd.drawer_kick(self.target.drawer_pin))
