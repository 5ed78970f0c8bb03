"""Receipt printer commands (``API.md`` §6.12): ``PrintDocument``, ``PrintLineLength``,
``PrintOpenCashDrawer``, and ``GetDataKKT``'s synthetic answer for a printer (§6.7).

``PrintDocument`` takes the ``CheckStrings`` of a non-fiscal ``RegisterCheck``, so it is parsed
by the same code; ``IsFiscalCheck`` is ignored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from openkkm.api.envelope import Status, envelope
from openkkm.api.kkmserver.device_commands import data_kkt_fields
from openkkm.api.kkmserver.register_check import build_slip, parse_register_check
from openkkm.errors import ValidationError
from openkkm.fiscal.types import (
    DeviceInfo,
    DeviceStatus,
    FfdVersion,
    Registration,
    ShiftState,
    TaxSystem,
)
from openkkm.jobs.devices import Accepts
from openkkm.jobs.operations import OpenDrawer, PrintSlip

if TYPE_CHECKING:
    from openkkm.api.kkmserver.check_common import Notice
    from openkkm.api.kkmserver.dispatch import Call, Dispatcher
    from openkkm.jobs.devices import DeviceHandle

Handler = Callable[["Call"], Awaitable[dict[str, Any]]]

#: The fixed values of a printer's synthetic ``Info`` (§6.7).
PRINTER_REG_NUMBER = "000000000"
PRINTER_FN_END = dt.datetime(2099, 1, 1)
PRINTER_FFD = "4"


def printer_data_kkt_fields(handle: DeviceHandle, clock: dt.datetime) -> dict[str, Any]:
    """The ``GetDataKKT`` fields of a receipt printer: a synthetic ``Info``."""
    registration = Registration(
        inn="", organization="", tax_systems=tuple(TaxSystem), reg_number=PRINTER_REG_NUMBER,
        kkt_number="", fn_number="", ffd=FfdVersion.V1_2, fn_valid_to=PRINTER_FN_END)
    status = DeviceStatus(fn_number="", last_document=0, shift=ShiftState.OPEN, shift_number=0)
    info = DeviceInfo(registration, status, clock, handle.config.line_length, fn_fiscal=False)
    fields = data_kkt_fields(info)
    fields["Info"] = {**fields["Info"], "FFDVersion": PRINTER_FFD, "FFDVersionFN": PRINTER_FFD,
                      "FFDVersionKKT": PRINTER_FFD, "Active": handle.online}
    return fields


class PrinterCommands:
    """Handlers of the printer-class commands and of ``GetDataKKT`` on a printer."""

    def __init__(self, dispatcher: Dispatcher, digest: Callable[[Any], str]) -> None:
        self._dispatcher = dispatcher
        self._digest = digest

    def handlers(self) -> dict[str, Handler]:
        """The handlers by command name."""
        return {"PrintDocument": self._print_document, "PrintLineLength": self._line_length,
                "PrintOpenCashDrawer": self._drawer}

    async def _print_document(self, call: Call) -> dict[str, Any]:
        dispatcher = self._dispatcher
        digest = ""  # the parsed body's hash; the raw body's only if parsing fails
        notices: list[Notice] = []
        try:
            wait, warnings = dispatcher.wait(call)
            request = parse_register_check({**call.body, "isfiscalcheck": False}, lowered=True)
            digest = self._digest(request.body_for_hash())
            device = dispatcher.select(call, Accepts.PRINTER)
            slip = build_slip(request, notices)
        except ValidationError as exc:
            return await dispatcher.refuse(call, exc, digest)
        warnings += [item.text(dispatcher.language) for item in notices]
        return await dispatcher.submit(call, device, PrintSlip(slip), request=call.body,
                                       digest=digest, warnings=warnings, wait=wait)

    async def _line_length(self, call: Call) -> dict[str, Any]:
        device = self._dispatcher.select(call, Accepts.PRINTER)
        return self._dispatcher.line_length_answer(call, device)

    async def _drawer(self, call: Call) -> dict[str, Any]:
        dispatcher = self._dispatcher
        wait, warnings = dispatcher.wait(call)
        device = dispatcher.select(call, Accepts.PRINTER)
        return await dispatcher.submit(call, device, OpenDrawer(), request=call.body,
                                       digest=self._digest(call.body), warnings=warnings,
                                       wait=wait)

    def data_kkt(self, call: Call, device: DeviceHandle) -> dict[str, Any]:
        """``GetDataKKT`` answered for a printer without queueing: nothing is read from it."""
        fields = printer_data_kkt_fields(device, dt.datetime.now().replace(microsecond=0))
        return envelope(fields, command=call.command, status=Status.OK,
                        id_command=call.client_id, num_device=device.num,
                        unit_name=device.config.unit_name)
