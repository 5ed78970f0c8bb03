"""Shtrih-M error, status and timeout tables (PROTOCOLS.md §1.4, §1.9, §1.10)."""

from __future__ import annotations

import pytest

from openkkm.errors import DeviceRejected, FiscalStateError
from openkkm.protocol.shtrih.codes import Command
from openkkm.protocol.shtrih.errors import (
    ERROR_TEXTS,
    device_error,
    error_text,
    is_fn_error,
)
from openkkm.protocol.shtrih.status import MODE_TEXTS, SUBMODE_TEXTS, Mode, Submode
from openkkm.protocol.shtrih.timeouts import DEFAULT_ANSWER_TIMEOUT, answer_timeout

# Every code listed in PROTOCOLS.md §1.9, ranges expanded.
SECTION_1_9_CODES = [
    0x00,
    0x01,
    0x02,
    0x03,
    0x04,
    0x05,
    0x06,
    0x07,
    0x08,
    0x09,
    0x10,
    0x11,
    0x12,
    0x14,
    0x15,
    0x16,
    0x17,
    0x20,
    0x2F,
    0x30,
    0x31,
    0x32,
    0x33,
    0x34,
    0x35,
    0x36,
    0x37,
    0x3D,
    0x45,
    0x46,
    0x4A,
    0x4E,
    0x4F,
    0x50,
    0x55,
    0x58,
    0x5E,
    0x61,
    0x62,
    0x6B,
    0x71,
    0x72,
    0x73,
    0x7E,
    0x8E,
    0x8F,
    0xA0,
    0xA1,
    0xA2,
    0xA3,
    0xAA,
    0xAC,
    0xC0,
    0xD3,
    0xD4,
    0xD5,
]


def test_error_table_is_complete_and_bilingual() -> None:
    assert sorted(ERROR_TEXTS) == SECTION_1_9_CODES
    for ru, en in ERROR_TEXTS.values():
        assert any("а" <= ch <= "я" for ch in ru.lower())
        assert en.isascii() and en


def test_vendor_texts() -> None:
    assert error_text(0x4F) == "Неверный пароль"
    assert error_text(0x4F, "en") == "Wrong password"
    assert error_text(0x37) == "Команда не поддерживается в данной реализации ККТ"
    assert "0xee" in error_text(0xEE) and "0xee" in error_text(0xEE, "en")


@pytest.mark.parametrize("code", [0x16, 0x4E])
def test_shift_expired_text_says_smena(code: int) -> None:
    error = device_error(code)
    assert isinstance(error, FiscalStateError) and error.vendor_code == code
    assert "смена" in error.text("ru") and "shift" in error.text("en")


def test_error_classes() -> None:
    assert isinstance(device_error(0x3D), FiscalStateError)
    rejected = device_error(0x4F)
    assert isinstance(rejected, DeviceRejected) and rejected.vendor_code == 0x4F
    assert "Неверный пароль" in rejected.text("ru")
    assert is_fn_error(0x02) and is_fn_error(0xA3) and not is_fn_error(0x4F)


def test_status_texts_cover_every_value() -> None:
    assert set(MODE_TEXTS) == set(Mode)
    assert set(SUBMODE_TEXTS) == set(Submode)


def test_timeouts() -> None:
    assert answer_timeout(Command.Z_REPORT) == 65.0
    assert answer_timeout(Command.OPEN_SHIFT) == 120.0
    assert answer_timeout(Command.SHORT_STATUS) == 3.0
    assert answer_timeout(Command.BIND_MARKING) == 40.0
    assert answer_timeout(Command.OPERATION_V2) == DEFAULT_ANSWER_TIMEOUT == 30.0
