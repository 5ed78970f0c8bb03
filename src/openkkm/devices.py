"""Build the configured devices: one driver each, and the emulators ``emulator://`` URLs ask for.

A device whose URL is ``emulator://shtrih`` (or ``emulator://atol``) gets that family's device
emulator run in this process, over the simulated ФН kept in the data directory, and its driver
reaches it through an in-memory link (``loop://``) with the real wire protocol, byte for byte.
That is what a config-less server runs, so a newcomer sees the whole path work.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from openkkm.config import Config, DeviceConfig
from openkkm.drivers.base import Driver, driver_class
from openkkm.emulators import atol, shtrih
from openkkm.errors import ConfigError
from openkkm.transport import LoopHub

EMULATOR_SCHEME = "emulator://"
EMULATORS: dict[str, tuple[Callable[..., Any], Callable[..., Awaitable[None]]]] = {
    "shtrih": (shtrih.ShtrihEmulator, shtrih.serve_in_process),
    "atol": (atol.AtolEmulator, atol.serve_in_process),
}  #: family -> (emulator class, function that serves it on a LoopHub name)


class Devices:
    """The drivers of a configuration plus the in-process emulators behind them."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.hub = LoopHub()
        self.emulators: dict[int, Any] = {}
        self._names: list[str] = []

    async def start(self) -> dict[int, Driver]:
        """Start the emulators the config asks for and return a driver per device number."""
        drivers: dict[int, Driver] = {}
        for device in self.config.effective_devices:
            if device.kind == "remote":  # forwarded by the job service, no driver
                continue
            if device.url.startswith(EMULATOR_SCHEME):
                device = await self._emulate(device)
            drivers[device.num] = self._driver(device)
        return drivers

    async def stop(self) -> None:
        """Stop accepting links to the emulators (their sessions end with the drivers' links)."""
        for name in self._names:
            self.hub.unlisten(name)
        self._names.clear()

    async def _emulate(self, device: DeviceConfig) -> DeviceConfig:
        family = device.url.removeprefix(EMULATOR_SCHEME).strip("/") or device.kind
        if family not in EMULATORS or family != device.kind:
            raise ConfigError(
                f"Устройство {device.num}: url {device.url!r} не подходит к kind = {device.kind!r}; "
                f"эмуляторы есть для: {', '.join(sorted(EMULATORS))}",
                f"Device {device.num}: url {device.url!r} does not fit kind = {device.kind!r}; "
                f"emulators exist for: {', '.join(sorted(EMULATORS))}")
        emulator_class, serve_in_process = EMULATORS[family]
        emulator = emulator_class(device, data_dir=str(self.config.data_path))
        name = f"emulator-{device.num}"
        await serve_in_process(emulator, self.hub, name)
        self.emulators[device.num] = emulator
        self._names.append(name)
        return device.model_copy(update={"url": f"loop://{name}"})

    def _driver(self, device: DeviceConfig) -> Driver:
        cls = driver_class(device.kind)
        data_dir = str(self.config.data_path)
        if not device.url.startswith("loop://"):
            return cls(device, data_dir=data_dir)
        if not cls.wire:
            raise ConfigError(
                f"Устройство {device.num} ({device.kind}) не работает через url {device.url!r}",
                f"Device {device.num} ({device.kind}) cannot use url {device.url!r}")
        return cls(device, data_dir=data_dir, hub=self.hub)  # type: ignore[call-arg]
