"""The simulated ФН's whole state as plain data, and its JSON form.

Everything a restarted process needs is here: registration, counters, the open receipt (so a
crash mid-receipt leaves it open and cancellable, as on a real ФН) and the archive. Times are
naive local datetimes, written ISO 8601.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from typing import Any

from openkkm.emulators.fn.identity import printed_sign
from openkkm.fiscal.types import DocumentType, FiscalDocument, ReceiptKind


@dataclass(frozen=True, slots=True)
class RegistrationData:
    """What the registration report (FD 1) or the last re-registration fixed."""

    inn: str
    organization: str
    tax_systems: tuple[int, ...]
    ffd: int
    address: str
    place: str
    sender_email: str
    reg_number: str
    kkt_number: str
    fn_number: str
    ofd_name: str = "ОФД Такском"
    ofd_inn: str = "7704211201"
    autonomous: bool = False
    excise: bool = False
    marking: bool = True
    agent_roles: tuple[int, ...] = ()
    key_days: int = 470


@dataclass(frozen=True, slots=True)
class ArchivedDocument:
    """One fiscal document as the ФН archive keeps it."""

    number: int
    type: DocumentType
    moment: dt.datetime
    sign: bytes
    tlv: bytes
    shift_number: int = 0
    receipt_number: int = 0
    kind: ReceiptKind | None = None
    total: int = 0
    change: int = 0

    @property
    def fiscal_sign(self) -> int:
        """The printed 32-bit ФПД."""
        return printed_sign(self.sign)

    def to_fiscal_document(self, fn_number: str) -> FiscalDocument:
        """Return the vendor-neutral view the drivers return."""
        return FiscalDocument(
            number=self.number, fiscal_sign=self.fiscal_sign, moment=self.moment,
            type=self.type, fn_number=fn_number, shift_number=self.shift_number,
            receipt_number=self.receipt_number, kind=self.kind, total=self.total)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"number": self.number, "type": int(self.type), "moment": self.moment.isoformat(),
                "sign": self.sign.hex(), "tlv": self.tlv.hex(), "shift": self.shift_number,
                "receipt": self.receipt_number,
                "kind": None if self.kind is None else int(self.kind),
                "total": self.total, "change": self.change}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ArchivedDocument:
        """Inverse of ``to_json``."""
        kind = data["kind"]
        return cls(number=data["number"], type=DocumentType(data["type"]),
                   moment=dt.datetime.fromisoformat(data["moment"]),
                   sign=bytes.fromhex(data["sign"]), tlv=bytes.fromhex(data["tlv"]),
                   shift_number=data["shift"], receipt_number=data["receipt"],
                   kind=None if kind is None else ReceiptKind(kind), total=data["total"],
                   change=data["change"])


@dataclass(slots=True)
class OpenItem:
    """An item accepted into the open receipt: its encoded 1059 and what the close needs."""

    tlv: bytes
    amount: int
    vat: int
    vat_amount: int
    marking_code: str = ""  #: "" for an unmarked item


@dataclass(slots=True)
class OpenReceipt:
    """A receipt begun but not closed; it is no fiscal document yet."""

    kind: int
    correction: dict[str, Any] | None = None
    items: list[OpenItem] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Σ1043 of the items so far."""
        return sum(item.amount for item in self.items)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"kind": self.kind, "correction": self.correction,
                "items": [[i.tlv.hex(), i.amount, i.vat, i.vat_amount, i.marking_code]
                          for i in self.items]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OpenReceipt:
        """Inverse of ``to_json``."""
        items = [OpenItem(bytes.fromhex(item[0]), *item[1:]) for item in data["items"]]
        return cls(kind=data["kind"], correction=data["correction"], items=items)


@dataclass(slots=True)
class FnState:
    """The complete state of one simulated ФН."""

    registration: RegistrationData
    key: bytes
    activated_at: dt.datetime
    last_number: int = 0
    last_moment: dt.datetime | None = None
    shift_number: int = 0
    shift_open: bool = False
    shift_opened_at: dt.datetime | None = None
    receipt_number: int = 0
    shift_documents: int = 0
    fn_closed: bool = False
    #: False for a new ФН ready for fiscalisation: it forms nothing before its FD 1
    fiscalised: bool = True
    ofd_confirmed: int = 0
    capacity: int = 250_000
    shift_totals: dict[str, int] = field(default_factory=dict)
    fn_totals: dict[str, int] = field(default_factory=dict)
    receipt: OpenReceipt | None = None
    cash: int = 0  #: kopecks in the drawer by the register's count (a ККТ counter, kept here)
    archive: list[ArchivedDocument] = field(default_factory=list)

    def header_json(self) -> dict[str, Any]:
        """Everything but the archive, JSON-ready."""
        return {
            "registration": _registration_json(self.registration),
            "key": self.key.hex(),
            "activated_at": self.activated_at.isoformat(),
            "last_number": self.last_number,
            "last_moment": _iso(self.last_moment),
            "shift_number": self.shift_number,
            "shift_open": self.shift_open,
            "shift_opened_at": _iso(self.shift_opened_at),
            "receipt_number": self.receipt_number,
            "shift_documents": self.shift_documents,
            "fn_closed": self.fn_closed,
            "fiscalised": self.fiscalised,
            "ofd_confirmed": self.ofd_confirmed,
            "capacity": self.capacity,
            "shift_totals": self.shift_totals,
            "fn_totals": self.fn_totals,
            "receipt": None if self.receipt is None else self.receipt.to_json(),
            "cash": self.cash,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], archive: list[ArchivedDocument]) -> FnState:
        """Rebuild a state from its header's JSON form and its archive."""
        receipt = data["receipt"]
        return cls(
            registration=_registration(data["registration"]),
            key=bytes.fromhex(data["key"]),
            activated_at=dt.datetime.fromisoformat(data["activated_at"]),
            last_number=data["last_number"],
            last_moment=_from_iso(data["last_moment"]),
            shift_number=data["shift_number"],
            shift_open=data["shift_open"],
            shift_opened_at=_from_iso(data["shift_opened_at"]),
            receipt_number=data["receipt_number"],
            shift_documents=data["shift_documents"],
            fn_closed=data["fn_closed"],
            fiscalised=data.get("fiscalised", True),
            ofd_confirmed=data["ofd_confirmed"],
            capacity=data["capacity"],
            shift_totals=data["shift_totals"],
            fn_totals=data["fn_totals"],
            receipt=None if receipt is None else OpenReceipt.from_json(receipt),
            cash=data.get("cash", 0),
            archive=archive,
        )


def _registration_json(reg: RegistrationData) -> dict[str, Any]:
    return {item.name: getattr(reg, item.name) for item in fields(RegistrationData)}


def _registration(data: dict[str, Any]) -> RegistrationData:
    return RegistrationData(**{**data, "tax_systems": tuple(data["tax_systems"]),
                               "agent_roles": tuple(data["agent_roles"])})


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _from_iso(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)
