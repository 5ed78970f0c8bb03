"""Device state commands: 0x10 short status, 0x11 full status, 0xFC device type (§1.4)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

from .codes import Command
from .fields import Ascii, Blob, DateField, Optional, Text, TimeField, spec
from .messages import U8, U16, U32, U48, Answer, Request, admin_password
from .status import EcrFlags, split_mode


@dataclass(frozen=True, kw_only=True)
class ShortStatusAnswer(Answer):
    """0x10 answer: 14 DATA bytes, 15 when the model reports the last print result."""

    operator: int = spec(U8)
    flags: int = spec(U16)
    mode_byte: int = spec(U8)
    submode: int = spec(U8)
    operations_low: int = spec(U8, 0)
    battery_voltage: int = spec(U8, 0)
    power_voltage: int = spec(U8, 0)
    fm_error: int = spec(U8, 0)
    ej_error: int = spec(U8, 0)
    operations_high: int = spec(U8, 0)
    reserved: bytes = spec(Blob(3), b"\0\0\0")
    last_print_result: int | None = spec(Optional(U8), None)

    @property
    def mode(self) -> int:
        """Return the mode number (low nibble)."""
        return split_mode(self.mode_byte)[0]

    @property
    def mode_status(self) -> int:
        """Return the mode status (high nibble)."""
        return split_mode(self.mode_byte)[1]

    @property
    def ecr_flags(self) -> EcrFlags:
        """Return the flags word as flags."""
        return EcrFlags(self.flags)

    @property
    def operations(self) -> int:
        """Return the count of operations in the current receipt."""
        return self.operations_high << 8 | self.operations_low


@dataclass(frozen=True, kw_only=True)
class ShortStatus(Request):
    """0x10 short status request."""

    code: ClassVar[Command] = Command.SHORT_STATUS
    answer: ClassVar[type[Answer]] = ShortStatusAnswer
    password: int = admin_password()


@dataclass(frozen=True, kw_only=True)
class FullStatusAnswer(Answer):
    """0x11 answer: 46 DATA bytes, or 48 with the high word of a 6-byte serial number."""

    operator: int = spec(U8)
    firmware_version: str = spec(Ascii(2))
    firmware_build: int = spec(U16)
    firmware_date: dt.date | None = spec(DateField("dmy"))
    number_in_hall: int = spec(U8, 1)
    document_number: int = spec(U16, 0)
    flags: int = spec(U16, 0)
    mode_byte: int = spec(U8, 0)
    submode: int = spec(U8, 0)
    port: int = spec(U8, 0)
    fm_version: str = spec(Ascii(2), "")
    fm_build: int = spec(U16, 0)
    fm_date: dt.date | None = spec(DateField("dmy"), None)
    date: dt.date | None = spec(DateField("dmy"), None)
    time: dt.time | None = spec(TimeField(), dt.time(0, 0))
    fm_flags: int = spec(U8, 0)
    serial_number: int = spec(U32, 0)
    last_shift_number: int = spec(U16, 0)
    free_fm_records: int = spec(U16, 0)
    reregistrations: int = spec(U8, 0)
    reregistrations_left: int = spec(U8, 0)
    inn: int = spec(U48, 0xFF_FF_FF_FF_FF_FF)
    serial_number_high: int | None = spec(Optional(U16), None)

    @property
    def mode(self) -> int:
        """Return the mode number (low nibble)."""
        return split_mode(self.mode_byte)[0]


@dataclass(frozen=True, kw_only=True)
class FullStatus(Request):
    """0x11 full status request."""

    code: ClassVar[Command] = Command.FULL_STATUS
    answer: ClassVar[type[Answer]] = FullStatusAnswer
    password: int = admin_password()


@dataclass(frozen=True, kw_only=True)
class DeviceTypeAnswer(Answer):
    """0xFC answer: type, subtype, protocol version, model, language, name (CP1251)."""

    device_type: int = spec(U8, 0)
    device_subtype: int = spec(U8, 0)
    protocol_version: int = spec(U8, 1)
    protocol_subversion: int = spec(U8, 0)
    model: int = spec(U8)
    language: int = spec(U8, 0)
    name: str = spec(Text(255))


@dataclass(frozen=True, kw_only=True)
class DeviceType(Request):
    """0xFC device type request (no password)."""

    code: ClassVar[Command] = Command.DEVICE_TYPE
    answer: ClassVar[type[Answer]] = DeviceTypeAnswer
