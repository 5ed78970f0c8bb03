"""``ValidationMarkingCode`` and ``GetGoodCodeData`` (``API.md`` §6.10): requests and answers.

The ФН's check (tag 2106) is asked through the device's worker; the permissive-mode check is not
configured in openkkm yet, so every answer says so in ``ValidationPR.ValidationDisabled``.
"""

from __future__ import annotations

import base64
import binascii
from decimal import Decimal
from typing import Any

from openkkm.api.kkmserver.device_commands import SelectionRequest
from openkkm.api.kkmserver.fields import Bool, Int, Money, Text, WireModel, wire
from openkkm.errors import ValidationError
from openkkm.fiscal.marking import ParsedCode, describe
from openkkm.fiscal.types import MarkingCheck

#: ``TypeCheck`` values that sell (planned status 1/2) and that return (3/4); others 255.
_SALES = frozenset({0, 2})
_RETURNS = frozenset({1, 3})
UNCHANGED = 255
PR_DISABLED: dict[str, Any] = {
    "ValidationResult": 0, "ValidationDisabled": True,
    "DecryptionResult": "Разрешительный режим не настроен: проверка в системе маркировки не "
                        "выполнялась", "Result": None}


class GoodCode(WireModel):
    """One ``GoodCodeDatas`` entry."""

    name: Text = wire("Name")
    bar_code: Text = wire("BarCode")
    marking_code_base64: Text = wire("MarkingCodeBase64")
    accept_on_bad: Bool = wire("AcceptOnBad")
    wait_for_result: Bool = wire("WaitForResult")
    measure_of_quantity: Int = wire("MeasureOfQuantity")
    quantity: Money = wire("Quantity")
    package_quantity: Int = wire("PackageQuantity")
    price: Money = wire("Price")
    industry_props: Any = wire("IndustryProps")


class ValidationRequest(SelectionRequest):
    """``ValidationMarkingCode``: the receipt type and the codes to check."""

    type_check: Int = wire("TypeCheck")
    good_code_datas: list[GoodCode] | None = wire("GoodCodeDatas")


class GoodCodeDataRequest(SelectionRequest):
    """``GetGoodCodeData``: one scanned code."""

    bar_code: Text = wire("BarCode")
    marking_code_base64: Text = wire("MarkingCodeBase64")


def code_text(bar_code: str | None, encoded: str | None, loc: tuple[str | int, ...]) -> str:
    """The code as scanned: ``BarCode``, else ``MarkingCodeBase64`` decoded."""
    if bar_code and bar_code.strip():
        return bar_code
    if encoded and encoded.strip():
        try:
            return base64.b64decode(encoded.strip(), validate=True).decode("latin-1")
        except (binascii.Error, ValueError) as exc:
            raise ValidationError((*loc, "MarkingCodeBase64"), "код не декодируется из base64",
                                  "the code is not valid base64") from exc
    raise ValidationError((*loc, "BarCode"), "не указан код маркировки (BarCode или "
                          "MarkingCodeBase64)", "no marking code (BarCode or MarkingCodeBase64)")


def planned_status(type_check: int, entry: GoodCode) -> int:
    """Tag 2003 for a code: 1/2 sale, 3/4 return of a piece / a measured quantity."""
    quantity = entry.quantity if entry.quantity is not None else Decimal(1)
    measured = bool(entry.measure_of_quantity) or quantity != quantity.to_integral_value()
    if type_check in _SALES:
        return 2 if measured else 1
    if type_check in _RETURNS:
        return 4 if measured else 3
    return UNCHANGED


def validation_codes(request: ValidationRequest) -> tuple[tuple[str, int], ...]:
    """Each code with its planned status; ``ValidationError`` naming a bad entry."""
    entries = request.good_code_datas or []
    if not entries:
        raise ValidationError(("GoodCodeDatas",), "нет кодов для проверки",
                              "no codes to check")
    type_check = request.type_check or 0
    return tuple((code_text(entry.bar_code, entry.marking_code_base64, ("GoodCodeDatas", index)),
                  planned_status(type_check, entry)) for index, entry in enumerate(entries))


def kkt_fields(check: MarkingCheck | None) -> dict[str, Any]:
    """``ValidationKKT`` of one code."""
    if check is None:
        return {"ValidationResult": 0, "DecryptionResult": "[М] Код маркировки не проверен ФН"}
    return {"ValidationResult": check.result, "DecryptionResult": describe(check.result)}


def validation_fields(request: ValidationRequest,
                      checks: tuple[MarkingCheck, ...]) -> dict[str, Any]:
    """The ``ValidationMarkingCode`` answer: one ``MarkingCodeValidation`` per code, in order."""
    entries = request.good_code_datas or []
    result = []
    for index, entry in enumerate(entries):
        check = checks[index] if index < len(checks) else None
        result.append({
            "Name": entry.name or "",
            "BarCode": entry.bar_code if entry.bar_code else entry.marking_code_base64 or "",
            "IndustryProps": entry.industry_props,
            "ValidationKKT": kkt_fields(check),
            "ValidationPR": dict(PR_DISABLED),
        })
    return {"MarkingCodeValidation": result}


def good_code_fields(parsed: ParsedCode, check: MarkingCheck | None) -> dict[str, Any]:
    """The ``GetGoodCodeData`` answer's ``DataProductCode``."""
    kkt = kkt_fields(check) if check is not None else {"ValidationResult": 0,
                                                       "DecryptionResult": ""}
    return {"DataProductCode": {
        "BarCode": parsed.raw,
        "isParsed": parsed.parsed,
        "RepresentationBarCode": parsed.representation,
        "TryBarCode": parsed.raw,
        "EAN": parsed.ean,
        "GTIN": parsed.gtin,
        "SerialNumber": parsed.serial,
        "ContainsSerialNumber": bool(parsed.serial),
        "MarkingCodeBase64": parsed.base64,
        "DataBarCode": dict(parsed.ais),
        "ProductCodeType": str(parsed.type),
        "Errors": "; ".join(parsed.errors),
        "КktValidationResult": kkt["ValidationResult"],  # Cyrillic «К», as KkmServer sends it
        "КktDecryptionResult": kkt["DecryptionResult"],
        "KktValidationResult": kkt["ValidationResult"],
        "KktDecryptionResult": kkt["DecryptionResult"],
        "ValidationPR": dict(PR_DISABLED),
        "ValidationKKT": kkt,
    }}
