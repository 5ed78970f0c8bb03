"""Structured logs: JSON lines tagged with the IdCommand and device; cards and secrets redacted."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest

from openkkm.logs import command_context, json_handler, luhn_valid, redact

CARD = "2200 1234 5678 9019"  # a Mir number that passes the Luhn check


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    logger = logging.getLogger("openkkm.test_logs")
    handler = json_handler(stream, logging.DEBUG)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_luhn() -> None:
    assert luhn_valid("2200123456789019")
    assert not luhn_valid("2200123456789010")


def test_card_numbers_keep_only_their_last_four_digits() -> None:
    assert redact(f"paid by {CARD} ok") == "paid by ************9019 ok"
    assert redact("pan=2200123456789019;") == "pan=************9019;"
    assert redact("2200123456789010") == "2200123456789010", "fails Luhn: not a card"
    assert redact("fn 9999078900001234 rn 0000000001002767") == \
        "fn 9999078900001234 rn 0000000001002767", "ФН and register numbers stay readable"
    assert redact("inn 7700000009, fiscal sign 3528941127") == \
        "inn 7700000009, fiscal sign 3528941127"


def test_secrets_are_masked() -> None:
    assert redact('{"password": "hunter2", "user": "kassir"}') == \
        '{"password": "***", "user": "kassir"}'
    assert redact("Authorization: Basic a2Fzc2lyOnB3") == "Authorization: ***"
    assert redact("token=abc123&x=1") == "token=***&x=1"


async def test_records_carry_the_command_and_device(
        captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = captured

    async def worker_step() -> None:
        await asyncio.sleep(0)
        logger.warning("step failed for card %s", CARD)

    logger.info("outside")
    with command_context("c2a9f0de", device=3):
        await asyncio.create_task(worker_step())  # a task started inside inherits the tags
        try:
            raise ValueError("password=hunter2")
        except ValueError:
            logger.exception("incident ABCD1234")
    outside, step, incident = lines(stream)
    assert outside["message"] == "outside" and "id_command" not in outside
    assert (step["id_command"], step["device"], step["level"]) == ("c2a9f0de", 3, "warning")
    assert step["message"] == "step failed for card ************9019"
    assert incident["id_command"] == "c2a9f0de" and incident["message"] == "incident ABCD1234"
    assert "ValueError: password=***" in str(incident["exception"])
    assert "hunter2" not in stream.getvalue() and CARD not in stream.getvalue()
