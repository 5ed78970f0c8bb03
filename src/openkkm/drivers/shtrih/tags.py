"""The FFD tags a Shtrih receipt carries beside FF46/FF45: receipt-level (FF0C) and per line (FF4D).

Each function returns whole TLVs; :func:`packed` joins them into runs of at most 250 bytes, one
run per FF0C / FF4D call (the FN takes a run of TLVs in one document-data call); strings are CP866 as the FN wants them. Tag shapes follow FISCAL.md §5–6: the buyer goes into
STLV 1256 from FFD 1.2 on, flat before it; the unit of measure is 2108 from FFD 1.2, 1197 before.
"""

from __future__ import annotations

import datetime as dt
from enum import IntEnum

from openkkm.errors import ValidationError
from openkkm.fiscal import tlv
from openkkm.fiscal.types import (
    AgentData,
    Cashier,
    FfdVersion,
    Item,
    Receipt,
    SupplierData,
)
from openkkm.protocol.shtrih.values import TLV_MAX


class Tag(IntEnum):
    """FFD tag numbers the driver writes."""

    CUSTOMER_CONTACT = 1008
    SETTLEMENT_ADDRESS = 1009
    OFD_INN = 1017
    OFD_NAME = 1046
    ORGANIZATION = 1048
    REREGISTRATION_REASONS = 1205
    FFD_VERSION = 1209
    CASHIER = 1021
    TRANSFER_OPERATOR_NAME = 1026
    BANK_AGENT_OPERATION = 1044
    AGENT_ROLE = 1057
    AGENT_PHONE = 1073
    OPERATOR_PHONE = 1074
    TRANSFER_OPERATOR_PHONE = 1075
    TRANSFER_OPERATOR_ADDRESS = 1005
    TRANSFER_OPERATOR_INN = 1016
    USER_ATTRIBUTE = 1084
    USER_ATTRIBUTE_NAME = 1085
    USER_ATTRIBUTE_VALUE = 1086
    SENDER_EMAIL = 1117
    INTERNET = 1125
    SUPPLIER_PHONE = 1171
    CORRECTION_TYPE = 1173
    CORRECTION_BASIS = 1174
    CORRECTED_DATE = 1178
    CORRECTION_ORDER = 1179
    SETTLEMENT_PLACE = 1187
    ITEM_ATTRIBUTE = 1191
    RECEIPT_ATTRIBUTE = 1192
    MEASURE_UNIT = 1197
    CASHIER_INN = 1203
    ITEM_AGENT_ROLE = 1222
    AGENT_DATA = 1223
    SUPPLIER_DATA = 1224
    SUPPLIER_NAME = 1225
    SUPPLIER_INN = 1226
    CUSTOMER_NAME = 1227
    CUSTOMER_INN = 1228
    EXCISE = 1229
    COUNTRY_CODE = 1230
    CUSTOMS_DECLARATION = 1231
    CUSTOMER = 1256
    PRODUCT_CODE = 1162
    PRODUCT_CODE_12 = 1163
    CODE_UNRECOGNISED = 1300
    CODE_EAN13 = 1302
    MEASURE = 2108


def cashier_tags(cashier: Cashier | None) -> list[bytes]:
    """1021 and 1203 for the cashier, when known."""
    if cashier is None:
        return []
    parts = [text_tag(Tag.CASHIER, cashier.name, 64)]
    if cashier.inn:
        parts.append(tlv.tlv(Tag.CASHIER_INN, tlv.fixed_string(cashier.inn, 12)))
    return parts


