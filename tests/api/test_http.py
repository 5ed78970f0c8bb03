"""Routes, envelope, HTTP codes and the never-500 rule (API.md §2)."""

from __future__ import annotations

import json
import logging

import pytest

from api.conftest import Edge, MakeEdge
from openkkm import __version__

COMMON = ["Command", "Error", "Warning", "Message", "Status", "IdCommand"]


def keys(text: str) -> list[str]:
    """Top-level keys in the order of the JSON text."""
    return list(json.loads(text, object_pairs_hook=lambda pairs: dict(pairs)).keys())


async def test_envelope_order_and_headers(edge: Edge) -> None:
    response = await edge.execute({"Command": "GetLineLength", "NumDevice": 1, "IdCommand": "x1"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers["cache-control"] == "no-store, no-cache, must-revalidate"
    assert keys(response.text) == ["LineLength", *COMMON, "NumDevice", "UnitName"]
    assert response.json() == {"LineLength": 48, "Command": "GetLineLength", "Error": "",
                               "Warning": "", "Message": "", "Status": 0, "IdCommand": "x1",
                               "NumDevice": 1, "UnitName": "Касса 1"}
    assert not response.text.startswith(" ")


@pytest.mark.parametrize("path", ["/Execute", "/execute/", "/EXECUTE/sync", "/Execute/sync/",
                                  "/Execute/anything/else"])
async def test_execute_paths(edge: Edge, path: str) -> None:
    response = await edge.execute({"Command": "List"}, path=path)
    assert response.status_code == 200 and response.json()["Status"] == 0


async def test_put_is_accepted(edge: Edge) -> None:
    response = await edge.client.put("/Execute/sync", content=b'{"Command":"List"}')
    assert response.json()["Command"] == "List"


async def test_get_on_execute_is_refused_with_an_envelope(edge: Edge) -> None:
    response = await edge.client.get("/Execute/sync")
    assert response.status_code == 405 and response.json()["Status"] == 2


async def test_lenient_body_content_type_bom_junk_and_escapes(edge: Edge) -> None:
    raw = '\ufeff#junk{"command":"GetLineLength","NUMDEVICE":"1","IdCommand":"a&#39;b"} tail'
    response = await edge.execute(raw.encode(), headers={"content-type": "text/plain"})
    assert response.json()["Status"] == 0
    assert response.json()["IdCommand"] == 'a"b'


async def test_unparseable_body_is_400_with_position(edge: Edge) -> None:
    response = await edge.execute(b'{"Command": "List",, }')
    assert response.status_code == 400
    body = response.json()
    assert body["Status"] == 2
    assert body["Error"].startswith("Ошибка разбора (парсинга) команды: ")
    assert "(строка 1, позиция 20)" in body["Error"]
    assert keys(response.text) == COMMON


async def test_body_over_the_limit_is_413(make_edge: MakeEdge) -> None:
    edge = make_edge({"server": {"max_body_bytes": 1024}})
    response = await edge.execute(b'{"Command":"List","Pad":"' + b"x" * 2000 + b'"}')
    assert response.status_code == 413
    assert response.json()["Status"] == 2 and "1024" in response.json()["Error"]
    assert response.headers["access-control-allow-origin"] == "*"


async def test_unknown_command_is_501(edge: Edge) -> None:
    response = await edge.execute({"Command": "MakeCoffee", "IdCommand": "q"})
    assert response.status_code == 501
    assert response.json() == {"Command": "MakeCoffee", "Error": "Неопознанная команда: MakeCoffee",
                               "Warning": "", "Message": "", "Status": 2, "IdCommand": "q"}


async def test_command_names_are_case_sensitive(edge: Edge) -> None:
    response = await edge.execute({"Command": "list"})
    assert response.status_code == 501


@pytest.mark.parametrize("body", [{}, {"Command": ""}, {"Command": None}])
async def test_missing_command_names_the_field(edge: Edge, body: dict[str, object]) -> None:
    response = await edge.execute(body)
    assert response.status_code == 200
    assert response.json()["Status"] == 2 and "Command" in response.json()["Error"]


@pytest.mark.parametrize("name", ["OutputOnCustomerDisplay", "AddInGetSettings", "GetLicense",
                                  "PayByPaymentCard", "GetServerData"])
async def test_known_but_not_built_commands(edge: Edge, name: str) -> None:
    response = await edge.execute({"Command": name})
    assert response.status_code == 200
    body = response.json()
    assert body["Status"] == 2
    assert body["Error"] == f"Команда {name} пока не поддерживается openkkm"
    assert "лиценз" not in body["Error"].lower()


async def test_english_texts(make_edge: MakeEdge) -> None:
    edge = make_edge({"server": {"language": "en"}})
    response = await edge.execute({"Command": "OutputOnCustomerDisplay"})
    assert response.json()["Error"] == ("Command OutputOnCustomerDisplay is not supported by "
                                        "openkkm yet")


async def test_unexpected_failure_is_200_with_an_incident_code(
        edge: Edge, caplog: pytest.LogCaptureFixture) -> None:
    edge.jobs.raise_on_submit = RuntimeError("boom")
    with caplog.at_level(logging.ERROR):
        response = await edge.execute({"Command": "OpenShift", "IdCommand": "i-1"},
                                      headers={"authorization": "Basic c2VjcmV0OnNlY3JldA=="})
    assert response.status_code == 200
    body = response.json()
    assert body["Status"] == 2 and body["Command"] == "OpenShift" and body["IdCommand"] == "i-1"
    code = body["Error"].removeprefix("Внутренняя ошибка openkkm (код инцидента ").removesuffix(")")
    assert code and code != body["Error"]
    assert code in caplog.text
    assert "c2VjcmV0" not in caplog.text and "secret" not in caplog.text


async def test_version_endpoints_need_no_credentials(make_edge: MakeEdge) -> None:
    edge = make_edge({"users": [{"name": "u", "password": "p"}]})
    response = await edge.client.get("/VersionJSON")
    assert response.status_code == 200 and response.json() == {"Version": __version__}
    response = await edge.client.get("/Version")
    assert response.text == __version__
    assert (await edge.client.head("/")).status_code == 200
    assert (await edge.client.get("/")).status_code == 401


async def test_root_page_is_html_without_external_resources(edge: Edge) -> None:
    response = await edge.client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "openkkm" in response.text and "http" not in response.text.lower().replace(
        "/execute/sync", "")


async def test_unknown_path_is_404_with_cors(edge: Edge) -> None:
    response = await edge.client.get("/nothing", headers={"origin": "https://shop.example"})
    assert response.status_code == 404
    assert response.headers["access-control-allow-origin"] == "https://shop.example"


async def test_client_gone_mid_body_is_not_an_incident(
        edge: Edge, caplog: pytest.LogCaptureFixture) -> None:
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/Execute/sync", "raw_path": b"/Execute/sync",
             "query_string": b"", "headers": [], "client": ("127.0.0.1", 1), "server": None,
             "scheme": "http", "http_version": "1.1", "root_path": ""}
    with caplog.at_level(logging.ERROR):
        await edge.app(scope, receive, send)
    assert sent[0]["status"] == 400
    assert "incident" not in caplog.text
