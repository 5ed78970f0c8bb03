"""FFD 1.2 marking codes in a Shtrih receipt: FF61 check, FF69 accept or reject (§1.7).

Each marked line is checked and accepted before its FF46; FF67 binds the code after the line's
FF4D tags. A code the FN finds bad refuses the receipt unless the line accepts bad codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from openkkm.errors import DeviceRejected, ValidationError
from openkkm.fiscal.marking import BAD_RESULTS
from openkkm.fiscal.types import Item, Measure, Receipt, ReceiptKind
from openkkm.protocol.shtrih.cmd_marking import (
    AcceptMarking,
    AcceptMarkingAnswer,
    CheckMarking,
    CheckMarkingAnswer,
)

from .link import ShtrihLink

BAD_MARKING_CODE: Final = 0x09  #: "invalid parameters", as the FN refuses a bad code


@dataclass(frozen=True, slots=True)
class MarkingStep:
    """FF61 check of a line's marking code, then FF69 accept (or reject and refuse the receipt)."""

    check: CheckMarking
    accept_on_bad: bool
    index: int


def planned_status(receipt: Receipt, item: Item) -> int:
    """Tag 2003 for a marked line: 1/2 piece/measured sold, 3/4 piece/measured returned."""
    returned = receipt.kind in (ReceiptKind.SALE_RETURN, ReceiptKind.PURCHASE_RETURN)
    measured = item.measure not in (None, Measure.PIECE)
    return (3 if returned else 1) + (1 if measured else 0)


async def check_code(link: ShtrihLink, check: CheckMarking) -> int:
    """Run FF61; return the check result (tag 2106), or the local status without an online one."""
    answer = await link.execute(check, CheckMarkingAnswer)
    return answer.online[1] if len(answer.online) >= 2 else answer.local_status


async def check_step(link: ShtrihLink, step: MarkingStep) -> None:
    """Check a line's code and accept it; a bad one refuses the receipt unless accepted on bad."""
    result = await check_code(link, step.check)
    if result in BAD_RESULTS and not step.accept_on_bad:
        await link.execute(AcceptMarking(accept=0), AcceptMarkingAnswer)
        raise DeviceRejected(
            BAD_MARKING_CODE,
            f"Код маркировки строки {step.index + 1} не прошел проверку ФН (2106={result}), "
            "а продажа с плохим кодом запрещена",
            f"The marking code of line {step.index + 1} failed the FN check (2106={result}) "
            "and selling with a bad code is off",
        )
    await link.execute(AcceptMarking(accept=1), AcceptMarkingAnswer)


def marking_bytes(code: str | None, index: int) -> bytes:
    """The scanned code as the device takes it (ASCII, GS included)."""
    if not code:
        return b""
    try:
        return code.encode("ascii")
    except UnicodeEncodeError as exc:
        raise ValidationError(
            ("items", index, "marking_code"),
            "Код маркировки содержит символы вне ASCII",
            "The marking code holds non-ASCII characters",
        ) from exc
