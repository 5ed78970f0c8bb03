"""FN reports and counters through a Shtrih register: form 21 (FF37/FF38), re-registration
(FF05/FF34), close FN (FF3D/FF3E).

Each report is begun, gets the cashier tags (FF0C) and is formed by the second command; a
refusal before forming cancels the begun document (FF08).

Counters: the protocol has no documented command for the ФН's receipt counters (the money
registers beyond 241 are model-specific and the layout of 1157/1194 is unconfirmed, FISCAL.md
§8), so they are summed from the ФН archive itself: every receipt read back as TLV (FF0A,
FF3A/FF3B). That is exact by construction; the first reading walks the whole archive (one FF0A
per document, one TLV read per receipt), later ones only the documents formed since.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from openkkm.errors import (
    DeviceRejected,
    FiscalStateError,
    NotSupportedError,
    ProtocolError,
)
from openkkm.fiscal import readback, tlv
from openkkm.fiscal.tally import (
    RECEIPT_FORMS,
    ReceiptTally,
    fresh_tallies,
    tally_results,
)
from openkkm.fiscal.types import (
    Cashier,
    Counters,
    DocumentType,
    FfdVersion,
    ReceiptKind,
    Registration,
)
from openkkm.protocol.shtrih.cmd_fn import FindDocument, FindDocumentAnswer
from openkkm.protocol.shtrih.cmd_misc import FnCancelDocument
from openkkm.protocol.shtrih.cmd_receipt import WriteTlv
from openkkm.protocol.shtrih.cmd_registers import (
    BeginCloseFn,
    BeginRegistration,
    BeginStateReport,
    CloseFn,
    CloseFnAnswer,
    Register,
    RegistrationAnswer,
    RegistrationReport,
    Reregister,
    StateReport,
    StateReportAnswer,
)
from openkkm.protocol.shtrih.messages import EmptyAnswer, Request

from .documents import NO_DATA, DocumentReader
from .identity import WORK_MODE_BITS
from .link import ShtrihLink, forming
from .mapping import document_type
from .tags import Tag, cashier_tags, packed, text_tag

A = TypeVar("A", StateReportAnswer, CloseFnAnswer, RegistrationAnswer)


async def state_report(link: ShtrihLink, cashier: Cashier | None) -> int:
    """Form the settlement-state report (form 21); return its FD number."""
    answer = await _report(link, cashier, BeginStateReport(), StateReport(), StateReportAnswer)
    return answer.fd_number


async def close_fn(link: ShtrihLink, cashier: Cashier | None) -> int:
    """Close the fiscal mode (close-FN report); return its FD number."""
    answer = await _report(link, cashier, BeginCloseFn(), CloseFn(), CloseFnAnswer)
    return answer.fd_number


async def register(link: ShtrihLink, registration: Registration, cashier: Cashier | None) -> int:
    """Register with the ФН waiting for it (FF05 type 0, the registration's tags, FF06).

    Return the registration report's FD number (1).
    """
    tags, mask, modes = _registration_fields(registration)
    finish = Register(
        inn=registration.inn, reg_number=registration.reg_number, tax_systems=mask,
        work_mode=modes)
    begin = BeginRegistration(report_type=RegistrationReport.REGISTRATION)
    answer = await _report(link, cashier, begin, finish, RegistrationAnswer, tags)
    return answer.fd_number


async def reregister(
    link: ShtrihLink, registration: Registration, reason: int, cashier: Cashier | None, *,
    fn_changed: bool = False,
) -> int:
    """Re-register (FF05 type 2, or type 1 into a new ФН; the registration's tags; FF34).

    The changeable data go as tags (1048, 1009, 1187, 1117, 1017, 1046, 1209); FF34 carries
    INN, РН, tax systems and work modes. ``reason`` is 1205 (a u32 mask) from FFD 1.1 on, else
    FF34's 1101 byte.
    """
    tags, mask, modes = _registration_fields(registration)
    modern = registration.ffd >= FfdVersion.V1_1
    if modern:
        tags.append(tlv.tlv(Tag.REREGISTRATION_REASONS, tlv.u32(reason)))
    finish = Reregister(
        inn=registration.inn,
        reg_number=registration.reg_number,
        tax_systems=mask,
        work_mode=modes,
        reason=0 if modern else reason,
    )
    kind = (RegistrationReport.REREGISTRATION_FN_CHANGE if fn_changed
            else RegistrationReport.REREGISTRATION)
    answer = await _report(link, cashier, BeginRegistration(report_type=kind), finish,
                           RegistrationAnswer, tags)
    return answer.fd_number


def _registration_fields(registration: Registration) -> tuple[list[bytes], int, int]:
    """The tags of a (re-)registration, its tax-system mask and its work-mode bits."""
    tags = [
        text_tag(Tag.ORGANIZATION, registration.organization, 256),
        text_tag(Tag.SETTLEMENT_ADDRESS, registration.address, 256),
        text_tag(Tag.SETTLEMENT_PLACE, registration.place, 256),
        text_tag(Tag.SENDER_EMAIL, registration.sender_email, 64),
        tlv.tlv(Tag.OFD_INN, tlv.fixed_string(registration.ofd_inn, 12)),
        text_tag(Tag.OFD_NAME, registration.ofd_name, 256),
        tlv.tlv(Tag.FFD_VERSION, tlv.byte(int(registration.ffd))),
    ]
    mask = sum(1 << int(system) for system in registration.tax_systems)
    modes = sum(1 << bit for name, bit in WORK_MODE_BITS.items() if getattr(registration, name))
    return tags, mask, modes


async def _report(
    link: ShtrihLink,
    cashier: Cashier | None,
    begin: Request,
    finish: Request,
    answer: type[A],
    tags: list[bytes] | None = None,
) -> A:
    """Begin, tag and form one FN report."""
    runs = packed([*(tags or []), *cashier_tags(cashier)])
    tlvs = [WriteTlv(tlv=run) for run in runs]
    finish.encode()  # bad registration data fail before anything is sent
    for request in tlvs:
        request.encode()  # a bad cashier name fails before anything is sent
    await link.execute(begin, EmptyAnswer)
    try:
        for request in tlvs:
            await link.execute(request, EmptyAnswer)
        return await forming(link, link.execute(finish, answer))
    except (DeviceRejected, FiscalStateError):
        await link.execute(FnCancelDocument(), EmptyAnswer)
        raise


@dataclass(slots=True)
class ArchiveTally:
    """Receipt counters of one ФН summed from its archive up to ``last_fd``.

    Kept by the driver and extended with the documents formed since, so only the first
    reading walks the whole archive; the shift's tallies restart at each shift-open report.
    """

    fn_number: str
    last_fd: int = 0
    shift: dict[ReceiptKind, ReceiptTally] = field(default_factory=fresh_tallies)
    total: dict[ReceiptKind, ReceiptTally] = field(default_factory=fresh_tallies)

    async def update(self, reader: DocumentReader, last_fd: int) -> None:
        """Count documents ``last_fd + 1`` … ``last_fd`` (FF0A each, FF3A/FF3B per receipt)."""
        for number in range(self.last_fd + 1, last_fd + 1):
            form = await _form(reader, number)
            if form is DocumentType.SHIFT_OPEN:
                self.shift = fresh_tallies()
            elif form in RECEIPT_FORMS:
                content = await _content(reader, number)
                if content.kind is not None:
                    self.total[content.kind].add(content)
                    self.shift[content.kind].add(content)
            self.last_fd = number  # counted: a failure later resumes after it

    def counters(self, shift_number: int) -> Counters:
        """The counters as the domain type."""
        return Counters(
            shift_number=shift_number, shift=tally_results(self.shift),
            total=tally_results(self.total)
        )


async def _form(reader: DocumentReader, number: int) -> DocumentType | None:
    """FD ``number``'s form by FF0A alone; None when the ФН has no such document."""
    try:
        found = await reader.link.execute(FindDocument(fd_number=number), FindDocumentAnswer)
    except DeviceRejected as exc:
        if exc.vendor_code in NO_DATA:
            return None
        raise
    return document_type(found.document_type)


async def _content(reader: DocumentReader, number: int) -> readback.ReadDocumentContent:
    """Read back receipt ``number``; the firmware must read documents as TLV."""
    stlv = await reader.read_stlv(number)
    if stlv is None:
        raise NotSupportedError(
            "Счетчики ФН читаются из архива ФН, а эта ККТ не читает документы (FF3A)",
            "The ФН counters are read from the ФН archive, which this register cannot read (FF3A)",
        )
    try:
        return readback.decode(stlv)
    except (tlv.TlvError, ValueError) as exc:
        raise ProtocolError(
            f"Документ {number} из архива ФН не разобран: счетчики не посчитать",
            f"FD {number} read from the ФН archive is malformed: cannot count",
        ) from exc
