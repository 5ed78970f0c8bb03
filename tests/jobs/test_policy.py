"""The IdCommand policy (API.md §9d): replay, mismatch, re-run after a proven failure, races."""

from __future__ import annotations

import asyncio
import uuid

from openkkm.errors import DeviceRejected
from openkkm.fiscal.types import DocumentType
from openkkm.jobs.answers import IdLocks
from openkkm.jobs.service import AnswerKind

from .conftest import Harness
from .fakes import sell, settled


async def test_first_run_registers_one_receipt(harness: Harness) -> None:
    service = await harness.start()
    answer = await sell(service, "inv-1")
    assert answer.kind is AnswerKind.DONE
    assert answer.response is not None and answer.response["Status"] == 0
    receipts = harness.drive.of_type(DocumentType.RECEIPT)
    assert [doc.number for doc in receipts] == [answer.response["CheckNumber"]]
    assert answer.num_device == 1 and answer.unit_name == "Касса 1"


async def test_same_id_same_body_replays_stored_answer(harness: Harness) -> None:
    service = await harness.start()
    first = await sell(service, "inv-1")
    again = await sell(service, "inv-1")
    assert again.kind is AnswerKind.REPLAY
    assert again.response == first.response
    assert again.first_command == "RegisterCheck" and again.first_at is not None
    assert len(harness.drive.of_type(DocumentType.RECEIPT)) == 1


async def test_replay_survives_restart(harness: Harness) -> None:
    service = await harness.start()
    first = await sell(service, "inv-1")
    await harness.stop()
    service = await harness.start()
    again = await sell(service, "inv-1")
    assert again.kind is AnswerKind.REPLAY and again.response == first.response
    assert len(harness.drive.of_type(DocumentType.RECEIPT)) == 1


async def test_same_id_other_body_is_a_mismatch(harness: Harness) -> None:
    service = await harness.start()
    first = await sell(service, "inv-1", 100)
    other = await sell(service, "inv-1", 200)
    assert other.kind is AnswerKind.MISMATCH
    assert other.response is None
    assert other.first_command == "RegisterCheck"
    assert first.response is not None
    assert len(harness.drive.of_type(DocumentType.RECEIPT)) == 1


async def test_proven_failure_runs_again_even_with_another_body(harness: Harness) -> None:
    service = await harness.start()
    assert harness.driver is not None
    harness.driver.fail("register", error=DeviceRejected(69, "Сумма оплат меньше суммы чека"))
    failed = await sell(service, "inv-1", 100)
    assert failed.kind is AnswerKind.DONE and failed.response is not None
    assert failed.response["Status"] == 2
    assert "Сумма оплат" in failed.response["Error"]
    fixed = await sell(service, "inv-1", 200)
    assert fixed.kind is AnswerKind.DONE and fixed.response is not None
    assert fixed.response["Status"] == 0
    assert [doc.total for doc in harness.drive.of_type(DocumentType.RECEIPT)] == [200]
    stored = await service.result("inv-1")
    assert stored is not None and stored.response == fixed.response


async def test_concurrent_duplicates_run_exactly_once(harness: Harness) -> None:
    service = await harness.start()
    answers = await asyncio.gather(*(sell(service, "inv-1") for _ in range(8)))
    kinds = sorted(answer.kind.name for answer in answers)
    assert kinds.count("DONE") == 1
    assert set(kinds) <= {"DONE", "ALREADY_RUNNING", "REPLAY"}
    assert len(harness.drive.of_type(DocumentType.RECEIPT)) == 1


async def test_concurrent_different_bodies_one_runs_others_mismatch(harness: Harness) -> None:
    service = await harness.start()
    answers = await asyncio.gather(*(sell(service, "inv-1", 100 + n) for n in range(4)))
    kinds = sorted(answer.kind.name for answer in answers)
    assert kinds == ["DONE", "MISMATCH", "MISMATCH", "MISMATCH"]
    assert len(harness.drive.of_type(DocumentType.RECEIPT)) == 1


async def test_resend_while_running_is_already_running(harness: Harness) -> None:
    service = await harness.start()
    assert harness.driver is not None
    harness.driver.gate = asyncio.Event()
    first = await sell(service, "inv-1", wait=0)
    assert first.kind in (AnswerKind.QUEUED, AnswerKind.RUNNING)
    again = await sell(service, "inv-1", wait=0)
    assert again.kind is AnswerKind.ALREADY_RUNNING
    harness.driver.gate.set()
    done = await settled(service, "inv-1")
    assert done.response is not None and done.response["Status"] == 0
    assert len(harness.drive.of_type(DocumentType.RECEIPT)) == 1


async def test_missing_id_gets_a_uuid(harness: Harness) -> None:
    service = await harness.start()
    answer = await sell(service, None)
    assert uuid.UUID(answer.id_command)
    assert answer.response is not None and answer.response["IdCommand"] == answer.id_command


async def test_unknown_id_has_no_result(harness: Harness) -> None:
    service = await harness.start()
    assert await service.result("never-sent") is None


async def test_recorded_validation_failure_is_found_and_may_run_again(harness: Harness) -> None:
    service = await harness.start()
    bad = {"Command": "RegisterCheck", "Status": 2, "Error": "Поле Cash: ..."}
    used = await service.record_failure(id_command="inv-1", command="RegisterCheck",
                                        request={"Cash": "x"}, body_hash="bad", response=bad)
    assert used == "inv-1"
    found = await service.result("inv-1")
    assert found is not None and found.kind is AnswerKind.DONE and found.response == bad
    fixed = await sell(service, "inv-1")
    assert fixed.kind is AnswerKind.DONE and fixed.response is not None
    assert fixed.response["Status"] == 0


async def test_recorded_failure_never_overwrites_a_done_command(harness: Harness) -> None:
    service = await harness.start()
    done = await sell(service, "inv-1")
    await service.record_failure(id_command="inv-1", command="RegisterCheck", request={},
                                 body_hash="bad", response={"Status": 2})
    await harness.stop()
    service = await harness.start()
    found = await service.result("inv-1")
    assert found is not None and found.response == done.response


async def test_recorded_failure_without_id_generates_one(harness: Harness) -> None:
    service = await harness.start()
    used = await service.record_failure(id_command="", command="RegisterCheck", request={},
                                        body_hash="bad", response={"Status": 2})
    assert uuid.UUID(used)
    assert await service.result(used) is not None


async def test_caller_cancelled_during_admission_still_gets_a_consistent_command(
        harness: Harness) -> None:
    service = await harness.start()
    caller = asyncio.create_task(sell(service, "inv-1"))
    await asyncio.sleep(0)  # the caller is now inside the admission
    caller.cancel()
    done = await settled(service, "inv-1")
    assert done.response is not None and done.response["Status"] == 0
    assert (await sell(service, "inv-1")).kind is AnswerKind.REPLAY
    assert len(harness.drive.of_type(DocumentType.RECEIPT)) == 1


async def test_id_locks_serialise_one_id_and_are_dropped_after_use() -> None:
    locks = IdLocks()
    order: list[str] = []

    async def hold(id_command: str, tag: str) -> None:
        async with locks.hold(id_command):
            order.append(f"{tag}+")
            await asyncio.sleep(0)
            order.append(f"{tag}-")

    await asyncio.gather(hold("x", "a"), hold("x", "b"), hold("y", "c"))
    assert order.index("a-") < order.index("b+")  # same id: one after the other
    assert order.index("c+") < order.index("a-")  # another id does not wait
    assert len(locks) == 0
