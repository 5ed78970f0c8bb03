"""Vendor-neutral fiscal value types: the contract between the API edge, jobs, drivers and emulators.

Money is integer kopecks everywhere; quantities are ``Decimal`` with at most 6 places. Enum values
are the FFD tag values themselves (``FISCAL.md`` §5–6), so they go to a fiscal drive unchanged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import IntEnum


class ReceiptKind(IntEnum):
    """Tag 1054 «признак расчета»; also the QR field ``n``."""

    SALE = 1
    SALE_RETURN = 2
    PURCHASE = 3
    PURCHASE_RETURN = 4


class TaxSystem(IntEnum):
    """Tag 1055 bit index (mask ``1 << value``); the value is also KkmServer's ``TaxVariant``."""

    OSN = 0
    USN_INCOME = 1
    USN_INCOME_EXPENSE = 2
    ENVD = 3
    ESHN = 4
    PATENT = 5


class VatRate(IntEnum):
    """Tag 1199 «ставка НДС» codes (``FISCAL.md`` §5.2)."""

    VAT20 = 1
    VAT10 = 2
    VAT20_120 = 3
    VAT10_110 = 4
    VAT0 = 5
    NONE = 6
    VAT5 = 7
    VAT7 = 8
    VAT5_105 = 9
    VAT7_107 = 10
    VAT22 = 11
    VAT22_122 = 12


class PaymentMethod(IntEnum):
    """Tag 1214 «признак способа расчета»."""

    FULL_PREPAYMENT = 1
    PREPAYMENT = 2
    ADVANCE = 3
    FULL_PAYMENT = 4
    PARTIAL_PAYMENT_CREDIT = 5
    CREDIT_TRANSFER = 6
    CREDIT_PAYMENT = 7


class PaymentObject(IntEnum):
    """Tag 1212 «признак предмета расчета»; 27 and 30–33 exist only in FFD 1.2."""

    GOODS = 1
    EXCISE_GOODS = 2
    WORK = 3
    SERVICE = 4
    GAMBLING_BET = 5
    GAMBLING_WIN = 6
    LOTTERY_TICKET = 7
    LOTTERY_WIN = 8
    INTELLECTUAL_PROPERTY = 9
    PAYMENT = 10
    AGENT_FEE = 11
    COMPOSITE = 12
    OTHER = 13
    PROPERTY_RIGHT = 14
    NON_OPERATING_INCOME = 15
    INSURANCE_CONTRIBUTIONS = 16
    TRADE_LEVY = 17
    RESORT_LEVY = 18
    PLEDGE = 19
    EXPENSE = 20
    PENSION_INSURANCE_IP = 21
    PENSION_INSURANCE = 22
    MEDICAL_INSURANCE_IP = 23
    MEDICAL_INSURANCE = 24
    SOCIAL_INSURANCE = 25
    CASINO_PAYMENT = 26
    CASH_ISSUE = 27
    EXCISE_MARKED_NO_CODE = 30
    EXCISE_MARKED_WITH_CODE = 31
    MARKED_NO_CODE = 32
    MARKED_WITH_CODE = 33


class Measure(IntEnum):
    """Tag 2108 «мера количества предмета расчета» (FFD 1.2)."""

    PIECE = 0
    GRAM = 10
    KILOGRAM = 11
    TONNE = 12
    CENTIMETRE = 20
    DECIMETRE = 21
    METRE = 22
    SQ_CENTIMETRE = 30
    SQ_DECIMETRE = 31
    SQ_METRE = 32
    MILLILITRE = 40
    LITRE = 41
    CUBIC_METRE = 42
    KILOWATT_HOUR = 50
    GIGACALORIE = 51
    DAY = 70
    HOUR = 71
    MINUTE = 72
    SECOND = 73
    KILOBYTE = 80
    MEGABYTE = 81
    GIGABYTE = 82
    TERABYTE = 83
    OTHER = 255


