"""The register's registration, read from its ФН's registration report as TLV (A4 46).

ATOL publishes no command that answers the registration as such, so, as the Shtrih driver does
where its firmware reads documents as TLV, the registration report's own tags are the source:
INN 1018, РН 1037, tax systems 1062, FFD 1209, organisation 1048, address 1009, place 1187,
OFD 1046/1017. What the report does not carry (or a failed read) comes from the config.

The report that counts is the last (re-)registration, and nothing finds it short of a scan of
the archive; the driver remembers the number of each one it forms beside the journal
(:class:`LastReport`), so a restart reads that one, and FD 1 for a ФН it does not know.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Final

from openkkm.emulators.fn.persist import atomic_write
from openkkm.errors import OpenKKMError
from openkkm.fiscal import tlv
from openkkm.fiscal.types import FfdVersion, Registration, TaxSystem

from .archive import read_tlv

if TYPE_CHECKING:
    from openkkm.config import DeviceConfig

    from .link import AtolLink

log = logging.getLogger(__name__)
REGISTRATION_FD: Final = 1  #: a ФН's first document is its registration report
FFD_LABELS: Final = {version.label: version for version in FfdVersion}


class LastReport:
    """The number of the last (re-)registration report, per ФН, kept in ``data_dir``."""

    def __init__(self, data_dir: str, num: int) -> None:
        self.path = Path(data_dir) / f"atol-{num}-registration.json"

    def number(self, fn_number: str) -> int:
        """The report to read for ФН ``fn_number``: the remembered one, else FD 1."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return REGISTRATION_FD
        return int(data["fd"]) if data.get("fn") == fn_number else REGISTRATION_FD

    def remember(self, fn_number: str, number: int) -> None:
        """Note report ``number`` of ФН ``fn_number``; a failure only loses the shortcut."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(self.path, json.dumps({"fn": fn_number, "fd": number}).encode())
        except OSError as exc:
            log.warning("cannot remember the registration report: %s", exc)


async def read_report_tags(link: AtolLink, number: int) -> dict[int, bytes]:
    """The top-level tags of FD ``number``; {} when the ФН cannot give them."""
    try:
        data = await read_tlv(link, number)
    except OpenKKMError as exc:
        log.warning("FD %s not read as TLV (%s); registration from the config", number, exc)
        return {}
    if data is None:
        return {}
    try:
        forms = list(tlv.iter_tlv(data))
        return dict(tlv.iter_tlv(forms[0][1])) if forms else {}
    except tlv.TlvError as exc:
        log.warning("FD %s read as TLV is malformed (%s); registration from the config",
                    number, exc)
        return {}


def registration_of(tags: dict[int, bytes], config: DeviceConfig, *, fn_number: str,
                    serial: int) -> Registration:
    """The registration the report's ``tags`` describe, the config filling what they lack."""
    if 1062 in tags:
        mask = tlv.read_vln(tags[1062])
        systems = tuple(system for system in TaxSystem if mask & (1 << system.value))
    else:
        systems = tuple(TaxSystem(int(code)) for code in config.tax_systems.split(","))
    return Registration(
        inn=_text(tags, 1018) or config.inn,
        organization=_text(tags, 1048) or config.organization,
        tax_systems=systems,
        reg_number=_text(tags, 1037),
        kkt_number=_text(tags, 1013) or config.kkt_number or f"{serial:08d}",
        fn_number=fn_number,
        ffd=_ffd(tags, config),
        address=_text(tags, 1009) or config.address,
        place=_text(tags, 1187) or config.place,
        sender_email=_text(tags, 1117) or config.sender_email,
        ofd_name=_text(tags, 1046),
        ofd_inn=_text(tags, 1017),
        fn_valid_from=tlv.read_unixtime(tags[1012]) if 1012 in tags else None,
    )


def registration_tags(registration: Registration) -> bytes:
    """The A4 B2 TLV run of ``registration`` (openkkm's own layout, see protocol/atol)."""
    mask = sum(1 << int(system) for system in registration.tax_systems)
    texts = ((1018, registration.inn, 12), (1037, registration.reg_number, 20),
             (1048, registration.organization, 256), (1009, registration.address, 256),
             (1187, registration.place, 256), (1117, registration.sender_email, 64),
             (1046, registration.ofd_name, 256), (1017, registration.ofd_inn, 12))
    run = b"".join(tlv.tlv(tag, tlv.string(text, width)) for tag, text, width in texts if text)
    return (run + tlv.tlv(1062, bytes((mask,)))
            + tlv.tlv(1209, bytes((int(registration.ffd),))))


def _text(tags: dict[int, bytes], tag: int) -> str:
    """A string tag of the report, '' when absent or unreadable."""
    value = tags.get(tag)
    if value is None:
        return ""
    try:
        return tlv.read_string(value).strip()
    except UnicodeDecodeError:
        return ""


def _ffd(tags: dict[int, bytes], config: DeviceConfig) -> FfdVersion:
    """The FFD version: tag 1209 of the report, else the config's."""
    value = tags.get(1209)
    if value:
        try:
            return FfdVersion(value[0])
        except ValueError:
            log.warning("tag 1209 holds unknown FFD %s; using the config's", value[0])
    return FFD_LABELS[config.ffd]
