"""Model-based property test: random shifts, cash moves and receipts against a simple bookkeeping model.

The model knows only the register's rules (receipts need an open shift, cash out and cash
receipts paying out need the drawer's cash), so it checks the emulator's codes, FD numbering and
the cash in the drawer after every step.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from shtrih_emu_helpers import ManualClock, call, make

from openkkm.protocol.shtrih import cmd_receipt, cmd_shift

OPERATION = {0: 1, 1: 3, 2: 2, 3: 4}  #: 0x8D type -> FF46 operation (tag 1054)
PAYS_OUT = {1, 2}  #: purchase and sale return take cash from the drawer


@dataclass
class Model:
    """What the register should hold."""

    shift_open: bool = False
    cash: int = 0
    last_fd: int = 1


lines = st.lists(
    st.tuples(st.integers(1, 5000), st.integers(1, 50_000)), min_size=1, max_size=4
)
actions = st.one_of(
    st.tuples(st.just("shift")),
    st.tuples(st.just("cash_in"), st.integers(1, 100_000)),
    st.tuples(st.just("cash_out"), st.integers(1, 100_000)),
    st.tuples(
        st.just("receipt"),
        st.integers(0, 3),
        lines,
        st.booleans(),
        st.integers(0, 999),
        st.booleans(),
    ),
)


async def receipt(
    emu: object,
    model: Model,
    kind: int,
    items: list[tuple[int, int]],
    electronic: bool,
    extra: int,
    cancel: bool,
) -> None:
    """Run one receipt and check it against the model."""
    opened = await call(emu, cmd_receipt.OpenReceipt(receipt_type=kind))  # type: ignore[arg-type]
    if not model.shift_open:
        assert opened == 0x3D
        return
    total = 0
    for milli, price in items:
        quantity = milli * 1000
        total += int(
            (Decimal(price) * milli / 1000).quantize(Decimal(1), ROUND_HALF_UP)
        )
        line = cmd_receipt.OperationV2(
            operation=OPERATION[kind], quantity=quantity, price=price
        )
        assert await call(emu, line) == cmd_receipt.OperationV2.answer()  # type: ignore[arg-type]
    payments = (0, total) if electronic else (total + extra, 0)
    if cancel:
        assert (await call(emu, cmd_receipt.CancelReceipt())).operator == 1  # type: ignore[arg-type]
        return
    close = cmd_receipt.CloseReceiptExt(payments=payments + (0,) * 14)
    answer = await call(emu, close)  # type: ignore[arg-type]
    if kind in PAYS_OUT and not electronic and total > model.cash:
        assert answer == 0x46
        await call(emu, cmd_receipt.CancelReceipt())  # type: ignore[arg-type]
        return
    model.last_fd += 1
    assert answer.fd_number == model.last_fd
    assert answer.change == (0 if electronic else extra)
    if not electronic:
        model.cash += -total if kind in PAYS_OUT else total


@settings(max_examples=60, deadline=None)
@given(st.lists(actions, min_size=1, max_size=20))
def test_register_follows_the_model(steps: list[tuple[object, ...]]) -> None:
    clock = ManualClock()
    emu = make(clock)
    model = Model()

    async def run() -> None:
        for name, *args in steps:
            if name == "shift":
                request = (
                    cmd_shift.ZReport() if model.shift_open else cmd_shift.OpenShift()
                )
                assert await call(emu, request) != 0
                model.shift_open = not model.shift_open
                model.last_fd += 1
            elif name in ("cash_in", "cash_out"):
                amount = int(str(args[0]))
                kind = cmd_shift.CashIn if name == "cash_in" else cmd_shift.CashOut
                answer = await call(emu, kind(amount=amount))
                if not model.shift_open:
                    assert answer == 0x3D
                elif name == "cash_out" and amount > model.cash:
                    assert answer == 0x46
                else:
                    model.cash += amount if name == "cash_in" else -amount
            else:
                await receipt(emu, model, *args)  # type: ignore[arg-type]
            assert emu.state.cash == model.cash and emu.fn.last_number == model.last_fd
            assert not emu.fn.receipt_open and emu.state.receipt is None
            clock.advance(minutes=5)

    asyncio.run(run())
