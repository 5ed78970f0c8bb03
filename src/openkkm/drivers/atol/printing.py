"""Print elements as ATOL commands: text lines (0x4C), page ends (0x75 cut).

ATOL's barcode (0xC1) and picture (0x8D/0x8E) commands have no complete public byte layout
and no graphic-line command is documented (``protocol/atol/README.md``), so a barcode prints
as its checked value (an EAN with its check digit) and a picture is skipped; the driver says
so (``prints_barcodes``/``prints_images`` are False), and the answer's Warning names each one.
"""

from __future__ import annotations

from openkkm.fiscal.types import (
    Barcode,
    PageEnd,
    PrintElement,
    PrintText,
    Receipt,
)
from openkkm.layout.barcodes import checked_barcode
from openkkm.protocol.atol.cmd_state import Cut, PrintString
from openkkm.protocol.atol.messages import Request


def print_requests(elements: tuple[PrintElement, ...], line_length: int, *,
                   cuts: bool = True) -> list[Request]:
    """The commands that print ``elements``; ``cuts`` False drops page ends (inside a receipt)."""
    requests: list[Request] = []
    for element in elements:
        if isinstance(element, PrintText):
            text = element.text or " "
            requests += [PrintString(text=text[i : i + line_length])
                         for i in range(0, len(text), line_length)]
        elif isinstance(element, Barcode):
            value = checked_barcode(element.kind, element.value)[1]
            requests += [PrintString(text=value[i : i + line_length])
                         for i in range(0, len(value), line_length)]
        elif isinstance(element, PageEnd) and cuts:
            requests.append(Cut())
    return requests


def in_receipt(receipt: Receipt, elements: tuple[PrintElement, ...], line_length: int
               ) -> list[Request]:
    """Print commands inside an open receipt (no cuts), none when it is not printed."""
    if not receipt.print_paper:
        return []
    return print_requests(elements, line_length, cuts=False)


def elements_before(receipt: Receipt, index: int) -> tuple[PrintElement, ...]:
    """The elements printed before item ``index`` (``len(items)``: after the last item)."""
    last = len(receipt.items)
    return tuple(element for element, at in
                 zip(receipt.elements, receipt.element_positions, strict=False)
                 if at == index or (index == last and at > last))
