"""Shift, report, cash and printer commands.

0xE0, FF41/FF42/FF0B/FF43, 0x40/0x41, 0x50/0x51, 0x28, 0x17, 0x2F (PROTOCOLS.md §1.5–§1.7).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

from .codes import Command
from .fields import DateTimeField, Optional, Text, spec
from .messages import (
    U8,
    U16,
    U32,
    U40,
    Answer,
    EmptyAnswer,
    Request,
    admin_password,
    cashier_password,
)
from .values import CLASSIC_TEXT_SIZE, PrintFlags


@dataclass(frozen=True, kw_only=True)
class OpenShiftAnswer(Answer):
    """0xE0 answer: the operator number, which javapos and pyshtrih do not expect."""

    operator: int | None = spec(Optional(U8), None)


@dataclass(frozen=True, kw_only=True)
class OpenShift(Request):
    """0xE0 open a shift (the FN forms the shift-open report)."""

    code: ClassVar[Command] = Command.OPEN_SHIFT
    answer: ClassVar[type[Answer]] = OpenShiftAnswer
    password: int = admin_password()


@dataclass(frozen=True, kw_only=True)
class BeginOpenShift(Request):
    """FF41 start opening a shift in the FN (then FF0C tags, then FF0B)."""

    code: ClassVar[Command] = Command.FN_BEGIN_OPEN_SHIFT
    answer: ClassVar[type[Answer]] = EmptyAnswer
    password: int = admin_password()


@dataclass(frozen=True, kw_only=True)
class BeginCloseShift(Request):
    """FF42 start closing a shift in the FN (then FF0C tags, then FF43)."""

    code: ClassVar[Command] = Command.FN_BEGIN_CLOSE_SHIFT
    answer: ClassVar[type[Answer]] = EmptyAnswer
    password: int = admin_password()


@dataclass(frozen=True, kw_only=True)
class FnShiftAnswer(Answer):
    """FF0B / FF43 answer: shift number, FD number, fiscal sign (+ date-time if extended)."""

    shift_number: int = spec(U16)
    fd_number: int = spec(U32)
    fiscal_sign: int = spec(U32)
    datetime: dt.datetime | None = spec(Optional(DateTimeField()), None)


@dataclass(frozen=True, kw_only=True)
class FnOpenShift(Request):
    """FF0B open the shift in the FN."""

    code: ClassVar[Command] = Command.FN_OPEN_SHIFT
    answer: ClassVar[type[Answer]] = FnShiftAnswer
    password: int = admin_password()


@dataclass(frozen=True, kw_only=True)
class FnCloseShift(Request):
    """FF43 close the shift in the FN."""

    code: ClassVar[Command] = Command.FN_CLOSE_SHIFT
    answer: ClassVar[type[Answer]] = FnShiftAnswer
    password: int = admin_password()


@dataclass(frozen=True, kw_only=True)
class XReport(Request):
    """0x40 X report (shift report without closing)."""

    code: ClassVar[Command] = Command.X_REPORT
    password: int = admin_password()


@dataclass(frozen=True, kw_only=True)
class ZReport(Request):
    """0x41 Z report: closes the shift; the FN forms the shift-close report."""

    code: ClassVar[Command] = Command.Z_REPORT
    password: int = admin_password()


@dataclass(frozen=True, kw_only=True)
class CashAnswer(Answer):
    """0x50 / 0x51 answer: operator and document through-number."""

    operator: int = spec(U8)
    document_number: int = spec(U16)


@dataclass(frozen=True, kw_only=True)
class CashIn(Request):
    """0x50 cash in (внесение), ``amount`` in kopecks."""

    code: ClassVar[Command] = Command.CASH_IN
    answer: ClassVar[type[Answer]] = CashAnswer
    password: int = cashier_password()
    amount: int = spec(U40)


@dataclass(frozen=True, kw_only=True)
class CashOut(CashIn):
    """0x51 cash out (выплата), ``amount`` in kopecks."""

    code: ClassVar[Command] = Command.CASH_OUT


@dataclass(frozen=True, kw_only=True)
class OpenDrawer(Request):
    """0x28 open cash drawer ``drawer``."""

    code: ClassVar[Command] = Command.OPEN_DRAWER
    password: int = cashier_password()
    drawer: int = spec(U8, 0)


@dataclass(frozen=True, kw_only=True)
class PrintString(Request):
    """0x17 print a line in font 1 (40-byte field, NUL-padded)."""

    code: ClassVar[Command] = Command.PRINT_STRING
    password: int = cashier_password()
    flags: int = spec(U8, PrintFlags.RECEIPT)
    text: str = spec(Text(CLASSIC_TEXT_SIZE, pad=True), "")


@dataclass(frozen=True, kw_only=True)
class PrintStringFont(Request):
    """0x2F print a line in font ``font`` (40-byte field, NUL-padded)."""

    code: ClassVar[Command] = Command.PRINT_STRING_FONT
    password: int = cashier_password()
    flags: int = spec(U8, PrintFlags.RECEIPT)
    font: int = spec(U8, 1)
    text: str = spec(Text(CLASSIC_TEXT_SIZE, pad=True), "")
