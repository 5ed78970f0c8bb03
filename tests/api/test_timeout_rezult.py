"""Timeout (API.md §4.1), GetRezult (§4.2) and IdCommand answers (§9d)."""

from __future__ import annotations

import datetime as dt

import pytest

from api.conftest import Edge
from openkkm.errors import DeviceRejected
from openkkm.jobs.service import Answer, AnswerKind


@pytest.mark.parametrize(("timeout", "wait"), [
    (None, 60.0), (0, 60.0), ("", 60.0), (1, 0.0), ("1", 0.0), (2, 1.0), (30, 29.0),
    ("45", 44.0), (600, 599.0), (2.5, 1.5)])
async def test_timeout_gives_the_wait(edge: Edge, timeout: object, wait: float) -> None:
    body = (await edge.execute({"Command": "GetDataKKT", "Timeout": timeout})).json()
    assert body["Status"] == 0 and body["Warning"] == ""
    assert edge.jobs.submitted[0]["wait"] == wait


async def test_timeout_over_600_is_clamped_with_a_warning(edge: Edge) -> None:
    body = (await edge.execute({"Command": "GetDataKKT", "Timeout": 900})).json()
    assert edge.jobs.submitted[0]["wait"] == 599.0
    assert body["Warning"] == "Timeout 900 больше 600: ожидание ограничено 600 с"


@pytest.mark.parametrize(("timeout", "limit"), [(None, 0.0), (30, 30.0), ("2.5", 2.5), (900, 600.0)])
async def test_timeout_also_bounds_the_commands_device_calls(
    edge: Edge, timeout: object, limit: float
) -> None:
    """§4.3: a running command may take max(the server's limit, Timeout); the async path too."""
    await edge.execute({"Command": "OpenShift", "Timeout": timeout})
    await edge.execute({"Command": "GetDataKKT", "Timeout": timeout}, path="/Execute/async")
    assert [call["time_limit"] for call in edge.jobs.submitted] == [limit, limit]


@pytest.mark.parametrize("timeout", [-1, "-5", "abc", True, [1], {"a": 1}])
async def test_bad_timeout_runs_nothing(edge: Edge, timeout: object) -> None:
    body = (await edge.execute({"Command": "OpenShift", "Timeout": timeout})).json()
    assert body["Status"] == 2 and body["Error"].startswith("Поле Timeout: недопустимое значение")
    assert edge.jobs.submitted == []


async def test_async_path_answers_at_once(edge: Edge) -> None:
    await edge.execute({"Command": "GetDataKKT", "Timeout": 30}, path="/Execute/async")
    assert edge.jobs.submitted[0]["wait"] == 0.0


@pytest.mark.parametrize(("kind", "status", "text"), [
    (AnswerKind.QUEUED, 4, "Команда поставлена в очередь"),
    (AnswerKind.RUNNING, 1, "Команда выполняется"),
    (AnswerKind.ALREADY_RUNNING, 5, "Команда уже была выполнена или выполняется в текущий момент")])
async def test_unfinished_answers(edge: Edge, kind: AnswerKind, status: int, text: str) -> None:
    edge.jobs.kind = kind
    body = (await edge.execute({"Command": "OpenShift", "Timeout": 1, "IdCommand": "u"})).json()
    assert list(body) == ["Command", "Error", "Warning", "Message", "Status", "IdCommand",
                          "NumDevice", "UnitName"]
    assert body["Status"] == status and body["Error"].startswith(text)
    assert body["IdCommand"] == "u" and body["NumDevice"] == 1


async def test_replay_returns_the_stored_answer_with_a_warning(edge: Edge) -> None:
    edge.jobs.kind = AnswerKind.REPLAY
    body = (await edge.execute({"Command": "OpenShift", "IdCommand": "r"})).json()
    assert body["Status"] == 0 and body["CheckNumber"] == 119
    assert body["Warning"] == ("Повтор команды: возвращен сохраненный результат от "
                               "15.01.2026 15:47:00, новый документ не создан")
    assert list(body)[-3:] == ["IdCommand", "NumDevice", "UnitName"]


async def test_mismatch_names_the_first_command(edge: Edge) -> None:
    edge.jobs.kind = AnswerKind.MISMATCH
    body = (await edge.execute({"Command": "OpenShift", "IdCommand": "X"})).json()
    assert body["Status"] == 2
    assert body["Error"] == ("IdCommand 'X' уже использован для другой команды (OpenShift от "
                             "15.01.2026 15:47); укажите новый IdCommand")


async def test_generated_id_command_when_none_is_given(edge: Edge) -> None:
    body = (await edge.execute({"Command": "OpenShift"})).json()
    assert len(body["IdCommand"]) == 36
    assert edge.jobs.submitted[0]["id_command"] == body["IdCommand"]


