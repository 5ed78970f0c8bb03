"""State, mode and service commands: 0x3F, 0x45, 0xA5, 0x56/0x48, 0x4C, 0x75, 0x80, 0x47."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar, Final, Self

from ...errors import ProtocolError
from .codes import ANSWER_OK, ANSWER_STATE, Command, Mode, PrinterFlags, StateFlags
from .errors import device_error
from .messages import Answer, Request, check_result, need
from .values import bcd, decode_text, encode_text, from_bcd

TAPE: Final = 1  #: 0x8E's printer selector: the receipt tape
PICTURE_REPEAT_LIMIT: Final = 4096  #: the most repeats of one 0x8E row (atol4j)

STATE_RECORD_SIZE = 29  #: bytes after ``'D'``


@dataclass(frozen=True, slots=True)
class DeviceStateAnswer(Answer):
    """0x3F record (H): time, flags, serial, mode, receipt and shift numbers, open receipt sum."""

    cashier: int = 0
    hall_number: int = 1
    moment: dt.datetime = dt.datetime(2000, 1, 1)
    flags: StateFlags = StateFlags.NONE
    serial: int = 0
    model: int = 0
    firmware: int = 0
    mode: int = 0
    submode: int = 0
    receipt_number: int = 0
    shift_number: int = 0
    receipt_state: int = 0  #: 0 none, else the open receipt's type
    receipt_sum: int = 0
    decimal_point: int = 2
    port: int = 0

    def encode(self) -> bytes:
        """Return ``44 record``."""
        m = self.moment
        stamp = b"".join(bcd(part % 100, 1) for part in
                         (m.year, m.month, m.day, m.hour, m.minute, m.second))
        return (bytes((ANSWER_STATE,)) + bcd(self.cashier, 1) + bytes((self.hall_number,))
                + stamp + bytes((self.flags,)) + bcd(self.serial, 4) + bytes((self.model,))
                + self.firmware.to_bytes(2, "big")
                + bytes((self.submode << 4 | self.mode,)) + bcd(self.receipt_number, 2)
                + bcd(self.shift_number, 2) + bytes((self.receipt_state,))
                + bcd(self.receipt_sum, 5) + bytes((self.decimal_point, self.port)))

    @classmethod
    def decode(cls, message: bytes) -> Self:
        """Parse ``44 record``; an error answer ``55 ERR`` raises."""
        if message[:1] == bytes((ANSWER_OK,)):
            check_result(message)
        if message[:1] != bytes((ANSWER_STATE,)):
            raise ProtocolError("Ответ на 0x3F не начинается с 'D'", "0x3F answer is not 'D'")
        d = message[1:]
        need(d, STATE_RECORD_SIZE, "0x3F record")
        year, month, day, hour, minute, second = (from_bcd(d[i : i + 1]) for i in range(2, 8))
        return cls(cashier=from_bcd(d[0:1]), hall_number=d[1],
                   moment=dt.datetime(2000 + year, month, day, hour, minute, second),
                   flags=StateFlags(d[8]), serial=from_bcd(d[9:13]), model=d[13],
                   firmware=int.from_bytes(d[14:16], "big"), mode=d[16] & 0x0F,
                   submode=d[16] >> 4, receipt_number=from_bcd(d[17:19]),
                   shift_number=from_bcd(d[19:21]), receipt_state=d[21],
                   receipt_sum=from_bcd(d[22:27]), decimal_point=d[27], port=d[28])


@dataclass(frozen=True, slots=True)
class DeviceState(Request):
    """0x3F device state."""

    code: ClassVar[Command] = Command.DEVICE_STATE
    answer: ClassVar[type[Answer]] = DeviceStateAnswer


@dataclass(frozen=True, slots=True)
class StateCodeAnswer(Answer):
    """0x45 answer ``55 mode flags`` (H): no ERR byte."""

    mode: int = 0
    submode: int = 0
    flags: PrinterFlags = PrinterFlags.NONE

    def encode(self) -> bytes:
        """Return ``55 mode flags``."""
        return bytes((ANSWER_OK, self.submode << 4 | self.mode, self.flags))

    @classmethod
    def decode(cls, message: bytes) -> Self:
        """Parse ``55 mode flags``."""
        need(message, 3, "0x45 answer")
        if message[0] != ANSWER_OK:
            raise ProtocolError("Ответ на 0x45 не начинается с 'U'", "0x45 answer is not 'U'")
        return cls(mode=message[1] & 0x0F, submode=message[1] >> 4,
                   flags=PrinterFlags(message[2]))


@dataclass(frozen=True, slots=True)
class StateCode(Request):
    """0x45 mode and printer state."""

    code: ClassVar[Command] = Command.STATE_CODE
    answer: ClassVar[type[Answer]] = StateCodeAnswer


@dataclass(frozen=True, slots=True)
class DeviceTypeAnswer(Answer):
    """0xA5 answer ``ERR protocol type model mode(2) version(5) name`` (H): no 'U' prefix."""

    protocol: int = 0
    device_type: int = 1
    model: int = 0
    mode: int = 0
    version: bytes = bytes(5)
    name: str = ""

    def encode(self) -> bytes:
        """Return ``00 record``."""
        return (bytes((0, self.protocol, self.device_type, self.model))
                + self.mode.to_bytes(2, "big") + self.version + encode_text(self.name))

    @classmethod
    def decode(cls, message: bytes) -> Self:
        """Parse ``ERR record``."""
        need(message, 1, "0xA5 answer")
        if message[0]:
            raise device_error(message[0])
        need(message, 11, "0xA5 record")
        return cls(protocol=message[1], device_type=message[2], model=message[3],
                   mode=int.from_bytes(message[4:6], "big"), version=bytes(message[6:11]),
                   name=decode_text(message[11:]))


@dataclass(frozen=True, slots=True)
class DeviceType(Request):
    """0xA5 device type."""

    code: ClassVar[Command] = Command.DEVICE_TYPE
    answer: ClassVar[type[Answer]] = DeviceTypeAnswer


@dataclass(frozen=True, slots=True)
class EnterMode(Request):
    """0x56 enter ``mode`` with its password (4 BCD bytes)."""

    code: ClassVar[Command] = Command.ENTER_MODE
    mode: Mode = Mode.REGISTRATION
    password: int = 30

    def params(self) -> bytes:
        """``mode password``."""
        return bytes((self.mode,)) + bcd(self.password, 4, "password")

    @classmethod
    def from_params(cls, params: bytes) -> Self:
        """Parse ``mode password``."""
        need(params, 5, "0x56")
        try:
            mode = Mode(params[0])
        except ValueError:
            raise ProtocolError(f"Неизвестный режим {params[0]}", f"Unknown mode {params[0]}"
                                ) from None
        return cls(mode=mode, password=from_bcd(params[1:5], "password"))


@dataclass(frozen=True, slots=True)
class LeaveMode(Request):
    """0x48 leave the current mode (back to mode 0)."""

    code: ClassVar[Command] = Command.LEAVE_MODE


@dataclass(frozen=True, slots=True)
class PrintString(Request):
    """0x4C print one line in the external code page."""

    code: ClassVar[Command] = Command.PRINT_STRING
    text: str = ""

    def params(self) -> bytes:
        """The text."""
        return encode_text(self.text)

    @classmethod
    def from_params(cls, params: bytes) -> Self:
        """The text."""
        return cls(text=decode_text(params))


@dataclass(frozen=True, slots=True)
class Cut(Request):
    """0x75 cut the paper: 0 full, 1 partial."""

    code: ClassVar[Command] = Command.CUT
    partial: bool = False

    def params(self) -> bytes:
        """One byte."""
        return bytes((int(self.partial),))

    @classmethod
    def from_params(cls, params: bytes) -> Self:
        """One byte."""
        need(params, 1, "0x75")
        return cls(partial=bool(params[0]))


@dataclass(frozen=True, slots=True)
class PrintPictureLine(Request):
    """0x8E print one row of dots ``repeat`` times (L: atol4j, the one open client sending it).

    ``data`` holds 8 dots a byte, the leftmost in the high bit, 1 = black; ``offset`` shifts the
    row right by that many dots, which the register rounds down to whole bytes. The first
    parameter selects the receipt tape (1).
    """

    code: ClassVar[Command] = Command.PRINT_PICTURE_LINE
    repeat: int = 1
    offset: int = 0
    data: bytes = b""

    def params(self) -> bytes:
        """Tape, repeat, offset, the row."""
        return (bytes((TAPE,)) + self.repeat.to_bytes(2, "big") + self.offset.to_bytes(2, "big")
                + self.data)

    @classmethod
    def from_params(cls, params: bytes) -> Self:
        """Tape, repeat, offset, the row."""
        need(params, 5, "0x8E")
        return cls(repeat=int.from_bytes(params[1:3], "big"),
                   offset=int.from_bytes(params[3:5], "big"), data=params[5:])


@dataclass(frozen=True, slots=True)
class OpenDrawer(Request):
    """0x80 open the cash drawer."""

    code: ClassVar[Command] = Command.OPEN_DRAWER


@dataclass(frozen=True, slots=True)
class Beep(Request):
    """0x47 beep."""

    code: ClassVar[Command] = Command.BEEP
