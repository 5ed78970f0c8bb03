"""Requests and answers of the device commands other than RegisterCheck.

``List`` (``API.md`` §6.2), ``GetDataKKT`` (§6.7), ``GetLineLength`` (§6.6) and the shift
commands ``OpenShift``, ``CloseShift``, ``ZReport`` (§6.4). Answer fields are built in the
order of the documentation's samples, since some clients compare answers as text.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, TypeVar
from urllib.parse import urlsplit

from pydantic import BeforeValidator
from pydantic import ValidationError as PydanticError

from openkkm.api.envelope import NO_DATE, rubles, wire_date
from openkkm.api.kkmserver.fields import Bool, Int, Text, WireModel, wire
from openkkm.errors import ValidationError
from openkkm.fiscal.inn import is_personal_inn
from openkkm.fiscal.types import Cashier, DeviceInfo, FiscalDocument, Registration
from openkkm.jobs.pools import member_state

if TYPE_CHECKING:
    from openkkm.jobs.devices import DeviceHandle
    from openkkm.jobs.pools import Pool

M = TypeVar("M", bound=WireModel)
NOT_DEFINED = "<Не определено>"
FAR_FUTURE = "2099-12-31T00:00:00"
_EMULATED_KINDS = frozenset({"virtual"})
_PRINTER_KINDS: dict[str, str] = {"escpos": "Принтер чеков", "cups": "Принтер чеков",
                                  "screen": "Принтер чеков", "display": "Дисплей покупателя"}
_NAMES: dict[str, str] = {"virtual": "Эмулятор ККТ openkkm", "shtrih": "ККТ Штрих-М",
                          "atol": "ККТ АТОЛ", "remote": "Удаленный сервер"}
FISCAL_REGISTER = "Фискальный регистратор"
POOL_TYPE = "Пул ККТ"


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


Date = Annotated[dt.datetime | None, BeforeValidator(_blank_is_none)]


def parse_model(model: type[M], body: dict[str, Any]) -> M:
    """Validate ``body`` into ``model``; a bad value is a ``ValidationError`` naming its field."""
    try:
        return model.model_validate(body)
    except PydanticError as exc:
        first = exc.errors()[0]
        value = first.get("input")
        raise ValidationError(tuple(first["loc"]), f"недопустимое значение {value!r}",
                              f"invalid value {value!r}") from exc


class SelectionRequest(WireModel):
    """Device selection fields any command may carry (§5)."""

    num_device: Int = wire("NumDevice")
    id_device: Text = wire("IdDevice")
    inn_kkm: Text = wire("InnKkm")
    kkt_number: Text = wire("KktNumber")
    tax_variant: Text = wire("TaxVariant")


class ShiftRequest(SelectionRequest):
    """``OpenShift``, ``CloseShift``, ``ZReport``: who performs it."""

    cashier_name: Text = wire("CashierName")
    cashier_vatin: Text = wire("CashierVATIN")
    not_print: Bool = wire("NotPrint")

    def cashier(self, language: str = "ru") -> tuple[Cashier | None, list[str]]:
        """The cashier, and a warning when the cashier's INN is invalid and left out (§9i)."""
        name = (self.cashier_name or "").strip()
        inn = (self.cashier_vatin or "").strip()
        warnings: list[str] = []
        if inn and not is_personal_inn(inn):
            warnings.append(f"CashierVATIN '{inn}': invalid cashier INN, left out" if language == "en"
                            else f"CashierVATIN '{inn}': неверный ИНН кассира, не передается")
            inn = ""
        if not name:
            return None, warnings
        return Cashier(name, inn or None), warnings


class ListRequest(WireModel):
    """``List`` filters; absent or null means no filter."""

    num_device: Int = wire("NumDevice")
    inn_kkm: Text = wire("InnKkm")
    on_off: Bool = wire("OnOff")
    active: Bool = wire("Active")
    ofd_error: Bool = wire("OFD_Error")
    ofd_date_error_doc: Date = wire("OFD_DateErrorDoc")
    fn_date_end: Date = wire("FN_DateEnd")
    fn_mem_overflow: Bool = wire("FN_MemOverflowl")
    fn_is_fiscal: Bool = wire("FN_IsFiscal")

    def admits(self, handle: DeviceHandle) -> bool:
        """True when ``handle`` passes every filter given."""
        reg, info = handle.registration, handle.info
        checks = (
            not self.num_device or handle.num == self.num_device,
            not self.inn_kkm or (reg is not None and reg.inn == self.inn_kkm.strip()),
            self.on_off is None or handle.enabled == self.on_off,
            self.active is None or handle.online == self.active,
            self.ofd_error is None or bool(info and info.ofd_error) == self.ofd_error,
            self.ofd_date_error_doc is None or _before(
                info.ofd_oldest_unsent if info else None, self.ofd_date_error_doc),
            self.fn_date_end is None or _before(reg.fn_valid_to if reg else None,
                                                self.fn_date_end),
            self.fn_mem_overflow is None or bool(info and info.fn_memory_full) == self.fn_mem_overflow,
            self.fn_is_fiscal is None or _is_fiscal(handle) == self.fn_is_fiscal,
        )
        return all(checks)

    def admits_pool(self, pool: Pool) -> bool:
        """True when ``pool`` passes the filters; register-data filters leave pools out."""
        register_filters = (self.inn_kkm, self.ofd_error, self.ofd_date_error_doc,
                            self.fn_date_end, self.fn_mem_overflow, self.fn_is_fiscal)
        active = any(member.healthy for member in pool.members)
        return ((not self.num_device or pool.num == self.num_device)
                and all(value is None or value == "" for value in register_filters)
                and self.on_off in (None, True) and (self.active is None or active == self.active))