async def test_get_rezult_of_a_finished_command(edge: Edge) -> None:
    first = (await edge.execute({"Command": "OpenShift", "IdCommand": "g1"})).json()
    response = await edge.execute({"Command": "GetRezult", "IdCommand": "g1"})
    body = response.json()
    assert list(body) == ["Rezult", "Command", "Error", "Warning", "Message", "Status",
                          "IdCommand"]
    assert body["Status"] == 0 and body["Command"] == "GetRezult" and body["IdCommand"] == "g1"
    assert body["Rezult"] == first


async def test_get_rezult_of_a_queued_command(edge: Edge) -> None:
    edge.jobs.results["q1"] = Answer(AnswerKind.QUEUED, "q1", None, first_command="RegisterCheck",
                                     first_at=dt.datetime(2026, 1, 1), num_device=1,
                                     unit_name="Касса 1")
    body = (await edge.execute({"Command": "GetRezult", "IdCommand": "q1"})).json()
    assert body["Status"] == 0
    assert body["Rezult"]["Status"] == 4 and body["Rezult"]["Command"] == "RegisterCheck"
    assert body["Rezult"]["Error"]


async def test_get_rezult_not_found_shape(edge: Edge) -> None:
    response = await edge.execute({"Command": "GetRezult", "IdCommand": "nope"})
    assert response.status_code == 200
    assert response.text.startswith('{"Rezult":{"IdCommand":"nope","Status":3,'
                                     '"Command":"<Не определено>","Error":"<Не определено>"},')
    body = response.json()
    assert body["Status"] == 3 and body["Error"] == "Команда с таким IdCommand не найдена"


@pytest.mark.parametrize("id_command", [None, "", "  "])
async def test_get_rezult_needs_an_id(edge: Edge, id_command: object) -> None:
    body = (await edge.execute({"Command": "GetRezult", "IdCommand": id_command})).json()
    assert body["Status"] == 2 and "IdCommand" in body["Error"] and "Rezult" not in body


@pytest.mark.parametrize(("kind", "status"), [
    (AnswerKind.QUEUED, 4), (AnswerKind.RUNNING, 1)])
async def test_tracking_status_of_an_unfinished_command(
    edge: Edge, kind: AnswerKind, status: int
) -> None:
    edge.jobs.results["t1"] = Answer(kind, "t1", None, first_command="RegisterCheck",
                                     first_at=dt.datetime(2026, 1, 1), num_device=1,
                                     unit_name="Касса 1")
    body = (await edge.execute({"Command": "TrackingStatusCommand", "IdCommand": "t1"})).json()
    assert body["Status"] == status and body["Error"]
    assert body["Command"] == "TrackingStatusCommand" and body["IdCommand"] == "t1"


async def test_tracking_status_of_finished_and_unknown_commands(edge: Edge) -> None:
    await edge.execute({"Command": "OpenShift", "IdCommand": "t2"})
    body = (await edge.execute({"Command": "TrackingStatusCommand", "IdCommand": "t2"})).json()
    assert (body["Status"], body["Error"]) == (0, "")
    edge.jobs.outcome = DeviceRejected(0x6B, "Нет бумаги", "No paper")
    await edge.execute({"Command": "OpenShift", "IdCommand": "t3"})
    body = (await edge.execute({"Command": "TrackingStatusCommand", "IdCommand": "t3"})).json()
    assert body["Status"] == 2 and "Нет бумаги" in body["Error"]
    body = (await edge.execute({"Command": "TrackingStatusCommand", "IdCommand": "nope"})).json()
    assert body["Status"] == 3 and body["Error"] == "Команда с таким IdCommand не найдена"
    body = (await edge.execute({"Command": "TrackingStatusCommand"})).json()
    assert body["Status"] == 2


async def test_cancel_command_answers_for_a_device_or_all(edge: Edge) -> None:
    body = (await edge.execute({"Command": "CancelCommand", "NumDevice": 1})).json()
    assert (body["Status"], body["Error"]) == (0, "")
    body = (await edge.execute({"Command": "CancelCommand"})).json()
    assert body["Status"] == 0
    body = (await edge.execute({"Command": "CancelCommand", "NumDevice": 9})).json()
    assert body["Status"] == 3
    body = (await edge.execute({"Command": "CancelCommand", "NumDevice": "abc"})).json()
    assert body["Status"] == 2 and "NumDevice" in body["Error"]
    assert edge.jobs.cancelled == [1, 0]
    assert edge.jobs.submitted == []  # nothing is queued for a device
