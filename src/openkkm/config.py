"""Typed, validated settings: a TOML file plus command-line overrides.

Unknown keys are errors that name the key and its line, because a misspelt security setting
(``anonymous_loopbak``) silently ignored is worse than a server that does not start.
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from openkkm.errors import ConfigError

DEFAULT_PORT = 5893


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServerConfig(_Section):
    """``[server]``: where and how the HTTP API listens."""

    host: str = "127.0.0.1"
    port: int = Field(DEFAULT_PORT, ge=0, le=65535)  # 0: any free port (the URL printed tells)
    data_dir: str = ""
    cors_origins: tuple[str, ...] = ("*",)
    tls_cert: str = ""
    tls_key: str = ""
    plain_http_port: int | None = Field(None, ge=0, le=65535)
    language: Literal["ru", "en"] = "ru"
    anonymous_loopback: bool = False
    allow_anonymous: bool = False
    max_body_bytes: int = Field(16 * 1024 * 1024, ge=1024)

    @property
    def is_loopback(self) -> bool:
        """True when the bind address admits only this machine."""
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


class JournalConfig(_Section):
    """``[journal]``: how long command results are kept."""

    retention_days: int = Field(90, ge=1, le=3650)


class QueueConfig(_Section):
    """``[queue]``: how long a command may wait for its device."""

    expiry_seconds: float = Field(30, gt=0, le=3600)


class ShiftConfig(_Section):
    """``[shift]``: KkmServer's shift options."""

    open_close_no_error: bool = False


class UserConfig(_Section):
    """``[[users]]``: one Basic-auth login."""

    name: str = Field(min_length=1)
    password: str = Field(min_length=1)
    admin: bool = False

    @field_validator("name")
    @classmethod
    def _no_colon(cls, value: str) -> str:
        if ":" in value:
            raise ValueError("the name may not contain ':'")
        return value


class DeviceConfig(_Section):
    """``[[devices]]``: one device; registration keys seed an emulated register's ФН."""

    num: int = Field(ge=1, le=9999)
    kind: str = "virtual"
    url: str = ""
    name: str = ""
    enabled: bool = True
    line_length: int = Field(48, ge=16, le=120)
    # Registration of an emulated register (FISCAL.md §14 defaults); real devices report theirs.
    inn: str = "7700000009"
    organization: str = 'ООО "Ромашка"'
    tax_systems: str = "0,1"
    ffd: Literal["1.05", "1.1", "1.2"] = "1.2"
    address: str = "г. Москва, ул. Тверская, д. 1"
    place: str = "Магазин"
    sender_email: str = "noreply@example.ru"
    kkt_number: str = ""
    fn_number: str = ""
    #: false: the emulated register starts unregistered, its ФН waiting for ``KkmRegOfd Open``
    registered: bool = True
    # Fiscal policy switches (FISCAL.md §5.3, §8).
    auto_open_shift: bool = True
    auto_close_expired_shift: bool = False
    strict_vat: bool = False
    emulate_fiscal: bool = False
    faults: str = ""
    #: Shtrih-M lower level: 1 (ENQ/ACK, the default) or 2 (numbered frames with CRC, set in
    #: the register's table); with 2 a command repeated after a lost answer runs at most once
    protocol: Literal[1, 2] = 1
    # Forwarding (``kind = "remote"``): the other server's login and its device number there.
    user: str = ""
    password: str = Field("", repr=False)
    remote_num: int = Field(0, ge=0, le=9999)
    remote_timeout: float = Field(60, gt=0, le=3600)
    #: PEM certificates trusted for an ``https://`` remote besides the system's (its own
    #: self-signed certificate, or the company's CA)
    tls_ca: str = ""

    @field_validator("tax_systems")
    @classmethod
    def _tax_systems(cls, value: str) -> str:
        codes = [part.strip() for part in value.split(",") if part.strip()]
        if not codes or any(code not in "012345" or len(code) != 1 for code in codes):
            raise ValueError("a comma list of codes 0-5, e.g. \"0,1\"")
        return ",".join(codes)

    @field_validator("protocol")
    @classmethod
    def _protocol(cls, value: int, info: ValidationInfo) -> int:
        """Refuse protocol 2 on other kinds: their drivers would silently ignore it."""
        kind = info.data.get("kind")
        if value != 1 and kind != "shtrih":
            raise ValueError(f'protocol = {value} is for kind = "shtrih" (a Shtrih-M register), '
                             f'not kind = "{kind}"')
        return value

    @property
    def unit_name(self) -> str:
        """The name shown to clients (``UnitName``)."""
        return self.name or f"Касса {self.num}"

    @model_validator(mode="after")
    def _remote_url(self) -> DeviceConfig:
        if self.kind == "remote" and not self.url.startswith(("http://", "https://")):
            raise ValueError("a remote device needs url = \"https://host:5893\"")
        if self.tls_ca and not (self.kind == "remote" and self.url.startswith("https://")):
            raise ValueError("tls_ca is for a remote device with an https:// url")
        return self


