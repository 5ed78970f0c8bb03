"""The ``RegisterCheck``-specific answer fields (``API.md`` §6.3.12), in their documented order."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from openkkm.api.kkmserver.check_common import blank
from openkkm.api.kkmserver.check_schema import CheckRequestBase
from openkkm.fiscal.money import json_number
from openkkm.fiscal.ofd_links import receipt_link
from openkkm.fiscal.qr import qr_payload
from openkkm.fiscal.types import FiscalDocument

#: Answer payment field -> (modern attribute, legacy attribute or None).
_PAYMENTS: tuple[tuple[str, str, str | None], ...] = (
    ("Cash", "cash", None),
    ("ElectronicPayment", "electronic_payment", "cash_less_type1"),
    ("AdvancePayment", "advance_payment", None),
    ("Credit", "credit", "cash_less_type2"),
    ("CashProvision", "cash_provision", "cash_less_type3"),
)


def _paid(req: CheckRequestBase, modern: str, legacy: str | None) -> int | Decimal:
    value: Decimal = getattr(req, modern) or Decimal(0)
    if legacy is not None and not value:
        value = getattr(req, legacy) or Decimal(0)
    return json_number(value)


def marking_codes(req: CheckRequestBase) -> list[dict[str, Any]]:
    """``MarkingCodeValidation`` entries for the receipt's codes.

    The ФН check result is added by the marking step; until it runs, the permissive-mode check
    reports itself disabled (``API.md`` §6.3.4).
    """
    result: list[dict[str, Any]] = []
    for entry in req.check_strings or []:
        line = entry.line if entry is not None else None
        code = line.good_code_data if line is not None else None
        if code is None or code.is_empty:
            continue
        result.append({
            "Name": line.name if line is not None else "",
            "BarCode": code.bar_code if not blank(code.bar_code) else code.marking_code_base64,
            "IndustryProps": code.industry_props,
            "ValidationPR": {"ValidationDisabled": True},
        })
    return result


def render_check_fields(req: CheckRequestBase, document: FiscalDocument | None, *,
                        line_length: int, ofd_inn: str = "", inn: str = "",
                        reg_number: str = "") -> dict[str, Any]:
    """The answer fields before the common envelope; ``{}`` for a non-fiscal slip.

    ``Cash`` … ``CashProvision`` are the payments as accepted, before change, legacy
    ``CashLessType*`` under their modern names. ``inn`` and ``reg_number`` (user INN, РН ККТ)
    fill the OFD link templates that need them.
    """
    if document is None:
        return {}
    fiscal = document.kind is not None and document.fiscal  # an imitation has no QR
    qr = qr_payload(document) if fiscal else ""
    fields: dict[str, Any] = {
        "CheckNumber": document.number,
        "SessionNumber": document.shift_number,
        "SessionCheckNumber": document.receipt_number,
        "URL": qr,
        "QRCode": qr,
        "OfdUrl": receipt_link(ofd_inn, document, inn=inn, reg_number=reg_number)
        if document.fiscal else "",
        "LineLength": line_length,
    }
    for name, modern, legacy in _PAYMENTS:
        fields[name] = _paid(req, modern, legacy)
    codes = marking_codes(req)
    if codes:
        fields["MarkingCodeValidation"] = codes
    fields["Info"] = None
    return fields
