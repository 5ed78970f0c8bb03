"""What a Shtrih register is and how it is registered, read once at ``start``.

Sources, best first: FF09 (INN, РН, tax systems, work modes), the registration report's own tags
(FD 1, read as TLV where the firmware can: organisation, address, FFD version, OFD), 0x11 (serial
number, firmware, INN), FF01/FF03 (ФН number, validity). Anything the firmware does not answer
comes from the device's config keys, which describe the register's registration.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from openkkm.errors import DeviceRejected
from openkkm.fiscal import tlv
from openkkm.fiscal.types import FfdVersion, Registration, TaxSystem
from openkkm.protocol.shtrih.cmd_fn import (
    FnExpiry,
    FnExpiryAnswer,
    FnStatus,
    FnStatusAnswer,
)
from openkkm.protocol.shtrih.cmd_status import (
    DeviceType,
    DeviceTypeAnswer,
    FullStatus,
    FullStatusAnswer,
)

from .documents import DocumentReader, read_fiscalisation
from .link import ShtrihLink
from .mapping import tax_systems_of

if TYPE_CHECKING:
    from openkkm.config import DeviceConfig

NO_INN = 0xFF_FF_FF_FF_FF_FF
REGISTRATION_FD = 1  #: a ФН's first document is its registration report (FF09 names the last)
FFD_LABELS = {version.label: version for version in FfdVersion}
#: work-mode bits of FF09 (tag 1001-1002, 1056, 1108-1110) and the extended byte (1126, 1193, 1207)
WORK_MODE_BITS = {
    "encryption": 0,
    "offline": 1,
    "automatic": 2,
    "service": 3,
    "bso": 4,
    "internet": 5,
}
EXTENDED_MODE_BITS = {"excise": 0, "gambling": 1, "lottery": 2}


@dataclass(frozen=True, slots=True)
class Identity:
    """The register's registration and firmware description."""

    registration: Registration
    firmware: str
    model: int


async def read_identity(link: ShtrihLink, reader: DocumentReader, config: DeviceConfig) -> Identity:
    """Read the register's identity, falling back on ``config`` for what it does not tell."""
    device = await link.execute(DeviceType(), DeviceTypeAnswer)
    full = await link.execute(FullStatus(), FullStatusAnswer)
    fn = await link.execute(FnStatus(), FnStatusAnswer)
    valid_to = await _fn_valid_to(link)
    fiscal = await read_fiscalisation(link)
    report = fiscal.fd_number if fiscal and fiscal.fd_number else REGISTRATION_FD
    tags = await reader.read_tags(report) if fn.last_fd_number >= report else {}
    serial = full.serial_number | (full.serial_number_high or 0) << 32
    inn = _text(tags, 1018) or (fiscal.inn if fiscal else "") or _inn(full.inn) or config.inn
    modes = fiscal.work_mode if fiscal else 0
    extended = fiscal.extended_mode if fiscal else 0
    flags = {name: bool(modes >> bit & 1) for name, bit in WORK_MODE_BITS.items()}
    flags |= {name: bool(extended >> bit & 1) for name, bit in EXTENDED_MODE_BITS.items()}
    if fiscal:
        systems = tax_systems_of(fiscal.tax_mask)
    elif 1062 in tags:
        systems = tax_systems_of(tlv.read_vln(tags[1062]))
    else:
        systems = tuple(TaxSystem(int(code)) for code in config.tax_systems.split(","))
    registration = Registration(
        inn=inn.strip(),
        organization=_text(tags, 1048) or config.organization,
        tax_systems=systems,
        reg_number=(fiscal.reg_number if fiscal else "") or _text(tags, 1037),
        kkt_number=_text(tags, 1013) or (str(serial) if serial else config.kkt_number),
        fn_number=fn.fn_number,
        ffd=_ffd(tags, config),
        address=_text(tags, 1009) or config.address,
        place=_text(tags, 1187) or config.place,
        sender_email=_text(tags, 1117) or config.sender_email,
        ofd_name=_text(tags, 1046),
        ofd_inn=_text(tags, 1017),
        fn_valid_from=tlv.read_unixtime(tags[1012]) if 1012 in tags else None,
        fn_valid_to=valid_to,
        **flags,
    )
    firmware = f"{device.name} {full.firmware_version}.{full.firmware_build}".strip()
    return Identity(registration=registration, firmware=firmware, model=device.model)


async def _fn_valid_to(link: ShtrihLink) -> dt.datetime | None:
    """The ФН's expiry (FF03), or None where the firmware does not say."""
    try:
        expiry = await link.execute(FnExpiry(), FnExpiryAnswer)
    except DeviceRejected:
        return None
    if expiry.expiry is None:
        return None
    return dt.datetime.combine(expiry.expiry, dt.time())


def _text(tags: dict[int, bytes], tag: int) -> str:
    """A string tag of the registration report, '' when absent or unreadable."""
    value = tags.get(tag)
    if value is None:
        return ""
    try:
        return tlv.read_string(value).strip()
    except UnicodeDecodeError:
        return ""


def _inn(value: int) -> str:
    """0x11's binary INN as digits, '' when not set."""
    return "" if value in (NO_INN, 0) else str(value)


def _ffd(tags: dict[int, bytes], config: DeviceConfig) -> FfdVersion:
    """The FFD version: tag 1209 of the registration report, else the config's."""
    value = tags.get(1209)
    if value:
        try:
            return FfdVersion(value[0])
        except ValueError:
            pass
    return FFD_LABELS[config.ffd]
