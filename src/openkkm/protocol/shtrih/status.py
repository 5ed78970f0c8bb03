"""Shtrih-M state tables: modes, submodes, ECR flags, FN phase/document/warnings, OFD status.

Sources: PROTOCOLS.md §1.4 (0x10/0x11) and §1.6 (FF01, FF39). Mode numbers are the classic list;
the FN-era spec renumbers 12…14, and pyshtrih treats 12 as "still printing", so an emulator
must never report mode 12.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum, IntFlag
from types import MappingProxyType
from typing import Final


class Mode(IntEnum):
    """Low nibble of the mode byte."""

    WORKING = 0
    DATA_OUTPUT = 1
    SHIFT_OPEN = 2
    SHIFT_EXPIRED = 3
    SHIFT_CLOSED = 4
    LOCKED_BAD_PASSWORD = 5
    WAITING_DATE_CONFIRM = 6
    DECIMAL_POINT_CHANGE = 7
    DOCUMENT_OPEN = 8
    TECH_RESET_ALLOWED = 9
    TEST_RUN = 10
    FULL_FISCAL_REPORT = 11
    EJ_REPORT = 12
    FISCAL_SLIP = 13
    SLIP_PRINTING = 14
    FISCAL_SLIP_FORMED = 15


#: mode -> (Russian, English)
MODE_TEXTS: Final[Mapping[Mode, tuple[str, str]]] = MappingProxyType(
    {
        Mode.WORKING: ("Принтер в рабочем режиме", "Printer in working mode"),
        Mode.DATA_OUTPUT: ("Выдача данных", "Data output"),
        Mode.SHIFT_OPEN: ("Открытая смена, 24 часа не кончились", "Shift open, under 24 h"),
        Mode.SHIFT_EXPIRED: ("Открытая смена, 24 часа кончились", "Shift open, 24 h expired"),
        Mode.SHIFT_CLOSED: ("Закрытая смена", "Shift closed"),
        Mode.LOCKED_BAD_PASSWORD: (
            "Блокировка по неправильному паролю налогового инспектора",
            "Locked by a wrong tax-inspector password",
        ),
        Mode.WAITING_DATE_CONFIRM: (
            "Ожидание подтверждения ввода даты",
            "Waiting for date confirmation",
        ),
        Mode.DECIMAL_POINT_CHANGE: (
            "Разрешение изменения положения десятичной точки",
            "Decimal point change allowed",
        ),
        Mode.DOCUMENT_OPEN: ("Открытый документ", "Document open"),
        Mode.TECH_RESET_ALLOWED: (
            "Режим разрешения технологического обнуления",
            "Tech reset allowed",
        ),
        Mode.TEST_RUN: ("Тестовый прогон", "Test run"),
        Mode.FULL_FISCAL_REPORT: (
            "Печать полного фискального отчета",
            "Printing a full fiscal report",
        ),
        Mode.EJ_REPORT: ("Печать отчёта ЭКЛЗ", "Printing an EJ report"),
        Mode.FISCAL_SLIP: ("Работа с фискальным подкладным документом", "Fiscal slip"),
        Mode.SLIP_PRINTING: ("Печать подкладного документа", "Slip printing"),
        Mode.FISCAL_SLIP_FORMED: (
            "Фискальный подкладной документ сформирован",
            "Fiscal slip formed",
        ),
    }
)


class DocumentStatus(IntEnum):
    """High nibble of the mode byte while ``Mode.DOCUMENT_OPEN``."""

    SALE = 0
    BUY = 1
    SALE_RETURN = 2
    BUY_RETURN = 3
    NON_FISCAL = 4


class Submode(IntEnum):
    """Printer submode (0x10 offset 4, 0x11 offset 14)."""

    IDLE = 0
    PAPER_OUT_PASSIVE = 1
    PAPER_OUT_ACTIVE = 2
    WAITING_CONTINUE = 3
    PRINTING_FULL_REPORT = 4
    PRINTING = 5


#: submode -> (Russian, English)
SUBMODE_TEXTS: Final[Mapping[Submode, tuple[str, str]]] = MappingProxyType(
    {
        Submode.IDLE: ("Бумага есть, ККТ не в фазе печати", "Paper present, idle"),
        Submode.PAPER_OUT_PASSIVE: ("Пассивное отсутствие бумаги", "Paper out (not printing)"),
        Submode.PAPER_OUT_ACTIVE: ("Активное отсутствие бумаги", "Paper ran out while printing"),
        Submode.WAITING_CONTINUE: (
            "После активного отсутствия бумаги: ожидание команды продолжения печати",
            "Waiting for the continue-printing command",
        ),
        Submode.PRINTING_FULL_REPORT: (
            "Печать полного фискального отчёта",
            "Printing a full report",
        ),
        Submode.PRINTING: ("Печать операции", "Printing an operation"),
    }
)


class EcrFlags(IntFlag):
    """ECR flags word (u16); 1 = present/open/raised."""

    JOURNAL_ROLL = 1 << 0
    RECEIPT_ROLL = 1 << 1
    SLIP_UPPER_SENSOR = 1 << 2
    SLIP_LOWER_SENSOR = 1 << 3
    DECIMAL_POINT_2 = 1 << 4
    EJ_PRESENT = 1 << 5
    JOURNAL_OPTICAL = 1 << 6
    RECEIPT_OPTICAL = 1 << 7
    JOURNAL_LEVER = 1 << 8
    RECEIPT_LEVER = 1 << 9
    COVER_OPEN = 1 << 10
    DRAWER_OPEN = 1 << 11


class FnPhase(IntFlag):
    """FF01 life phase bits."""

    CONFIGURED = 1 << 0
    FISCAL_OPEN = 1 << 1
    FISCAL_CLOSED = 1 << 2
    ARCHIVE_SENT = 1 << 3


class FnDocument(IntEnum):
    """FF01 "current document" byte: the document open in the FN."""

    NONE = 0x00
    REGISTRATION = 0x01
    SHIFT_OPEN = 0x02
    RECEIPT = 0x04
    SHIFT_CLOSE = 0x08
    FN_CLOSE = 0x10
    BSO = 0x11
    REREGISTRATION_FN_CHANGE = 0x12
    REREGISTRATION = 0x13
    CORRECTION = 0x14
    BSO_CORRECTION = 0x15
    SETTLEMENT_REPORT = 0x17


class FnWarning(IntFlag):
    """FF01 warning flags."""

    REPLACE_URGENT = 1 << 0
    RESOURCE_30_DAYS = 1 << 1
    MEMORY_90_PERCENT = 1 << 2
    OFD_TIMEOUT = 1 << 3


class OfdStatus(IntFlag):
    """FF39 exchange status bits."""

    TRANSPORT_CONNECTED = 1 << 0
    MESSAGE_WAITING = 1 << 1
    WAITING_TICKET = 1 << 2
    COMMAND_FROM_OFD = 1 << 3
    SETTINGS_CHANGED = 1 << 4
    WAITING_COMMAND_ANSWER = 1 << 5


def split_mode(mode_byte: int) -> tuple[int, int]:
    """Split the mode byte into ``(mode number, mode status)``."""
    return mode_byte & 0x0F, mode_byte >> 4


def join_mode(mode: int, status: int = 0) -> int:
    """Build the mode byte from a mode number and its status nibble."""
    return (status & 0x0F) << 4 | (mode & 0x0F)
