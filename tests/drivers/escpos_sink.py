"""Test peer for ESC/POS: a command-stream parser, a raster decoder and a TCP printer sink.

The parser knows the lengths of the commands openkkm and python-escpos send, so the sink can
answer ``DLE EOT`` status requests inside a stream and tests can pull text, codes and raster
images back out of the bytes actually sent.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from PIL import Image as PilImage

_FIXED = {  # command prefix -> number of parameter bytes
    b"\x1b@": 0, b"\x1bt": 1, b"\x1b!": 1, b"\x1ba": 1, b"\x1bd": 1, b"\x1bE": 1, b"\x1bM": 1,
    b"\x1b-": 1, b"\x1bp": 3, b"\x1bJ": 1, b"\x1b3": 1,
    b"\x1dV": 1, b"\x1dh": 1, b"\x1dw": 1, b"\x1df": 1, b"\x1dH": 1,
    b"\x10\x04": 1,
}


@dataclass(frozen=True)
class Command:
    """One parsed element: ``name`` is the command prefix (or ``b"text"``), ``data`` its bytes."""

    name: bytes
    data: bytes


def parse_one(buffer: bytes) -> tuple[int, Command | None]:
    """Parse the element at the start of ``buffer``: (bytes used, command); (0, None) = need more."""
    if not buffer:
        return 0, None
    head = buffer[:2]
    if head in _FIXED:
        end = 2 + _FIXED[head]
        return (end, Command(head, buffer[2:end])) if len(buffer) >= end else (0, None)
    if head == b"\x1dk":
        if len(buffer) < 4:
            return 0, None
        if buffer[2] <= 6:
            end = buffer.find(b"\x00", 3)
            return (end + 1, Command(head, buffer[2:end])) if end >= 0 else (0, None)
        end = 4 + buffer[3]
        return (end, Command(head, buffer[2:3] + buffer[4:end])) if len(buffer) >= end else (0, None)
    if head == b"\x1d(":
        if len(buffer) < 5:
            return 0, None
        end = 5 + buffer[3] + 256 * buffer[4]
        return (end, Command(buffer[:3], buffer[5:end])) if len(buffer) >= end else (0, None)
    if head == b"\x1dv":
        if len(buffer) < 8:
            return 0, None
        width, height = buffer[4] + 256 * buffer[5], buffer[6] + 256 * buffer[7]
        end = 8 + width * height
        return (end, Command(head, buffer[4:end])) if len(buffer) >= end else (0, None)
    if buffer[0] in (0x1B, 0x1D, 0x10):
        raise ValueError(f"unknown command {buffer[:4].hex(' ')}")
    end = 1
    while end < len(buffer) and buffer[end] not in (0x1B, 0x1D, 0x10):
        end += 1
    return end, Command(b"text", buffer[:end])


def parse(data: bytes) -> list[Command]:
    """Every element of a complete stream; text runs are merged."""
    commands: list[Command] = []
    while data:
        used, command = parse_one(data)
        if command is None:
            raise ValueError(f"truncated command {data[:8].hex(' ')}")
        if command.name == b"text" and commands and commands[-1].name == b"text":
            commands[-1] = Command(b"text", commands[-1].data + command.data)
        else:
            commands.append(command)
        data = data[used:]
    return commands


def raster_image(command: Command) -> PilImage.Image:
    """A ``GS v 0`` raster (``xL xH yL yH d…``) back into a mode-"L" image, black = 0."""
    data = command.data
    width_bytes, height = data[0] + 256 * data[1], data[2] + 256 * data[3]
    bits = bytes(255 - byte for byte in data[4:])
    return PilImage.frombytes("1", (width_bytes * 8, height), bits).convert("L")


def stacked_rasters(commands: list[Command]) -> PilImage.Image:
    """All raster images of a stream stacked top to bottom, with white gaps."""
    images = [raster_image(c) for c in commands if c.name == b"\x1dv"]
    width = max(image.width for image in images)
    page = PilImage.new("L", (width, sum(image.height + 20 for image in images) + 20), 255)
    y = 20
    for image in images:
        page.paste(image, (0, y))
        y += image.height + 20
    return page


@dataclass
class PrinterSink:
    """A TCP ESC/POS printer that records bytes and answers ``DLE EOT`` with its status."""

    printer_status: int = 0x12
    paper_status: int = 0x12
    answer: bool = True
    received: bytearray = field(default_factory=bytearray)
    connections: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Serve one connection until the client closes it."""
        self.connections += 1
        pending = b""
        try:
            while chunk := await reader.read(65536):
                self.received += chunk
                pending += chunk
                while pending:
                    used, command = parse_one(pending)
                    if command is None:
                        break
                    pending = pending[used:]
                    if command.name == b"\x10\x04" and self.answer:
                        status = self.paper_status if command.data == b"\x04" else self.printer_status
                        writer.write(bytes((status,)))
                        await writer.drain()
        finally:
            writer.close()

    def documents(self) -> list[Command]:
        """Everything received except the status requests."""
        return [c for c in parse(bytes(self.received)) if c.name != b"\x10\x04"]