class AgentRole(IntEnum):
    """Tags 1057 / 1222 bit index «признак агента» (mask ``1 << value``)."""

    BANK_PAYMENT_AGENT = 0
    BANK_PAYMENT_SUBAGENT = 1
    PAYMENT_AGENT = 2
    PAYMENT_SUBAGENT = 3
    ATTORNEY = 4
    COMMISSION_AGENT = 5
    AGENT = 6


class FfdVersion(IntEnum):
    """Tag 1209 «номер версии ФФД»."""

    V1_05 = 2
    V1_1 = 3
    V1_2 = 4

    @property
    def label(self) -> str:
        """The version as people write it: "1.05", "1.1", "1.2"."""
        return {2: "1.05", 3: "1.1", 4: "1.2"}[int(self)]


class DocumentType(IntEnum):
    """Fiscal document form codes (``FISCAL.md`` §1)."""

    REGISTRATION = 1
    SHIFT_OPEN = 2
    RECEIPT = 3
    BSO = 4
    SHIFT_CLOSE = 5
    FN_CLOSE = 6
    REREGISTRATION = 11
    STATUS_REPORT = 21
    CORRECTION = 31
    BSO_CORRECTION = 41


class CorrectionType(IntEnum):
    """Tag 1173 «тип коррекции»."""

    OWN = 0
    BY_ORDER = 1


class ShiftState(IntEnum):
    """KkmServer's ``SessionState`` values, which are also a useful domain notion."""

    CLOSED = 1
    OPEN = 2
    EXPIRED = 3


@dataclass(frozen=True, slots=True)
class Cashier:
    """Tags 1021 (name) and 1203 (personal INN, only when valid)."""

    name: str
    inn: str | None = None


@dataclass(frozen=True, slots=True)
class AgentData:
    """Tag 1223 «данные агента»; phones are "+" and digits."""

    operation: str | None = None  # 1044
    agent_phones: tuple[str, ...] = ()  # 1073
    operator_phone: str | None = None  # 1074
    transfer_operator_phones: tuple[str, ...] = ()  # 1075
    transfer_operator_name: str | None = None  # 1026
    transfer_operator_address: str | None = None  # 1005
    transfer_operator_inn: str | None = None  # 1016


@dataclass(frozen=True, slots=True)
class SupplierData:
    """Tag 1224 «данные поставщика» plus 1226 (its INN)."""

    name: str  # 1225
    inn: str  # 1226
    phones: tuple[str, ...] = ()  # 1171


@dataclass(frozen=True, slots=True)
class Item:
    """One receipt line, tag 1059. ``price`` and ``amount`` are kopecks after discounts."""

    name: str  # 1030
    price: int  # 1079
    quantity: Decimal  # 1023
    amount: int  # 1043
    vat: VatRate  # 1199
    method: PaymentMethod = PaymentMethod.FULL_PAYMENT  # 1214
    subject: PaymentObject = PaymentObject.GOODS  # 1212
    measure: Measure | None = None  # 2108 (FFD 1.2)
    measure_unit: str | None = None  # 1197 (FFD ≤ 1.1)
    department: int = 0
    ean13: str | None = None  # 1162 / 1163
    agent_role: AgentRole | None = None  # 1222
    agent_data: AgentData | None = None  # 1223
    supplier: SupplierData | None = None  # 1224, 1226
    attribute: str | None = None  # 1191
    country_code: str | None = None  # 1230
    customs_declaration: str | None = None  # 1231
    excise: int | None = None  # 1229, kopecks
    marking_code: str | None = None  # the code as scanned, GS included (2000; 1163 from it)
    marking_accept_on_bad: bool = True  # False: a code the ФН finds bad refuses the receipt

    @property
    def vat_amount(self) -> int:
        """Tag 1200: the VAT inside ``amount``, kopecks, rounded half away from zero."""
        from openkkm.fiscal.taxes import vat_of  # local: taxes imports this module

        return vat_of(self.amount, self.vat)


