"""The one exception tree of openkkm.

Every error carries a stable ``code`` (for logs, metrics and tests) and a text in Russian and
English. Cashiers read these texts, so they say what happened and what to do.

Validation errors point at a field by ``loc``: a tuple of *English* names and indexes
(``("lines", 3, "quantity")``). Only the API edge knows the wire names of a dialect and turns a
``loc`` into a path such as ``CheckStrings[3].Register.Quantity``; a text may hold ``{path}`` to
place that path itself, otherwise the edge prefixes «Поле <path>: ».
"""

from __future__ import annotations

from typing import ClassVar

Loc = tuple[str | int, ...]


class OpenKKMError(Exception):
    """Base of every error openkkm raises on purpose."""

    code: ClassVar[str] = "error"

    def __init__(self, ru: str, en: str | None = None) -> None:
        super().__init__(en or ru)
        self.ru = ru
        self.en = en or ru

    def text(self, language: str = "ru") -> str:
        """Return the message in ``language`` ("ru" or "en")."""
        return self.en if language == "en" else self.ru


class ConfigError(OpenKKMError):
    """The configuration file or the command line is wrong; the server does not start."""

    code = "config"


class ValidationError(OpenKKMError):
    """A command's input is wrong; nothing reached a device."""

    code = "validation"

    def __init__(self, loc: Loc, ru: str, en: str | None = None) -> None:
        super().__init__(ru, en)
        self.loc = loc


class NotFoundError(OpenKKMError):
    """No device matches the selection, or no command has that IdCommand."""

    code = "not_found"


class DuplicateCommandError(OpenKKMError):
    """The same IdCommand was used for a different command."""

    code = "duplicate"


class TransportError(OpenKKMError):
    """Bytes could not be moved to or from the device."""

    code = "transport"


class DeviceTimeout(TransportError):
    """The device did not answer in time; whether it acted is unknown."""

    code = "device_timeout"


class LinkLost(TransportError):
    """The link to the device broke; whether it acted is unknown."""

    code = "link_lost"


class FramingError(OpenKKMError):
    """A frame could not be decoded."""

    code = "framing"


class ChecksumMismatch(FramingError):
    """A frame's checksum is wrong."""

    code = "checksum"


class ProtocolError(OpenKKMError):
    """The device answered something the protocol does not allow."""

    code = "protocol"


class DeviceRejected(ProtocolError):
    """The device refused the command with its own error code; nothing changed on it."""

    code = "device_rejected"

    def __init__(self, vendor_code: int, ru: str, en: str | None = None) -> None:
        super().__init__(ru, en)
        self.vendor_code = vendor_code


class FiscalStateError(OpenKKMError):
    """The fiscal drive's state forbids the operation (shift expired, not registered...)."""

    code = "fiscal_state"

    def __init__(self, ru: str, en: str | None = None, *, vendor_code: int = 0) -> None:
        super().__init__(ru, en)
        self.vendor_code = vendor_code


class NotSupportedError(OpenKKMError):
    """The command is known but this build or this device does not do it."""

    code = "not_supported"


class AccessDenied(OpenKKMError):
    """The caller may not run this command (admin-only)."""

    code = "access_denied"
