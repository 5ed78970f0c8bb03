"""The emulated Shtrih-M register: command dispatch over the simulated ФН, and its public API.

:meth:`ShtrihEmulator.handle` turns one command payload into one answer payload: it decodes
the request with the protocol layer (unknown code 0x37, bad length 0x33), checks the password
(0x4F), runs the handler and maps refusals: the register's own codes (``DeviceError``) and the
ФН's (``FnError``, mapped onto the codes a Shtrih register reports, PROTOCOLS.md §1.9).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from openkkm.config import DeviceConfig
from openkkm.emulators.fn.drive import Clock, FiscalDrive, system_clock
from openkkm.emulators.fn.errors import FnError, Refusal
from openkkm.emulators.fn.persist import StateFile
from openkkm.emulators.fn.setup import install_fn, load_or_new, state_path
from openkkm.errors import NotSupportedError, ProtocolError, ValidationError
from openkkm.fiscal.types import ShiftState
from openkkm.framing.shtrih import command_bytes, split_command
from openkkm.protocol.shtrih.codes import Command as C
from openkkm.protocol.shtrih.exchange_v2 import DeviceExchangeV2
from openkkm.protocol.shtrih.messages import (
    Answer,
    Request,
    encode_answer,
    encode_error,
)
from openkkm.protocol.shtrih.registry import decode_request
from openkkm.protocol.shtrih.status import EcrFlags, Mode, Submode, join_mode

from . import graphics as gx
from . import marking as mk
from . import operations as ops
from . import queries as q
from . import receipts as rc
from . import reports as rp
from .faults import WireFault, WirePlan
from .state import ADMINS, SYSADMIN, DeviceError, DeviceState

if TYPE_CHECKING:
    from openkkm.transport.base import Transport

E_BAD_PARAMS: Final = 0x33
E_UNSUPPORTED: Final = 0x37
E_BAD_PASSWORD: Final = 0x4F
E_PRINTING_WAIT: Final = 0x58
E_NO_PAPER: Final = 0x6B
E_SUBMODE: Final = 0x72


class Access(Enum):
    """Whose password a command takes (PROTOCOLS.md §1.3)."""

    NONE = 0  #: no password field
    ANY = 1  #: any operator
    ADMIN = 2  #: administrator (29) or system administrator (30)
    SYSADMIN = 3  #: system administrator only


Handler = Callable[..., Answer]
A, ANY, ADM, SYS = Access.NONE, Access.ANY, Access.ADMIN, Access.SYSADMIN

#: command -> (handler, access)
HANDLERS: Final[dict[int, tuple[Handler, Access]]] = {
    C.SHORT_STATUS: (q.short_status, ANY),
    C.FULL_STATUS: (q.full_status, ANY),
    C.DEVICE_TYPE: (q.device_type, A),
    C.BEEP: (ops.printer, ANY),
    C.SET_EXCHANGE: (ops.set_exchange, ADM),
    C.READ_EXCHANGE: (ops.read_exchange, ADM),
    C.PRINT_STRING: (ops.print_text, ANY),
    C.PRINT_STRING_FONT: (ops.print_text, ANY),
    C.WRITE_TABLE: (ops.write_table, ADM),
    C.READ_TABLE: (ops.read_table, ADM),
    C.SET_TIME: (ops.set_time, ADM),
    C.SET_DATE: (ops.set_date, ADM),
    C.CONFIRM_DATE: (ops.set_date, ADM),
    C.CUT: (ops.printer, ANY),
    C.OPEN_DRAWER: (ops.open_drawer, ANY),
    C.FEED: (ops.printer, ANY),
    C.X_REPORT: (ops.x_report, ADM),
    C.Z_REPORT: (ops.z_report, ADM),
    C.CASH_IN: (ops.cash, ANY),
    C.CASH_OUT: (ops.cash, ANY),
    C.SALE: (rc.legacy_line, ANY),
    C.BUY: (rc.legacy_line, ANY),
    C.SALE_RETURN: (rc.legacy_line, ANY),
    C.BUY_RETURN: (rc.legacy_line, ANY),
    C.CLOSE_RECEIPT: (rc.legacy_close, ANY),
    C.CANCEL_RECEIPT: (rc.cancel, ANY),
    C.SUBTOTAL: (rc.subtotal, ANY),
    C.REPEAT_DOCUMENT: (ops.printer, ANY),
    C.OPEN_RECEIPT: (rc.open_receipt, ANY),
    C.CONTINUE_PRINT: (ops.continue_print, ADM),
    C.LOAD_GRAPHICS: (gx.load, ANY),
    C.PRINT_GRAPHICS: (gx.print_loaded, ANY),
    C.PRINT_EAN13: (gx.print_ean13, ANY),
    C.PRINT_GRAPHICS_EXT: (gx.print_loaded, ANY),
    C.LOAD_GRAPHICS_EXT: (gx.load, ANY),
    C.PRINT_GRAPHICS_LINE: (gx.print_line, ANY),
    C.OPEN_SHIFT: (ops.open_shift, ANY),
    C.FN_STATUS: (q.fn_status, SYS),
    C.FN_NUMBER: (q.fn_number, SYS),
    C.FN_EXPIRY: (q.fn_expiry, SYS),
    C.FN_VERSION: (q.fn_version, SYS),
    C.FN_CANCEL_DOCUMENT: (ops.cancel_document, SYS),
    C.FN_FIND_DOCUMENT: (q.find_document, SYS),
    C.FN_OPEN_SHIFT: (ops.finish_shift, SYS),
    C.WRITE_TLV: (rc.write_tlv, SYS),
    C.FN_OFD_STATUS: (q.ofd_status, SYS),
    C.FN_READ_DOCUMENT_START: (q.read_document_start, SYS),
    C.FN_READ_DOCUMENT_BLOCK: (q.read_document_block, SYS),
    C.FN_UNCONFIRMED_COUNT: (q.unconfirmed, SYS),
    C.FN_SHIFT_PARAMS: (q.shift_params, SYS),
    C.FN_BEGIN_OPEN_SHIFT: (ops.begin_shift, SYS),
    C.FN_BEGIN_CLOSE_SHIFT: (ops.begin_shift, SYS),
    C.FN_CLOSE_SHIFT: (ops.finish_shift, SYS),
    C.CLOSE_RECEIPT_EXT: (rc.close_ext, SYS),
    C.OPERATION_V2: (rc.operation, ANY),
    C.WRITE_OPERATION_TLV: (rc.write_operation_tlv, SYS),
    C.CHECK_MARKING: (mk.check, ANY),
    C.ACCEPT_MARKING: (mk.accept, ANY),
    C.BIND_MARKING: (mk.bind, ANY),
    C.READ_MONEY_REGISTER: (rp.money_register, ANY),
    C.FN_BEGIN_STATE_REPORT: (rp.begin_state_report, SYS),
    C.FN_STATE_REPORT: (rp.state_report, SYS),
    C.FN_BEGIN_CLOSE: (rp.begin_close_fn, SYS),
    C.FN_CLOSE: (rp.close_fn, SYS),
    C.FN_BEGIN_REGISTRATION: (rp.begin_registration, SYS),
    C.FN_REGISTER: (rp.register, SYS),
    C.FN_REREGISTER: (rp.reregister, SYS),
}

#: ФН refusals the register reports with its own, finer code; the rest keep the ФН's code
REFUSAL_CODES: Final[dict[Refusal, int]] = {
    Refusal.SHIFT_CLOSED: 0x3D,
    Refusal.RECEIPT_OPEN: 0x4A,
    Refusal.NO_RECEIPT_OPEN: 0x55,
    Refusal.PAYMENTS_SHORT: 0x45,
    Refusal.NO_ITEMS: 0x8E,
    Refusal.CASH_SHORT: 0x46,
}


def refusal_code(exc: FnError) -> int:
    """Return the Shtrih error code a register reports for a ФН refusal."""
    return REFUSAL_CODES.get(exc.refusal, int(exc.code))


class ShtrihEmulator:
    """A fiscalised ШТРИХ-М-02Ф over the simulated ФН, served over any transport."""

    def __init__(
        self,
        config: DeviceConfig,
        *,
        data_dir: str | None = None,
        state_file: str | None = None,
        clock: Clock = system_clock,
        faults: str = "",
        baud: int = 0,
        require_enq_first: bool = True,
        protocol: int | None = None,
    ) -> None:
        self.config = config
        self.base_clock = clock
        self.baud = baud
        self.require_enq_first = require_enq_first
        #: the lower level served: 1, 2, or None to follow each connection's first byte
        self.protocol = protocol
        #: protocol 2's last executed number and answer: the register's, not a connection's
        self.link_v2 = DeviceExchangeV2()
        self.port = 0  #: 0x11 port byte; 128 while a TCP client is served
        self.reading = b""  #: document body left to read with FF3B
        #: the "extended answers" setting: FF45/FF0B/FF43 append the document's date-time
        self.extended_answers = False
        self.state = DeviceState()
        self.faults = WirePlan()
        path = (
            Path(state_file)
            if state_file
            else (state_path(data_dir, config.num) if data_dir else None)
        )
        self._device_file = None if path is None else path.with_suffix(".shtrih.json")
        self._fn_path = path
        self.fn = self._open_fn(path)
        self.state.cash = self.fn.cash
        self._load_device()
        self.set_faults(faults)

    def _open_fn(self, path: Path | None) -> FiscalDrive:
        """Load the ФН from ``path`` or make a new one there (in memory without a path)."""
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        return load_or_new(self.config, None if path is None else StateFile(path),
                           clock=self.now)

    def install_fn(self, fn_number: str = "") -> None:
        """Swap the closed ФН for a new one ready for fiscalisation (a technician's job).

        FF05 type 1 does this itself when it finds the ФН closed, so a ``ChangeFN`` works over
        the wire alone; tests and other clients may call it directly.
        """
        self.fn = install_fn(self.fn, self._fn_path, fn_number, clock=self.now)

    # --- clock, faults, persistence ------------------------------------------------------

    def now(self) -> dt.datetime:
        """The register's clock: the base clock moved by 0x21/0x23."""
        return self.base_clock() + self.state.clock_offset

    def set_faults(self, spec: str) -> None:
        """Replace the fault plan; printer conditions in it apply at once."""
        self.faults = WirePlan.parse(spec)
        if self.faults.has(WireFault.PAPER_OUT):
            self.state.paper = False
        if self.faults.has(WireFault.COVER_OPEN):
            self.state.cover_open = True

    def load_paper(self) -> None:
        """Put paper back: the register waits for 0xB0 (submode 3)."""
        if not self.state.paper:
            self.state.paper = True
            self.state.waiting_continue = True

    def close_cover(self) -> None:
        """Close the printer cover."""
        self.state.cover_open = False

    def power_loss(self) -> None:
        """Lose power: lines given so far reach the ФН, the register's memory restarts."""
        receipt = self.state.receipt
        if receipt is not None and receipt.pending is not None:
            try:
                rc.flush(self, receipt)
            except (DeviceError, FnError):
                receipt.pending = None
        self.state = self.state.reboot()
        self.reading = b""
        self.link_v2 = DeviceExchangeV2()

    def save_device(self) -> None:
        """Keep the non-volatile device data (tables, clock) beside the ФН state."""
        if self._device_file is None:
            return
        data = {
            "clock_offset": self.state.clock_offset.total_seconds(),
            "tables": [[*key, value.hex()] for key, value in self.state.tables.items()],
        }
        temp = self._device_file.with_suffix(".tmp")
        temp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(temp, self._device_file)

    def _load_device(self) -> None:
        if self._device_file is None or not self._device_file.exists():
            return
        data: dict[str, Any] = json.loads(self._device_file.read_text(encoding="utf-8"))
        self.state.clock_offset = dt.timedelta(seconds=float(data["clock_offset"]))
        self.state.tables = {
            (t, r, f): bytes.fromhex(v) for t, r, f, v in data["tables"]
        }

    # --- state as the status commands report it ------------------------------------------

    def mode_byte(self) -> int:
        """0x10/0x11 mode byte."""
        if self.state.pending_date is not None:
            return Mode.WAITING_DATE_CONFIRM
        receipt = self.state.receipt
        if receipt is not None or self.fn.receipt_open:
            return join_mode(
                Mode.DOCUMENT_OPEN, 0 if receipt is None else receipt.status_nibble
            )
        return {
            ShiftState.CLOSED: Mode.SHIFT_CLOSED,
            ShiftState.OPEN: Mode.SHIFT_OPEN,
            ShiftState.EXPIRED: Mode.SHIFT_EXPIRED,
        }[self.fn.shift_state()]

    def submode(self) -> int:
        """0x10/0x11 submode."""
        if not self.state.paper:
            return Submode.PAPER_OUT_PASSIVE
        if self.state.waiting_continue:
            return Submode.WAITING_CONTINUE
        return Submode.IDLE

    def flags(self) -> int:
        """0x10/0x11 ECR flags."""
        flags = EcrFlags.DECIMAL_POINT_2 | EcrFlags.RECEIPT_LEVER
        if self.state.paper:
            flags |= EcrFlags.RECEIPT_ROLL | EcrFlags.RECEIPT_OPTICAL
        if self.state.cover_open:
            flags |= EcrFlags.COVER_OPEN
        return int(flags)

    def check_printer(self) -> None:
        """Refuse a printing command without paper, before 0xB0 or with the cover open."""
        if not self.state.paper:
            raise DeviceError(E_NO_PAPER)
        if self.state.waiting_continue:
            raise DeviceError(E_PRINTING_WAIT)
        if self.state.cover_open:
            raise DeviceError(E_SUBMODE)

    def document_number(self) -> int:
        """The through-number of the last document, fiscal or not."""
        return self.fn.last_number + self.state.nonfiscal_documents

    def finish_document(self) -> None:
        """Forget what belonged to the finished document."""
        self.state.receipt = None
        self.state.shift_document = 0
        self.state.tags = type(self.state.tags)()
        self.state.marking = None
        self.state.accepted_codes = {}
        self.save_device()

    # --- dispatch ------------------------------------------------------------------------

    async def handle(self, payload: bytes) -> bytes:
        """Execute one command payload (``CMD DATA``); return the answer (``CMD ERR DATA``)."""
        try:
            code = split_command(payload)[0]
        except ProtocolError:
            return encode_error(0, E_BAD_PARAMS)
        if code == q.FISCALISATION:
            return self._fiscalisation(payload)
        entry = HANDLERS.get(code)
        try:
            request = decode_request(payload)
        except NotSupportedError:
            return encode_error(code, E_UNSUPPORTED)
        except (ProtocolError, ValidationError):
            return encode_error(code, E_BAD_PARAMS)
        if entry is None:
            return encode_error(code, E_UNSUPPORTED)
        handler, access = entry
        operator = self._operator(request, access)
        if operator is None:
            return encode_error(code, E_BAD_PASSWORD)
        try:
            answer = handler(self, request, operator)
        except DeviceError as exc:
            return encode_error(code, exc.code)
        except FnError as exc:
            return encode_error(code, refusal_code(exc))
        return encode_answer(code, answer)

    def _fiscalisation(self, payload: bytes) -> bytes:
        """FF09, which the typed command table lacks: the sysadmin password, then no data."""
        data = split_command(payload)[1]
        if len(data) != 4:
            return encode_error(q.FISCALISATION, E_BAD_PARAMS)
        if self.state.operator(int.from_bytes(data, "little")) != SYSADMIN:
            return encode_error(q.FISCALISATION, E_BAD_PASSWORD)
        if not self.fn.fiscalised:
            return encode_error(q.FISCALISATION, q.E_NO_DATA)
        return command_bytes(q.FISCALISATION) + b"\0" + q.last_fiscalisation(self)

    def _operator(self, request: Request, access: Access) -> int | None:
        """Return the operator the request's password names, None if it may not run it."""
        if access is Access.NONE:
            return 0
        operator = self.state.operator(int(getattr(request, "password", -1)))
        if operator is None:
            return None
        if access is Access.ADMIN and operator not in ADMINS:
            return None
        if access is Access.SYSADMIN and operator != SYSADMIN:
            return None
        return operator

    async def serve(self, transport: Transport) -> None:
        """Run the device side of the protocol on one connection until it closes."""
        from .server import serve_connection  # server imports this module

        await serve_connection(self, transport)
