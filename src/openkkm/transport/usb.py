"""``usb://VID:PID``: a USB printer's bulk endpoints through pyusb (libusb).

Receipt printers on USB either appear as ``/dev/usb/lp0`` (the kernel's usblp driver: use
``file://``) or not at all; this transport talks to them directly, detaching usblp if it holds
the interface. Options: ``interface`` (default 0), ``in_ep`` and ``out_ep`` (default: the
interface's first bulk IN and OUT endpoints), ``timeout`` seconds for a write (default 5).
pyusb calls block, so each runs in a thread; one transport serves one task at a time.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

import usb.core  # type: ignore[import-untyped]
import usb.util  # type: ignore[import-untyped]

from ..errors import ConfigError, DeviceTimeout, LinkLost
from .base import Transport, timeout_error

DEFAULT_WRITE_TIMEOUT: Final = 5.0
OPTIONS: Final = ("interface", "in_ep", "out_ep", "timeout")


@dataclass(frozen=True, slots=True)
class UsbSpec:
    """A checked ``usb://`` URL."""

    url: str
    vendor: int
    product: int
    interface: int = 0
    in_ep: int | None = None
    out_ep: int | None = None
    write_timeout: float = DEFAULT_WRITE_TIMEOUT


def _bad(url: str, ru: str, en: str) -> ConfigError:
    return ConfigError(f"Адрес устройства {url!r}: {ru}", f"Device address {url!r}: {en}")


def _number(url: str, key: str, raw: str, limit: int) -> int:
    try:
        value = int(raw, 0)
    except ValueError:
        value = -1
    if not 0 <= value <= limit:
        raise _bad(url, f"{key}={raw!r}: нужно число 0–{limit:#x}",
                   f"{key}={raw!r}: a number 0–{limit:#x} expected")
    return value


def parse_usb_url(url: str) -> UsbSpec:
    """Check ``usb://VID:PID[?options]`` (hex ids, e.g. ``usb://04b8:0202``)."""
    parts = urlsplit(url)
    ids = (parts.netloc + parts.path).split(":")
    if len(ids) != 2 or not all(len(part) == 4 for part in ids):
        raise _bad(url, "нужен адрес вида usb://04b8:0202 (код производителя и устройства, hex)",
                   "expected usb://04b8:0202 (vendor and product id, hex)")
    vendor, product = (_number(url, "VID:PID", f"0x{part}", 0xFFFF) for part in ids)
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise _bad(url, f"неизвестный параметр {unknown[0]!r} (допустимы: {', '.join(OPTIONS)})",
                   f"unknown option {unknown[0]!r} (known: {', '.join(OPTIONS)})")
    endpoints = {key: _number(url, key, options[key], 0xFF) for key in ("in_ep", "out_ep")
                 if key in options}
    timeout = DEFAULT_WRITE_TIMEOUT
    if "timeout" in options:
        try:
            timeout = float(options["timeout"])
        except ValueError:
            timeout = -1.0
        if not 0 < timeout <= 600:
            raise _bad(url, f"неверное время {options['timeout']!r} с",
                       f"bad number of seconds {options['timeout']!r}")
    return UsbSpec(url, vendor, product, _number(url, "interface", options.get("interface", "0"),
                                                  0xFF),
                   endpoints.get("in_ep"), endpoints.get("out_ep"), timeout)


async def open_usb(spec: UsbSpec) -> UsbTransport:
    """Find the device, claim its interface and pick its endpoints; ``LinkLost`` if absent."""
    return await asyncio.to_thread(UsbTransport.open, spec)


class UsbTransport(Transport):
    """Bulk OUT for the document, bulk IN for status answers."""

    def __init__(self, spec: UsbSpec, device: Any, out_ep: Any, in_ep: Any) -> None:
        super().__init__(spec.url)
        self.spec = spec
        self._device = device
        self._out = out_ep
        self._in = in_ep

    @classmethod
    def open(cls, spec: UsbSpec) -> UsbTransport:
        """Blocking open (run in a thread by :func:`open_usb`)."""
        name = f"{spec.vendor:04x}:{spec.product:04x}"
        try:
            device = usb.core.find(idVendor=spec.vendor, idProduct=spec.product)
        except usb.core.NoBackendError as exc:
            raise LinkLost("Нет библиотеки libusb: установите пакет libusb-1.0",
                           "No libusb found: install libusb-1.0") from exc
        if device is None:
            raise LinkLost(f"USB-устройство {name} не найдено: проверьте кабель, питание и права "
                           "доступа (правило udev)",
                           f"USB device {name} not found: check the cable, power and access "
                           "rights (a udev rule)")
        try:
            if device.is_kernel_driver_active(spec.interface):
                device.detach_kernel_driver(spec.interface)
            if device.get_active_configuration() is None:
                device.set_configuration()
            usb.util.claim_interface(device, spec.interface)
            setting = device.get_active_configuration()[(spec.interface, 0)]
            out_ep = _endpoint(setting, spec.out_ep, usb.util.ENDPOINT_OUT)
            in_ep = _endpoint(setting, spec.in_ep, usb.util.ENDPOINT_IN)
        except usb.core.USBError as exc:
            raise LinkLost(f"USB-устройство {name}: {exc}", f"USB device {name}: {exc}") from exc
        if out_ep is None:
            raise LinkLost(f"У USB-устройства {name} нет выходной точки для данных",
                           f"USB device {name} has no bulk OUT endpoint")
        return cls(spec, device, out_ep, in_ep)

    async def write(self, data: bytes) -> None:
        """Send ``data`` on the bulk OUT endpoint."""
        await asyncio.to_thread(self._call, self._out.write, data,
                                int(self.spec.write_timeout * 1000))

    async def read(self, n: int, timeout: float | None) -> bytes:
        """Read a status answer from the bulk IN endpoint."""
        if self._in is None:
            raise timeout_error(self.url, timeout)
        wait = 0 if timeout is None else max(1, int(timeout * 1000))
        size = max(n, self._in.wMaxPacketSize)
        data = await asyncio.to_thread(self._call, self._in.read, size, wait)
        if not data:
            raise timeout_error(self.url, timeout)
        return bytes(data[:n])

    async def close(self) -> None:
        """Release the interface; closing twice is harmless."""
        if self.closed:
            return
        self.closed = True
        await asyncio.to_thread(usb.util.dispose_resources, self._device)

    def _call(self, operation: Any, *args: Any) -> Any:
        if self.closed:
            raise LinkLost(f"{self.url}: закрыто", f"{self.url}: closed")
        try:
            return operation(*args)
        except usb.core.USBTimeoutError as exc:
            raise DeviceTimeout(f"USB-устройство {self.url} не ответило",
                                f"The USB device {self.url} did not answer") from exc
        except usb.core.USBError as exc:
            raise LinkLost(f"USB-устройство {self.url}: {exc}",
                           f"USB device {self.url}: {exc}") from exc


def _endpoint(setting: Any, address: int | None, direction: int) -> Any:
    """The endpoint at ``address``, or the setting's first one in ``direction``."""
    for endpoint in setting:
        if address is not None and endpoint.bEndpointAddress == address:
            return endpoint
        if address is None and usb.util.endpoint_direction(
                endpoint.bEndpointAddress) == direction:
            return endpoint
    return None
