"""Read limits kept by one lazily re-armed timer: each read still ends at its own limit."""

from __future__ import annotations

import asyncio

import pytest

from openkkm.errors import DeviceTimeout, LinkLost
from openkkm.transport import loop_pair


async def test_a_short_limit_after_a_long_one_is_kept() -> None:
    host, device = loop_pair()
    reading = asyncio.create_task(device.read(8, 30.0))  # arms the timer 30 s ahead
    await asyncio.sleep(0)
    await host.write(b"a")
    assert await reading == b"a"
    loop = asyncio.get_running_loop()
    began = loop.time()
    with pytest.raises(DeviceTimeout) as caught:
        await device.read(8, 0.05)
    assert loop.time() - began < 5  # not the 30 s the earlier read allowed
    assert "0.05" in caught.value.ru


async def test_a_long_limit_after_a_short_one_is_not_cut_short() -> None:
    host, device = loop_pair()
    reading = asyncio.create_task(device.read(8, 0.05))  # the timer fires at 0.05 s
    await asyncio.sleep(0)
    await host.write(b"a")
    assert await reading == b"a"
    waiting = asyncio.create_task(device.read(8, 0.5))
    await asyncio.sleep(0.2)  # past the first limit: the timer re-armed for this read
    assert not waiting.done()
    await host.write(b"b")
    assert await waiting == b"b"


async def test_reads_many_times_over_still_time_out_at_their_limit() -> None:
    host, device = loop_pair()
    for _ in range(100):
        await host.write(b"x")
        assert await device.read(8, 1.0) == b"x"
    with pytest.raises(DeviceTimeout):
        await device.read(8, 0.02)
    await host.close()
    with pytest.raises(LinkLost):
        await device.read(8, 1.0)


async def test_reads_that_end_early_do_not_each_arm_a_timer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loop = asyncio.get_running_loop()
    armed: list[float] = []
    real_call_at = loop.call_at

    def call_at(when: float, callback, *args, **kwargs):  # type: ignore[no-untyped-def]
        armed.append(when)
        return real_call_at(when, callback, *args, **kwargs)

    host, device = loop_pair()
    monkeypatch.setattr(loop, "call_at", call_at)
    for _ in range(100):
        reading = asyncio.create_task(device.read(8, 1.0))
        await asyncio.sleep(0)
        await host.write(b"x")
        assert await reading == b"x"
    assert len(armed) <= 2  # one timer serves them all (a per-read timer made a hundred)
