"""Lay out, encode and send a ~40-line receipt with its QR to a TCP ESC/POS sink.

Prints the median time per receipt and its ratio to the time the same bytes take on a serial
wire at 115200 baud (10 bits a byte): below 1 means openkkm keeps ahead of a serial printer.
Measured for the printer's own QR command and for the QR sent as a raster image.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import statistics
import time
from decimal import Decimal

from openkkm.config import DeviceConfig
from openkkm.drivers.escpos import EscposDriver
from openkkm.drivers.escpos_encode import encode_document
from openkkm.fiscal.types import (
    Cashier,
    DocumentType,
    FfdVersion,
    FiscalDocument,
    Item,
    Payments,
    Receipt,
    ReceiptKind,
    Registration,
    TaxSystem,
    VatRate,
)
from openkkm.layout.receipt import layout_receipt

ROUNDS = 50
BAUD = 115200

REGISTRATION = Registration(
    inn="7700000009", organization='ООО "Ромашка"', tax_systems=(TaxSystem.OSN,),
    reg_number="0000000001012345", kkt_number="00000000012345", fn_number="7380440700012345",
    ffd=FfdVersion.V1_2, address="г. Москва, ул. Тверская, д. 1", place="Магазин")
ITEMS = tuple(Item(f"Товар номер {n}", 10000 + n, Decimal(1), 10000 + n, VatRate.VAT22)
              for n in range(5))
RECEIPT = Receipt(ReceiptKind.SALE, ITEMS, Payments(cash=sum(i.amount for i in ITEMS)),
                  cashier=Cashier("Иванова А.А."))
DOCUMENT = FiscalDocument(482, 3071182645, dt.datetime(2026, 11, 24, 15, 37), DocumentType.RECEIPT,
                          "7380440700123456", 7, 12, ReceiptKind.SALE, RECEIPT.total)


class Sink:
    """Counts the bytes a printer would receive."""

    def __init__(self) -> None:
        self.count = 0
        self.grew = asyncio.Event()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Read until the client goes."""
        while chunk := await reader.read(65536):
            self.count += len(chunk)
            self.grew.set()
        writer.close()

    async def wait_for(self, total: int) -> None:
        """Return once ``total`` bytes have arrived."""
        while self.count < total:
            self.grew.clear()
            await self.grew.wait()


async def measure(native: bool) -> None:
    """Print the figures for one way of sending the QR."""
    sink = Sink()
    server = await asyncio.start_server(sink.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    url = f"tcp://127.0.0.1:{port}?status=off&native={'on' if native else 'off'}"
    driver = EscposDriver(DeviceConfig(num=1, kind="escpos", url=url), data_dir="")
    await driver.start()
    sample = layout_receipt(RECEIPT, DOCUMENT, 48, registration=REGISTRATION)
    size = len(encode_document(sample, driver.target.options).data)
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        document = layout_receipt(RECEIPT, DOCUMENT, 48, registration=REGISTRATION)
        await driver.print_document(document)
        await sink.wait_for((len(times) + 1) * size)
        times.append(time.perf_counter() - start)
    await driver.stop()
    server.close()
    await server.wait_closed()
    median = statistics.median(times)
    wire = size * 10 / BAUD
    lines = len(sample.text().split("\n"))
    print(f"QR {'native GS ( k' if native else 'raster GS v 0 '}: {lines} text lines, {size} bytes, "
          f"median {median * 1000:.2f} ms, wire {wire * 1000:.1f} ms at {BAUD} baud, "
          f"ratio {median / wire:.3f}")


async def main() -> None:
    """Both variants."""
    await measure(native=True)
    await measure(native=False)


if __name__ == "__main__":
    asyncio.run(main())
