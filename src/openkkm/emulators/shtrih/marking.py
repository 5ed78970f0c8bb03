"""FFD 1.2 marking codes: FF61 check in the ФН, FF69 accept or reject, FF67 bind to the line.

The simulated ФН cannot verify crypto tails (FISCAL.md §11.6): the check is structural (GS1
AIs, lengths, the 29-character tobacco form) and the marking system's answer is positive for
every code it recognises (2106 = 15). The order is enforced: FF69 needs an FF61 before it, FF67
needs a line. The bound code is kept on the line but does not reach the fiscal document, because
the simulated ФН's item has no marking fields yet.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from openkkm.protocol.shtrih import cmd_marking
from openkkm.protocol.shtrih.messages import Answer

from .state import DeviceError

if TYPE_CHECKING:
    from .device import ShtrihEmulator

E_SEQUENCE: Final = 0xA1  #: ФН: wrong sequence of marking commands
E_BAD_OPERATION: Final = 0x5E
GS: Final = b"\x1d"
GS1: Final = re.compile(
    rb"01\d{14}21[\x21-\x7a]{1,20}\x1d91[\x21-\x7a]{4}\x1d92([\x21-\x7a]+)$"
)
TOBACCO: Final = re.compile(rb"[\x21-\x7a]{29}$")
CHECKED_POSITIVE: Final = 0b11  #: 2004: checked by the ФН, result positive
ALL_POSITIVE: Final = 0x0F  #: 2106: ФН and marking system positive
REASON_FORMAT: Final = 3  #: not checked: no AI 91/92 or a bad format


def code_type(code: bytes) -> int:
    """Tag 2100 of a scanned code: 2 (88), 4 (44), 5 (4-character tail) or 0 (not identified)."""
    match = GS1.match(code)
    if match is not None:
        return {88: 2, 44: 4}.get(len(match.group(1)), 0)
    return 5 if TOBACCO.match(code) else 0


def _check(code: bytes) -> cmd_marking.CheckMarkingAnswer:
    """The ФН's answer to a check of ``code``."""
    kind = code_type(code)
    if kind == 0:
        return cmd_marking.CheckMarkingAnswer(
            local_status=0,
            local_reason=REASON_FORMAT,
            marking_type=0,
            online=b"\x00\x00",
        )
    return cmd_marking.CheckMarkingAnswer(
        local_status=CHECKED_POSITIVE,
        marking_type=kind,
        online=bytes((0, ALL_POSITIVE)),
    )


def check(
    emu: ShtrihEmulator, request: cmd_marking.CheckMarking, operator: int
) -> Answer:
    """FF61: check the code; it waits for FF69."""
    answer = _check(request.marking_code)
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
    block = b""
    if code not in emu.state.accepted_codes:
        checked = _check(code)
        emu.state.accepted_codes[code] = checked.online[1]
        block = checked.encode_data()
    receipt.pending.marking_code = code
    head = code[2:4] if code.startswith(b"01") else b"\0\0"
    return cmd_marking.BindMarkingAnswer(
        item_code=int.from_bytes(head, "little"),
        check=bytes((code_type(code),)) + block,
    )
