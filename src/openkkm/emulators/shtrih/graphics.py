"""Graphics and barcode commands of the emulated register: 0xC0–0xC5.

What prints is kept in ``state.printouts``: a native EAN-13 as its 13 digits (the register
computes the check digit), graphics as their rows of dots, so a test can rebuild the picture
(:meth:`~openkkm.emulators.shtrih.state.Printout.image`) and decode it. The paper is 576 dots
wide, 384 for a configured line length of 36 or less. Consecutive 0xC5 rows make one picture; a
text line, a cut or a native barcode ends it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from openkkm.layout.barcodes import ean_check_digit
from openkkm.protocol.shtrih import cmd_graphics as gr
from openkkm.protocol.shtrih.messages import Answer, OperatorAnswer

from .state import DeviceError

if TYPE_CHECKING:
    from .device import ShtrihEmulator

E_BAD_PARAMS: Final = 0x33
EAN13_BODY_LIMIT: Final = 10**12


def load(emu: ShtrihEmulator, request: gr.LoadGraphics | gr.LoadGraphicsExt, operator: int) -> Answer:
    """0xC0 / 0xC4: keep one line in its buffer."""
    extended = isinstance(request, gr.LoadGraphicsExt)
    if request.line >= (gr.GRAPHICS_EXT_LINES if extended else gr.GRAPHICS_LINES):
        raise DeviceError(E_BAD_PARAMS)
    (emu.state.graphics_ext if extended else emu.state.graphics)[request.line] = request.data
    return OperatorAnswer(operator=operator)


def print_loaded(
    emu: ShtrihEmulator, request: gr.PrintGraphics | gr.PrintGraphicsExt, operator: int
) -> Answer:
    """0xC1 / 0xC3: print loaded lines ``first``…``last`` (numbered from 1) as one picture."""
    extended = isinstance(request, gr.PrintGraphicsExt)
    limit = gr.GRAPHICS_EXT_LINES if extended else gr.GRAPHICS_LINES
    if not 1 <= request.first <= request.last <= limit:
        raise DeviceError(E_BAD_PARAMS)
    emu.check_printer()
    buffer = emu.state.graphics_ext if extended else emu.state.graphics
    blank = bytes(gr.GRAPHICS_BYTES)
    rows = [buffer.get(line - 1, blank) for line in range(request.first, request.last + 1)]
    emu.state.print_rows(rows, join=False)
    return OperatorAnswer(operator=operator)


def print_line(emu: ShtrihEmulator, request: gr.PrintGraphicsLine, operator: int) -> Answer:
    """0xC5: one row across the paper, ``repeat`` times, onto the picture being printed."""
    width = gr.head_dots(emu.config.line_length) // 8
    if request.repeat < 1 or not 1 <= len(request.data) <= width:
        raise DeviceError(E_BAD_PARAMS)
    emu.check_printer()
    row = request.data.ljust(width, b"\0")
    emu.state.print_rows([row] * request.repeat, join=True)
    return OperatorAnswer(operator=operator)


def print_ean13(emu: ShtrihEmulator, request: gr.PrintEan13, operator: int) -> Answer:
    """0xC2: the 12 digits sent and the check digit the register computes."""
    if request.barcode >= EAN13_BODY_LIMIT:
        raise DeviceError(E_BAD_PARAMS)
    emu.check_printer()
    body = f"{request.barcode:012d}"
    emu.state.print_barcode("EAN13", body + str(ean_check_digit(body)))
    return OperatorAnswer(operator=operator)
