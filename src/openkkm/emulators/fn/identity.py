"""Numbers that identify an emulated register: ФН number, factory serial, РН ККТ, fiscal sign.

Emulated numbers are derived from the device number, so a configuration without them gives the
same register after every restart. ФН numbers start with ``9999`` and serials with ``0499``:
prefixes no real model uses, so an emulated document is recognisable at a glance.
"""

from __future__ import annotations

import hashlib
import hmac
import struct

SIGN_BYTES = 6  #: 1077 is stored as 6 bytes (FISCAL.md §9.1)


def crc16_ccitt(data: bytes) -> int:
    """CRC-16, polynomial 0x1021, initial 0xFFFF, no reflection, no final XOR."""
    crc = 0xFFFF
    for octet in data:
        crc ^= octet << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def reg_number_check(sequence: str, inn: str, kkt_number: str) -> str:
    """Compute the 6-digit check number of a РН ККТ (FISCAL.md §12.1)."""
    digits = sequence.zfill(10) + inn.zfill(12) + kkt_number.zfill(20)
    return f"{crc16_ccitt(digits.encode('ascii')):06d}"


def make_reg_number(sequence: int, inn: str, kkt_number: str) -> str:
    """Make a 16-digit РН ККТ: 10-digit sequence number, then its check number."""
    head = f"{sequence:010d}"
    return head + reg_number_check(head, inn, kkt_number)


def reg_number_valid(reg_number: str, inn: str, kkt_number: str) -> bool:
    """Tell whether a 16-digit РН ККТ carries the right check number for this INN and serial."""
    number = reg_number.strip()
    if len(number) != 16 or not number.isdigit():
        return False
    return number[10:] == reg_number_check(number[:10], inn, kkt_number)


def make_fn_number(device: int) -> str:
    """Make a 16-digit emulated ФН number for device ``device``."""
    return f"99990789{device:08d}"


def make_kkt_number(device: int) -> str:
    """Make a 16-digit emulated factory serial (1013) for device ``device``."""
    return f"04990000{device:08d}"


def fiscal_sign(key: bytes, fn_number: str, number: int, document: bytes) -> bytes:
    """Compute the simulated ФПД: HMAC-SHA256 of ФН number, FD number (u32 LE) and TLV; 6 bytes."""
    message = fn_number.encode("ascii") + struct.pack("<I", number) + document
    return hmac.new(key, message, hashlib.sha256).digest()[:SIGN_BYTES]


def printed_sign(sign: bytes) -> int:
    """Return the printed and QR value of a 6-byte ФПД: bytes 2–5 as a big-endian u32."""
    return int.from_bytes(sign[2:6], "big")