@dataclass(frozen=True, slots=True)
class Payments:
    """Payment kinds as they go to the fiscal drive (tags 1031, 1081, 1215, 1216, 1217).

    ``cash`` is net of change: the five sum to the receipt total exactly.
    """

    cash: int = 0
    electronic: int = 0
    prepayment: int = 0
    credit: int = 0
    provision: int = 0

    @property
    def total(self) -> int:
        """Sum of all payment kinds, kopecks."""
        return self.cash + self.electronic + self.prepayment + self.credit + self.provision


@dataclass(frozen=True, slots=True)
class Correction:
    """Correction receipt data: tags 1173, 1178, 1179 (form 31)."""

    type: CorrectionType
    base_date: dt.date
    base_number: str


@dataclass(frozen=True, slots=True)
class PrintText:
    """A text line to print; ``font`` 0–4, ``intensity`` 0–15 (``API.md`` §7)."""

    text: str
    font: int = 0
    intensity: int = 0


@dataclass(frozen=True, slots=True)
class Barcode:
    """A barcode to print: kind is EAN13, EAN8, CODE39, CODE128, PDF417 or QR."""

    kind: str
    value: str


@dataclass(frozen=True, slots=True)
class Image:
    """A raster image to print, as the client's decoded bytes (BMP, PNG or JPEG)."""

    data: bytes


@dataclass(frozen=True, slots=True)
class PageEnd:
    """End of page / cut."""


PrintElement = PrintText | Barcode | Image | PageEnd


@dataclass(frozen=True, slots=True)
class Receipt:
    """A fiscal receipt (form 3) or correction receipt (form 31), validated and ready to register.

    ``header`` prints before the lines, ``elements`` interleave with items in request order
    (``element_positions[i]`` = index in ``items`` before which element i prints), ``footer``
    prints after the totals.
    """

    kind: ReceiptKind
    items: tuple[Item, ...]
    payments: Payments
    cashier: Cashier | None = None
    tax_system: TaxSystem | None = None  # None = the register's first
    correction: Correction | None = None
    change: int = 0  # cash handed back, kopecks
    customer_contact: str | None = None  # 1008
    customer_name: str | None = None  # 1227
    customer_inn: str | None = None  # 1228
    sender_email: str | None = None  # 1117
    settlement_address: str | None = None  # 1009
    settlement_place: str | None = None  # 1187
    internet: bool = False  # 1125
    agent_role: AgentRole | None = None  # 1057
    agent_data: AgentData | None = None
    supplier: SupplierData | None = None
    user_attribute: tuple[str, str] | None = None  # 1084 = (1085, 1086)
    attribute: str | None = None  # 1192
    header: tuple[PrintElement, ...] = ()
    elements: tuple[PrintElement, ...] = ()
    element_positions: tuple[int, ...] = ()
    footer: tuple[PrintElement, ...] = ()
    print_paper: bool = True
    copies: int = 0

    @property
    def total(self) -> int:
        """Tag 1020: sum of line amounts, kopecks."""
        return sum(item.amount for item in self.items)

    @property
    def document_type(self) -> DocumentType:
        """Form code this receipt becomes."""
        return DocumentType.CORRECTION if self.correction else DocumentType.RECEIPT


@dataclass(frozen=True, slots=True)
class Slip:
    """A non-fiscal document printed on a register or printer."""

    elements: tuple[PrintElement, ...]
    print_paper: bool = True
    copies: int = 0