def _before(moment: dt.datetime | None, limit: dt.datetime) -> bool:
    if moment is None:
        return False
    if limit.tzinfo is not None:
        limit = limit.replace(tzinfo=None)
    return moment < limit


def _is_fiscal(handle: DeviceHandle) -> bool:
    if handle.info is not None:
        return handle.info.fn_fiscal
    return handle.registration is not None


def _ffd(reg: Registration | None) -> str:
    return reg.ffd.label if reg is not None else ""


def _tax_variant(reg: Registration) -> str:
    return ",".join(str(int(code)) for code in reg.tax_systems)


def is_register(handle: DeviceHandle) -> bool:
    """True for a fiscal register or a printer imitating one (``IsRegisterCheck``)."""
    return handle.config.kind not in _PRINTER_KINDS or handle.config.emulate_fiscal


def list_unit(handle: DeviceHandle) -> dict[str, Any]:
    """One ``ListUnit`` entry (§6.2)."""
    config, reg, info = handle.config, handle.registration, handle.info
    host, port = NOT_DEFINED, NOT_DEFINED
    url = urlsplit(config.url) if config.url else None
    if url is not None and url.scheme == "tcp" and url.hostname:
        host, port = url.hostname, str(url.port or NOT_DEFINED)
    emulated = config.kind in _EMULATED_KINDS or config.url.startswith("emulator://")
    return {
        "NumDevice": handle.num,
        "IdDevice": handle.id_device,
        "OnOff": handle.enabled,
        "Active": handle.online,
        "TypeDevice": _PRINTER_KINDS.get(config.kind, FISCAL_REGISTER),
        "IdTypeDevice": "KktEmulator" if emulated else config.kind,
        "Firmware_Version": info.firmware if info else "",
        "IP": host,
        "Port": port,
        "NameDevice": _NAMES.get(config.kind, config.kind),
        "UnitName": config.unit_name,
        "KktNumber": reg.kkt_number if reg else "",
        "INN": reg.inn if reg else "",
        "RegNumber": reg.reg_number if reg else "",
        "FnNumber": reg.fn_number if reg else "",
        "InnOfd": reg.ofd_inn if reg else "",
        "NameOrganization": reg.organization if reg else "",
        "AddressSettle": reg.address if reg else "",
        "TaxVariant": _tax_variant(reg) if reg else "",
        "AddDate": NO_DATE,
        "BSOMode": reg.bso if reg else False,
        "ServiceMode": reg.service if reg else False,
        "OFD_Error": info.ofd_error if info else "",
        "OFD_NumErrorDoc": info.ofd_unsent if info else 0,
        "OFD_DateErrorDoc": wire_date(info.ofd_oldest_unsent if info else None),
        "FN_DateEnd": wire_date(reg.fn_valid_to if reg else None),
        "FN_MemOverflowl": info.fn_memory_full if info else False,
        "FN_IsFiscal": _is_fiscal(handle),
        "PaperOver": info.status.paper_out if info else False,
        "FFDVersion": _ffd(reg),
        "FFDVersionFN": _ffd(reg),
        "FFDVersionKKT": _ffd(reg),
        "IsRegisterCheck": is_register(handle),
    }


