"""``usb://VID:PID`` ESC/POS printers through pyusb: the URL, a printer that is not there (the real
libusb lookup), and a stand-in USB device whose bulk endpoints record what the driver sends."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import usb.core
import usb.util
from escpos_sink import parse

from openkkm.api.app import create_app
from openkkm.api.kkmserver.render import make_renderer
from openkkm.config import Config, DeviceConfig
from openkkm.drivers.escpos import EscposDriver
from openkkm.errors import ConfigError, DeviceRejected, LinkLost
from openkkm.fiscal.types import PrintText, Slip
from openkkm.jobs.service import JobService
from openkkm.transport import open_transport
from openkkm.transport.usb import parse_usb_url

OUT, IN = 0x01, 0x82


@pytest.mark.parametrize(("url", "wanted"), [
    ("usb://04b8", "usb://04b8:0202"),
    ("usb://4b8:202", "usb://04b8:0202"),
    ("usb://zzzz:0202", "VID:PID"),
    ("usb://04b8:0202?speed=1", "speed"),
    ("usb://04b8:0202?out_ep=0x1ff", "out_ep"),
    ("usb://04b8:0202?timeout=0", "'0'"),
])
def test_bad_usb_urls_are_refused_naming_the_part(url: str, wanted: str) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_usb_url(url)
    assert url in refused.value.ru and wanted in refused.value.ru


def test_a_usb_url_with_options() -> None:
    spec = parse_usb_url("usb://04B8:0e15?interface=1&in_ep=0x81&out_ep=2&timeout=2.5")
    assert (spec.vendor, spec.product, spec.interface) == (0x04B8, 0x0E15, 1)
    assert (spec.in_ep, spec.out_ep, spec.write_timeout) == (0x81, 2, 2.5)
    with pytest.raises(ConfigError):  # checked when the device is configured, not when used
        EscposDriver(DeviceConfig(num=5, kind="escpos", url="usb://04b8:02"), data_dir=".")


async def test_a_printer_that_is_not_plugged_in_is_a_clear_error() -> None:
    with pytest.raises(LinkLost) as lost:
        await open_transport("usb://1d6b:ffee")  # the real libusb lookup finds no such device
    assert "1d6b:ffee не найдено" in lost.value.ru


@dataclass
class Endpoint:
    """A bulk endpoint of the stand-in device: OUT records, IN hands out queued answers."""

    bEndpointAddress: int
    wMaxPacketSize: int = 64
    written: bytearray = field(default_factory=bytearray)
    queued: list[bytes] = field(default_factory=list)
    answer: Any = None  #: OUT only: how the printer answers what was written

    def write(self, data: bytes, timeout: int) -> int:
        """Record what the host sends and let the printer answer it."""
        self.written += data
        if self.answer is not None:
            self.answer(bytes(data))
        return len(data)

    def read(self, size: int, timeout: int) -> bytes:
        """The next answer, or nothing (pyusb's empty read)."""
        return self.queued.pop(0) if self.queued else b""


class Device:
    """What ``usb.core.find`` returns for the printer: one interface, two bulk endpoints.

    It answers ``DLE EOT 1`` (printer) online and ``DLE EOT 4`` (paper) with ``paper``.
    """

    def __init__(self, paper: int = 0x12) -> None:
        self.out, self.inn = Endpoint(OUT, answer=self._status), Endpoint(IN)
        self.detached: list[int] = []
        self.claimed: list[int] = []
        self.paper = paper

    def _status(self, data: bytes) -> None:
        for which in (data[at + 2] for at in range(len(data) - 2) if data[at:at + 2] == b"\x10\x04"):
            self.inn.queued.append(bytes((self.paper if which == 4 else 0x12,)))

    def is_kernel_driver_active(self, interface: int) -> bool:
        """usblp holds the interface, as it does on Linux."""
        return interface not in self.detached

    def detach_kernel_driver(self, interface: int) -> None:
        """Take the interface from usblp."""
        self.detached.append(interface)

    def get_active_configuration(self) -> dict[tuple[int, int], list[Endpoint]]:
        """One configuration, interface 0 with its endpoints."""
        return {(0, 0): [self.out, self.inn]}


@pytest.fixture
def device(monkeypatch: pytest.MonkeyPatch) -> Device:
    """The stand-in printer as pyusb would find it."""
    found = Device()

    def find(**ids: Any) -> Device | None:
        return found if ids == {"idVendor": 0x0416, "idProduct": 0x5011} else None

    monkeypatch.setattr(usb.core, "find", find)
    monkeypatch.setattr(usb.util, "claim_interface", lambda dev, number: dev.claimed.append(number))
    monkeypatch.setattr(usb.util, "dispose_resources", lambda dev: None)
    return found


async def test_a_slip_goes_to_the_bulk_out_endpoint(device: Device, tmp_path: Path) -> None:
    driver = EscposDriver(DeviceConfig(num=5, kind="escpos", url="usb://0416:5011"),
                          data_dir=str(tmp_path))
    await driver.start()
    try:
        await driver.print_slip(Slip((PrintText("Заказ № 7"),)))
    finally:
        await driver.stop()
    assert device.detached == [0] and device.claimed == [0]
    sent = bytes(device.out.written)
    assert "Заказ № 7".encode("cp866") in sent
    names = [command.name for command in parse(sent)]
    assert names.count(b"\x10\x04") == 2  # printer and paper status asked before printing


async def test_a_usb_printer_out_of_paper_prints_nothing(device: Device, tmp_path: Path) -> None:
    device.paper = 0x12 | 0x60
    driver = EscposDriver(DeviceConfig(num=5, kind="escpos", url="usb://0416:5011"),
                          data_dir=str(tmp_path))
    await driver.start()
    try:
        with pytest.raises(DeviceRejected) as refused:
            await driver.print_slip(Slip((PrintText("Заказ № 8"),)))
    finally:
        await driver.stop()
    assert "закончилась бумага" in refused.value.ru
    assert "Заказ № 8".encode("cp866") not in bytes(device.out.written)


async def test_through_the_api_a_missing_usb_printer_fails_the_job(tmp_path: Path) -> None:
    config = Config.model_validate({"server": {"data_dir": str(tmp_path)}, "devices": [
        {"num": 5, "kind": "escpos", "name": "Кухня", "url": "usb://1d6b:ffee"}]})
    jobs = JobService(config, render=make_renderer(config))
    await jobs.start()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(config, jobs)),
                               base_url="http://testserver")
    try:
        body = {"Command": "PrintDocument", "NumDevice": 5, "IdCommand": "usb-1",
                "CheckStrings": [{"PrintText": {"Text": "Заказ № 9"}}]}
        answer = (await client.post("/Execute/sync", json=body)).json()
        assert answer["Status"] == 2 and "1d6b:ffee не найдено" in answer["Error"], answer
        again = (await client.post("/Execute/sync", json={**body, "Command": "GetRezult"})).json()
        assert again["Rezult"]["Status"] == 2  # failed, not done: a resend may print it
    finally:
        await client.aclose()
        await jobs.stop()
