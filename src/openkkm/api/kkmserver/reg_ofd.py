"""``KkmRegOfd`` (``API.md`` §6.11): registration, re-registration and closing the ФН.

The request names an action and the fields it may change; the new registration is the device's
current one with those fields replaced, and the re-registration reason is derived from what
actually changed. Every refusal names its field: a bad INN, missing OFD data, no tax system.
"""

from __future__ import annotations

import dataclasses
from enum import IntFlag
from typing import Any

from openkkm.api.kkmserver.device_commands import ShiftRequest
from openkkm.api.kkmserver.fields import Bool, Int, Text, WireModel, wire
from openkkm.errors import ValidationError
from openkkm.fiscal.inn import is_valid_inn
from openkkm.fiscal.types import (
    AgentRole,
    FfdVersion,
    Registration,
    RegistrationAction,
    RegistrationChange,
    TaxSystem,
)

ACTIONS: dict[str, RegistrationAction] = {
    "Open": RegistrationAction.OPEN, "ChangeFN": RegistrationAction.CHANGE_FN,
    "ChangeOFD": RegistrationAction.CHANGE_OFD,
    "ChangeOrganization": RegistrationAction.CHANGE_ORGANIZATION,
    "ChangeKkm": RegistrationAction.CHANGE_KKT, "Close": RegistrationAction.CLOSE}
#: ``SetFfdVersion`` codes.
FFD_CODES: dict[int, FfdVersion] = {2: FfdVersion.V1_05, 3: FfdVersion.V1_1, 4: FfdVersion.V1_2}


class Reason105(IntFlag):
    """Tag 1101 codes (FFD 1.05), one per action; written as the code, not as bits."""

    FN_REPLACED = 1
    OFD_CHANGED = 2
    USER_DATA_CHANGED = 3
    SETTINGS_CHANGED = 4


class Reason12(IntFlag):
    """Tag 1205 bits (FFD 1.1/1.2); the bit list is unconfirmed (``FISCAL.md`` §15 item 5)."""

    FN_REPLACED = 1 << 0
    OFD_CHANGED = 1 << 1
    USER_NAME_CHANGED = 1 << 2
    ADDRESS_CHANGED = 1 << 3
    TO_ONLINE = 1 << 4
    TO_OFFLINE = 1 << 5
    TAX_SYSTEMS_CHANGED = 1 << 7
    OTHER = 1 << 31


_REASON_105: dict[RegistrationAction, Reason105] = {
    RegistrationAction.CHANGE_FN: Reason105.FN_REPLACED,
    RegistrationAction.CHANGE_OFD: Reason105.OFD_CHANGED,
    RegistrationAction.CHANGE_ORGANIZATION: Reason105.USER_DATA_CHANGED,
    RegistrationAction.CHANGE_KKT: Reason105.SETTINGS_CHANGED}


class RegData(WireModel):
    """``RegKkmOfd``: the action and the registration fields it may set."""

    command: Text = wire("Command")
    set_ffd_version: Int = wire("SetFfdVersion")
    inn_organization: Text = wire("InnOrganization")
    reg_number: Text = wire("RegNumber")
    kkt_number: Text = wire("KktNumber")
    fn_number: Text = wire("FnNumber")
    name_organization: Text = wire("NameOrganization")
    address_settle: Text = wire("AddressSettle")
    place_settle: Text = wire("PlaceSettle")
    sender_email: Text = wire("SenderEmail")
    tax_variant: Text = wire("TaxVariant")
    sign_of_agent: Text = wire("SignOfAgent")
    url_server_ofd: Text = wire("UrlServerOfd")
    port_server_ofd: Text = wire("PortServerOfd")
    name_ofd: Text = wire("NameOFD")
    inn_ofd: Text = wire("InnOfd")
    encryption_mode: Bool = wire("EncryptionMode")
    offline_mode: Bool = wire("OfflineMode")
    automatic_mode: Bool = wire("AutomaticMode")
    automatic_number: Text = wire("AutomaticNumber")
    internet_mode: Bool = wire("InternetMode")
    bso_mode: Bool = wire("BSOMode")
    service_mode: Bool = wire("ServiceMode")
    sale_excisable_goods: Bool = wire("SaleExcisableGoods")
    sign_of_gambling: Bool = wire("SignOfGambling")
    sign_of_lottery: Bool = wire("SignOfLottery")
    sale_marking: Bool = wire("SaleMarking")
    sign_pawnshop: Bool = wire("SignPawnshop")
    sign_assurance: Bool = wire("SignAssurance")