def pool_unit(pool: Pool) -> dict[str, Any]:
    """A pool's ``ListUnit`` entry: the usual keys, and ``PoolMembers`` with each one's health."""
    members = [{"NumDevice": member.num, "UnitName": member.unit_name,
                "OnOff": member.enabled, "Active": member.online, "Blocked": member.blocked,
                "Healthy": member.healthy, "State": member_state(member)[0],
                "Error": member.last_error} for member in pool.members]
    return {
        "NumDevice": pool.num, "IdDevice": "", "OnOff": True,
        "Active": any(member.healthy for member in pool.members),
        "TypeDevice": POOL_TYPE, "IdTypeDevice": "Pool", "Firmware_Version": "",
        "IP": NOT_DEFINED, "Port": NOT_DEFINED, "NameDevice": POOL_TYPE,
        "UnitName": pool.unit_name, "KktNumber": "", "INN": "", "RegNumber": "",
        "FnNumber": "", "InnOfd": "", "NameOrganization": "", "AddressSettle": "",
        "TaxVariant": "", "AddDate": NO_DATE, "BSOMode": False, "ServiceMode": False,
        "OFD_Error": "", "OFD_NumErrorDoc": 0, "OFD_DateErrorDoc": NO_DATE,
        "FN_DateEnd": NO_DATE, "FN_MemOverflowl": False, "FN_IsFiscal": False,
        "PaperOver": False, "FFDVersion": "", "FFDVersionFN": "", "FFDVersionKKT": "",
        "IsRegisterCheck": True, "PoolMembers": members,
    }


def info_fields(info: DeviceInfo) -> dict[str, Any]:
    """``Info`` of ``GetDataKKT`` and the shift answers (§6.7), every field."""
    reg = info.registration
    return {
        "InnOrganization": reg.inn,
        "NameOrganization": reg.organization,
        "TaxVariant": _tax_variant(reg),
        "AddressSettle": reg.address,
        "PlaceSettle": reg.place,
        "SenderEmail": reg.sender_email,
        "EncryptionMode": reg.encryption,
        "OfflineMode": reg.offline,
        "AutomaticMode": reg.automatic,
        "AutomaticNumber": reg.automatic_number,
        "InternetMode": reg.internet,
        "BSOMode": reg.bso,
        "ServiceMode": reg.service,
        "PrinterAutomatic": False,
        "SaleExcisableGoods": reg.excise,
        "SignOfGambling": reg.gambling,
        "SignOfLottery": reg.lottery,
        "SaleMarking": reg.marking,
        "SignPawnshop": reg.pawnshop,
        "SignAssurance": reg.insurance,
        "SignOfAgent": ",".join(str(int(role)) for role in reg.agent_roles),
        "UrlServerOfd": reg.ofd_host,
        "PortServerOfd": str(reg.ofd_port) if reg.ofd_port else "",
        "NameOFD": reg.ofd_name,
        "UrlOfd": "",
        "InnOfd": reg.ofd_inn,
        "OFD_Error": info.ofd_error,
        "OFD_NumErrorDoc": info.ofd_unsent,
        "OFD_DateErrorDoc": wire_date(info.ofd_oldest_unsent),
        "KktNumber": reg.kkt_number,
        "FnNumber": reg.fn_number,
        "RegNumber": reg.reg_number,
        "FN_IsFiscal": info.fn_fiscal,
        "FN_MemOverflowl": info.fn_memory_full,
        "FN_DateStart": wire_date(reg.fn_valid_from),
        "FN_DateEnd": wire_date(reg.fn_valid_to),
        "FFDVersion": reg.ffd.label,
        "FFDVersionFN": reg.ffd.label,
        "FFDVersionKKT": reg.ffd.label,
        "OnOff": True,
        "Active": True,
        "SessionState": int(info.status.shift),
        "PaperOver": info.status.paper_out,
        "BalanceCash": rubles(info.cash_balance) if info.cash_balance >= 0 else -1,
        "DateTimeKKT": wire_date(info.clock),
        "Firmware_Version": info.firmware,
        "Firmware_Status": info.extra.get("firmware_status", ""),
        "LicenseExpirationDate": FAR_FUTURE,
        "LessType1": "Безналичными",
        "LessType2": "Кредит",
        "LessType3": "Встречное предоставление",
    }


def data_kkt_fields(info: DeviceInfo) -> dict[str, Any]:
    """The ``GetDataKKT`` answer's own fields."""
    return {
        "CheckNumber": info.status.last_document,
        "SessionNumber": info.status.shift_number,
        "LineLength": info.line_length,
        "URL": "",
        "Info": info_fields(info),
    }


def shift_fields(document: FiscalDocument | None, info: DeviceInfo | None) -> dict[str, Any]:
    """The ``OpenShift`` / ``CloseShift`` answer's own fields (reports have no receipt QR)."""
    return {
        "CheckNumber": document.number if document else 0,
        "SessionNumber": document.shift_number if document else 0,
        "QRCode": "",
        "URL": "",
        "Info": info_fields(info) if info is not None else None,
    }


def line_length_fields(length: int) -> dict[str, Any]:
    """The ``GetLineLength`` answer's own field."""
    return {"LineLength": length}
