"""FFD 1.2 marking codes on an ATOL register: A4 B1 check, then tag 2000 bound to the item.

No public source gives ATOL's marking commands, so both halves are openkkm's own layout
(protocol/atol/README.md): every marked line is checked before the receipt opens, a code the ФН
finds bad refuses the receipt (nothing is open then) unless the line accepts bad codes, and the
code goes to the line as TLV 2000 through 0xE8, from which the ФН forms 1163 and 2106.
"""

from __future__ import annotations

from typing import Final

from openkkm.errors import DeviceRejected, ValidationError
from openkkm.fiscal import tlv
from openkkm.fiscal.marking import BAD_RESULTS
from openkkm.fiscal.types import FfdVersion, Item, Measure, Receipt, ReceiptKind
from openkkm.protocol.atol.cmd_fn import FnCheckMarking, FnCheckMarkingAnswer
from openkkm.protocol.atol.codes import PropTag
from openkkm.protocol.atol.errors import ErrorCode

from .link import AtolLink

CODE_MAX: Final = 255  #: the A4 B1 length byte


def planned_status(receipt: Receipt, item: Item) -> int:
    """Tag 2003 for a marked line: 1/2 piece/measured sold, 3/4 piece/measured returned."""
    returned = receipt.kind in (ReceiptKind.SALE_RETURN, ReceiptKind.PURCHASE_RETURN)
    measured = item.measure not in (None, Measure.PIECE)
    return (3 if returned else 1) + (1 if measured else 0)


def code_bytes(code: str, loc: tuple[str | int, ...]) -> bytes:
    """The scanned code as the device takes it (ASCII, GS included, at most 255 bytes)."""
    try:
        data = code.encode("ascii")
    except UnicodeEncodeError as exc:
        raise ValidationError(loc, "Код маркировки содержит символы вне ASCII",
                              "The marking code holds non-ASCII characters") from exc
    if not data or len(data) > CODE_MAX:
        raise ValidationError(loc, f"Код маркировки длиной {len(data)} байт (нужно 1–{CODE_MAX})",
                              f"The marking code is {len(data)} bytes (1–{CODE_MAX} allowed)")
    return data


def checks(receipt: Receipt, ffd: FfdVersion) -> list[tuple[int, FnCheckMarking, bool]]:
    """The A4 B1 check of each marked line: ``(index, request, accept_on_bad)``."""
    found = []
    for index, item in enumerate(receipt.items):
        if not item.marking_code:
            continue
        loc = ("items", index, "marking_code")
        if ffd < FfdVersion.V1_2:
            raise ValidationError(loc, "Коды маркировки передаются только в ФФД 1.2",
                                  "Marking codes need FFD 1.2")
        request = FnCheckMarking(planned_status=planned_status(receipt, item),
                                 marking_code=code_bytes(item.marking_code, loc))
        found.append((index, request, item.marking_accept_on_bad))
    return found


def code_tag(item: Item, index: int) -> list[bytes]:
    """TLV 2000 of a marked line (nothing for an unmarked one)."""
    if not item.marking_code:
        return []
    return [tlv.tlv(PropTag.MARKING_CODE,
                    code_bytes(item.marking_code, ("items", index, "marking_code")))]


async def check(link: AtolLink, request: FnCheckMarking) -> int:
    """Run A4 B1; return the ФН's result, tag 2106."""
    answer = await link.execute(request, FnCheckMarkingAnswer)
    return answer.result


async def check_all(link: AtolLink, steps: list[tuple[int, FnCheckMarking, bool]]) -> None:
    """Check every marked line; a bad code refuses the receipt unless its line accepts it."""
    for index, request, accept_on_bad in steps:
        result = await check(link, request)
        if result in BAD_RESULTS and not accept_on_bad:
            raise DeviceRejected(
                ErrorCode.FN_BAD_PARAMETERS,
                f"Код маркировки строки {index + 1} не прошел проверку ФН (2106={result}), "
                "а продажа с плохим кодом запрещена",
                f"The marking code of line {index + 1} failed the FN check (2106={result}) "
                "and selling with a bad code is off")
