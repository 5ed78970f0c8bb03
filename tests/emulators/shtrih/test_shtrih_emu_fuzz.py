"""Property test: any well-framed command sequence gets a well-formed answer, never a crash."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shtrih_emu_helpers import ManualClock, make

from openkkm.emulators.shtrih.device import HANDLERS
from openkkm.errors import ProtocolError, ValidationError
from openkkm.framing.shtrih import command_bytes, split_command
from openkkm.protocol.shtrih.messages import decode_answer, split_answer
from openkkm.protocol.shtrih.registry import REQUESTS, decode_request
from openkkm.protocol.shtrih.status import Mode


def valid_lengths(code: int) -> list[int]:
    """DATA lengths (0…200) the request class of ``code`` decodes from zero bytes."""
    lengths = []
    for size in range(201):
        try:
            REQUESTS[code].decode_data(bytes(size))
        except (ProtocolError, ValidationError):
            continue
        lengths.append(size)
    return lengths or [0]


LENGTHS = {code: valid_lengths(code) for code in HANDLERS}


@st.composite
def commands(draw: st.DrawFn) -> bytes:
    """A command payload of a valid length, usually with a known password first."""
    code = draw(st.sampled_from(sorted(HANDLERS)))
    size = draw(st.sampled_from(LENGTHS[code]))
    data = bytearray(draw(st.binary(min_size=size, max_size=size)))
    if size >= 4 and draw(st.booleans()):
        data[:4] = draw(st.sampled_from([1, 30])).to_bytes(4, "little")
    return command_bytes(code) + bytes(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(commands(), min_size=1, max_size=25))
def test_every_command_gets_a_well_formed_answer(payloads: list[bytes]) -> None:
    clock = ManualClock()
    emu = make(clock)

    async def run() -> None:
        for payload in payloads:
            code = split_command(payload)[0]
            answer = await emu.handle(payload)
            got, error, data = split_answer(answer)
            assert got == code
            try:
                request = decode_request(payload)
            except (ProtocolError, ValidationError):
                assert error == 0x33
                continue
            if error:
                assert data == b""
            else:
                decode_answer(request, answer, request.answer)
            clock.advance(minutes=1)
        status = await emu.handle(command_bytes(0x10) + (30).to_bytes(4, "little"))
        mode = split_answer(status)[2][3] & 0x0F
        assert mode in (
            Mode.SHIFT_OPEN,
            Mode.SHIFT_CLOSED,
            Mode.DOCUMENT_OPEN,
            Mode.WAITING_DATE_CONFIRM,
            Mode.SHIFT_EXPIRED,
        )
        assert emu.fn.document(emu.fn.last_number).number == emu.fn.last_number

    asyncio.run(run())
