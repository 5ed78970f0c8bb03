"""The emulated ATOL register: lower layer v3 (or v2) over any transport, on the simulated ФН.

One :class:`AtolEmulator` is one device: its ФН, mode, open receipt, drawer and task buffer
outlive connections (a new connection only forgets half-received bytes). ``serve(transport)``
runs one connection; ``baud`` > 0 paces every byte at 8N1 as a serial line would.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Final

from openkkm.emulators.fn.drive import Clock, system_clock
from openkkm.emulators.fn.errors import FnError
from openkkm.emulators.fn.persist import StateFile
from openkkm.emulators.fn.setup import install_fn, load_or_new, state_path
from openkkm.emulators.printouts import Printout, add_rows
from openkkm.errors import LinkLost, NotSupportedError, ProtocolError
from openkkm.fiscal.tlv import TlvError
from openkkm.framing import atol_v3
from openkkm.protocol.atol.codes import Mode, split_command
from openkkm.protocol.atol.detect import LowerLayer
from openkkm.protocol.atol.errors import ErrorCode
from openkkm.protocol.atol.exchange import DeviceExchange
from openkkm.protocol.atol.exchange_v2 import DeviceExchangeV2
from openkkm.protocol.atol.messages import encode_error
from openkkm.protocol.atol.registry import decode_request
from openkkm.transport import LoopHub
from openkkm.transport.base import Transport
from openkkm.transport.stream import TcpListener, serve_tcp

from . import operations
from .faults import WireFault, WirePlan
from .receipts import DeviceError, Props, ReceiptSession, refusal_code

if TYPE_CHECKING:
    from openkkm.config import DeviceConfig

log = logging.getLogger(__name__)
READ_CHUNK: Final = 512
DEFAULT_PORT: Final = 5555  #: ATOL network models (PROTOCOLS.md §2.2)
JOURNAL_LINES: Final = 2000
PRINTOUTS: Final = 64  #: pictures kept
COARSE_SLEEP: Final = 0.002  #: seconds left to pace by yielding rather than by a timer


class AtolEmulator:
    """An ATOL register with a simulated ФН, served over any transport."""

    def __init__(self, config: DeviceConfig, *, data_dir: str | Path | None = None,
                 state_file: str | Path | None = None, clock: Clock = system_clock,
                 faults: str = "", baud: int = 0, layer: str = "v3") -> None:
        self.config = config
        self.layer = LowerLayer(layer)
        self._fn_path = (Path(state_file) if state_file is not None
                         else None if data_dir is None else state_path(data_dir, config.num))
        self.fn = load_or_new(config, None if self._fn_path is None else StateFile(self._fn_path),
                              clock=clock)
        self.plan = WirePlan.parse(faults)
        self.baud = baud
        self._line_free = 0.0  #: loop time when the paced line is free again
        self.mode = Mode.SELECT
        self.receipt: ReceiptSession | None = None
        self.props = Props()
        self.cash = 0
        self.drawer_openings = 0
        self.journal: list[str] = []
        self.printouts: deque[Printout] = deque(maxlen=PRINTOUTS)  #: pictures printed with 0x8E
        #: the last printout takes the next 0x8E rows; any other command ends it
        self.picture_open = False
        self.exchange = DeviceExchange()
        self.link_v2 = DeviceExchangeV2()
        self.connections = 0
        self.received = 0  #: bytes received on the current connection

    def install_fn(self, fn_number: str = "") -> None:
        """Swap the closed ФН for a new one ready for fiscalisation (a technician's job).

        A4 B5 does this itself when it finds the ФН closed, so a ``ChangeFN`` works over the
        wire alone; tests may call it directly.
        """
        self.fn = install_fn(self.fn, self._fn_path, fn_number, clock=self.fn.clock)

    def set_faults(self, spec: str) -> None:
        """Replace the fault plan."""
        self.plan = WirePlan.parse(spec)

    async def serve(self, transport: Transport) -> None:
        """Serve one connection until the host goes away or a fault cuts it."""
        self.connections += 1
        self.exchange.new_link()
        self.link_v2 = DeviceExchangeV2()
        self.received = received = 0
        try:
            while True:
                try:
                    data = await transport.read(READ_CHUNK, None)
                except LinkLost:
                    return
                cut = self.plan.cut_position()
                if cut is not None and received + len(data) >= cut:
                    self.plan.fire(WireFault.CUT_AT)
                    data = data[: max(0, cut - received)]
                received += len(data)
                self.received = received
                await self._pace(len(data))
                if data and self.plan.has(WireFault.NAK) and \
                        self.plan.fire(WireFault.NAK, _task_code(data)) is not None:
                    data = data[:-1] + bytes((data[-1] ^ 0xFF,))
                if not await self._handle(transport, data) or cut is not None and received >= cut:
                    return
        except LinkLost:
            return  # the host went away while the device was answering
        finally:
            await transport.close()

    async def _handle(self, transport: Transport, data: bytes) -> bool:
        """Feed ``data``, answer it and run its tasks; False when the link is to be cut."""
        if self.layer is LowerLayer.V2:
            return await self._handle_v2(transport, data)
        step = self.exchange.receive(data)
        out = step.write  # a quick result goes out with the packet's answer, in one write
        for task_id, message in step.tasks:
            code = split_command(message[2:])[0] if len(message) > 2 else None
            if self.plan.fire(WireFault.POWER_LOSS, code) is not None:
                await self._write(transport, out)
                self.restart()
                return False
            delay = self.plan.fire(WireFault.DELAY, code)
            if delay is not None:
                await self._write(transport, out)
                out = b""
                await asyncio.sleep(delay.value)
            result = self.execute(message)
            packet = self.exchange.complete(task_id, result)
            if self.plan.fire(WireFault.CUT_AFTER, code) is not None:
                await self._write(transport, out)
                return False
            if self.plan.fire(WireFault.LOSE_REPLY, code) is None:
                out += packet
        await self._write(transport, out)
        return True

    async def _handle_v2(self, transport: Transport, data: bytes) -> bool:
        """The same over lower layer v2: a lost reply is never offered (no ENQ)."""
        step = self.link_v2.receive(data)
        await self._write(transport, step.write)
        for message in step.commands:
            code = split_command(message[2:])[0] if len(message) > 2 else None
            if self.plan.fire(WireFault.POWER_LOSS, code) is not None:
                self.restart()
                return False
            delay = self.plan.fire(WireFault.DELAY, code)
            if delay is not None:
                await asyncio.sleep(delay.value)
            result = self.execute(message)
            if self.plan.fire(WireFault.CUT_AFTER, code) is not None:
                return False
            if self.plan.fire(WireFault.LOSE_REPLY, code) is None:
                await self._write(transport, self.link_v2.respond(result))
            else:
                self.link_v2.drop()
        return True

    def restart(self) -> None:
        """Power cycle: the register forgets its mode, receipt session and task buffer."""
        self.mode = Mode.SELECT
        self.receipt = None
        self.props = Props()
        self.exchange = DeviceExchange()
        self.link_v2 = DeviceExchangeV2()

    def execute(self, message: bytes) -> bytes:
        """Run one upper-layer command message and return the answer message."""
        try:
            _password, request = decode_request(message)
            return operations.dispatch(self, request)
        except DeviceError as exc:
            return encode_error(exc.code)
        except FnError as exc:
            return encode_error(refusal_code(exc.refusal))
        except NotSupportedError:
            return encode_error(ErrorCode.WRONG_COMMAND)
        except (ProtocolError, TlvError, ValueError):
            return encode_error(ErrorCode.WRONG_FORMAT)

    def print_line(self, text: str) -> None:
        """Append a printed line to the journal (bounded)."""
        self.journal.append(text)
        del self.journal[:-JOURNAL_LINES]

    def print_rows(self, rows: list[bytes]) -> None:
        """Print rows of dots onto the picture being printed, or start one."""
        add_rows(self.printouts, rows, join=self.picture_open)
        self.picture_open = True

    @property
    def paper(self) -> bool:
        """False while the ``paper_out`` fault is planned."""
        return not self.plan.has(WireFault.PAPER_OUT)

    async def _write(self, transport: Transport, data: bytes) -> None:
        if data:
            await self._pace(len(data))
            await transport.write(data)

    async def _pace(self, count: int) -> None:
        """Spend the wire time of ``count`` bytes at 8N1 when a baud rate is set.

        The line is one clock (half duplex): bytes go out after those before them, and the
        wait ends at the exact moment, since the event loop's own timers overshoot by up to a
        millisecond, which is a third of a short packet's wire time.
        """
        if not self.baud or not count:
            return
        loop = asyncio.get_running_loop()
        self._line_free = max(self._line_free, loop.time()) + count * 10 / self.baud
        remaining = self._line_free - loop.time()
        if remaining > COARSE_SLEEP:
            await asyncio.sleep(remaining - COARSE_SLEEP)
        while loop.time() < self._line_free:
            await asyncio.sleep(0)


def _task_code(data: bytes) -> int | None:
    """The command code of the first task a chunk adds, if any (for ``nak@CMD``)."""
    _used, packet = atol_v3.decode(data)
    if not isinstance(packet, atol_v3.Packet) or len(packet.data) < 3:
        return None
    command, rest = packet.data[0], packet.data[1:]
    if command == atol_v3.BufferCommand.ACK_ADD:
        rest = rest[1:]
    elif command != atol_v3.BufferCommand.ADD:
        return None
    message = rest[2:]
    return split_command(message[2:])[0] if len(message) > 2 else None


async def serve_in_process(emulator: AtolEmulator, hub: LoopHub, name: str) -> None:
    """Make ``loop://<name>`` on ``hub`` reach ``emulator``; each connection gets a task.

    The tasks end when their host end closes; ``hub.unlisten(name)`` stops new connections.
    """
    tasks: set[asyncio.Task[None]] = set()

    def accept(device_end: Transport) -> None:
        task = asyncio.get_running_loop().create_task(emulator.serve(device_end))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    hub.listen(name, accept)


async def serve_tcp_emulator(emulator: AtolEmulator, host: str = "127.0.0.1",
                             port: int = DEFAULT_PORT) -> TcpListener:
    """Listen on ``host:port``; every connection is served by ``emulator``, one at a time."""
    lock = asyncio.Lock()

    async def handler(transport: Transport) -> None:
        async with lock:
            await emulator.serve(transport)

    return await serve_tcp(handler, host, port)