class RegOfdRequest(ShiftRequest):
    """``KkmRegOfd``: who performs it and the ``RegKkmOfd`` data."""

    reg_kkm_ofd: RegData | None = wire("RegKkmOfd")


#: Flags of ``Open`` and ``ChangeKkm``: request attribute -> ``Registration`` attribute.
_FLAGS: dict[str, str] = {
    "encryption_mode": "encryption", "offline_mode": "offline", "automatic_mode": "automatic",
    "internet_mode": "internet", "bso_mode": "bso", "service_mode": "service",
    "sale_excisable_goods": "excise", "sign_of_gambling": "gambling",
    "sign_of_lottery": "lottery", "sale_marking": "marking", "sign_pawnshop": "pawnshop",
    "sign_assurance": "insurance"}


def _fail(field: str, ru: str, en: str) -> ValidationError:
    return ValidationError(("RegKkmOfd", field), ru, en)


def _text(value: str | None) -> str | None:
    return None if value is None or not value.strip() else value.strip()


def build_change(request: RegOfdRequest, current: Registration) -> RegistrationChange:
    """The change ``request`` asks of a register registered as ``current``."""
    cashier, _notes = request.cashier()
    if cashier is None:
        raise ValidationError((), "Не указан кассир (поле CashierName)",
                              "No cashier given (field CashierName)")
    data = request.reg_kkm_ofd
    if data is None:
        raise ValidationError(("RegKkmOfd",), "обязательно: данные регистрации",
                              "required: the registration data")
    action = ACTIONS.get((data.command or "").strip())
    if action is None:
        allowed = ", ".join(ACTIONS)
        raise _fail("Command", f"недопустимое значение {data.command!r}; допустимо {allowed}",
                    f"invalid value {data.command!r}; allowed: {allowed}")
    if action is RegistrationAction.CLOSE:
        return RegistrationChange(action, None, 0, cashier)
    changes = _changes(action, data, current)
    new = dataclasses.replace(current, **changes)
    _check(action, new)
    reason = 0 if action is RegistrationAction.OPEN else _reason(action, current, new)
    return RegistrationChange(action, new, reason, cashier)


def _changes(action: RegistrationAction, data: RegData, current: Registration) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if action is RegistrationAction.OPEN:
        for field, attr in (("inn_organization", "inn"), ("reg_number", "reg_number"),
                            ("kkt_number", "kkt_number"), ("fn_number", "fn_number")):
            if _text(getattr(data, field)) is not None:
                changes[attr] = _text(getattr(data, field))
    if action in (RegistrationAction.OPEN, RegistrationAction.CHANGE_ORGANIZATION):
        for field, attr in (("name_organization", "organization"), ("address_settle", "address"),
                            ("place_settle", "place"), ("sender_email", "sender_email")):
            if _text(getattr(data, field)) is not None:
                changes[attr] = _text(getattr(data, field))
        changes["tax_systems"] = _tax_systems(data.tax_variant)
        if data.sign_of_agent is not None:
            changes["agent_roles"] = _agent_roles(data.sign_of_agent)
    if action in (RegistrationAction.OPEN, RegistrationAction.CHANGE_OFD):
        changes.update(_ofd(data, current))
    if action in (RegistrationAction.OPEN, RegistrationAction.CHANGE_KKT):
        for field, attr in _FLAGS.items():
            if getattr(data, field) is not None:
                changes[attr] = getattr(data, field)
        if _text(data.automatic_number) is not None:
            changes["automatic_number"] = _text(data.automatic_number)
    if action in (RegistrationAction.OPEN, RegistrationAction.CHANGE_FN,
                  RegistrationAction.CHANGE_KKT) and data.set_ffd_version is not None:
        if data.set_ffd_version not in FFD_CODES:
            raise _fail("SetFfdVersion", f"недопустимое значение {data.set_ffd_version}; "
                        "допустимо 2 (1.05), 3 (1.1), 4 (1.2)",
                        f"invalid value {data.set_ffd_version}; allowed: 2, 3, 4")
        changes["ffd"] = FFD_CODES[data.set_ffd_version]
    return changes


