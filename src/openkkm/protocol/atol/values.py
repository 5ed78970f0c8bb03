"""ATOL value encodings: big-endian BCD numbers and the "external" code page (PROTOCOLS.md §2.3).

The external code page is CP866 with ``$`` and ``№`` swapped: ``№`` is 0x24 and ``$`` is 0xFC (H).
"""

from __future__ import annotations

from ...errors import ProtocolError, ValidationError


def bcd(value: int, size: int, name: str = "value") -> bytes:
    """Return ``value`` as ``size`` bytes of packed BCD, most significant digit first."""
    digits = str(value)
    if value < 0 or len(digits) > 2 * size:
        raise ValidationError((name,), f"Значение {value} не помещается в {size} байт BCD",
                              f"Value {value} does not fit {size} BCD bytes")
    return bytes.fromhex(digits.zfill(2 * size))


def from_bcd(data: bytes, name: str = "value") -> int:
    """Read packed BCD; a nibble above 9 is a protocol error."""
    text = data.hex()
    if not text:
        return 0
    if not text.isdigit():
        raise ProtocolError(f"Поле {name} не в формате BCD: {text}",
                            f"Field {name} is not BCD: {text}")
    return int(text)


def encode_text(text: str, name: str = "text") -> bytes:
    """Encode ``text`` in the external code page."""
    try:
        raw = text.encode("cp866")
    except UnicodeEncodeError as exc:
        raise ValidationError((name,), f"Символ {text[exc.start]!r} нельзя передать в ККТ",
                              f"Character {text[exc.start]!r} cannot be sent to the device"
                              ) from exc
    return raw.translate(_SWAP)


def decode_text(data: bytes) -> str:
    """Decode external-code-page bytes, dropping trailing NULs and spaces."""
    return data.translate(_SWAP).rstrip(b"\0 ").decode("cp866", errors="replace")


_SWAP = bytes.maketrans(b"\x24\xfc", b"\xfc\x24")
