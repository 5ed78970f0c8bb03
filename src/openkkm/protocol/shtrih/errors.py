"""Shtrih-M error codes (PROTOCOLS.md §1.9) with Russian and English texts, and their exceptions.

The Russian texts are the vendor's own (javapos ``messages_ru.txt``, pyshtrih ``excepts.py``,
shtrihm-fr agree). One code space serves every command; on FN-equipped devices codes below 0x20
and 0xA0…0xB2 come from the fiscal drive (javapos ``getDriverErrorText``).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from ...errors import DeviceRejected, FiscalStateError

#: code -> (Russian, English)
ERROR_TEXTS: Final[Mapping[int, tuple[str, str]]] = MappingProxyType(
    {
        0x00: ("Ошибок нет", "No error"),
        0x01: (
            "ФН: неизвестная команда, неверный формат посылки или неизвестные параметры",
            "FN: unknown command, wrong message format or unknown parameters",
        ),
        0x02: ("ФН: неверное состояние ФН", "FN: the command needs another FN state"),
        0x03: ("ФН: ошибка ФН", "FN: fiscal drive failure"),
        0x04: ("ФН: ошибка КС", "FN: crypto-coprocessor failure"),
        0x05: ("ФН: закончен срок эксплуатации ФН", "FN: the fiscal drive's lifetime is over"),
        0x06: ("ФН: архив ФН переполнен", "FN: the archive is full"),
        0x07: ("ФН: неверные дата и/или время", "FN: wrong date and/or time"),
        0x08: ("ФН: нет запрошенных данных", "FN: no requested data"),
        0x09: (
            "ФН: некорректное значение параметров команды",
            "FN: invalid command parameter values",
        ),
        0x10: ("ФН: превышение размеров TLV данных", "FN: TLV data too large"),
        0x11: ("ФН: нет транспортного соединения", "FN: no transport connection"),
        0x12: ("ФН: исчерпан ресурс КС", "FN: crypto-coprocessor resource exhausted"),
        0x14: ("ФН: исчерпан ресурс хранения", "FN: storage resource exhausted"),
        0x15: (
            "ФН: исчерпан ресурс ожидания передачи сообщения",
            "FN: waiting time for sending messages exhausted",
        ),
        0x16: ("ФН: продолжительность смены более 24 часов", "FN: the shift is longer than 24 h"),
        0x17: (
            "ФН: неверная разница во времени между 2 операциями",
            "FN: wrong time difference between two operations",
        ),
        0x20: (
            "ФН: сообщение от ОФД не может быть принято",
            "FN: the message from the OFD cannot be accepted",
        ),
        0x2F: ("Таймаут обмена с ФН", "Timeout exchanging with the FN"),
        0x30: ("ФН не отвечает", "The FN does not answer"),
        0x31: ("Ошибка формата обмена с ФН", "Format error exchanging with the FN"),
        0x32: ("Ошибка CRC обмена с ФН", "CRC error exchanging with the FN"),
        0x33: ("Некорректные параметры в команде", "Invalid command parameters"),
        0x34: ("Нет данных", "No data"),
        0x35: (
            "Некорректный параметр при данных настройках",
            "Parameter invalid with the current settings",
        ),
        0x36: (
            "Некорректные параметры в команде для данной реализации ККТ",
            "Parameters invalid for this device model",
        ),
        0x37: (
            "Команда не поддерживается в данной реализации ККТ",
            "Command not supported by this device model",
        ),
        0x3D: ("Смена не открыта – операция невозможна", "Shift not open: operation impossible"),
        0x45: (
            "Сумма всех типов оплаты меньше итога чека",
            "The sum of all payments is less than the receipt total",
        ),
        0x46: ("Не хватает наличности в кассе", "Not enough cash in the drawer"),
        0x4A: ("Открыт чек – операция невозможна", "A receipt is open: operation impossible"),
        0x4E: ("Смена превысила 24 часа", "The shift exceeded 24 hours"),
        0x4F: ("Неверный пароль", "Wrong password"),
        0x50: (
            "Идет печать результатов выполнения предыдущей команды",
            "Still printing the result of the previous command",
        ),
        0x55: ("Чек закрыт – операция невозможна", "The receipt is closed: operation impossible"),
        0x58: ("Ожидание команды продолжения печати", "Waiting for the continue-printing command"),
        0x5E: ("Некорректная операция", "Invalid operation"),
        0x61: ("Переполнение диапазона цены", "Price out of range"),
        0x62: ("Переполнение диапазона количества", "Quantity out of range"),
        0x6B: ("Нет чековой ленты", "No receipt paper"),
        0x71: ("Ошибка отрезчика", "Cutter failure"),
        0x72: (
            "Команда не поддерживается в данном подрежиме",
            "Command not supported in this submode",
        ),
        0x73: ("Команда не поддерживается в данном режиме", "Command not supported in this mode"),
        0x7E: ("Неверное значение в поле длины", "Wrong value in the length field"),
        0x8E: ("Нулевой итог чека", "Zero receipt total"),
        0x8F: ("Касса не фискализирована", "The register is not fiscalised"),
        0xA0: (
            "ФН: запрещена работа с маркированными товарами",
            "FN: marked goods are not allowed",
        ),
        0xA1: (
            "ФН: неверная последовательность команд группы Bxh",
            "FN: wrong sequence of Bxh-group commands",
        ),
        0xA2: (
            "ФН: работа с маркированными товарами временно заблокирована",
            "FN: marked goods temporarily blocked",
        ),
        0xA3: (
            "ФН: переполнена таблица проверки кодов маркировки",
            "FN: marking-code check table is full",
        ),
        0xAA: (
            "ФН: в блоке TLV отсутствуют необходимые реквизиты",
            "FN: required tags missing from the TLV block",
        ),
        0xAC: (
            "ФН: в реквизите 2007 содержится КМ, который ранее не проверялся в ФН",
            "FN: tag 2007 holds a marking code the FN has not checked",
        ),
        0xC0: (
            "Контроль даты и времени (подтвердите дату и время)",
            "Date and time check: confirm the date and time",
        ),
        0xD3: ("Товар не произведен или выбыл", "The goods were not produced or were withdrawn"),
        0xD4: ("Код маркировки фальсифицирован", "The marking code is forged"),
        0xD5: ("Ошибка аутентификации", "Authentication error"),
    }
)

SHIFT_EXPIRED: Final = frozenset({0x16, 0x4E})  #: both mean "shift over 24 h"
#: openkkm's own text for an expired shift; always holds «смена» (API.md §8.2)
SHIFT_EXPIRED_TEXT: Final = (
    "Открытая смена превысила 24 часа: закройте смену",
    "The open shift exceeded 24 hours: close the shift",
)
#: codes that say the fiscal state forbids the command, not that the command was malformed
FISCAL_STATE_ERRORS: Final = frozenset(
    {0x02, 0x05, 0x06, 0x12, 0x14, 0x15, 0x16, 0x3D, 0x4A, 0x4E, 0x55, 0x8F}
)


def is_fn_error(code: int) -> bool:
    """Return whether ``code`` comes from the fiscal drive rather than the register."""
    return 0 < code < 0x20 or 0xA0 <= code <= 0xB2


def error_text(code: int, language: str = "ru") -> str:
    """Return the text for ``code`` in ``language`` ("ru" or "en"), unknown codes included."""
    ru, en = ERROR_TEXTS.get(
        code, (f"Неизвестная ошибка ККТ {code:#04x}", f"Unknown device error {code:#04x}")
    )
    return en if language == "en" else ru


def device_error(code: int) -> DeviceRejected | FiscalStateError:
    """Return the exception for a non-zero error byte of an answer."""
    if code in SHIFT_EXPIRED:
        return FiscalStateError(*SHIFT_EXPIRED_TEXT, vendor_code=code)
    ru, en = error_text(code, "ru"), error_text(code, "en")
    prefix = f"Ошибка ККТ {code:#04x}: ", f"Device error {code:#04x}: "
    if code in FISCAL_STATE_ERRORS:
        return FiscalStateError(prefix[0] + ru, prefix[1] + en, vendor_code=code)
    return DeviceRejected(code, prefix[0] + ru, prefix[1] + en)
