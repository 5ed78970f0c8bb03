"""Requests and answers of the report, cash and lookup commands.

``XReport``, ``OfdReport`` (``API.md`` §6.4), ``DepositingCash``, ``PaymentCash``,
``OpenCashDrawer`` (§6.5), ``RequestCash`` (§6.1), ``GetDataCheck`` (§6.8) and ``GetCounters``
(§6.9). Answer fields are built in the order of the documentation's tables.
"""

from __future__ import annotations

from typing import Any

from openkkm.api.envelope import rubles, wire_date
from openkkm.api.kkmserver.check_lines import TAX_OF_RATE
from openkkm.api.kkmserver.device_commands import (
    SelectionRequest,
    ShiftRequest,
    info_fields,
)
from openkkm.api.kkmserver.fields import Int, Money, wire
from openkkm.errors import ValidationError
from openkkm.fiscal.money import json_number
from openkkm.fiscal.ofd_links import receipt_link
from openkkm.fiscal.qr import qr_payload
from openkkm.fiscal.readback import decode, slip_lines, type_text
from openkkm.fiscal.types import (
    Counters,
    DeviceInfo,
    FiscalDocument,
    ReceiptCounters,
    ReceiptKind,
    VatRate,
)
from openkkm.jobs.operations import DocumentRead

MAX_COPIES = 10


class CashRequest(ShiftRequest):
    """``DepositingCash`` and ``PaymentCash``: the amount in rubles and who moves it."""

    amount: Money = wire("Amount")

    def kopecks(self) -> int:
        """The amount in kopecks; ``ValidationError`` unless it is positive, whole kopecks."""
        amount = self.amount
        if amount is None:
            raise ValidationError(("Amount",), "не указана сумма; допустимо число больше 0",
                                  "no amount given; allowed: a number greater than 0")
        kopecks = amount * 100
        if amount <= 0 or kopecks != kopecks.to_integral_value():
            raise ValidationError(
                ("Amount",), f"недопустимое значение {amount}; допустимо число больше 0 "
                "с точностью до копейки",
                f"invalid value {amount}; allowed: a number greater than 0 in whole kopecks")
        return int(kopecks)


class DataCheckRequest(SelectionRequest):
    """``GetDataCheck``: which document (0 = the last) and how many copies to print."""

    fiscal_number: Int = wire("FiscalNumber")
    number_copies: Int = wire("NumberCopies")

    def number(self) -> int:
        """The FD number; ``ValidationError`` when negative."""
        value = self.fiscal_number or 0
        if value < 0:
            raise ValidationError(("FiscalNumber",), f"недопустимое значение {value}; допустимо "
                                  "число не меньше 0 (0 — последний документ)",
                                  f"invalid value {value}; allowed: 0 (the last) or more")
        return value

    def copies(self) -> int:
        """Copies to print; ``ValidationError`` outside 0..``MAX_COPIES``."""
        value = self.number_copies or 0
        if not 0 <= value <= MAX_COPIES:
            raise ValidationError(("NumberCopies",), f"недопустимое значение {value}; допустимо "
                                  f"число от 0 до {MAX_COPIES}",
                                  f"invalid value {value}; allowed: 0 to {MAX_COPIES}")
        return value


def report_fields(document: FiscalDocument | None, info: DeviceInfo | None) -> dict[str, Any]:
    """The ``OfdReport`` answer's own fields: the report's FD number and ``Info``."""
    return {"CheckNumber": document.number if document else 0,
            "Info": info_fields(info) if info is not None else None}


def registration_fields(document: FiscalDocument | None,
                        info: DeviceInfo | None) -> dict[str, Any]:
    """The ``KkmRegOfd`` answer: the report's FD number, ``QRCode`` (none for reports), ``Info``."""
    return {"CheckNumber": document.number if document else 0, "QRCode": "",
            "Info": info_fields(info) if info is not None else None}


def cash_fields(balance: int | None) -> dict[str, Any]:
    """``BalanceCash`` of ``RequestCash`` (−1 when the register does not count its cash)."""
    return {"BalanceCash": rubles(balance) if balance is not None and balance >= 0 else -1}


