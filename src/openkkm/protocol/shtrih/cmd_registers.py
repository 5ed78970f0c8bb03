"""Registers and FN reports: money/operation registers, state report, re-registration, close FN.

0x1A, 0x1B, FF37/FF38, FF05/FF34, FF3D/FF3E (PROTOCOLS.md §1.5–§1.7; shtrih-commands.xml).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import IntEnum
from typing import ClassVar

from .codes import Command
from .fields import Ascii, DateField, DateTimeField, Optional, spec
from .messages import (
    U8,
    U16,
    U32,
    U48,
    Answer,
    EmptyAnswer,
    Request,
    admin_password,
    cashier_password,
)


class RegistrationReport(IntEnum):
    """FF05 report types."""

    REGISTRATION = 0
    REREGISTRATION_FN_CHANGE = 1
    REREGISTRATION = 2


class MoneyRegister(IntEnum):
    """Money registers (0x1A) the driver reads."""

    CASH_IN_DRAWER = 241  #: cash in the drawer


@dataclass(frozen=True, kw_only=True)
class MoneyRegisterAnswer(Answer):
    """0x1A answer: operator and the register's value in kopecks."""

    operator: int = spec(U8)
    value: int = spec(U48)


@dataclass(frozen=True, kw_only=True)
class ReadMoneyRegister(Request):
    """0x1A read money register ``register``."""

    code: ClassVar[Command] = Command.READ_MONEY_REGISTER
    answer: ClassVar[type[Answer]] = MoneyRegisterAnswer
    password: int = cashier_password()
    register: int = spec(U8)


@dataclass(frozen=True, kw_only=True)
class OperationRegisterAnswer(Answer):
    """0x1B answer: operator and the register's count."""

    operator: int = spec(U8)
    value: int = spec(U16)


@dataclass(frozen=True, kw_only=True)
class ReadOperationRegister(Request):
    """0x1B read operation register ``register``."""

    code: ClassVar[Command] = Command.READ_OPERATION_REGISTER
    answer: ClassVar[type[Answer]] = OperationRegisterAnswer
    password: int = cashier_password()
    register: int = spec(U8)


@dataclass(frozen=True, kw_only=True)
class BeginStateReport(Request):
    """FF37 start the settlement-state report (form 21); FF0C tags may follow."""

    code: ClassVar[Command] = Command.FN_BEGIN_STATE_REPORT
    answer: ClassVar[type[Answer]] = EmptyAnswer
    password: int = admin_password()


@dataclass(frozen=True, kw_only=True)
class StateReportAnswer(Answer):
    """FF38 answer: FD, FP, unconfirmed documents, date of the first (+ date-time if extended)."""

    fd_number: int = spec(U32)
    fiscal_sign: int = spec(U32)
    unconfirmed: int = spec(U32, 0)
    first_unconfirmed_date: dt.date | None = spec(DateField("ymd"), None)
    datetime: dt.datetime | None = spec(Optional(DateTimeField()), None)


@dataclass(frozen=True, kw_only=True)
class StateReport(Request):
    """FF38 make the settlement-state report."""

    code: ClassVar[Command] = Command.FN_STATE_REPORT
    answer: ClassVar[type[Answer]] = StateReportAnswer
    password: int = admin_password()


@dataclass(frozen=True, kw_only=True)
class BeginCloseFn(Request):
    """FF3D start closing the fiscal mode; FF0C tags may follow."""

    code: ClassVar[Command] = Command.FN_BEGIN_CLOSE
    answer: ClassVar[type[Answer]] = EmptyAnswer
    password: int = admin_password()


@dataclass(frozen=True, kw_only=True)
class CloseFnAnswer(Answer):
    """FF3E answer: FD and FP of the close-FN report (+ date-time if extended)."""

    fd_number: int = spec(U32)
    fiscal_sign: int = spec(U32)
    datetime: dt.datetime | None = spec(Optional(DateTimeField()), None)


@dataclass(frozen=True, kw_only=True)
class CloseFn(Request):
    """FF3E close the fiscal mode: the FN forms the close-FN report."""

    code: ClassVar[Command] = Command.FN_CLOSE
    answer: ClassVar[type[Answer]] = CloseFnAnswer
    password: int = admin_password()


@dataclass(frozen=True, kw_only=True)
class BeginRegistration(Request):
    """FF05 start a registration report of ``report_type``; FF0C registration tags may follow."""

    code: ClassVar[Command] = Command.FN_BEGIN_REGISTRATION
    answer: ClassVar[type[Answer]] = EmptyAnswer
    password: int = admin_password()
    report_type: int = spec(U8, RegistrationReport.REREGISTRATION)


@dataclass(frozen=True, kw_only=True)
class RegistrationAnswer(Answer):
    """FF06 and FF34 answer: FD and FP of the (re-)registration report (+ date-time if
    extended)."""

    fd_number: int = spec(U32)
    fiscal_sign: int = spec(U32)
    datetime: dt.datetime | None = spec(Optional(DateTimeField()), None)


@dataclass(frozen=True, kw_only=True)
class Register(Request):
    """FF06 make the registration report (FF05 type 0 begun): INN, РН, tax systems, work mode."""

    code: ClassVar[Command] = Command.FN_REGISTER
    answer: ClassVar[type[Answer]] = RegistrationAnswer
    password: int = admin_password()
    inn: str = spec(Ascii(12))
    reg_number: str = spec(Ascii(20))
    tax_systems: int = spec(U8)
    work_mode: int = spec(U8, 0)


@dataclass(frozen=True, kw_only=True)
class Reregister(Register):
    """FF34 make the re-registration report: FF06's fields, then the reason."""

    code: ClassVar[Command] = Command.FN_REREGISTER
    reason: int = spec(U8, 0)
