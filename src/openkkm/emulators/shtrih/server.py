"""Serving the emulated register: the device-side loop with its wire faults.

The loop is :func:`openkkm.protocol.shtrih.session.serve_device` with hooks: it drives the same
sans-IO exchanges, protocol 1's :class:`DeviceExchange` or protocol 2's
:class:`DeviceExchangeV2` (chosen by the emulator's ``protocol``, else by the first byte of the
connection that names one, ``ENQ``/``STX`` or ``0x8F``, as a register set to auto-selection
picks), and the fault plan decides per frame whether the frame is NAKed, the power fails, the
answer is late, lost, damaged or short, and per connection where the link is cut.

Protocol 2 takes every fault but ``nak_frame``: it has no NAK (a damaged request is simply not
answered, and the host repeats it), so that rule never fires there. Its numbering and last
answer belong to the register, not to a connection: a host that reconnects finds them by a
sync request, and a power loss starts them again from 0. With a baud rate set, the bytes both
ways are paced on one line clock (10 bit times per byte, half duplex), see :class:`LineClock`.
The host's bytes reserve the line as they are read and the emulator works out its answer while
they are still crossing it; the answer waits for them. So the emulated register answers as
soon as the frame has arrived, as the wire-time limit assumes, however long this machine takes
to emulate it (while that is shorter than the frame's wire time); a register's command time is
the ``delay`` fault's to model, not the host CPU's.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Final

from openkkm.errors import DeviceTimeout, LinkLost
from openkkm.framing.shtrih import V2_START, Frame, split_command, stuff, unstuff
from openkkm.protocol.shtrih.exchange import ACK_BYTE, NAK_BYTE, DeviceExchange
from openkkm.protocol.shtrih.exchange_v2 import (
    DeviceExchangeV2,
    protocol_for_first_byte,
)
from openkkm.transport import LoopHub, serve_tcp
from openkkm.transport.stream import TcpListener

from .faults import WireFault

if TYPE_CHECKING:
    from openkkm.transport.base import Transport

    from .device import ShtrihEmulator

log = logging.getLogger(__name__)

READ_CHUNK: Final = 512
BIT_TIMES: Final = 10  #: start + 8 data + stop bits per byte
COARSE_SLEEP: Final = 0.002  #: seconds left to pace by yielding rather than by a timer
TCP_PORT_BYTE: Final = 128  #: 0x11 "port" of a TCP socket (PROTOCOLS.md §1.1)


class _LinkCut(Exception):
    """The fault plan cut the link."""


class LineClock:
    """When a paced serial line is free: each transfer starts after the bytes before it.

    The waits end at the computed moment rather than after a timer of the transfer's length:
    the event loop's timers overshoot by up to a millisecond, a third of a short frame's wire
    time, and one sleep per write would add that overshoot to every transfer. The clock is
    ``time.perf_counter``, not the loop's: uvloop's loop time moves in whole milliseconds.
    """

    def __init__(self, baud: int) -> None:
        self.baud = baud
        self.free_at = 0.0  #: ``perf_counter`` time when the line is free again

    def reserve(self, count: int, now: float) -> float:
        """Take the line for ``count`` bytes from ``now`` (or when it frees); return the end."""
        self.free_at = max(self.free_at, now) + count * BIT_TIMES / self.baud
        return self.free_at

    def take(self, count: int) -> None:
        """Reserve the line for ``count`` bytes from now without waiting for them."""
        if self.baud:
            self.reserve(count, time.perf_counter())

    async def pace(self, count: int) -> None:
        """Wait until ``count`` bytes (0: those reserved before) have crossed the line."""
        if not self.baud:
            return
        end = self.reserve(count, time.perf_counter()) if count else self.free_at
        if end - time.perf_counter() > COARSE_SLEEP:
            await asyncio.sleep(end - time.perf_counter() - COARSE_SLEEP)
        while time.perf_counter() < end:
            await asyncio.sleep(0)


class _Connection:
    """One served connection: its exchange, byte budget and pacing."""

    def __init__(self, emulator: ShtrihEmulator, transport: Transport) -> None:
        self.emulator = emulator
        self.transport = transport
        self.exchange: DeviceExchange | DeviceExchangeV2 = DeviceExchange(
            require_enq_first=emulator.require_enq_first)
        rule = emulator.faults.fire(WireFault.CUT_AT)
        self.budget: int | None = None if rule is None else int(rule.value)
        self.line = LineClock(emulator.baud)
        #: an ACK whose line time is reserved, written with the answer that follows it
        self.owed = b""

    async def write(self, data: bytes = b"") -> None:
        """Write ``data`` once the line has carried it, behind an owed ACK (alone: that ACK)."""
        await self.line.pace(len(data))
        data, self.owed = self.owed + data, b""
        if not data:
            return
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s tx %s", self.transport.url, data.hex(" "))
        await self.transport.write(data)

    async def read(self, timeout: float | None) -> bytes:
        """Read, honouring the cut-at budget (the bytes past it are never seen)."""
        data = await self.transport.read(READ_CHUNK, timeout)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s rx %s", self.transport.url, data.hex(" "))
        if self.budget is not None:
            data = data[: self.budget]
            self.budget -= len(data)
        self.line.take(len(data))  # the host's bytes take the line too; write() waits for them
        return data

    def cut_due(self) -> bool:
        """Tell whether the byte budget is spent."""
        return self.budget is not None and self.budget <= 0

    async def run(self) -> None:
        """Serve until the host goes away, the link is cut or the power fails."""
        chosen = False
        while True:
            data = await self.read(None)
            if not chosen:
                chosen = self._choose(data)
            step = self.exchange.receive(data)
            silent = self.cut_due()
            commands, write = list(step.commands), step.write
            if not silent and self._nak(commands, write):
                commands, write = [], write[:-1] + NAK_BYTE
            if not silent:
                await self.control(write, before_command=bool(commands))
            for frame in commands:
                await self.command(frame, silent=silent)
            if silent:
                await self.line.pace(0)  # the cut comes once the last byte let through has crossed
                log.info("%s: link cut by the fault plan", self.transport.url)
                raise _LinkCut

    async def control(self, write: bytes, *, before_command: bool) -> None:
        """Write the answer to what arrived (ENQ's NAK, a frame's ACK).

        On a paced line an ACK before a command crosses the line while the command runs, as a
        register's UART sends it while its CPU works: its line time is taken now and the byte
        goes out with the answer (or before any fault that ends the exchange otherwise).
        """
        if before_command and self.line.baud:
            self.line.take(len(write))
            self.owed = write
        else:
            await self.write(write)

    def _choose(self, data: bytes) -> bool:
        """Pick the protocol: the register's setting, else the first byte in ``data`` naming one.

        Line noise before it (a pty's stale bytes) decides nothing. Returns whether it is chosen;
        protocol 2 takes over the register's numbering, which outlives connections.
        """
        protocol = self.emulator.protocol or next(
            (found for byte in data if (found := protocol_for_first_byte(byte))), None)
        if protocol == 2:
            self.exchange = self.emulator.link_v2
            self.exchange.reset_input()
        return protocol is not None

    def _nak(self, commands: list[Frame], write: bytes) -> bool:
        """Tell whether the plan NAKs the one frame just accepted (its ACK ends ``write``)."""
        if not isinstance(self.exchange, DeviceExchange):
            return False
        if len(commands) != 1 or not write.endswith(ACK_BYTE):
            return False
        code = split_command(commands[0].payload)[0]
        if self.emulator.faults.fire(WireFault.NAK_FRAME, code) is None:
            return False
        self.exchange.busy = False  # as if the frame had arrived damaged
        return True

    async def command(self, frame: Frame, *, silent: bool) -> None:
        """Execute one accepted frame under the fault plan."""
        faults = self.emulator.faults
        code = split_command(frame.payload)[0]
        if faults.fire(WireFault.POWER_LOSS, code):
            await self.write()  # the owed ACK
            log.info("%s: power loss before command %#x", self.transport.url, code)
            self.emulator.power_loss()
            raise _LinkCut
        answer = await self.emulator.handle(frame.payload)
        delay = faults.fire(WireFault.DELAY, code)
        if delay is not None:
            await self.write()  # the owed ACK
            await self.busy_for(delay.value)
        reply = self.exchange.respond(answer)
        if silent or faults.fire(WireFault.LOSE_REPLY, code):
            await self.write()  # the owed ACK
            return
        if faults.fire(WireFault.BAD_LRC, code):
            reply = bad_checksum(reply)
        elif faults.fire(WireFault.DROP_BYTE, code):
            reply = reply[:-1]
        await self.write(reply)

    async def busy_for(self, seconds: float) -> None:
        """Hold the answer for ``seconds``, answering ENQ with ACK (still executing).

        Protocol 2 has no such answer: the host's repeats of the executing number go unanswered.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while (left := deadline - loop.time()) > 0:
            try:
                data = await self.read(left)
            except DeviceTimeout:
                break
            if isinstance(self.exchange, DeviceExchange) and b"\x05" in data:
                await self.write(ACK_BYTE * data.count(b"\x05"))


def bad_checksum(reply: bytes) -> bytes:
    """Return ``reply`` with a wrong checksum: protocol 1's LRC, or protocol 2's CRC.

    The CRC is damaged before stuffing, so the frame stays well-formed and fails on the CRC
    alone, not on a broken escape.
    """
    if reply[0] != V2_START:
        return reply[:-1] + bytes((reply[-1] ^ 0xFF,))
    body = unstuff(reply[1:])
    crc = int.from_bytes(body[-2:], "little") ^ 0xFFFF
    return reply[:1] + stuff(body[:-2] + crc.to_bytes(2, "little"))


async def serve_connection(
    emulator: ShtrihEmulator, transport: Transport, *, close: bool = True
) -> None:
    """Run the device side on ``transport`` until it closes, is cut or the power fails.

    The transport is closed afterwards unless ``close`` is false (a pty outlives a "cut").
    """
    connection = _Connection(emulator, transport)
    emulator.port = TCP_PORT_BYTE if transport.url.startswith("tcp://") else 0
    try:
        await connection.run()
    except (LinkLost, _LinkCut):
        pass
    finally:
        if close:
            await transport.close()


async def serve_tcp_emulator(
    emulator: ShtrihEmulator, host: str = "127.0.0.1", port: int = 7778
) -> TcpListener:
    """Listen on ``host:port`` (0 = ephemeral, see ``.port``); each client is one connection."""
    return await serve_tcp(emulator.serve, host, port)


async def serve_in_process(emulator: ShtrihEmulator, hub: LoopHub, name: str) -> None:
    """Make ``loop://<name>`` on ``hub`` reach ``emulator``; each connection gets a task.

    The tasks end when their host end closes; ``hub.unlisten(name)`` stops new connections.
    """
    tasks: set[asyncio.Task[None]] = set()

    def accept(device_end: Transport) -> None:
        task = asyncio.get_running_loop().create_task(emulator.serve(device_end))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    hub.listen(name, accept)
