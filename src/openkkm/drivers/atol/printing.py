"""Print elements as ATOL commands: text lines (0x4C), page ends (0x75 cut).

Barcodes print as their text and pictures are skipped: the ATOL barcode and picture commands
(0xC1, 0x8E) have no complete public layout (see ``protocol/atol/README.md``).
"""

from __future__ import annotations

import logging

from openkkm.fiscal.types import (
    Barcode,
    Image,
    PageEnd,
    PrintElement,
    PrintText,
    Receipt,
)
from openkkm.protocol.atol.cmd_state import Cut, PrintString
from openkkm.protocol.atol.messages import Request

log = logging.getLogger(__name__)


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
            requests.append(PrintString(text=element.value[:line_length]))
        elif isinstance(element, PageEnd):
            if cuts:
                requests.append(Cut())
        elif isinstance(element, Image):
            log.info("a picture is not printed: no ATOL picture command is implemented")
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