@dataclass(frozen=True, slots=True)
class FiscalDocument:
    """What a fiscal drive reports about one signed document."""

    number: int  # 1040
    fiscal_sign: int  # 1077 as the 32-bit printed value
    moment: dt.datetime  # 1012, local time, no zone
    type: DocumentType
    fn_number: str  # 1041, 16 digits
    shift_number: int = 0  # 1038
    receipt_number: int = 0  # 1042, receipts only
    kind: ReceiptKind | None = None  # 1054, receipts only
    total: int = 0  # 1020, receipts only

    @property
    def fiscal(self) -> bool:
        """False for a printer's imitation (``emulate_fiscal``): no ФН signed it."""
        return bool(self.fn_number)


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    """The register's state as read before a fiscal step (used by the worker and reconciliation)."""

    fn_number: str
    last_document: int  # last 1040; 0 when none
    shift: ShiftState
    shift_number: int
    shift_opened_at: dt.datetime | None = None
    receipt_open: bool = False
    registered: bool = True
    paper_out: bool = False


@dataclass(frozen=True, slots=True)
class Registration:
    """Registration data of a register and its fiscal drive (``GetDataKKT`` Info, ``List``)."""

    inn: str
    organization: str
    tax_systems: tuple[TaxSystem, ...]
    reg_number: str  # РН ККТ
    kkt_number: str  # factory serial
    fn_number: str
    ffd: FfdVersion
    address: str = ""
    place: str = ""
    sender_email: str = ""
    ofd_name: str = ""
    ofd_inn: str = ""
    ofd_host: str = ""
    ofd_port: int = 0
    automatic: bool = False
    automatic_number: str = ""
    offline: bool = False
    encryption: bool = False
    internet: bool = False
    bso: bool = False
    service: bool = False
    excise: bool = False
    gambling: bool = False
    lottery: bool = False
    marking: bool = False
    pawnshop: bool = False
    insurance: bool = False
    agent_roles: tuple[AgentRole, ...] = ()
    fn_valid_from: dt.datetime | None = None
    fn_valid_to: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """Everything ``GetDataKKT`` answers, read from the device."""

    registration: Registration
    status: DeviceStatus
    clock: dt.datetime
    line_length: int
    firmware: str = ""
    cash_balance: int = -1  # kopecks, -1 unknown
    ofd_unsent: int = 0
    ofd_oldest_unsent: dt.datetime | None = None
    ofd_error: str = ""
    fn_memory_full: bool = False
    fn_fiscal: bool = True
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReceiptCounters:
    """Counts and sums of one receipt kind (1054) over a shift or the ФН's life, kopecks.

    ``vat`` holds the tax per rate and ``base`` the line sums per rate; corrections are counted
    apart from ordinary receipts and BSO.
    """

    kind: ReceiptKind
    count: int = 0
    total: int = 0
    payments: Payments = field(default_factory=Payments)
    vat: dict[VatRate, int] = field(default_factory=dict)
    base: dict[VatRate, int] = field(default_factory=dict)
    corrections_count: int = 0
    corrections_total: int = 0


@dataclass(frozen=True, slots=True)
class Counters:
    """The ФН's counters by receipt kind: the current (or last) shift and the whole ФН."""

    shift_number: int
    shift: tuple[ReceiptCounters, ...]
    total: tuple[ReceiptCounters, ...]


class RegistrationAction(IntEnum):
    """What a ``KkmRegOfd`` asks of the fiscal drive."""

    OPEN = 1
    CHANGE_FN = 2
    CHANGE_OFD = 3
    CHANGE_ORGANIZATION = 4
    CHANGE_KKT = 5
    CLOSE = 6


@dataclass(frozen=True, slots=True)
class RegistrationChange:
    """A registration, re-registration (``registration`` is the complete new data) or ФН close.

    ``reason`` is the re-registration reason as the FFD writes it (1101 code in 1.05, 1205
    bitmask after), derived by the API edge from what changed; 0 for a first registration and
    a close.
    """

    action: RegistrationAction
    registration: Registration | None
    reason: int = 0
    cashier: Cashier | None = None


@dataclass(frozen=True, slots=True)
class MarkingCheck:
    """The fiscal drive's answer to a marking code check (tags 2106, 2004/2005)."""

    code: str
    result: int  # 2106 bits: 0 checked by the ФН key, 1 its result good, 2 OFD checked, 3 OFD good
    checked: bool
    good: bool
