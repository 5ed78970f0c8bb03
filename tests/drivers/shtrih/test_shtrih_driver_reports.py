"""ShtrihDriver's form 21, counters and ФН close against the emulator."""

from __future__ import annotations

from dataclasses import replace

import pytest
from shtrih_e2e_helpers import (
    ManualClock,
    emulator,
    loop_driver,
    mixed_sale,
    small_sale,
)

from openkkm.emulators.fn.counters import readout
from openkkm.errors import FiscalStateError
from openkkm.fiscal import tlv
from openkkm.fiscal.types import (
    Cashier,
    DocumentType,
    ReceiptKind,
    RegistrationAction,
    RegistrationChange,
)


async def test_state_report_is_form_21_read_back() -> None:
    emu = emulator(ManualClock())
    driver = await loop_driver(emu)
    document = await driver.state_report(Cashier("Иванов И.И."))
    archived = emu.fn.document(document.number)
    assert document.type is DocumentType.STATUS_REPORT == archived.type
    assert document.fiscal_sign == archived.fiscal_sign
    assert (await driver.status()).last_document == document.number
    await driver.stop()


async def test_counters_agree_with_the_fn_own_counters() -> None:
    clock = ManualClock()
    emu = emulator(clock)
    driver = await loop_driver(emu)
    await driver.open_shift(None)
    await driver.register(small_sale(3000))
    first = await driver.counters()  # walks the archive; later readings add what came since
    assert first.shift == readout(emu.fn.shift_totals())
    await driver.close_shift(None)
    await driver.open_shift(None)
    await driver.register(mixed_sale())
    await driver.register(replace(small_sale(1200), kind=ReceiptKind.SALE_RETURN))
    counters = await driver.counters()
    assert counters.shift_number == emu.fn.shift_number
    assert counters.shift == readout(emu.fn.shift_totals())
    assert counters.total == readout(emu.fn.fn_totals())
    sales = counters.total[0]
    assert sales.kind is ReceiptKind.SALE and sales.count == 2
    assert counters.shift[0].count == 1
    await driver.stop()


async def test_closing_the_fn_forms_its_report_then_a_new_fn_takes_its_place() -> None:
    emu = emulator(ManualClock())
    driver = await loop_driver(emu)
    await driver.open_shift(None)
    close = RegistrationChange(RegistrationAction.CLOSE, None)
    with pytest.raises(FiscalStateError):  # the ФН refuses while the shift is open
        await driver.change_registration(close)
    assert not emu.fn.closed and (await driver.status()).receipt_open is False
    await driver.close_shift(None)
    emu.fn.confirm_ofd()
    document = await driver.change_registration(close)
    assert document.type is DocumentType.FN_CLOSE and emu.fn.closed
    assert driver.identity is not None
    old = driver.identity.registration
    with pytest.raises(FiscalStateError):  # the closed ФН forms nothing more
        await driver.open_shift(None)
    change = RegistrationChange(RegistrationAction.CHANGE_FN, old, reason=1,
                                cashier=Cashier("Иванов И.И."))
    document = await driver.change_registration(change)
    assert (document.number, document.type) == (1, DocumentType.REREGISTRATION)
    assert document.fn_number == emu.fn.fn_number != old.fn_number
    assert driver.identity.registration.fn_number == emu.fn.fn_number
    assert (await driver.status()).registered
    shift = await driver.open_shift(None)
    assert shift.number == 2 and shift.fn_number == emu.fn.fn_number
    await driver.stop()


async def test_re_registration_changes_the_ofd_and_the_organization() -> None:
    emu = emulator(ManualClock())
    driver = await loop_driver(emu)
    assert driver.identity is not None
    before = driver.identity.registration
    changed = replace(before, ofd_inn="7605016030", ofd_name="ООО Тензор",
                      organization="ООО Ромашка и партнеры", address="Москва, ул. Новая, 1")
    change = RegistrationChange(RegistrationAction.CHANGE_OFD, changed, reason=0b1010,
                                cashier=Cashier("Иванов И.И."))
    document = await driver.change_registration(change)
    assert document.type is DocumentType.REREGISTRATION
    archived = emu.fn.document(document.number)
    assert archived.type is DocumentType.REREGISTRATION
    tags = dict(tlv.iter_tlv(next(tlv.iter_tlv(archived.tlv))[1]))
    assert int.from_bytes(tags[1205], "little") == 0b1010
    assert tlv.read_string(tags[1021]) == "Иванов И.И."
    now = emu.fn.registration
    assert (now.ofd_inn, now.ofd_name) == ("7605016030", "ООО Тензор")
    assert (now.organization, now.address) == ("ООО Ромашка и партнеры", "Москва, ул. Новая, 1")
    assert (now.inn, now.reg_number) == (before.inn, before.reg_number)
    assert driver.identity.registration.ofd_inn == "7605016030"  # read again afterwards
    await driver.stop()
