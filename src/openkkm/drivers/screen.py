"""The ``screen`` device kind: a printer whose paper is the preview; nothing leaves the server."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from openkkm.drivers.printer import Printed, PrinterDriver

if TYPE_CHECKING:
    from openkkm.config import DeviceConfig
    from openkkm.layout.document import Document

KEPT = 20  #: documents remembered for inspection


class ScreenDriver(PrinterDriver):
    """Lays documents out and keeps them; ``GET /preview/…`` shows them."""

    kind = "screen"

    def __init__(self, config: DeviceConfig, *, data_dir: str) -> None:
        super().__init__(config, data_dir=data_dir)
        self.printed: deque[Printed] = deque(maxlen=KEPT)

    async def start(self) -> None:
        """Nothing to open."""

    async def stop(self) -> None:
        """Nothing to close."""

    async def print_document(self, document: Document, *, copies: int = 1) -> Printed:
        """Keep the document as printed."""
        printed = Printed(document)
        self.printed.append(printed)
        return printed
