"""ATOL error codes (PROTOCOLS.md §2.4, decimal as the vendor lists them) and their exceptions.

Russian texts follow the vendor's list (atol4j ``error-messages.properties``, facts only); the
English ones are ours. An answer ``55 ERR ERR_EXT`` with ERR != 0 becomes
:class:`~openkkm.errors.FiscalStateError` when the fiscal state forbids the command and
:class:`~openkkm.errors.DeviceRejected` otherwise, both carrying the ATOL code.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum
from types import MappingProxyType
from typing import Final

from ...errors import DeviceRejected, FiscalStateError


class ErrorCode(IntEnum):
    """The codes openkkm's driver and emulator name."""

    OK = 0
    WRONG_QUANTITY = 10
    WRONG_FORMAT = 19
    WRONG_LENGTH = 20
    NOT_IN_THIS_MODE = 102
    NO_PAPER = 103
    WRONG_RECEIPT_TYPE = 106
    NON_CASH_EXCEEDS_TOTAL = 113
    PAYMENTS_SHORT = 114
    NOT_SUPPORTED = 122
    WRONG_PAYMENT_TYPE = 126
    SHIFT_OVER_24H = 136
    WRONG_PASSWORD = 140
    NO_CASH = 152
    RECEIPT_CLOSED = 154
    RECEIPT_OPEN = 155
    SHIFT_OPEN = 156
    WRONG_REPORT_TYPE = 163
    NOT_FISCAL = 168
    WRONG_FN_STATE = 212
    FN_EXPIRED = 215
    FN_ARCHIVE_FULL = 216
    FN_WRONG_DATETIME = 217
    FN_NO_DATA = 218
    FN_BAD_PARAMETERS = 231
    FN_TLV_TOO_LARGE = 232
    FN_OFD_STORAGE_EXHAUSTED = 235
    FN_UNSENT_DOCUMENTS = 237
    FN_SHIFT_OVER_24H = 240
    WRONG_COMMAND = 242
    EXCISE_GOODS = 245


#: code -> (Russian, English)
ERROR_TEXTS: Final[Mapping[int, tuple[str, str]]] = MappingProxyType({
    0: ("Ошибок нет", "No error"),
    8: ("Неверная цена", "Wrong price"),
    10: ("Неверное количество", "Wrong quantity"),
    19: ("Неверный формат", "Wrong format"),
    20: ("Неверная длина", "Wrong length"),
    102: ("Команда не реализуется в данном режиме ККТ", "Command not allowed in this mode"),
    103: ("Нет бумаги", "No paper"),
    104: ("Нет связи с принтером чеков", "No link to the receipt printer"),
    106: ("Неверный тип чека", "Wrong receipt type"),
    113: ("Сумма не наличных платежей превышает сумму чека",
          "Non-cash payments exceed the receipt total"),
    114: ("Сумма платежей меньше суммы чека", "Payments are less than the receipt total"),
    122: ("Данная модель ККТ не может выполнить команду", "This model cannot run the command"),
    126: ("Неверный вид оплаты", "Wrong payment type"),
    129: ("Переполнение итога чека", "Receipt total overflow"),
    136: ("Смена превысила 24 часа", "The shift exceeded 24 hours"),
    140: ("Неверный пароль", "Wrong password"),
    152: ("В ККТ нет денег для выплаты", "Not enough cash in the register"),
    154: ("Чек закрыт - операция невозможна", "The receipt is closed: operation impossible"),
    155: ("Чек открыт - операция невозможна", "A receipt is open: operation impossible"),
    156: ("Смена открыта, операция невозможна", "The shift is open: operation impossible"),
    163: ("Неверный тип отчета", "Wrong report type"),
    168: ("ККТ не фискализирована", "The register is not fiscalised"),
    170: ("Нет отчетов", "No reports"),
    186: ("Ошибка обмена с фискальным модулем", "Fiscal module exchange error"),
    212: ("Неверное состояние ФН", "Wrong fiscal drive state"),
    213: ("Неисправимая ошибка ФН", "Fatal fiscal drive error"),
    215: ("Закончен срок эксплуатации ФН", "The fiscal drive's lifetime is over"),
    216: ("Архив ФН переполнен", "The fiscal drive's archive is full"),
    217: ("В ФН переданы неверная дата или время", "Wrong date or time sent to the fiscal drive"),
    218: ("В ФН нет запрошенных данных", "The fiscal drive has no such data"),
    231: ("Некорректное значение параметров команды ФН", "Invalid fiscal drive command parameters"),
    232: ("Превышение размеров TLV данных ФН", "Fiscal drive TLV data too large"),
    233: ("Нет транспортного соединения ФН", "No fiscal drive transport connection"),
    235: ("Исчерпан ресурс хранения ФД для отправки ОФД",
          "Fiscal drive storage for OFD documents exhausted"),
    237: ("В ФН есть неотправленные ФД", "The fiscal drive has unsent documents"),
    240: ("Продолжительность смены ФН более 24 часов", "The fiscal drive's shift is over 24 hours"),
    242: ("Неверная команда", "Wrong command"),
    245: ("Продажа подакцизного товара", "Sale of excise goods"),
    246: ("Превышение максимального размера чека", "Maximum receipt size exceeded"),
})

SHIFT_EXPIRED: Final = frozenset({ErrorCode.SHIFT_OVER_24H, ErrorCode.FN_SHIFT_OVER_24H})
#: openkkm's text for an expired shift; always holds «смена» (API.md §8.2)
SHIFT_EXPIRED_TEXT: Final = ("Открытая смена превысила 24 часа: закройте смену",
                             "The open shift exceeded 24 hours: close the shift")
#: codes that say the fiscal state forbids the command, not that the command was malformed
FISCAL_STATE_ERRORS: Final = frozenset({154, 155, 156, 168, 212, 213, 215, 216, 217, 235, 237})


def error_text(code: int, language: str = "ru") -> str:
    """Return the text of ``code`` in ``language`` ("ru" or "en"), unknown codes included."""
    ru, en = ERROR_TEXTS.get(code, (f"Неизвестная ошибка ККТ {code}", f"Unknown device error {code}"))
    return en if language == "en" else ru


def device_error(code: int, extended: int = 0) -> DeviceRejected | FiscalStateError:
    """Return the exception for a non-zero ERR (and ERR_EXT) of an answer."""
    if code in SHIFT_EXPIRED:
        return FiscalStateError(*SHIFT_EXPIRED_TEXT, vendor_code=code)
    label = f"{code}.{extended}" if extended else str(code)
    ru = f"Ошибка ККТ {label}: {error_text(code, 'ru')}"
    en = f"Device error {label}: {error_text(code, 'en')}"
    if code in FISCAL_STATE_ERRORS:
        return FiscalStateError(ru, en, vendor_code=code)
    return DeviceRejected(code, ru, en)
