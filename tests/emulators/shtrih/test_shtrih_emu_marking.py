"""FFD 1.2 marking commands: structural check, accept/reject order, binding to the line."""

from __future__ import annotations

from shtrih_emu_helpers import ManualClock, call, make

from openkkm.config import DeviceConfig
from openkkm.emulators.fn.tags import Tag
from openkkm.emulators.shtrih import ShtrihEmulator
from openkkm.emulators.shtrih.marking import code_type
from openkkm.fiscal import tlv
from openkkm.protocol.shtrih import cmd_marking, cmd_receipt, cmd_shift

SERIAL = b"0104600439931256215Vbx,GkQ5cKqW"
CODE_44 = SERIAL + b"\x1d91EE06\x1d92" + b"A" * 44
CODE_88 = SERIAL[:-1] + b"X\x1d91EE06\x1d92" + b"B" * 88
TOBACCO = b"00000046208834Gz<7r!ZAC0ZKeU8"


def test_code_types() -> None:
    assert (code_type(CODE_88), code_type(CODE_44), code_type(TOBACCO)) == (2, 4, 5)
    assert code_type(SERIAL) == 0 and code_type(b"4600439931256") == 0


async def test_check_accept_and_bind_reach_the_document() -> None:
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
    marked = cmd_receipt.OperationV2(
        quantity=1_000_000, price=19900, payment_subject=33
    )
    await call(emu, marked)
    bound = await call(emu, cmd_marking.BindMarking(marking_code=CODE_88))
    assert bound.check == b"\x02"  # the type only: the code was checked before
    await call(emu, marked)
    assert (
        await call(emu, cmd_marking.BindMarking(marking_code=CODE_88)) == 0x09
    )  # repeated
    unchecked = await call(emu, cmd_marking.BindMarking(marking_code=CODE_44))
    assert unchecked.check[0] == 4 and len(unchecked.check) > 1  # checked inside FF67
    answer = await call(emu, cmd_receipt.CloseReceiptExt(payments=(39800,) + (0,) * 15))
    assert answer.fd_number == 3 and emu.state.accepted_codes == {}
    body = next(tlv.iter_tlv(emu.fn.document(3).tlv))[1]
    items = [
        dict(tlv.iter_tlv(value))
        for tag, value in tlv.iter_tlv(body)
        if tag == Tag.ITEM
    ]
    assert all(
        Tag.PRODUCT_CODE_12 in item and Tag.MARKING_RESULT in item for item in items
    )
    assert len(items) == 2


async def test_a_code_the_fn_finds_bad() -> None:
    emu = make()
    emu.fn.rejected_codes.add(CODE_44.decode("latin-1"))
    checked = await call(emu, cmd_marking.CheckMarking(marking_code=CODE_44))
    assert (checked.local_status, checked.online) == (1, b"\x00\x05")
    assert (await call(emu, cmd_marking.AcceptMarking(accept=0))).check_result == 5
    assert emu.state.accepted_codes == {}


async def test_unrecognised_and_uncheckable_codes() -> None:
    emu = make()
    checked = await call(emu, cmd_marking.CheckMarking(marking_code=b"garbage"))
    assert (checked.local_status, checked.local_reason, checked.marking_type) == (
        0,
        3,
        0,
    )
    tobacco = await call(emu, cmd_marking.CheckMarking(marking_code=TOBACCO))
    assert (tobacco.local_status, tobacco.local_reason, tobacco.marking_type) == (
        0,
        1,
        5,
    )


async def test_marking_needs_ffd_12() -> None:
    emu = ShtrihEmulator(DeviceConfig(num=3, ffd="1.05"), clock=ManualClock())
    assert await call(emu, cmd_marking.CheckMarking(marking_code=CODE_88)) == 0x02