#: ``ReceiptType`` names of ``GetCounters`` (``Shell`` sic).
RECEIPT_TYPES: dict[ReceiptKind, str] = {
    ReceiptKind.SALE: "Shell", ReceiptKind.SALE_RETURN: "ShellReturn",
    ReceiptKind.PURCHASE: "Buy", ReceiptKind.PURCHASE_RETURN: "BuyReturn"}
#: ``Tax*`` fields: the tax at each rate; ``Tax0`` and ``TaxNo`` carry the sums themselves.
TAX_FIELDS: tuple[tuple[str, VatRate], ...] = (
    ("Tax22", VatRate.VAT22), ("Tax10", VatRate.VAT10), ("Tax0", VatRate.VAT0),
    ("TaxNo", VatRate.NONE), ("Tax122", VatRate.VAT22_122), ("Tax110", VatRate.VAT10_110),
    ("Tax20", VatRate.VAT20), ("Tax120", VatRate.VAT20_120), ("Tax5", VatRate.VAT5),
    ("Tax7", VatRate.VAT7), ("Tax105", VatRate.VAT5_105), ("Tax107", VatRate.VAT7_107))
_BASE_RATES = (VatRate.VAT0, VatRate.NONE)


def _counter(scope: str, item: ReceiptCounters) -> dict[str, Any]:
    paid = item.payments
    entry: dict[str, Any] = {
        "CountersType": scope, "ReceiptType": RECEIPT_TYPES[item.kind], "Count": item.count,
        "Sum": rubles(item.total), "Cash": rubles(paid.cash),
        "ElectronicPayment": rubles(paid.electronic), "AdvancePayment": rubles(paid.prepayment),
        "Credit": rubles(paid.credit), "CashProvision": rubles(paid.provision)}
    for name, rate in TAX_FIELDS:
        sums = item.base if rate in _BASE_RATES else item.vat
        entry[name] = rubles(sums.get(rate, 0))
    entry["CorrectionsCount"] = item.corrections_count
    entry["CorrectionsSum"] = rubles(item.corrections_total)
    return entry


def counters_fields(counters: Counters) -> dict[str, Any]:
    """The ``GetCounters`` answer: the shift's counters, then the ФН's, by receipt kind."""
    return {"Counters": [*(_counter("Shift", item) for item in counters.shift),
                         *(_counter("Total", item) for item in counters.total)]}


def data_check_fields(read: DocumentRead, *, ofd_inn: str = "", inn: str = "",
                      reg_number: str = "") -> dict[str, Any]:
    """The ``GetDataCheck`` answer: a printable copy, the QR payload, the decoded document."""
    document = read.document
    content = decode(read.tlv)
    qr = qr_payload(document) if document.kind is not None else ""
    paid = content.payments
    register = [{"Name": line.name, "Quantity": json_number(line.quantity),
                 "Amount": rubles(line.amount),
                 "Tax": TAX_OF_RATE.get(line.vat, -1) if line.vat is not None else -1,
                 "GoodCodeData": None}
                for line in content.lines]
    check: dict[str, Any] = {
        "FiscalNumber": str(document.number), "FiscalDate": wire_date(document.moment),
        "FiscalSign": str(document.fiscal_sign), "CheckType": type_text(content),
        "CashierName": content.cashier, "CashierVATIN": content.cashier_inn,
        "TaxVariant": "" if content.tax_system is None else str(int(content.tax_system)),
        "ClientAddress": content.customer_contact, "SenderEmail": content.sender_email,
        "PlaceMarket": content.place, "Register": register, "Cash": rubles(paid.cash),
        "ElectronicPayment": rubles(paid.electronic), "AdvancePayment": rubles(paid.prepayment),
        "Credit": rubles(paid.credit), "CashProvision": rubles(paid.provision),
        "AllSumm": rubles(content.total)}
    lines = slip_lines(content, document.number, document.fiscal_sign, document.fn_number)
    return {"Slip": "\r\n".join(lines), "URL": qr, "QRCode": qr,
            "OfdUrl": receipt_link(ofd_inn, document, inn=inn, reg_number=reg_number),
            "LineLength": read.line_length, "RegisterCheck": check}

