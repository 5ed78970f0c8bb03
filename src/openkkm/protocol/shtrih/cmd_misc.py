"""Service commands: beep, reset, tables, clock, cut, feed, port, FN version and cancel.

0x13, 0x14/0x15, 0x16, 0x1E/0x1F, 0x21–0x23, 0x25, 0x29, 0x6B, 0x89, 0x8C, 0xB0, FF04, FF08
(PROTOCOLS.md §1.5, §1.6).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

from .codes import Command
from .fields import Ascii, Blob, DateField, Text, TimeField, spec
from .messages import (
    U8,
    U16,
    U40,
    Answer,
    EmptyAnswer,
    Request,
    admin_password,
    cashier_password,
)
from .values import PrintFlags


@dataclass(frozen=True, kw_only=True)
class Beep(Request):
    """0x13 beep."""

    code: ClassVar[Command] = Command.BEEP
    password: int = cashier_password()


@dataclass(frozen=True, kw_only=True)
class TechReset(Request):
    """0x16 technological reset (no password)."""

    code: ClassVar[Command] = Command.TECH_RESET
    answer: ClassVar[type[Answer]] = EmptyAnswer


@dataclass(frozen=True, kw_only=True)
class WriteTable(Request):
    """0x1E write a table field; ``value`` is the field's raw bytes (integers LE, text CP1251)."""

    code: ClassVar[Command] = Command.WRITE_TABLE
    answer: ClassVar[type[Answer]] = EmptyAnswer
    password: int = admin_password()
    table: int = spec(U8)
    row: int = spec(U16)
    field: int = spec(U8)
    value: bytes = spec(Blob())


@dataclass(frozen=True, kw_only=True)
class ReadTableAnswer(Answer):
    """0x1F answer: the field's raw bytes."""

    value: bytes = spec(Blob())


@dataclass(frozen=True, kw_only=True)
class ReadTable(Request):
    """0x1F read a table field."""

    code: ClassVar[Command] = Command.READ_TABLE
    answer: ClassVar[type[Answer]] = ReadTableAnswer
    password: int = admin_password()
    table: int = spec(U8)
    row: int = spec(U16)
    field: int = spec(U8)


@dataclass(frozen=True, kw_only=True)
class SetTime(Request):
    """0x21 set the clock ``HH MM SS``."""

    code: ClassVar[Command] = Command.SET_TIME
    answer: ClassVar[type[Answer]] = EmptyAnswer
    password: int = admin_password()
    time: dt.time = spec(TimeField())


@dataclass(frozen=True, kw_only=True)
class SetDate(Request):
    """0x22 set the date ``DD MM YY`` (the device then waits for 0x23)."""

    code: ClassVar[Command] = Command.SET_DATE
    answer: ClassVar[type[Answer]] = EmptyAnswer
    password: int = admin_password()
    date: dt.date = spec(DateField("dmy"))


@dataclass(frozen=True, kw_only=True)
class ConfirmDate(SetDate):
    """0x23 confirm the date set with 0x22."""

    code: ClassVar[Command] = Command.CONFIRM_DATE


@dataclass(frozen=True, kw_only=True)
class Cut(Request):
    """0x25 cut: 0 full, 1 partial."""

    code: ClassVar[Command] = Command.CUT
    password: int = cashier_password()
    partial: int = spec(U8, 1)


@dataclass(frozen=True, kw_only=True)
class Feed(Request):
    """0x29 feed ``lines`` lines on the tapes in ``flags``."""

    code: ClassVar[Command] = Command.FEED
    password: int = cashier_password()
    flags: int = spec(U8, PrintFlags.RECEIPT)
    lines: int = spec(U8, 1)


@dataclass(frozen=True, kw_only=True)
class SubtotalAnswer(Answer):
    """0x89 answer: operator and the receipt subtotal in kopecks."""

    operator: int = spec(U8)
    subtotal: int = spec(U40)


@dataclass(frozen=True, kw_only=True)
class Subtotal(Request):
    """0x89 receipt subtotal."""

    code: ClassVar[Command] = Command.SUBTOTAL
    answer: ClassVar[type[Answer]] = SubtotalAnswer
    password: int = cashier_password()


@dataclass(frozen=True, kw_only=True)
class RepeatDocument(Request):
    """0x8C print a copy of the last document."""

    code: ClassVar[Command] = Command.REPEAT_DOCUMENT
    password: int = cashier_password()


@dataclass(frozen=True, kw_only=True)
class ContinuePrint(Request):
    """0xB0 continue printing after the paper was replaced (submode 3)."""

    code: ClassVar[Command] = Command.CONTINUE_PRINT
    password: int = admin_password()


@dataclass(frozen=True, kw_only=True)
class FnVersionAnswer(Answer):
    """FF04 answer: firmware version text and 0 debug / 1 serial."""

    version: str = spec(Ascii(16))
    serial_build: int = spec(U8)


@dataclass(frozen=True, kw_only=True)
class FnVersion(Request):
    """FF04 FN firmware version."""

    code: ClassVar[Command] = Command.FN_VERSION
    answer: ClassVar[type[Answer]] = FnVersionAnswer
    password: int = admin_password()


@dataclass(frozen=True, kw_only=True)
class FnCancelDocument(Request):
    """FF08 cancel the document open in the FN."""

    code: ClassVar[Command] = Command.FN_CANCEL_DOCUMENT
    answer: ClassVar[type[Answer]] = EmptyAnswer
    password: int = admin_password()


@dataclass(frozen=True, kw_only=True)
class SetExchange(Request):
    """0x14 set port parameters: baud-rate code (2400=0 … 115200=6) and byte-timeout code."""

    code: ClassVar[Command] = Command.SET_EXCHANGE
    answer: ClassVar[type[Answer]] = EmptyAnswer
    password: int = admin_password()
    port: int = spec(U8, 0)
    baudrate_code: int = spec(U8)
    byte_timeout_code: int = spec(U8)


@dataclass(frozen=True, kw_only=True)
class ReadExchangeAnswer(Answer):
    """0x15 answer: baud-rate code and byte-timeout code."""

    baudrate_code: int = spec(U8)
    byte_timeout_code: int = spec(U8)


@dataclass(frozen=True, kw_only=True)
class ReadExchange(Request):
    """0x15 read port parameters."""

    code: ClassVar[Command] = Command.READ_EXCHANGE
    answer: ClassVar[type[Answer]] = ReadExchangeAnswer
    password: int = admin_password()
    port: int = spec(U8, 0)


@dataclass(frozen=True, kw_only=True)
class ReadErrorTextAnswer(Answer):
    """0x6B answer: the device's own text for an error code (CP1251)."""

    text: str = spec(Text(255))


@dataclass(frozen=True, kw_only=True)
class ReadErrorText(Request):
    """0x6B read the device's text for ``error`` (unsupported on some firmware: 0x37)."""

    code: ClassVar[Command] = Command.READ_ERROR_TEXT
    answer: ClassVar[type[Answer]] = ReadErrorTextAnswer
    error: int = spec(U8)
