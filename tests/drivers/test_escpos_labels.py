"""ESC/POS labels (``label_mm``, ``gap_mm``): the bytes a TCP printer sink receives."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator

import pytest
from escpos_sink import Command, PrinterSink
from PIL import Image as PilImage

from openkkm.config import DeviceConfig
from openkkm.drivers.escpos import EscposDriver
from openkkm.errors import ConfigError, ValidationError
from openkkm.fiscal.types import PageEnd, PrintText, Slip
from openkkm.layout.labels import LabelSize, lines_per_label
from openkkm.layout.raster import render_png

LABEL_DOTS = 320  # 40 mm at 203 dpi
GAP_DOTS = 24  # 3 mm at 203 dpi
PITCH = 30  # dots per text line (ESC 3)
SLIP = Slip((PrintText("Сыр"), PrintText("120,00"), PageEnd(), PrintText("Масло")))


@pytest.fixture
async def sink() -> AsyncIterator[tuple[PrinterSink, int]]:
    peer = PrinterSink()
    server = await asyncio.start_server(peer.handle, "127.0.0.1", 0)
    try:
        yield peer, server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


async def _print(url: str, slip: Slip) -> EscposDriver:
    driver = EscposDriver(DeviceConfig(num=3, kind="escpos", url=url, line_length=32), data_dir="")
    await driver.start()
    try:
        await driver.print_slip(slip)
    finally:
        await driver.stop()
    return driver


async def _commands(peer: PrinterSink) -> list[Command]:
    """The document once the sink holds it all (it ends with the last label's feed or cut)."""
    async with asyncio.timeout(5):
        while True:
            try:
                commands = peer.documents()
            except ValueError:
                commands = []
            if commands and commands[-1].name in (b"\x1bJ", b"\x1dV"):
                return commands
            await asyncio.sleep(0.01)


def _advance(commands: list[Command]) -> int:
    """Dots of paper the commands feed: ``ESC J`` dots plus a line pitch per line feed."""
    fed = sum(c.data[0] for c in commands if c.name == b"\x1bJ")
    return fed + PITCH * sum(c.data.count(b"\n") for c in commands if c.name == b"text")


def _labels(commands: list[Command]) -> list[list[Command]]:
    labels: list[list[Command]] = [[]]
    for command in commands:
        labels[-1].append(command)
        if command.name == b"\x1dV":
            labels.append([])
    return labels[:-1]


async def test_each_page_takes_one_label_and_the_gap(sink: tuple[PrinterSink, int]) -> None:
    peer, port = sink
    await _print(f"tcp://127.0.0.1:{port}?label_mm=58x40&gap_mm=3&cut=partial", SLIP)
    commands = await _commands(peer)
    assert [c.data for c in commands if c.name == b"\x1b3"] == [bytes((PITCH,))]
    labels = _labels(commands)
    assert [c.data for c in commands if c.name == b"\x1dV"] == [b"\x01", b"\x01"]
    assert len(labels) == 2
    for label in labels:
        assert _advance(label) == LABEL_DOTS + GAP_DOTS
    texts = [b"".join(c.data for c in label if c.name == b"text").decode("cp866") for label in labels]
    assert texts == ["Сыр\n120,00\n", "Масло\n"]
    padding = [sum(c.data[0] for c in label if c.name == b"\x1bJ") for label in labels]
    assert padding[1] - padding[0] == PITCH  # one line fewer, one pitch more feed


async def test_labels_are_not_cut_unless_asked(sink: tuple[PrinterSink, int]) -> None:
    peer, port = sink
    await _print(f"tcp://127.0.0.1:{port}?label_mm=58x40&gap_mm=3", SLIP)
    commands = await _commands(peer)
    assert not any(c.name == b"\x1dV" for c in commands)
    assert not any(c.name == b"\x1bd" for c in commands)
    assert _advance(commands) == 2 * (LABEL_DOTS + GAP_DOTS)


async def test_copies_print_whole_label_sets(sink: tuple[PrinterSink, int]) -> None:
    peer, port = sink
    slip = Slip((PrintText("Сыр"),), copies=2)
    await _print(f"tcp://127.0.0.1:{port}?label_mm=58x40&cut=full", slip)
    labels = _labels(await _commands(peer))
    assert len(labels) == 3
    assert all(_advance(label) == LABEL_DOTS for label in labels)


async def test_a_page_too_long_is_refused_before_any_byte(sink: tuple[PrinterSink, int]) -> None:
    peer, port = sink
    fit = lines_per_label(LabelSize(58, 40), 203)
    slip = Slip((PrintText("ok"), PageEnd(), *(PrintText(f"строка {n}") for n in range(fit + 1))))
    with pytest.raises(ValidationError) as caught:
        await _print(f"tcp://127.0.0.1:{port}?label_mm=58x40", slip)
    assert f"Page 2 does not fit a 58x40 mm label: {fit} lines fit" in caught.value.en
    await asyncio.sleep(0.05)  # let a wrongly sent byte reach the sink
    assert peer.received == bytearray()


@pytest.mark.parametrize("query", ["label_mm=58", "label_mm=58x0", "gap_mm=3", "label_mm=58x40&gap_mm=-1"])
def test_bad_label_options(query: str) -> None:
    with pytest.raises(ConfigError):
        EscposDriver(DeviceConfig(num=3, kind="escpos", url=f"tcp://127.0.0.1:9100?{query}"),
                     data_dir="")


async def test_not_print_previews_labels_at_their_height(sink: tuple[PrinterSink, int]) -> None:
    peer, port = sink
    slip = Slip(SLIP.elements, print_paper=False)
    driver = await _print(f"tcp://127.0.0.1:{port}?label_mm=58x40&gap_mm=3", slip)
    assert driver.last_printed is not None and not driver.last_printed.on_paper
    image = PilImage.open(io.BytesIO(render_png(driver.last_printed.document)))
    assert image.height == 2 * LABEL_DOTS
    assert peer.received == bytearray()