class PoolConfig(_Section):
    """``[[pools]]``: one device number standing for several registers (``API.md`` §5)."""

    num: int = Field(ge=1, le=9999)
    members: tuple[int, ...] = Field(min_length=1)
    name: str = ""

    @property
    def unit_name(self) -> str:
        """The name shown to clients (``UnitName``)."""
        return self.name or f"Пул {self.num}"


class Config(_Section):
    """The whole configuration."""

    server: ServerConfig = ServerConfig()
    journal: JournalConfig = JournalConfig()
    queue: QueueConfig = QueueConfig()
    shift: ShiftConfig = ShiftConfig()
    users: tuple[UserConfig, ...] = ()
    devices: tuple[DeviceConfig, ...] = ()
    pools: tuple[PoolConfig, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> Config:
        nums = [device.num for device in self.devices]
        dup = sorted({n for n in nums if nums.count(n) > 1})
        if dup:
            raise ValueError(f"devices.num repeated: {dup}")
        _check_pools(self.pools, {device.num: device.kind for device in self.effective_devices})
        names = [user.name.casefold() for user in self.users]
        if len(set(names)) != len(names):
            raise ValueError("users.name repeated (names are compared case-insensitively)")
        return self

    @property
    def data_path(self) -> Path:
        """The data directory (journal, ФН state), created on demand by its users."""
        return Path(self.server.data_dir or platformdirs.user_data_dir("openkkm"))

    @property
    def effective_devices(self) -> tuple[DeviceConfig, ...]:
        """Configured devices, or the one emulated register a config-less server runs.

        That register is the Shtrih-M emulator run in process and reached through the real
        Shtrih protocol over an in-memory link, so the default path is the whole path.
        """
        return self.devices or (
            DeviceConfig(num=1, kind="shtrih", url="emulator://shtrih", name="Касса 1"),)

    @property
    def has_credentials(self) -> bool:
        """True when any Basic-auth login is configured."""
        return bool(self.users)


def _check_pools(pools: tuple[PoolConfig, ...], devices: dict[int, str]) -> None:
    """Pool numbers are new numbers; members are configured local devices, each named once."""
    pool_nums = [pool.num for pool in pools]
    for pool in pools:
        if pool.num in devices:
            raise ValueError(f"pools.num {pool.num} is already a device number")
        if pool_nums.count(pool.num) > 1:
            raise ValueError(f"pools.num repeated: {pool.num}")
        nested = [num for num in pool.members if num in pool_nums]
        if nested:
            raise ValueError(f"pool {pool.num}: members {nested} are pools (no nesting)")
        missing = [num for num in pool.members if num not in devices]
        if missing:
            raise ValueError(f"pool {pool.num}: members {missing} are not configured devices")
        remote = [num for num in pool.members if devices[num] == "remote"]
        if remote:
            raise ValueError(f"pool {pool.num}: members {remote} are remote devices")
        if len(set(pool.members)) != len(pool.members):
            raise ValueError(f"pool {pool.num}: a member is listed twice")


def load(path: str | Path | None, overrides: dict[str, Any] | None = None,
         users: list[dict[str, Any]] | None = None) -> Config:
    """Read ``path`` (or nothing), apply ``overrides`` (dotted keys) and CLI ``users``, validate.

    A CLI login replaces a file login of the same name (names compare case-insensitively).
    """
    text = ""
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            text = Path(path).read_text(encoding="utf-8")
            raw = tomllib.loads(text)
        except OSError as exc:
            raise ConfigError(f"Не удалось прочитать файл настроек {path}: {exc.strerror}",
                              f"Cannot read config file {path}: {exc.strerror}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"Ошибка в файле настроек {path}: {exc}",
                              f"Config file {path} is not valid TOML: {exc}") from exc
    for dotted, value in (overrides or {}).items():
        _set_dotted(raw, dotted, value)
    if users:
        taken = {user["name"].casefold() for user in users}
        kept = [user for user in raw.get("users", []) if str(user.get("name", "")).casefold() not in taken]
        raw["users"] = kept + users
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(*_describe(exc, path, text)) from exc
    _check_security(config)
    return config


def _set_dotted(raw: dict[str, Any], dotted: str, value: Any) -> None:
    *sections, key = dotted.split(".")
    node = raw
    for section in sections:
        node = node.setdefault(section, {})
    node[key] = value


def _describe(exc: ValidationError, path: str | Path | None, text: str) -> tuple[str, str]:
    first = exc.errors()[0]
    loc = first["loc"]
    dotted = ".".join(str(part) for part in loc)
    where = str(path) if path else "командная строка"
    where_en = str(path) if path else "command line"
    line = _line_of(text, loc) if text else None
    if line:
        where, where_en = f"{where}, строка {line}", f"{where_en}, line {line}"
    if first["type"] == "extra_forbidden":
        return (f"Неизвестный ключ настроек {dotted!r} ({where})",
                f"Unknown config key {dotted!r} ({where_en})")
    return (f"Неверное значение ключа {dotted!r} ({where}): {first['msg']}",
            f"Invalid value for {dotted!r} ({where_en}): {first['msg']}")


def _line_of(text: str, loc: tuple[int | str, ...]) -> int | None:
    """Find the line of ``loc`` in TOML text: the key inside its table (``[[array]]`` counted)."""
    names = [part for part in loc if isinstance(part, str)]
    index = next((part for part in loc if isinstance(part, int)), 0)
    if not names:
        return None
    key = names[-1]
    table = ".".join(names[:-1])
    current, seen = "", -1
    header = re.compile(r"^\s*(\[\[?)\s*([\w.-]+)\s*\]\]?")
    assign = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for number, line in enumerate(text.splitlines(), start=1):
        match = header.match(line)
        if match:
            current = match.group(2)
            if match.group(1) == "[[" and current == table:
                seen += 1
            continue
        in_table = current == table and (seen == index or seen == -1)
        if in_table and assign.match(line):
            return number
        if not table and not current and assign.match(line):
            return number
    return None


def _check_security(config: Config) -> None:
    server = config.server
    if not server.is_loopback and not config.has_credentials and not server.allow_anonymous:
        raise ConfigError(
            f"Адрес {server.host} доступен из сети, а пользователи не заданы: любой в сети смог бы "
            "пробивать чеки. Добавьте --user ИМЯ:ПАРОЛЬ и/или --admin ИМЯ:ПАРОЛЬ (или [[users]] в "
            "файле настроек), либо осознанно задайте server.allow_anonymous = true.",
            f"Address {server.host} is reachable from the network and no users are configured: "
            "anyone there could register receipts. Add --user NAME:PASS and/or --admin NAME:PASS "
            "(or [[users]] in the config file), or knowingly set server.allow_anonymous = true.",
        )
    if bool(server.tls_cert) != bool(server.tls_key):
        raise ConfigError("Для HTTPS нужны оба ключа: server.tls_cert и server.tls_key",
                          "HTTPS needs both server.tls_cert and server.tls_key")
