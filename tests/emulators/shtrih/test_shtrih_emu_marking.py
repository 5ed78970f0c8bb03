"""FFD 1.2 marking commands: structural check, accept/reject order, binding to the line."""

from __future__ import annotations

from shtrih_emu_helpers import call, make

from openkkm.emulators.shtrih.marking import code_type
from openkkm.protocol.shtrih import cmd_marking, cmd_receipt, cmd_shift

SERIAL = b"0104600439931256215Vbx,GkQ5cKqW"
CODE_44 = SERIAL + b"\x1d91EE06\x1d92" + b"A" * 44
CODE_88 = SERIAL + b"\x1d91EE06\x1d92" + b"B" * 88
TOBACCO = b"00000046208834Gz<7r!ZAC0ZKeU8"


def test_code_types() -> None:
    assert (code_type(CODE_88), code_type(CODE_44), code_type(TOBACCO)) == (2, 4, 5)
    assert code_type(SERIAL) == 0 and code_type(b"4600439931256") == 0


async def test_check_accept_and_bind() -> None:
    emu = make()
    await call(emu, cmd_shift.OpenShift())
    assert await call(emu, cmd_marking.AcceptMarking()) == 0xA1  # nothing checked yet
    checked = await call(emu, cmd_marking.CheckMarking(marking_code=CODE_88))
    assert (checked.local_status, checked.local_reason, checked.marking_type) == (
        3,
        0,
        2,
    )
    assert checked.online == b"\x00\x0f"
    assert (await call(emu, cmd_marking.AcceptMarking())).check_result == 15
    assert (
        await call(emu, cmd_marking.BindMarking(marking_code=CODE_88)) == 0x5E
    )  # no line
    await call(
        emu,
        cmd_receipt.OperationV2(quantity=1_000_000, price=19900, payment_subject=33),
    )
    bound = await call(emu, cmd_marking.BindMarking(marking_code=CODE_88))
    assert bound.check == b"\x02"  # type only: the code was checked before
    assert emu.state.receipt is not None and emu.state.receipt.pending is not None
    assert emu.state.receipt.pending.marking_code == CODE_88
    unchecked = await call(emu, cmd_marking.BindMarking(marking_code=CODE_44))
    assert unchecked.check[0] == 4 and len(unchecked.check) > 1  # checked inside FF67
    answer = await call(emu, cmd_receipt.CloseReceiptExt(payments=(19900,) + (0,) * 15))
    assert answer.fd_number == 3 and emu.state.accepted_codes == {}


async def test_unrecognised_code_is_not_checked() -> None:
    emu = make()
    checked = await call(emu, cmd_marking.CheckMarking(marking_code=b"garbage"))
    assert (checked.local_status, checked.local_reason, checked.marking_type) == (
        0,
        3,
        0,
    )
    assert (await call(emu, cmd_marking.AcceptMarking(accept=0))).check_result == 0
    assert emu.state.accepted_codes == {}
