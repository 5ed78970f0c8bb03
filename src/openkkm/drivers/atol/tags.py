"""The FFD tags the ATOL driver writes with 0xE8 beyond the basic ones in :mod:`.mapping`.

Correction data (1173, 1174 = {1178, 1179}), agent and supplier data (1057/1222, 1223,
1224/1226), the user attribute 1084, the internet flag 1125, and per item 1191, 1229, 1230,
1231 and 1197 (FFD 1.05). Shapes follow FISCAL.md §5–6; the route (0xE8) is openkkm's own
layout (protocol/atol/README.md). Each function returns whole TLVs, one 0xE8 command each.
"""

from __future__ import annotations

import datetime as dt
from enum import IntEnum

from openkkm.errors import ValidationError
from openkkm.fiscal import tlv
from openkkm.fiscal.types import (
    AgentData,
    Correction,
    FfdVersion,
    Item,
    Receipt,
    SupplierData,
)


class Tag(IntEnum):
    """FFD tag numbers of this module."""

    TRANSFER_OPERATOR_ADDRESS = 1005
    TRANSFER_OPERATOR_INN = 1016
    TRANSFER_OPERATOR_NAME = 1026
    BANK_AGENT_OPERATION = 1044
    AGENT_ROLE = 1057
    AGENT_PHONE = 1073
    OPERATOR_PHONE = 1074
    TRANSFER_OPERATOR_PHONE = 1075
    USER_ATTRIBUTE = 1084
    USER_ATTRIBUTE_NAME = 1085
    USER_ATTRIBUTE_VALUE = 1086
    INTERNET = 1125
    SUPPLIER_PHONE = 1171
    CORRECTION_TYPE = 1173
    CORRECTION_BASIS = 1174
    CORRECTED_DATE = 1178
    CORRECTION_ORDER = 1179
    ITEM_ATTRIBUTE = 1191
    MEASURE_UNIT = 1197
    ITEM_AGENT_ROLE = 1222
    AGENT_DATA = 1223
    SUPPLIER_DATA = 1224
    SUPPLIER_NAME = 1225
    SUPPLIER_INN = 1226
    EXCISE = 1229
    COUNTRY_CODE = 1230
    CUSTOMS_DECLARATION = 1231


def correction_tags(correction: Correction) -> list[bytes]:
    """1173 and the STLV 1174 {1178 date, 1179 order number}."""
    day = correction.base_date
    basis = [tlv.tlv(Tag.CORRECTED_DATE, tlv.unixtime(dt.datetime(day.year, day.month, day.day)))]
    if correction.base_number:
        basis.append(_text(Tag.CORRECTION_ORDER, correction.base_number, 32, ("correction",)))
    return [tlv.tlv(Tag.CORRECTION_TYPE, tlv.byte(correction.type)),
            tlv.stlv(Tag.CORRECTION_BASIS, basis)]


def receipt_tags(receipt: Receipt) -> list[bytes]:
    """Receipt-level 1125, 1057, 1223, 1224/1226 and 1084."""
    loc = ("receipt",)
    parts: list[bytes] = []
    if receipt.internet:
        parts.append(tlv.tlv(Tag.INTERNET, tlv.byte(1)))
    if receipt.agent_role is not None:
        parts.append(tlv.tlv(Tag.AGENT_ROLE, tlv.byte(1 << receipt.agent_role)))
    if receipt.agent_data is not None:
        parts.append(agent_data(receipt.agent_data, loc))
    if receipt.supplier is not None:
        parts += supplier(receipt.supplier, loc)
    if receipt.user_attribute is not None:
        name, value = receipt.user_attribute
        parts.append(tlv.stlv(Tag.USER_ATTRIBUTE,
                              [_text(Tag.USER_ATTRIBUTE_NAME, name, 64, loc),
                               _text(Tag.USER_ATTRIBUTE_VALUE, value, 256, loc)]))
    return parts


def item_tags(item: Item, ffd: FfdVersion, index: int) -> list[bytes]:
    """Per item 1197 (before FFD 1.2), 1222, 1223, 1224/1226, 1191, 1230, 1231, 1229."""
    loc = ("items", index)
    parts: list[bytes] = []
    if ffd < FfdVersion.V1_2 and item.measure_unit:
        parts.append(_text(Tag.MEASURE_UNIT, item.measure_unit, 16, loc))
    if item.agent_role is not None:
        parts.append(tlv.tlv(Tag.ITEM_AGENT_ROLE, tlv.byte(1 << item.agent_role)))
    if item.agent_data is not None:
        parts.append(agent_data(item.agent_data, loc))
    if item.supplier is not None:
        parts += supplier(item.supplier, loc)
    for tag, text, limit in ((Tag.ITEM_ATTRIBUTE, item.attribute, 64),
                             (Tag.COUNTRY_CODE, item.country_code, 3),
                             (Tag.CUSTOMS_DECLARATION, item.customs_declaration, 32)):
        if text:
            parts.append(_text(tag, text, limit, loc))
    if item.excise is not None:
        parts.append(tlv.tlv(Tag.EXCISE, tlv.vln(item.excise)))
    return parts


def agent_data(data: AgentData, loc: tuple[str | int, ...]) -> bytes:
    """STLV 1223 «данные агента»."""
    parts = [_text(Tag.AGENT_PHONE, phone, 19, loc) for phone in data.agent_phones]
    parts += [_text(Tag.TRANSFER_OPERATOR_PHONE, phone, 19, loc)
              for phone in data.transfer_operator_phones]
    for tag, text, limit in ((Tag.BANK_AGENT_OPERATION, data.operation, 24),
                             (Tag.OPERATOR_PHONE, data.operator_phone, 19),
                             (Tag.TRANSFER_OPERATOR_NAME, data.transfer_operator_name, 64),
                             (Tag.TRANSFER_OPERATOR_ADDRESS, data.transfer_operator_address, 256)):
        if text:
            parts.append(_text(tag, text, limit, loc))
    if data.transfer_operator_inn:
        parts.append(tlv.tlv(Tag.TRANSFER_OPERATOR_INN,
                             tlv.fixed_string(data.transfer_operator_inn, 12)))
    return tlv.stlv(Tag.AGENT_DATA, parts)


def supplier(data: SupplierData, loc: tuple[str | int, ...]) -> list[bytes]:
    """STLV 1224 «данные поставщика» and 1226, its INN."""
    parts = [_text(Tag.SUPPLIER_PHONE, phone, 19, loc) for phone in data.phones]
    parts.append(_text(Tag.SUPPLIER_NAME, data.name, 256, loc))
    return [tlv.stlv(Tag.SUPPLIER_DATA, parts),
            tlv.tlv(Tag.SUPPLIER_INN, tlv.fixed_string(data.inn, 12))]


def _text(tag: Tag, text: str, limit: int, loc: tuple[str | int, ...]) -> bytes:
    """A CP866 string TLV; a value the ФН cannot hold is a located validation error."""
    try:
        return tlv.tlv(tag, tlv.string(text, limit))
    except tlv.TlvError as exc:
        raise ValidationError(loc, f"Реквизит {int(tag)} нельзя записать в ФН: {exc}",
                              f"Tag {int(tag)} cannot be written to the FN: {exc}") from exc
