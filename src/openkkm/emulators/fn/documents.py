"""Non-receipt documents (registration 1, shift reports 2 and 5, state 21) and signing any FD."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from openkkm.emulators.fn.errors import FnError, Refusal
from openkkm.emulators.fn.identity import fiscal_sign
from openkkm.emulators.fn.state import RegistrationData
from openkkm.emulators.fn.tags import Tag
from openkkm.fiscal import tlv
from openkkm.fiscal.types import Cashier, DocumentType, FfdVersion

KKT_VERSION = "openkkm"  #: 1188, the ККТ model version
FN_FFD = FfdVersion.V1_2  #: 1190: the simulated ФН is an ФН-1.1М
DOCUMENT_MAX_BYTES = 4096  #: any ФД (FISCAL.md §1 size limits)
LARGE_DOCUMENTS: dict[DocumentType, int] = {
    DocumentType.RECEIPT: 32768, DocumentType.CORRECTION: 32768,
    DocumentType.BSO: 32768, DocumentType.BSO_CORRECTION: 32768,
    DocumentType.REGISTRATION: 6144, DocumentType.REREGISTRATION: 6144,
}


@dataclass(frozen=True, slots=True)
class SignedDocument:
    """An encoded document with its sign, before it enters the archive."""

    tlv: bytes
    sign: bytes


def sign_document(key: bytes, registration: RegistrationData, form: DocumentType, number: int,
                  moment: dt.datetime, parts: list[bytes]) -> SignedDocument:
    """Add the tags every ФД carries, sign the document and check its size."""
    common = [
        tlv.tlv(Tag.DATE_TIME, tlv.unixtime(moment)),
        tlv.tlv(Tag.REG_NUMBER, tlv.fixed_string(registration.reg_number, 20)),
        tlv.tlv(Tag.DOCUMENT_NUMBER, tlv.u32(number)),
        tlv.tlv(Tag.FN_NUMBER, tlv.string(registration.fn_number, 16)),
        tlv.tlv(Tag.FFD_VERSION, tlv.byte(registration.ffd)),
    ]
    body = common + parts
    sign = fiscal_sign(key, registration.fn_number, number, tlv.stlv(form, body))
    document = tlv.stlv(form, [*body, tlv.tlv(Tag.FISCAL_SIGN, sign)])
    limit = LARGE_DOCUMENTS.get(form, DOCUMENT_MAX_BYTES)
    if len(document) > limit:
        refusal = Refusal.RECEIPT_TOO_LARGE if limit == 32768 else Refusal.BAD_VALUE
        raise FnError(refusal, f"{len(document)} > {limit}")
    return SignedDocument(document, sign)


def user_tags(registration: RegistrationData) -> list[bytes]:
    """1048 and 1018: the user's name and INN."""
    return [tlv.tlv(Tag.USER_NAME, tlv.string(registration.organization, 256)),
            tlv.tlv(Tag.USER_INN, tlv.fixed_string(registration.inn, 12))]


def place_tags(registration: RegistrationData, address: str | None = None,
               place: str | None = None) -> list[bytes]:
    """1009 and 1187: settlement address and place."""
    return [tlv.tlv(Tag.SETTLEMENT_ADDRESS, tlv.string(address or registration.address, 256)),
            tlv.tlv(Tag.SETTLEMENT_PLACE, tlv.string(place or registration.place, 256))]


def cashier_tags(cashier: Cashier | None) -> list[bytes]:
    """1021 and 1203 when a cashier is known."""
    if cashier is None:
        return []
    parts = [tlv.tlv(Tag.CASHIER, tlv.string(cashier.name, 64))]
    if cashier.inn:
        parts.append(tlv.tlv(Tag.CASHIER_INN, tlv.fixed_string(cashier.inn, 12)))
    return parts


def registration_parts(reg: RegistrationData, key_days: int) -> list[bytes]:
    """Form 1 (FISCAL.md §12.1), without the common tags."""
    mask = sum(1 << code for code in reg.tax_systems)
    agents = sum(1 << role for role in reg.agent_roles)
    flags = ((Tag.AUTONOMOUS_MODE, reg.autonomous), (Tag.ENCRYPTION, False),
             (Tag.AUTOMATIC_MODE, False), (Tag.INTERNET_ONLY, False), (Tag.BSO, False),
             (Tag.PRINTER_IN_MACHINE, False), (Tag.SERVICES, False), (Tag.LOTTERY, False),
             (Tag.GAMBLING, False), (Tag.EXCISE_GOODS, reg.excise))
    ofd_inn = "000000000000" if reg.autonomous else reg.ofd_inn
    parts = [*user_tags(reg), tlv.tlv(Tag.TAX_SYSTEMS, tlv.byte(mask)),
             tlv.tlv(Tag.KKT_NUMBER, tlv.string(reg.kkt_number, 20)), *place_tags(reg)]
    parts += [tlv.tlv(tag, tlv.byte(int(value))) for tag, value in flags]
    if agents:
        parts.append(tlv.tlv(Tag.AGENT_ROLE, tlv.byte(agents)))
    parts += [tlv.tlv(Tag.OFD_INN, tlv.fixed_string(ofd_inn, 12)),
              tlv.tlv(Tag.OFD_NAME, tlv.string(reg.ofd_name, 256)),
              tlv.tlv(Tag.FNS_SITE, tlv.string("www.nalog.gov.ru", 256)),
              tlv.tlv(Tag.SENDER_EMAIL, tlv.string(reg.sender_email, 64)),
              tlv.tlv(Tag.KKT_VERSION, tlv.string(KKT_VERSION, 8)),
              tlv.tlv(Tag.KKT_FFD, tlv.byte(FfdVersion.V1_2)),
              tlv.tlv(Tag.FN_FFD, tlv.byte(FN_FFD)),
              tlv.tlv(Tag.KEY_DAYS, tlv.u16(key_days))]
    return parts


def queue_tags(unsent: int, oldest: dt.datetime | None, *, first: int = 0) -> list[bytes]:
    """1097, 1098 (and 1116 for the state report): the OFD queue."""
    day = (oldest or dt.datetime(1970, 1, 1)).replace(hour=0, minute=0, second=0)
    parts = [tlv.tlv(Tag.UNCONFIRMED_COUNT, tlv.u32(unsent))]
    if first:
        parts.append(tlv.tlv(Tag.FIRST_UNCONFIRMED, tlv.u32(first)))
    if oldest is not None:
        parts.append(tlv.tlv(Tag.UNCONFIRMED_SINCE, tlv.unixtime(day)))
    return parts


def warning_tags(warnings: dict[Tag, bool]) -> list[bytes]:
    """Encode flags 1050–1053, present only when set."""
    return [tlv.tlv(tag, tlv.byte(1)) for tag, on in warnings.items() if on]


def reason_tags(ffd: FfdVersion, reason: int) -> list[bytes]:
    """Re-registration reasons: 1101 (a byte code) in FFD 1.05, 1205 (a u32 mask) after."""
    if ffd >= FfdVersion.V1_1:
        return [tlv.tlv(Tag.REREGISTRATION_REASONS, tlv.u32(reason))]
    return [tlv.tlv(Tag.REREGISTRATION_REASON, tlv.byte(reason))]
