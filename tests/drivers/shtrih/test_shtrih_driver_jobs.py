"""The real JobService driving ShtrihDriver on the emulator: lost answers end in one receipt."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shtrih_e2e_helpers import ManualClock, RestartsAfterExecuting, emulator, mixed_sale

from openkkm.config import Config
from openkkm.drivers.shtrih import ShtrihDriver
from openkkm.emulators.shtrih import ShtrihEmulator
from openkkm.errors import LinkLost, OpenKKMError
from openkkm.fiscal.types import DocumentType
from openkkm.framing.shtrih import STX
from openkkm.jobs.model import StoredCommand
from openkkm.jobs.operations import Outcome, ReceiptDone, RegisterReceipt
from openkkm.jobs.service import JobService, Selection
from openkkm.transport import LoopHub, Transport

FF45 = b"\xff\x45"


class DiesBeforeAnswer(Transport):
    """A device end whose link dies when the answer to ``code`` is about to leave (once)."""

    def __init__(self, inner: Transport, code: bytes, armed: list[bool]) -> None:
        super().__init__(inner.url)
        self.inner = inner
        self.code = code
        self.armed = armed

    async def read(self, n: int, timeout: float | None) -> bytes:
        """Read from the device end."""
        return await self.inner.read(n, timeout)

    async def write(self, data: bytes) -> None:
        """Write, unless this is the armed answer: then cut the link."""
        if self.armed and data[:1] == bytes((STX,)) and data[2:4] == self.code:
            self.armed.clear()
            await self.inner.close()
            raise LinkLost("cut", "cut")
        await self.inner.write(data)

    async def close(self) -> None:
        """Close the device end."""
        await self.inner.close()


def render(stored: StoredCommand, outcome: Outcome | OpenKKMError) -> dict[str, Any]:
    """A minimal wire answer: status, error text and the receipt's FD number."""
    if isinstance(outcome, OpenKKMError):
        return {"Status": 2, "Error": outcome.ru}
    if isinstance(outcome, ReceiptDone):
        return {
            "Status": 0,
            "CheckNumber": outcome.document.number,
            "FiscalSign": outcome.document.fiscal_sign,
        }
    return {"Status": 0}


async def service_on(
    emu: ShtrihEmulator, data_dir: Path, wrap: Callable[[Transport], Transport]
) -> JobService:
    hub = LoopHub()
    hub.listen("kkt", lambda end: emu_task(emu, wrap(end)))
    config = Config.model_validate(
        {
            "server": {"data_dir": str(data_dir)},
            "devices": [{"num": 1, "kind": "shtrih", "url": "loop://kkt", "tax_systems": "0,1"}],
        }
    )
    driver = ShtrihDriver(config.devices[0], data_dir=str(data_dir), hub=hub)
    driver.link.control_timeout = 0.05
    service = JobService(config, render=render, drivers={1: driver}, backoff=0.01)
    await service.start()
    return service


def emu_task(emu: ShtrihEmulator, end: Transport) -> None:
    """Serve one connection (it ends when either side closes)."""
    asyncio.get_running_loop().create_task(emu.serve(end))


async def test_lost_close_answer_is_reconciled_to_the_real_receipt(tmp_path: Path) -> None:
    emu = emulator(ManualClock())
    armed = [True]
    service = await service_on(emu, tmp_path, lambda end: DiesBeforeAnswer(end, FF45, armed))
    try:
        receipt = mixed_sale()
        answer = await service.submit(
            id_command="inv-1",
            command="RegisterCheck",
            request={"Total": receipt.total},
            body_hash="inv-1",
            device=service.select(Selection()),
            operation=RegisterReceipt(receipt),
            wait=None,
        )
        assert not armed  # the link really died after the device executed FF45
        assert answer.response is not None and answer.response["Status"] == 0, answer.response
        receipts = [
            n
            for n in range(1, emu.fn.last_number + 1)
            if emu.fn.document(n).type is DocumentType.RECEIPT
        ]
        assert receipts == [answer.response["CheckNumber"]]
        assert answer.response["FiscalSign"] == emu.fn.document(receipts[0]).fiscal_sign
    finally:
        await service.stop()


async def test_refused_second_copy_of_an_executed_close_is_reconciled(tmp_path: Path) -> None:
    emu = emulator(ManualClock())
    armed = [True]
    service = await service_on(emu, tmp_path, lambda end: RestartsAfterExecuting(end, FF45, armed))
    try:
        receipt = mixed_sale()
        answer = await service.submit(
            id_command="inv-2",
            command="RegisterCheck",
            request={"Total": receipt.total},
            body_hash="inv-2",
            device=service.select(Selection()),
            operation=RegisterReceipt(receipt),
            wait=None,
        )
        assert not armed
        assert answer.response is not None and answer.response["Status"] == 0, answer.response
        receipts = [
            n
            for n in range(1, emu.fn.last_number + 1)
            if emu.fn.document(n).type is DocumentType.RECEIPT
        ]
        assert receipts == [answer.response["CheckNumber"]]
    finally:
        await service.stop()
