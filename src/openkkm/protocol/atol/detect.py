"""Which lower layer a device speaks: v3 answers a v3 packet, v2 answers ``ENQ`` with ACK/NAK.

The probe is an ABORT packet (id 1: its bytes hold no v2 control byte, so a v2 device ignores
it) and then, if nothing v3-shaped came back, a v2 ``ENQ`` (a v3 device ignores it: no 0xFE).
"""

from __future__ import annotations

from enum import StrEnum

from ...framing import atol_v2, atol_v3


class LowerLayer(StrEnum):
    """The two lower layers of protocol 3.1."""

    V2 = "v2"
    V3 = "v3"


V3_PROBE = atol_v3.encode(1, atol_v3.abort())  #: ``FE 01 00 01 C4 F6``
V2_PROBE = bytes((atol_v2.ENQ,))


def answers_v3(data: bytes) -> bool:
    """Tell whether ``data`` holds a well-formed v3 packet."""
    while data:
        used, packet = atol_v3.decode(data)
        if isinstance(packet, atol_v3.Packet):
            return True
        if used == 0:
            return False
        data = data[used:]
    return False


def answers_v2(data: bytes) -> bool:
    """Tell whether ``data`` (the reply to ``ENQ``) is a v2 ACK or NAK."""
    return any(byte in (atol_v2.ACK, atol_v2.NAK) for byte in data)
