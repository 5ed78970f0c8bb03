"""A small scripted Shtrih device for driver unit tests: canned typed answers, a command log.

It is not the emulator: each command gets the answer a test scripts for it (``answers``) or a
refusal (``errors``); ``on`` hooks run first and may return raw answer bytes or ``None`` (no
answer at all, as when the device executed a command and the link died before its answer).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from openkkm.config import DeviceConfig
from openkkm.drivers.shtrih import ShtrihDriver
from openkkm.errors import NotSupportedError
from openkkm.framing.shtrih import Frame, split_command
from openkkm.protocol.shtrih import cmd_fn, cmd_receipt, cmd_shift, cmd_status
from openkkm.protocol.shtrih.cmd_misc import SubtotalAnswer
from openkkm.protocol.shtrih.codes import Command
from openkkm.protocol.shtrih.messages import (
    Answer,
    EmptyAnswer,
    OperatorAnswer,
    Request,
    encode_answer,
    encode_error,
)
from openkkm.protocol.shtrih.registry import decode_request
from openkkm.protocol.shtrih.session import serve_device
from openkkm.protocol.shtrih.status import EcrFlags, FnPhase, Mode
from openkkm.transport import LoopHub
from openkkm.transport.loop import LoopTransport

FN_NUMBER = "9999078900012345"
NOW = dt.datetime(2026, 11, 24, 14, 0)


def short_status(mode: int) -> cmd_status.ShortStatusAnswer:
    """A 0x10 answer in ``mode`` with paper present."""
    return cmd_status.ShortStatusAnswer(
        operator=30, flags=EcrFlags.RECEIPT_ROLL, mode_byte=mode, submode=0
    )


def fn_status(last_fd: int, *, shift_open: bool = True, document: int = 0) -> cmd_fn.FnStatusAnswer:
    """An FF01 answer."""
    return cmd_fn.FnStatusAnswer(
        phase=FnPhase.CONFIGURED | FnPhase.FISCAL_OPEN,
        current_document=document,
        shift_open=int(shift_open),
        datetime=NOW,
        fn_number=FN_NUMBER,
        last_fd_number=last_fd,
    )


def default_answers() -> dict[int, Answer]:
    """Answers of a register with an open shift 3, 10 documents, no TLV reading."""
    return {
        Command.DEVICE_TYPE: cmd_status.DeviceTypeAnswer(model=250, name="ШТРИХ-М-02Ф"),
        Command.FULL_STATUS: cmd_status.FullStatusAnswer(
            operator=30,
            firmware_version="C1",
            firmware_build=62922,
            firmware_date=dt.date(2024, 5, 1),
            serial_number=12345678,
            inn=7700000009,
        ),
        Command.FN_STATUS: fn_status(10),
        Command.FN_EXPIRY: cmd_fn.FnExpiryAnswer(expiry=dt.date(2028, 1, 1)),
        Command.SHORT_STATUS: short_status(Mode.SHIFT_OPEN),
        Command.FN_SHIFT_PARAMS: cmd_fn.ShiftParamsAnswer(
            shift_open=1, shift_number=3, receipt_number=5
        ),
        Command.FN_OFD_STATUS: cmd_fn.OfdStatusAnswer(),
        Command.OPEN_RECEIPT: OperatorAnswer(operator=1),
        Command.CANCEL_RECEIPT: OperatorAnswer(operator=1),
        Command.WRITE_TLV: EmptyAnswer(),
        Command.WRITE_OPERATION_TLV: EmptyAnswer(),
        Command.OPERATION_V2: EmptyAnswer(),
        Command.CLOSE_RECEIPT_EXT: cmd_receipt.CloseReceiptExtAnswer(
            change=0, fd_number=11, fiscal_sign=3141592653
        ),
        Command.FN_FIND_DOCUMENT: cmd_fn.FindDocumentAnswer(
            document_type=3,
            datetime=NOW,
            fd_number=11,
            fiscal_sign=3141592653,
            details=bytes((1,)) + (12500).to_bytes(5, "little"),
        ),
        Command.PRINT_STRING: OperatorAnswer(operator=1),
        Command.PRINT_STRING_FONT: OperatorAnswer(operator=1),
        Command.CUT: OperatorAnswer(operator=1),
        Command.REPEAT_DOCUMENT: OperatorAnswer(operator=1),
        Command.SUBTOTAL: SubtotalAnswer(operator=1, subtotal=12500),
        Command.FN_BEGIN_OPEN_SHIFT: EmptyAnswer(),
        Command.FN_OPEN_SHIFT: cmd_shift.FnShiftAnswer(
            shift_number=4, fd_number=11, fiscal_sign=2718281828
        ),
    }


Hook = Callable[[Request], bytes | None]


@dataclass
class ScriptedDevice:
    """Answers by command code; records every executed request."""

    answers: dict[int, Answer] = field(default_factory=default_answers)
    errors: dict[int, int] = field(default_factory=dict)
    on: dict[int, Hook] = field(default_factory=dict)
    log: list[Request] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)
    connections: int = 0
    ends: list[LoopTransport] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def codes(self) -> list[int]:
        """The executed command codes, in order."""
        return [request.code for request in self.log]

    def sent(self, code: int) -> list[Request]:
        """The executed requests of command ``code``."""
        return [request for request in self.log if request.code == code]

    async def execute(self, frame: Frame) -> bytes:
        """Answer one command frame."""
        try:
            request = decode_request(frame.payload)
        except NotSupportedError:
            code = split_command(frame.payload)[0]
            self.unknown.append(code)
            return encode_error(code, 0x37)
        self.log.append(request)
        hook = self.on.get(request.code)
        if hook is not None:
            raw = hook(request)
            if raw is None:  # executed, then the link died before the answer
                await self.drop()
                return encode_error(request.code, 0x37)
            return raw
        if request.code in self.errors:
            return encode_error(request.code, self.errors[request.code])
        answer = self.answers.get(request.code)
        if answer is None:
            return encode_error(request.code, 0x37)
        return encode_answer(request.code, answer)

    def accept(self, end: LoopTransport) -> None:
        """LoopHub acceptor: serve a new connection."""
        self.connections += 1
        self.ends.append(end)
        self.tasks.append(asyncio.get_running_loop().create_task(serve_device(end, self.execute)))

    async def drop(self) -> None:
        """Close every connection from the device side (a pulled cable)."""
        for end in self.ends:
            await end.close()

    async def close(self) -> None:
        """Stop serving."""
        await self.drop()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


async def driver_on(device: ScriptedDevice, **config: object) -> ShtrihDriver:
    """A started driver talking to ``device`` over ``loop://kkt``."""
    hub = LoopHub()
    hub.listen("kkt", device.accept)
    driver = ShtrihDriver(
        DeviceConfig(num=1, kind="shtrih", url="loop://kkt", **config),  # type: ignore[arg-type]
        data_dir=".",
        hub=hub,
    )
    driver.link.control_timeout = 0.2
    await driver.start()
    return driver