def _tax_systems(text: str | None) -> tuple[TaxSystem, ...]:
    codes = [part.strip() for part in (text or "").split(",") if part.strip()]
    if not codes:
        raise _fail("TaxVariant", "обязательно: системы налогообложения через запятую (0–5)",
                    "required: tax systems as a comma list (0-5)")
    if any(code not in {"0", "1", "2", "3", "4", "5"} for code in codes):
        raise _fail("TaxVariant", f"недопустимое значение {text!r}; допустимо коды 0–5 через "
                    "запятую", f"invalid value {text!r}; allowed: codes 0-5, comma separated")
    return tuple(TaxSystem(int(code)) for code in dict.fromkeys(codes))


def _agent_roles(text: str) -> tuple[AgentRole, ...]:
    codes = [part.strip() for part in text.split(",") if part.strip()]
    if any(not code.isdigit() or int(code) not in AgentRole._value2member_map_ for code in codes):
        raise _fail("SignOfAgent", f"недопустимое значение {text!r}; допустимо коды 0–6 через "
                    "запятую", f"invalid value {text!r}; allowed: codes 0-6, comma separated")
    return tuple(AgentRole(int(code)) for code in codes)


def _ofd(data: RegData, current: Registration) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    inn = _text(data.inn_ofd)
    if inn is None:
        raise _fail("InnOfd", "обязательно: ИНН ОФД", "required: the OFD's INN")
    changes["ofd_inn"] = inn
    if _text(data.name_ofd) is not None:
        changes["ofd_name"] = _text(data.name_ofd)
    if _text(data.url_server_ofd) is not None:
        changes["ofd_host"] = _text(data.url_server_ofd)
    port = _text(data.port_server_ofd)
    if port is not None:
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise _fail("PortServerOfd", f"недопустимое значение {port!r}; допустимо 1–65535",
                        f"invalid value {port!r}; allowed: 1-65535")
        changes["ofd_port"] = int(port)
    if not current.offline and not (changes.get("ofd_host") or current.ofd_host):
        raise _fail("UrlServerOfd", "обязательно: адрес сервера ОФД",
                    "required: the OFD server's address")
    return changes


def _check(action: RegistrationAction, new: Registration) -> None:
    if not is_valid_inn(new.inn):
        raise _fail("InnOrganization", f"неверный ИНН {new.inn!r}: 10 или 12 цифр с верными "
                    "контрольными разрядами", f"invalid INN {new.inn!r}")
    if new.ofd_inn and not is_valid_inn(new.ofd_inn, lengths=(10,)):
        raise _fail("InnOfd", f"неверный ИНН ОФД {new.ofd_inn!r}: 10 цифр с верным контрольным "
                    "разрядом", f"invalid OFD INN {new.ofd_inn!r}")
    if action in (RegistrationAction.OPEN, RegistrationAction.CHANGE_ORGANIZATION):
        for field, value in (("NameOrganization", new.organization),
                             ("AddressSettle", new.address)):
            if not value.strip():
                raise _fail(field, "обязательно", "required")


def _reason(action: RegistrationAction, old: Registration, new: Registration) -> int:
    """The 1101 code (FFD 1.05) or the 1205 bits (later) for what changed."""
    if old == new and action is not RegistrationAction.CHANGE_FN:
        raise ValidationError(("RegKkmOfd",), "данные регистрации не изменились: "
                              "перерегистрация не нужна",
                              "the registration data did not change: nothing to re-register")
    if new.ffd < FfdVersion.V1_1:
        return int(_REASON_105[action])
    bits = Reason12(0)
    if action is RegistrationAction.CHANGE_FN:
        bits |= Reason12.FN_REPLACED
    if (old.ofd_inn, old.ofd_name, old.ofd_host, old.ofd_port) != (
            new.ofd_inn, new.ofd_name, new.ofd_host, new.ofd_port):
        bits |= Reason12.OFD_CHANGED
    if old.organization != new.organization:
        bits |= Reason12.USER_NAME_CHANGED
    if (old.address, old.place) != (new.address, new.place):
        bits |= Reason12.ADDRESS_CHANGED
    if old.offline and not new.offline:
        bits |= Reason12.TO_ONLINE
    if new.offline and not old.offline:
        bits |= Reason12.TO_OFFLINE
    if set(old.tax_systems) != set(new.tax_systems):
        bits |= Reason12.TAX_SYSTEMS_CHANGED
    return int(bits or Reason12.OTHER)

