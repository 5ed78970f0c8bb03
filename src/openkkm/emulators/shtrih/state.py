"""Device-side state of the emulated Shtrih register: what lives in the ECR, not in the ФН.

Operators and passwords, the receipt being built (its type, the line not yet handed to the ФН,
the tags written with FF0C/FF4D), tables, paper and cover, the date waiting for confirmation
a bounded journal of printed lines and one of printed pictures and native barcodes
(:class:`Printout`, kept apart so that the text journal stays plain lines). The ФН keeps everything fiscal and counts the cash in
the drawer (``cash`` mirrors it); a "reboot" replaces this state with a fresh one except the
non-volatile ``tables`` and clock.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from openkkm.emulators.fn.tags import Tag
from openkkm.emulators.printouts import Printout, add_rows
from openkkm.fiscal import tlv
from openkkm.fiscal.types import (
    AgentRole,
    Cashier,
    Correction,
    CorrectionType,
    Item,
    ReceiptKind,
)
from openkkm.protocol.shtrih.cmd_graphics import LSB_LEFT

OPERATORS: Final = range(1, 31)
SYSADMIN: Final = 30
ADMINS: Final = frozenset({29, 30})
JOURNAL_LINES: Final = 2000
PRINTOUTS: Final = 64  #: pictures and native barcodes kept


class DeviceError(Exception):
    """The register refuses a command with a Shtrih error code (PROTOCOLS.md §1.9)."""

    def __init__(self, code: int) -> None:
        super().__init__(f"device error {code:#04x}")
        self.code = code


@dataclass(slots=True)
class TagBag:
    """Document-level tags written with FF0C since the last fiscal document."""

    cashier: str | None = None
    cashier_inn: str | None = None
    customer_contact: str | None = None
    customer_name: str | None = None
    customer_inn: str | None = None
    attribute: str | None = None
    settlement_address: str | None = None
    settlement_place: str | None = None
    sender_email: str | None = None
    internet: bool = False
    agent_role: AgentRole | None = None
    user_attribute: tuple[str, str] | None = None
    correction_type: CorrectionType | None = None
    correction_date: dt.date | None = None
    correction_number: str = ""
    organization: str | None = None  #: 1048, for a re-registration
    ofd_inn: str | None = None  #: 1017
    ofd_name: str | None = None  #: 1046
    reasons: int | None = None  #: 1205, the FFD 1.1+ re-registration reasons
    ffd: int | None = None  #: 1209, the FFD version a (re-)registration sets
    other: list[int] = field(default_factory=list)

    def cashier_data(self) -> Cashier | None:
        """Return the cashier (1021, 1203) if one was written."""
        if not self.cashier:
            return None
        return Cashier(self.cashier, self.cashier_inn)

    def correction(self) -> Correction | None:
        """Return the correction data (1173, 1174) if both were written."""
        if self.correction_type is None or self.correction_date is None:
            return None
        return Correction(
            self.correction_type, self.correction_date, self.correction_number
        )

    def write(self, data: bytes) -> None:
        """Store the TLVs of one FF0C call; ``TlvError`` on a malformed run."""
        for tag, value in tlv.iter_tlv(data):
            self._store(tag, value)

    def _store(self, tag: int, value: bytes) -> None:
        strings: dict[int, str] = {
            Tag.CASHIER: "cashier",
            Tag.CASHIER_INN: "cashier_inn",
            Tag.CUSTOMER_CONTACT: "customer_contact",
            Tag.CUSTOMER_NAME: "customer_name",
            Tag.CUSTOMER_INN: "customer_inn",
            Tag.RECEIPT_ATTRIBUTE: "attribute",
            Tag.SETTLEMENT_ADDRESS: "settlement_address",
            Tag.SETTLEMENT_PLACE: "settlement_place",
            Tag.SENDER_EMAIL: "sender_email",
            Tag.USER_NAME: "organization",
            Tag.OFD_INN: "ofd_inn",
            Tag.OFD_NAME: "ofd_name",
        }
        if tag in strings:
            setattr(self, strings[tag], tlv.read_string(value).strip())
        elif tag == Tag.CUSTOMER:  # FFD 1.2: buyer name 1227 and INN 1228 inside STLV 1256
            for inner, part in tlv.iter_tlv(value):
                self._store(inner, part)
        elif tag == Tag.REREGISTRATION_REASONS:
            self.reasons = int.from_bytes(value, "little")
        elif tag == Tag.FFD_VERSION:
            self.ffd = tlv.read_vln(value)
        elif tag == Tag.INTERNET:
            self.internet = bool(tlv.read_vln(value))
        elif tag == Tag.AGENT_ROLE:
            self.agent_role = AgentRole(tlv.read_vln(value).bit_length() - 1)
        elif tag == Tag.CORRECTION_TYPE:
            self.correction_type = CorrectionType(tlv.read_vln(value))
        elif tag == Tag.CORRECTION_BASIS:
            for inner, part in tlv.iter_tlv(value):
                if inner == Tag.CORRECTED_DATE:
                    self.correction_date = tlv.read_unixtime(part).date()
                elif inner == Tag.CORRECTION_ORDER:
                    self.correction_number = tlv.read_string(part)
        elif tag == Tag.USER_ATTRIBUTE:
            parts = dict(tlv.iter_tlv(value))
            self.user_attribute = (
                tlv.read_string(parts.get(Tag.USER_ATTRIBUTE_NAME, b"")),
                tlv.read_string(parts.get(Tag.USER_ATTRIBUTE_VALUE, b"")),
            )
        else:
            self.other.append(tag)


@dataclass(slots=True)
class PendingLine:
    """A receipt line given with FF46 (or 0x80…0x83) and not yet handed to the ФН.

    It waits so that the FF4D tags that follow it can still change it; the next line, a
    subtotal or the close hands it over.
    """

    name: str
    price: int
    quantity: Decimal
    amount: int
    vat: int
    method: int = 4
    subject: int = 1
    department: int = 0
    extra: dict[str, object] = field(default_factory=dict)

    def write(self, data: bytes) -> None:
        """Store the TLVs of one FF4D call; ``TlvError`` on a malformed run."""
        for tag, value in tlv.iter_tlv(data):
            if tag == Tag.ITEM_ATTRIBUTE:
                self.extra["attribute"] = tlv.read_string(value)
            elif tag == Tag.MEASURE_UNIT:
                self.extra["measure_unit"] = tlv.read_string(value)
            elif tag == Tag.MEASURE:
                self.extra["measure"] = tlv.read_vln(value)
            elif tag == Tag.COUNTRY_CODE:
                self.extra["country_code"] = tlv.read_string(value)
            elif tag == Tag.CUSTOMS_DECLARATION:
                self.extra["customs_declaration"] = tlv.read_string(value)
            elif tag == Tag.EXCISE:
                self.extra["excise"] = tlv.read_vln(value)
            elif tag == Tag.PRODUCT_CODE and value[:2] == b"\x45\x0d":
                self.extra["ean13"] = f"{int.from_bytes(value[2:8], 'big'):013d}"


#: A line, its item and the ФН's encoding of it, made when the line arrived.
Checked = tuple[PendingLine, Item, bytes]


@dataclass(slots=True)
class ReceiptSession:
    """The receipt the register is building; ``kind`` None after a reboot lost it."""

    kind: ReceiptKind | None
    receipt_type: int = 0
    correction: bool = False
    begun: bool = False  #: begun in the ФН (a correction waits for its 1173/1174 tags)
    lines: int = 0
    pending: PendingLine | None = None
    checked: Checked | None = None  #: the pending line as the ФН checked it
    bound_codes: set[bytes] = field(default_factory=set)  #: FF67 codes of this receipt

    @property
    def status_nibble(self) -> int:
        """Mode status of mode 8: 0 sale, 1 buy, 2 sale return, 3 buy return."""
        return self.receipt_type & 0x0F


@dataclass(slots=True)
class DeviceState:
    """Everything the register keeps besides the ФН."""

    passwords: dict[int, int] = field(
        default_factory=lambda: {op: op for op in OPERATORS}
    )
    cash: int = 0  #: kopecks in the drawer: the ФН's count, mirrored after every move
    tables: dict[tuple[int, int, int], bytes] = field(default_factory=dict)
    receipt: ReceiptSession | None = None
    tags: TagBag = field(default_factory=TagBag)
    shift_document: int = 0  #: FF41/FF42 begun: the FnDocument code, else 0
    marking: tuple[bytes, int] | None = (
        None  #: FF61 checked, waiting for FF69: (code, 2106)
    )
    accepted_codes: dict[bytes, int] = field(
        default_factory=dict
    )  #: code -> 2106, this receipt
    paper: bool = True
    cover_open: bool = False
    waiting_continue: bool = False
    pending_date: dt.date | None = None
    clock_offset: dt.timedelta = dt.timedelta()
    nonfiscal_documents: int = 0
    drawer_openings: int = 0
    baud_code: int = 6
    byte_timeout_code: int = 50
    journal: deque[str] = field(default_factory=lambda: deque(maxlen=JOURNAL_LINES))
    printouts: deque[Printout] = field(default_factory=lambda: deque(maxlen=PRINTOUTS))
    raster_open: bool = False  #: the last printout takes the next 0xC5 rows
    graphics: dict[int, bytes] = field(default_factory=dict)  #: 0xC0 buffer, line -> bytes
    graphics_ext: dict[int, bytes] = field(default_factory=dict)  #: 0xC4 buffer

    def operator(self, password: int) -> int | None:
        """Return the operator whose password this is, or None."""
        for number, secret in self.passwords.items():
            if secret == password:
                return number
        return None

    def reboot(self) -> DeviceState:
        """Return the state after a power cycle: only non-volatile data survive."""
        return DeviceState(
            passwords=self.passwords,
            cash=self.cash,
            tables=self.tables,
            clock_offset=self.clock_offset,
            paper=self.paper,
            cover_open=self.cover_open,
            baud_code=self.baud_code,
            byte_timeout_code=self.byte_timeout_code,
            journal=self.journal,
            printouts=self.printouts,
        )

    def print_line(self, text: str) -> None:
        """Append a printed line to the journal; it ends the picture being printed."""
        self.journal.append(text)
        self.raster_open = False

    def print_rows(self, rows: list[bytes], *, join: bool) -> None:
        """Print graphics rows: onto the open picture when ``join``, else as a new one."""
        add_rows(self.printouts, rows, join=join and self.raster_open, lsb_left=LSB_LEFT)
        self.raster_open = join

    def print_barcode(self, kind: str, value: str) -> None:
        """Record a barcode the register drew itself."""
        self.printouts.append(Printout(kind, value))
        self.journal.append(f"[{kind} {value}]")
        self.raster_open = False
