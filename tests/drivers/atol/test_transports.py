"""The same shift and sale over TCP on 127.0.0.1 and over a pty, each with a fresh emulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from atol_bench import START, Clock, sale

from openkkm.config import DeviceConfig
from openkkm.drivers.atol import AtolDriver
from openkkm.emulators.atol import AtolEmulator, serve_tcp_emulator
from openkkm.fiscal.types import DocumentType, ReceiptKind, ShiftState, VatRate
from openkkm.transport import open_pty_pair


@asynccontextmanager
async def served(emulator: AtolEmulator, how: str) -> AsyncIterator[str]:
    """Serve ``emulator`` over TCP or a pty; yield the URL a driver connects to."""
    if how == "tcp":
        listener = await serve_tcp_emulator(emulator, "127.0.0.1", 0)
        try:
            yield f"tcp://127.0.0.1:{listener.port}"
        finally:
            await listener.close()
        return
    transport, path = open_pty_pair()
    task = asyncio.create_task(emulator.serve(transport))
    try:
        yield f"pty://{path}"
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


@pytest.mark.parametrize("how", ["tcp", "pty"])
async def test_shift_sales_and_return(tmp_path: Path, how: str) -> None:
    clock = Clock()
    emulator = AtolEmulator(DeviceConfig(num=1, kind="atol"), clock=clock)
    async with served(emulator, how) as url:
        driver = AtolDriver(DeviceConfig(num=1, kind="atol", url=url), data_dir=str(tmp_path))
        await driver.start()
        try:
            await driver.open_shift(None)
            receipt = sale(("Хлеб", 5000, "1", VatRate.VAT22), ("Чай", 10000, "1", VatRate.VAT10),
                           ("Вода", 3000, "3", VatRate.VAT0), ("Кофе", 20000, "1",
                                                                 VatRate.VAT22_122),
                           cash=44000, change=1000, electronic=0)
            document = await driver.register(receipt)
            archived = emulator.fn.document(document.number)
            assert (document.total, archived.total, archived.change) == (44000, 44000, 1000)
            assert document.moment == START
            back = await driver.register(sale(("Хлеб", 5000, "1", VatRate.VAT22), cash=5000,
                                              kind=ReceiptKind.SALE_RETURN))
            assert emulator.fn.document(back.number).kind is ReceiptKind.SALE_RETURN
            assert (await driver.close_shift(None)).type is DocumentType.SHIFT_CLOSE
            assert (await driver.status()).shift is ShiftState.CLOSED
        finally:
            await driver.stop()
