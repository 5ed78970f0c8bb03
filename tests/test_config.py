"""Config file validation: unknown keys named with their line, bounds, security refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from openkkm.config import load
from openkkm.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "openkkm.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_serve_one_emulated_register_on_loopback() -> None:
    config = load(None)
    assert (config.server.host, config.server.port) == ("127.0.0.1", 5893)
    assert config.server.language == "ru"
    assert config.server.cors_origins == ("*",)
    assert config.journal.retention_days == 90
    [device] = config.effective_devices
    assert (device.num, device.kind, device.url, device.unit_name) == (1, "shtrih", "emulator://shtrih", "Касса 1")


def test_unknown_key_names_key_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[server]\nport = 5900\nanonymous_loopbak = true\n')
    with pytest.raises(ConfigError) as info:
        load(path)
    assert "server.anonymous_loopbak" in info.value.ru
    assert "строка 3" in info.value.ru and "line 3" in info.value.en


def test_unknown_key_in_second_device_points_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, (
        '[[devices]]\nnum = 1\nkind = "virtual"\n\n'
        '[[devices]]\nnum = 2\nkind = "virtual"\nbaudrate = 9600\n'
    ))
    with pytest.raises(ConfigError) as info:
        load(path)
    assert "devices.1.baudrate" in info.value.en
    assert "line 8" in info.value.en


def test_bad_value_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load(write(tmp_path, "[server]\nport = 70000\n"))
    assert "server.port" in info.value.ru and "строка 2" in info.value.ru


def test_shtrih_protocol_key(tmp_path: Path) -> None:
    device = '[[devices]]\nnum = 1\nkind = "{kind}"\nurl = "tcp://10.0.0.5:7778"\nprotocol = {value}\n'
    assert load(write(tmp_path, device.format(kind="shtrih", value=2))).devices[0].protocol == 2
    assert load(write(tmp_path, '[[devices]]\nnum = 1\nkind = "shtrih"\n')).devices[0].protocol == 1
    with pytest.raises(ConfigError) as info:
        load(write(tmp_path, device.format(kind="shtrih", value=3)))
    assert "devices.0.protocol" in info.value.en and "line 5" in info.value.en
    assert "1 or 2" in info.value.en
    with pytest.raises(ConfigError) as info:
        load(write(tmp_path, device.format(kind="atol", value=2)))
    assert "devices.0.protocol" in info.value.ru and "строка 5" in info.value.ru
    assert 'kind = "shtrih"' in info.value.en and 'not kind = "atol"' in info.value.en


def test_duplicate_device_numbers_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "[[devices]]\nnum = 1\n[[devices]]\nnum = 1\n")
    with pytest.raises(ConfigError, match="repeated"):
        load(path)


def test_lan_bind_without_users_refused_with_advice() -> None:
    with pytest.raises(ConfigError) as info:
        load(None, {"server.host": "0.0.0.0"})
    assert "--user" in info.value.ru and "allow_anonymous" in info.value.en


def test_lan_bind_with_users_or_explicit_anonymous_allowed() -> None:
    assert load(None, {"server.host": "0.0.0.0"},
                [{"name": "cashier", "password": "s3cret", "admin": False}]).has_credentials
    assert load(None, {"server.host": "0.0.0.0", "server.allow_anonymous": True}).server.allow_anonymous


def test_cli_login_replaces_file_login_of_same_name(tmp_path: Path) -> None:
    path = write(tmp_path, '[[users]]\nname = "Kassa"\npassword = "old"\n\n'
                           '[[users]]\nname = "boss"\npassword = "b"\nadmin = true\n')
    config = load(path, None, [{"name": "kassa", "password": "new", "admin": False}])
    by_name = {user.name.casefold(): user for user in config.users}
    assert by_name["kassa"].password == "new"
    assert by_name["boss"].admin is True


def test_tls_needs_both_files() -> None:
    with pytest.raises(ConfigError, match="tls_key"):
        load(None, {"server.tls_cert": "/tmp/cert.pem"})


def test_invalid_toml_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="TOML"):
        load(write(tmp_path, "[server\nport=1"))