def receipt_tags(receipt: Receipt, ffd: FfdVersion) -> list[bytes]:
    """Every receipt-level TLV the receipt asks for, in FF0C order (correction data first)."""
    parts: list[bytes] = []
    if receipt.correction is not None:
        parts += [
            tlv.tlv(Tag.CORRECTION_TYPE, tlv.byte(receipt.correction.type)),
            tlv.stlv(
                Tag.CORRECTION_BASIS,
                [
                    tlv.tlv(
                        Tag.CORRECTED_DATE,
                        tlv.unixtime(_midnight(receipt.correction.base_date)),
                    ),
                    text_tag(Tag.CORRECTION_ORDER, receipt.correction.base_number, 32),
                ],
            ),
        ]
    parts += cashier_tags(receipt.cashier)
    if receipt.customer_contact:
        parts.append(text_tag(Tag.CUSTOMER_CONTACT, receipt.customer_contact, 64))
    buyer = []
    if receipt.customer_name:
        buyer.append(text_tag(Tag.CUSTOMER_NAME, receipt.customer_name, 256))
    if receipt.customer_inn:
        buyer.append(tlv.tlv(Tag.CUSTOMER_INN, tlv.fixed_string(receipt.customer_inn, 12)))
    if buyer:
        parts += [tlv.stlv(Tag.CUSTOMER, buyer)] if ffd >= FfdVersion.V1_2 else buyer
    for tag, text, limit in (
        (Tag.SENDER_EMAIL, receipt.sender_email, 64),
        (Tag.SETTLEMENT_ADDRESS, receipt.settlement_address, 256),
        (Tag.SETTLEMENT_PLACE, receipt.settlement_place, 256),
        (Tag.RECEIPT_ATTRIBUTE, receipt.attribute, 16),
    ):
        if text:
            parts.append(text_tag(tag, text, limit))
    if receipt.internet:
        parts.append(tlv.tlv(Tag.INTERNET, tlv.byte(1)))
    if receipt.agent_role is not None:
        parts.append(tlv.tlv(Tag.AGENT_ROLE, tlv.byte(1 << receipt.agent_role)))
    if receipt.agent_data is not None:
        parts.append(agent_data(receipt.agent_data))
    if receipt.supplier is not None:
        parts += supplier(receipt.supplier)
    if receipt.user_attribute is not None:
        name, value = receipt.user_attribute
        parts.append(
            tlv.stlv(
                Tag.USER_ATTRIBUTE,
                [
                    text_tag(Tag.USER_ATTRIBUTE_NAME, name, 64),
                    text_tag(Tag.USER_ATTRIBUTE_VALUE, value, 256),
                ],
            )
        )
    return _checked(parts, ("receipt",))


def item_tags(item: Item, ffd: FfdVersion, index: int) -> list[bytes]:
    """The TLVs bound to one line with FF4D (measure, agent, supplier, origin, excise)."""
    parts: list[bytes] = []
    if ffd >= FfdVersion.V1_2:
        if item.measure is not None:
            parts.append(tlv.tlv(Tag.MEASURE, tlv.byte(item.measure)))
    elif item.measure_unit:
        parts.append(text_tag(Tag.MEASURE_UNIT, item.measure_unit, 16))
    if item.ean13 and not item.marking_code:  # a marked line gets 1163 from FF67
        parts.append(product_code(item.ean13, ffd))
    if item.agent_role is not None:
        parts.append(tlv.tlv(Tag.ITEM_AGENT_ROLE, tlv.byte(1 << item.agent_role)))
    if item.agent_data is not None:
        parts.append(agent_data(item.agent_data))
    if item.supplier is not None:
        parts += supplier(item.supplier)
    for tag, text, limit in (
        (Tag.ITEM_ATTRIBUTE, item.attribute, 64),
        (Tag.COUNTRY_CODE, item.country_code, 3),
        (Tag.CUSTOMS_DECLARATION, item.customs_declaration, 32),
    ):
        if text:
            parts.append(text_tag(tag, text, limit))
    if item.excise is not None:
        parts.append(tlv.tlv(Tag.EXCISE, tlv.vln(item.excise)))
    return _checked(parts, ("items", index))


