"""Read-only commands: 0x10/0x11/0xFC status and the ФН queries FF01…FF40 (PROTOCOLS.md §1.4, §1.6).

Everything is read from the simulated ФН and the device state, so the answers always agree with
what the ФН archive holds.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Final

from openkkm.fiscal import tlv
from openkkm.fiscal.types import DocumentType, FfdVersion
from openkkm.protocol.shtrih import cmd_fn, cmd_misc, cmd_status
from openkkm.protocol.shtrih.fields import Ascii, DateTimeField
from openkkm.protocol.shtrih.messages import Answer, Request
from openkkm.protocol.shtrih.status import FnDocument, FnPhase, FnWarning, OfdStatus
from openkkm.protocol.shtrih.values import TaxSystemBits

from .state import DeviceError

if TYPE_CHECKING:
    from .device import ShtrihEmulator

MODEL_ID: Final = 250
MODEL_NAME: Final = "ШТРИХ-М-02Ф"
PROTOCOL_SUBVERSION: Final = 14
FIRMWARE: Final = ("C1", 62922, dt.date(2024, 5, 1))
FN_VERSION: Final = "fn-sim 1.2.0"
REREGISTRATIONS_LEFT: Final = 12
E_NO_DATA: Final = 0x08
NO_INN: Final = 0xFF_FF_FF_FF_FF_FF  #: 0x11 INN of a register not yet registered
FISCALISATION: Final = (
    0xFF09  #: last fiscalisation result; not in the typed command table
)
REGISTRATION_TYPES: Final = (DocumentType.REGISTRATION, DocumentType.REREGISTRATION)
WORK_MODE_AUTONOMOUS: Final = 0x02  #: FF09 work mode bit 1 (tag 1002)
TLV_BLOCK: Final = 240  #: FF3B: body bytes per block (an answer holds at most 252)


def _serial_number(emu: ShtrihEmulator) -> int:
    """The register's serial number as 0x11 carries it (low 32 bits of the ККТ number)."""
    digits = "".join(ch for ch in emu.fn.registration.kkt_number if ch.isdigit()) or "0"
    return int(digits) & 0xFFFF_FFFF


def short_status(emu: ShtrihEmulator, request: Request, operator: int) -> Answer:
    """0x10."""
    lines = 0 if emu.state.receipt is None else emu.state.receipt.lines
    return cmd_status.ShortStatusAnswer(
        operator=operator,
        flags=emu.flags(),
        mode_byte=emu.mode_byte(),
        submode=emu.submode(),
        operations_low=lines & 0xFF,
        operations_high=lines >> 8 & 0xFF,
        battery_voltage=0x9A,
        power_voltage=0xB4,
    )


def full_status(emu: ShtrihEmulator, request: Request, operator: int) -> Answer:
    """0x11."""
    now = emu.now()
    version, build, date = FIRMWARE
    closed_shift = emu.fn.shift_number - (
        1 if emu.fn.shift_opened_at is not None else 0
    )
    return cmd_status.FullStatusAnswer(
        operator=operator,
        firmware_version=version,
        firmware_build=build,
        firmware_date=date,
        number_in_hall=1,
        document_number=emu.document_number() & 0xFFFF,
        flags=emu.flags(),
        mode_byte=emu.mode_byte(),
        submode=emu.submode(),
        port=emu.port,
        fm_version=version,
        fm_build=build,
        fm_date=date,
        date=now.date(),
        time=now.time().replace(microsecond=0),
        fm_flags=0,
        serial_number=_serial_number(emu),
        last_shift_number=closed_shift,
        inn=int(emu.fn.registration.inn) if emu.fn.fiscalised else NO_INN,
    )


def device_type(emu: ShtrihEmulator, request: Request, operator: int) -> Answer:
    """0xFC."""
    return cmd_status.DeviceTypeAnswer(
        protocol_subversion=PROTOCOL_SUBVERSION, model=MODEL_ID, name=MODEL_NAME
    )


def _current_document(emu: ShtrihEmulator) -> int:
    """FF01 "current document": the document open in the ФН."""
    if emu.state.shift_document:
        return emu.state.shift_document
    receipt = emu.state.receipt
    if receipt is not None and receipt.correction:
        return FnDocument.CORRECTION
    if emu.fn.receipt_open:
        return FnDocument.RECEIPT
    return FnDocument.NONE


def fn_status(emu: ShtrihEmulator, request: Request, operator: int) -> Answer:
    """FF01."""
    phase = FnPhase.CONFIGURED  # the phases add up: 1 ready, 3 fiscal, 7 post-fiscal
    if emu.fn.fiscalised:
        phase |= FnPhase.FISCAL_OPEN
    if emu.fn.closed:
        phase |= FnPhase.FISCAL_CLOSED
    queue = emu.fn.ofd_status()
    days = emu.fn.key_days_left()
    warnings = FnWarning(0)
    for flag, raised in (
        (FnWarning.REPLACE_URGENT, days < 3),
        (FnWarning.RESOURCE_30_DAYS, days < 30),
        (FnWarning.MEMORY_90_PERCENT, emu.fn.memory_full),
        (FnWarning.OFD_TIMEOUT, queue.late),
    ):
        if raised:
            warnings |= flag
    return cmd_fn.FnStatusAnswer(
        phase=phase,
        current_document=_current_document(emu),
        document_data_received=int(emu.fn.open_receipt_total > 0),
        shift_open=int(emu.fn.shift_opened_at is not None),
        warnings=warnings,
        datetime=emu.now().replace(second=0, microsecond=0),
        fn_number=emu.fn.fn_number,
        last_fd_number=emu.fn.last_number,
    )


