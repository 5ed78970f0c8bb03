"""Basic auth, roles, anonymous loopback and CORS (API.md §3, §9e, §9h)."""

from __future__ import annotations

import base64

import pytest

from api.conftest import MakeEdge

USERS = {"users": [{"name": "Cashier", "password": "pa:ss", "admin": False},
                   {"name": "boss", "password": "root", "admin": True}]}


def basic(name: str, password: str) -> dict[str, str]:
    """An Authorization header."""
    token = base64.b64encode(f"{name}:{password}".encode()).decode()
    return {"authorization": f"Basic {token}"}


@pytest.mark.parametrize("headers", [{}, basic("cashier", "wrong"), basic("nobody", "pa:ss"),
                                     basic("cashier", "PA:SS"), {"authorization": "Basic !!!"},
                                     {"authorization": "Bearer abc"}])
async def test_missing_or_wrong_credentials_get_401_with_challenge_and_cors(
        make_edge: MakeEdge, headers: dict[str, str]) -> None:
    edge = make_edge(USERS)
    response = await edge.execute({"Command": "List"},
                                  headers={**headers, "origin": "https://shop.example"})
    assert response.status_code == 401
    assert response.content == b""
    assert response.headers["www-authenticate"] == 'Basic realm="openkkm"'
    assert response.headers["access-control-allow-origin"] == "https://shop.example"


async def test_login_is_case_insensitive_and_password_may_hold_a_colon(make_edge: MakeEdge) -> None:
    edge = make_edge(USERS)
    response = await edge.execute({"Command": "List"}, headers=basic("CASHIER", "pa:ss"))
    assert response.status_code == 200 and response.json()["Status"] == 0


async def test_admin_only_command_refused_for_a_user_but_not_for_an_admin(
        make_edge: MakeEdge) -> None:
    edge = make_edge(USERS)
    response = await edge.execute({"Command": "KkmRegOfd"}, headers=basic("cashier", "pa:ss"))
    assert response.status_code == 200
    assert response.json()["Error"] == "Команда KkmRegOfd доступна только администратору"
    response = await edge.execute({"Command": "KkmRegOfd"}, headers=basic("boss", "root"))
    assert response.json()["Error"] == "Не указан кассир (поле CashierName)"  # admitted


async def test_without_users_everyone_is_a_user_never_admin(make_edge: MakeEdge) -> None:
    edge = make_edge()
    response = await edge.execute({"Command": "SetSettingsServer"})
    assert response.json()["Error"] == "Команда SetSettingsServer доступна только администратору"
    response = await edge.execute({"Command": "List"})
    assert response.json()["Status"] == 0


async def test_anonymous_loopback_admits_only_bare_loopback_requests(make_edge: MakeEdge) -> None:
    config = {**USERS, "server": {"anonymous_loopback": True}}
    local = make_edge(config, client_host="127.0.0.1")
    assert (await local.execute({"Command": "List"})).status_code == 200
    refused = await local.execute({"Command": "List"}, headers=basic("cashier", "bad"))
    assert refused.status_code == 401
    remote = make_edge(config, client_host="192.168.1.20")
    assert (await remote.execute({"Command": "List"})).status_code == 401
    strict = make_edge(USERS, client_host="127.0.0.1")
    assert (await strict.execute({"Command": "List"})).status_code == 401


async def test_preflight_needs_no_credentials_and_answers_the_reference_client(
        make_edge: MakeEdge) -> None:
    edge = make_edge(USERS)
    response = await edge.client.options("/Execute/sync", headers={
        "origin": "https://shop.example", "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
        "access-control-request-private-network": "true"})
    assert response.status_code == 200
    headers = response.headers
    assert headers["access-control-allow-origin"] == "https://shop.example"
    assert headers["access-control-allow-methods"] == "GET, POST, PUT, OPTIONS"
    assert headers["access-control-allow-headers"] == "authorization, content-type"
    assert headers["access-control-allow-credentials"] == "true"
    assert headers["access-control-allow-private-network"] == "true"
    assert "Origin" in headers["vary"]


async def test_preflight_without_private_network_request(make_edge: MakeEdge) -> None:
    edge = make_edge()
    response = await edge.client.options("/anything", headers={"origin": "http://a.example"})
    assert response.status_code == 200
    assert "access-control-allow-private-network" not in response.headers


async def test_answers_carry_cors_headers(make_edge: MakeEdge) -> None:
    edge = make_edge()
    plain = await edge.execute({"Command": "List"})
    assert plain.headers["access-control-allow-origin"] == "*"
    cross = await edge.execute({"Command": "List"}, headers={"origin": "http://a.example"})
    assert cross.headers["access-control-allow-origin"] == "http://a.example"
    assert cross.headers["vary"] == "Origin"
    for body in (b"{oops", b'{"Command":"Nope"}'):
        failed = await edge.execute(body, headers={"origin": "http://a.example"})
        assert failed.status_code in (400, 501)
        assert failed.headers["access-control-allow-origin"] == "http://a.example"


async def test_disallowed_origin_gets_403_before_the_body_is_read(make_edge: MakeEdge) -> None:
    edge = make_edge({"server": {"cors_origins": ["https://shop.example"]}})
    response = await edge.execute(b"{not json at all", headers={"origin": "https://evil.example"})
    assert response.status_code == 403
    assert response.json()["Status"] == 2
    assert "https://evil.example" in response.json()["Error"]
    assert "access-control-allow-origin" not in response.headers
    allowed = await edge.execute({"Command": "List"}, headers={"origin": "https://shop.example"})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://shop.example"
    no_origin = await edge.execute({"Command": "List"})
    assert no_origin.status_code == 200
    preflight = await edge.client.options("/Execute", headers={"origin": "https://evil.example"})
    assert preflight.status_code == 403
