"""FFD 1.2 marking codes: FF61 check in the ФН, FF69 accept or reject, FF67 bind to the line.

The simulated ФН checks a code that carries a crypto tail (``FiscalDrive.check_marking``: good
unless a test marks it bad) but cannot verify the tail itself (FISCAL.md §11.6); the register
adds the marking system's answer, "status correct" for a good code (2106 = 15). 2100 comes from
the code's structure. The order is enforced: FF69 needs an FF61 before it, FF67 needs a line.
A bound code travels on the line's item, so the ФН writes 1163 and 2106 into the document.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Final

from openkkm.fiscal.marking import parse
from openkkm.protocol.shtrih import cmd_marking
from openkkm.protocol.shtrih.messages import Answer

from .receipts import check_line
from .state import DeviceError

if TYPE_CHECKING:
    from .device import ShtrihEmulator

E_SEQUENCE: Final = 0xA1  #: ФН: wrong sequence of marking commands
E_BAD_OPERATION: Final = 0x5E
E_REPEATED: Final = (
    0x09  #: ФН: invalid parameters (the code is already in this receipt)
)
GS1: Final = re.compile(
    rb"01\d{14}21[\x21-\x7a]{1,20}\x1d91[\x21-\x7a]{4}\x1d92([\x21-\x7a]+)$"
)
TOBACCO: Final = re.compile(rb"[\x21-\x7a]{29}$")
CHECKED_POSITIVE: Final = (
    0b11  #: 2004 / 2106 bits 0–1: checked by the ФН, result positive
)
STATUS_CHECKED: Final = 0b0100  #: 2106 bit 2: the marking system was asked
STATUS_CORRECT: Final = 0b1100  #: 2106 bits 2 and 3: asked, and the status is correct
REASON_NOT_CHECKABLE: Final = 1  #: not checked: the code type cannot be checked
REASON_FORMAT: Final = 3  #: not checked: no AI 91/92 or a bad format


def code_type(code: bytes) -> int:
    """Tag 2100 of a scanned code: 2 (88), 4 (44), 5 (4-character tail) or 0 (not identified)."""
    match = GS1.match(code)
    if match is not None:
        return {88: 2, 44: 4}.get(len(match.group(1)), 0)
    return 5 if TOBACCO.match(code) else 0


def _check(emu: ShtrihEmulator, code: bytes) -> cmd_marking.CheckMarkingAnswer:
    """The ФН's answer to a check of ``code``, with the marking system's verdict."""
    kind = code_type(code)
    text = code.decode("latin-1")
    checkable = parse(text).checkable
    result = emu.fn.check_marking(text, checkable=checkable)
    if not checkable:
        reason = REASON_FORMAT if kind == 0 else REASON_NOT_CHECKABLE
        return cmd_marking.CheckMarkingAnswer(
            local_status=0, local_reason=reason, marking_type=kind, online=b"\x00\x00"
        )
    online = result | (STATUS_CORRECT if result == CHECKED_POSITIVE else STATUS_CHECKED)
    return cmd_marking.CheckMarkingAnswer(
        local_status=result, marking_type=kind, online=bytes((0, online))
    )


def check(
    emu: ShtrihEmulator, request: cmd_marking.CheckMarking, operator: int
) -> Answer:
    """FF61: check the code; it waits for FF69."""
    answer = _check(emu, request.marking_code)
    emu.state.marking = (request.marking_code, answer.online[1])
    return answer


def accept(
    emu: ShtrihEmulator, request: cmd_marking.AcceptMarking, operator: int
) -> Answer:
    """FF69: accept (1) or reject (0) the code checked last."""
    if emu.state.marking is None:
        raise DeviceError(E_SEQUENCE)
    code, result = emu.state.marking
    emu.state.marking = None
    if request.accept == 1:
        emu.state.accepted_codes[code] = result
    return cmd_marking.AcceptMarkingAnswer(check_result=result)


def bind(
    emu: ShtrihEmulator, request: cmd_marking.BindMarking, operator: int
) -> Answer:
    """FF67: bind a code to the last line; a code not checked before is checked here."""
    receipt = emu.state.receipt
    if receipt is None or receipt.pending is None:
        raise DeviceError(E_BAD_OPERATION)
    code = request.marking_code
    if code in receipt.bound_codes:
        raise DeviceError(E_REPEATED)
    block = b""
    if code not in emu.state.accepted_codes:
        checked = _check(emu, code)
        emu.state.accepted_codes[code] = checked.online[1]
        block = checked.encode_data()
    pending = receipt.pending
    line = replace(
        pending, extra={**pending.extra, "marking_code": code.decode("latin-1")}
    )
    receipt.checked = check_line(emu, line)
    receipt.pending = line
    receipt.bound_codes.add(code)
    head = code[2:4] if code.startswith(b"01") else b"\0\0"
    return cmd_marking.BindMarkingAnswer(
        item_code=int.from_bytes(head, "little"),
        check=bytes((code_type(code),)) + block,
    )