def product_code(code: str, ffd: FfdVersion) -> bytes:
    """The product code: 1163 (1302 EAN-13 or 1300 other) from FFD 1.2, 1162 before it.

    An FFD 1.05 EAN-13 is ``45 0D`` and the number in 6 bytes big-endian; any other code is
    ``00 00`` and its first 30 bytes (FFD table 26 notes).
    """
    ean13 = len(code) == 13 and code.isdigit() and _ean13_valid(code)
    if ffd >= FfdVersion.V1_2:
        inner = text_tag(Tag.CODE_EAN13, code, 13) if ean13 else text_tag(Tag.CODE_UNRECOGNISED, code, 32)
        return tlv.stlv(Tag.PRODUCT_CODE_12, [inner])
    if ean13:
        return tlv.tlv(Tag.PRODUCT_CODE, b"\x45\x0d" + int(code).to_bytes(6, "big"))
    return tlv.tlv(Tag.PRODUCT_CODE, b"\x00\x00" + code.encode(tlv.ENCODING, "replace")[:30])


def _ean13_valid(code: str) -> bool:
    """Tell whether 13 digits end with the right EAN-13 check digit."""
    weighted = sum(int(digit) * (3 if index % 2 else 1) for index, digit in enumerate(code[:12]))
    return (10 - weighted % 10) % 10 == int(code[12])


def agent_data(data: AgentData) -> bytes:
    """STLV 1223 «данные агента»."""
    parts = [text_tag(Tag.AGENT_PHONE, phone, 19) for phone in data.agent_phones]
    parts += [
        text_tag(Tag.TRANSFER_OPERATOR_PHONE, phone, 19) for phone in data.transfer_operator_phones
    ]
    for tag, text, limit in (
        (Tag.BANK_AGENT_OPERATION, data.operation, 24),
        (Tag.OPERATOR_PHONE, data.operator_phone, 19),
        (Tag.TRANSFER_OPERATOR_NAME, data.transfer_operator_name, 64),
        (Tag.TRANSFER_OPERATOR_ADDRESS, data.transfer_operator_address, 256),
    ):
        if text:
            parts.append(text_tag(tag, text, limit))
    if data.transfer_operator_inn:
        parts.append(
            tlv.tlv(
                Tag.TRANSFER_OPERATOR_INN,
                tlv.fixed_string(data.transfer_operator_inn, 12),
            )
        )
    return tlv.stlv(Tag.AGENT_DATA, parts)


def supplier(data: SupplierData) -> list[bytes]:
    """STLV 1224 «данные поставщика» and 1226, its INN."""
    parts = [text_tag(Tag.SUPPLIER_PHONE, phone, 19) for phone in data.phones]
    parts.append(text_tag(Tag.SUPPLIER_NAME, data.name, 256))
    return [
        tlv.stlv(Tag.SUPPLIER_DATA, parts),
        tlv.tlv(Tag.SUPPLIER_INN, tlv.fixed_string(data.inn, 12)),
    ]


def packed(parts: list[bytes]) -> list[bytes]:
    """Join whole TLVs into runs of at most 250 bytes, one run per FF0C / FF4D call."""
    runs: list[bytes] = []
    for part in parts:
        if runs and len(runs[-1]) + len(part) <= TLV_MAX:
            runs[-1] += part
        else:
            runs.append(part)
    return runs


def text_tag(tag: Tag, text: str, limit: int) -> bytes:
    """A CP866 string TLV; a value the FN cannot hold is a validation error."""
    try:
        return tlv.tlv(tag, tlv.string(text, limit))
    except tlv.TlvError as exc:
        raise ValidationError(
            (tag.name.lower(),),
            f"Реквизит {int(tag)} нельзя записать в ФН: {exc}",
            f"Tag {int(tag)} cannot be written to the FN: {exc}",
        ) from exc


def _checked(parts: list[bytes], loc: tuple[str | int, ...]) -> list[bytes]:
    """Refuse a TLV longer than one FF0C / FF4D call carries."""
    for part in parts:
        if len(part) > TLV_MAX:
            tag = int.from_bytes(part[:2], "little")
            raise ValidationError(
                loc,
                f"Реквизит {tag} длиной {len(part)} байт больше {TLV_MAX} байт команды ККТ",
                f"Tag {tag} of {len(part)} bytes exceeds the device's {TLV_MAX}-byte limit",
            )
    return parts


def _midnight(day: dt.date) -> dt.datetime:
    """The start of ``day`` (tag 1178 is a UnixTime date)."""
    return dt.datetime(day.year, day.month, day.day)