def fn_number(emu: ShtrihEmulator, request: Request, operator: int) -> Answer:
    """FF02."""
    return cmd_fn.FnNumberAnswer(fn_number=emu.fn.fn_number)


def fn_expiry(emu: ShtrihEmulator, request: Request, operator: int) -> Answer:
    """FF03."""
    return cmd_fn.FnExpiryAnswer(
        expiry=emu.fn.valid_to.date(),
        reregistrations_left=REREGISTRATIONS_LEFT,
        reregistrations_done=0,
    )


def fn_version(emu: ShtrihEmulator, request: Request, operator: int) -> Answer:
    """FF04."""
    return cmd_misc.FnVersionAnswer(version=FN_VERSION, serial_build=1)


def _ticket_received(emu: ShtrihEmulator, number: int) -> bool:
    """Whether the OFD confirmed document ``number``."""
    first = emu.fn.ofd_status().first
    return first == 0 or number < first


def find_document(
    emu: ShtrihEmulator, request: cmd_fn.FindDocument, operator: int
) -> Answer:
    """FF0A: type, ticket flag, date-time, FD, FP and the type's details from the archive."""
    doc = emu.fn.document(request.fd_number)
    if doc.kind is not None:
        details = bytes((int(doc.kind),)) + doc.total.to_bytes(5, "little")
    elif doc.type in (DocumentType.SHIFT_OPEN, DocumentType.SHIFT_CLOSE):
        details = doc.shift_number.to_bytes(2, "little")
    elif doc.type in (DocumentType.REGISTRATION, DocumentType.REREGISTRATION):
        reg = emu.fn.registration
        bits = 0
        for system in reg.tax_systems:
            bits |= 1 << system
        details = (
            reg.inn.ljust(12).encode("ascii")
            + reg.reg_number.ljust(20).encode("ascii")
            + bytes((TaxSystemBits(bits), 0))
        )
    else:
        details = b""
    return cmd_fn.FindDocumentAnswer(
        document_type=int(doc.type),
        ticket_received=int(_ticket_received(emu, doc.number)),
        datetime=doc.moment.replace(second=0),
        fd_number=doc.number,
        fiscal_sign=doc.fiscal_sign,
        details=details,
    )


def ofd_status(emu: ShtrihEmulator, request: Request, operator: int) -> Answer:
    """FF39."""
    queue = emu.fn.ofd_status()
    status = OfdStatus.MESSAGE_WAITING if queue.unsent else OfdStatus(0)
    oldest = None if queue.oldest is None else queue.oldest.replace(second=0)
    return cmd_fn.OfdStatusAnswer(
        status=status,
        queue_length=queue.unsent,
        first_unsent_fd=queue.first,
        first_unsent_datetime=oldest,
    )


def unconfirmed(emu: ShtrihEmulator, request: Request, operator: int) -> Answer:
    """FF3F."""
    return cmd_fn.UnconfirmedCountAnswer(count=min(emu.fn.ofd_status().unsent, 0xFFFF))


def shift_params(emu: ShtrihEmulator, request: Request, operator: int) -> Answer:
    """FF40."""
    return cmd_fn.ShiftParamsAnswer(
        shift_open=int(emu.fn.shift_opened_at is not None),
        shift_number=emu.fn.shift_number,
        receipt_number=emu.fn.receipt_number,
    )


def read_document_start(
    emu: ShtrihEmulator, request: cmd_fn.ReadDocumentStart, operator: int
) -> Answer:
    """FF3A: the document's STLV tag and length; FF3B then returns its body block by block."""
    doc = emu.fn.document(request.fd_number)
    [(form, body)] = tlv.iter_tlv(doc.tlv)
    emu.reading = body
    return cmd_fn.ReadDocumentStartAnswer(document_tag=form, length=len(body))


def read_document_block(emu: ShtrihEmulator, request: Request, operator: int) -> Answer:
    """FF3B: the next bytes of the document body started with FF3A; 0x08 after the last."""
    if not emu.reading:
        raise DeviceError(E_NO_DATA)
    block, emu.reading = emu.reading[:TLV_BLOCK], emu.reading[TLV_BLOCK:]
    return cmd_fn.ReadDocumentBlockAnswer(data=block)


def last_fiscalisation(emu: ShtrihEmulator) -> bytes:
    """FF09 answer DATA: the last (re-)registration, in the FFD 1.05 or the 1.1+ layout.

    Date-time, INN[12], РН[20], tax systems, work mode, extended mode; FFD 1.1+ adds the OFD
    INN[12] and the reason u32; then FD u32 and FP u32 (PROTOCOLS.md §1.6).
    """
    doc = next(
        emu.fn.document(number)
        for number in range(emu.fn.last_number, 0, -1)
        if emu.fn.document(number).type in REGISTRATION_TYPES
    )
    reg = emu.fn.registration
    mask = sum(1 << system for system in reg.tax_systems)
    work_mode = WORK_MODE_AUTONOMOUS if reg.autonomous else 0
    head = (
        DateTimeField().encode(doc.moment.replace(second=0), "datetime")
        + Ascii(12).encode(reg.inn, "inn")
        + Ascii(20).encode(reg.reg_number, "reg_number")
        + bytes((mask, work_mode, 0))
    )
    if reg.ffd >= FfdVersion.V1_1:
        ofd_inn = "0" * 12 if reg.autonomous else reg.ofd_inn
        head += Ascii(12).encode(ofd_inn, "ofd_inn") + bytes(4)
    return (
        head + doc.number.to_bytes(4, "little") + doc.fiscal_sign.to_bytes(4, "little")
    )
