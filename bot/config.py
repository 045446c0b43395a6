"""Settings: read once from the environment (after ``load_dotenv``) into a frozen object.

Only ``load_settings`` looks at the environment. The Bot and everything else receive a ``Settings``.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from bot.db import is_postgres_url
from bot.db.postgres import redacted
from bot.permissions import application_id_from_token
from bot.shards import MAX_SHARDS, format_shard_ids, parse_shard_ids

DEFAULT_DATABASE_PATH = "data/clematis.sqlite3"
_LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
# A bot token is three base64url-ish parts joined by dots.
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{3,}\.[A-Za-z0-9_\-]{10,}$")


class ConfigError(Exception):
    """A user mistake in configuration. The message is one line that names the variable and the fix."""


@dataclass(frozen=True, slots=True)
class Settings:
    token: str = field(repr=False)
    database_path: Path = Path(DEFAULT_DATABASE_PATH)
    database_url: str | None = field(
        default=None, repr=False
    )  # postgresql://…: PostgreSQL instead of the file
    log_level: str = "INFO"
    dev_guild_id: int | None = None
    api_base_url: str | None = None
    gateway_url: str | None = None
    canon_dir: Path | None = None
    guild_ready_timeout: float = 2.0
    shard_count: int | None = None  # None: as many as Discord recommends, all in this process
    shard_ids: tuple[int, ...] | None = None  # None: every shard of shard_count
    health_port: int | None = None  # the HTTP health endpoint; None = off
    health_host: str = "127.0.0.1"
    application_id: int | None = None  # DISCORD_APPLICATION_ID, else read from the token
    guild_data_grace: timedelta = timedelta(days=30)  # a removed server's data is deleted after this
    privacy_url: str | None = None  # where the privacy notice is published (else the app's own URL)

    @property
    def database(self) -> Path | str:
        """What `bot.db.Database` opens: the PostgreSQL URL when DATABASE_URL is set, else the SQLite file."""
        return self.database_url or self.database_path

    def __repr__(self) -> str:  # the token never appears, even by accident
        return (
            f"Settings(token=<hidden>, database_path={str(self.database_path)!r}, "
            f"database_url={redacted(self.database_url) if self.database_url else None!r}, "
            f"log_level={self.log_level!r}, dev_guild_id={self.dev_guild_id!r}, "
            f"api_base_url={self.api_base_url!r}, gateway_url={self.gateway_url!r}, "
            f"canon_dir={str(self.canon_dir) if self.canon_dir else None!r}, "
            f"shard_count={self.shard_count!r}, "
            f"shard_ids={format_shard_ids(self.shard_ids) if self.shard_ids is not None else None!r}, "
            f"guild_data_grace_days={self.guild_data_grace / timedelta(days=1):g}, privacy_url={self.privacy_url!r}, "
            f"health={f'{self.health_host}:{self.health_port}' if self.health_port else None!r})"
        )


def _get(env: Mapping[str, str], key: str) -> str | None:
    value = env.get(key)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _url(env: Mapping[str, str], key: str, schemes: tuple[str, ...], example: str) -> str | None:
    value = _get(env, key)
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.netloc:
        raise ConfigError(
            f"{key} must be a {' or '.join(s + '://' for s in schemes)} URL such as {example} "
            f"(got {value!r}); remove it to use Discord's own."
        )
    return value.rstrip("/")


def _number(env: Mapping[str, str], key: str, default: float, most: float, rule: str) -> float:
    """A number from 0 to `most`; `rule` is the sentence that says so when the value breaks it."""
    raw = _get(env, key)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= most:
        raise ConfigError(f"{rule} (got {raw!r})")
    return value


def _privacy_url(env: Mapping[str, str]) -> str | None:
    value = _get(env, "PRIVACY_POLICY_URL")
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ConfigError(
            "PRIVACY_POLICY_URL must be the web address where your privacy notice (PRIVACY.md) is published, "
            f"such as https://example.org/clematis/privacy (got {value!r}); remove it to use the Privacy "
            "Policy URL set in the Discord Developer Portal"
        )
    return value


def load_settings(env: Mapping[str, str] | None = None, *, require_token: bool = True) -> Settings:
    """Build Settings from ``env`` (default: ``os.environ``). Raises ConfigError on a user mistake."""
    env = os.environ if env is None else env

    token = _get(env, "DISCORD_TOKEN") or ""
    if require_token:
        if not token:
            raise ConfigError(
                "DISCORD_TOKEN is not set: create a bot at https://discord.com/developers/applications "
                "(Bot → Reset Token) and put DISCORD_TOKEN=... in .env"
            )
        if not _TOKEN_SHAPE.match(token):
            raise ConfigError(
                "DISCORD_TOKEN does not look like a bot token (three dot-separated parts): copy it again "
                "from https://discord.com/developers/applications → your app → Bot → Reset Token"
            )

    log_level = (_get(env, "LOG_LEVEL") or "INFO").upper()
    if log_level not in _LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)} (got {log_level!r})")

    dev_guild: int | None = None
    raw_guild = _get(env, "DEV_GUILD_ID")
    if raw_guild is not None:
        if not raw_guild.isdigit() or not 15 <= len(raw_guild) <= 20:
            raise ConfigError(
                f"DEV_GUILD_ID must be a server ID (a 17-20 digit number; enable Developer Mode, "
                f"right-click the server, Copy Server ID), got {raw_guild!r}"
            )
        dev_guild = int(raw_guild)

    canon_dir: Path | None = None
    raw_canon = _get(env, "CANON_DIR")
    if raw_canon is not None:
        canon_dir = Path(raw_canon).expanduser()
        if not canon_dir.is_dir():
            raise ConfigError(
                f"CANON_DIR must be an existing directory of .toml overrides (got {raw_canon!r})"
            )

    guild_ready_timeout = _number(
        env,
        "DISCORD_GUILD_READY_TIMEOUT",
        2.0,
        60,
        "DISCORD_GUILD_READY_TIMEOUT must be a number of seconds from 0 to 60",
    )
    grace_days = _number(
        env,
        "GUILD_DATA_GRACE_DAYS",
        30.0,
        3650,
        "GUILD_DATA_GRACE_DAYS must be a number of days from 0 to 3650 (decimals allowed), how long a removed "
        "server's data is kept in case the bot is added back",
    )

    health_port: int | None = None
    raw_port = _get(env, "HEALTH_PORT")
    if raw_port is not None:
        if not raw_port.isdigit() or not 1 <= int(raw_port) <= 65535:
            raise ConfigError(
                f"HEALTH_PORT must be a TCP port number from 1 to 65535, such as 8080 (got {raw_port!r}); "
                "remove it to turn the health endpoint off"
            )
        health_port = int(raw_port)
    health_host = _get(env, "HEALTH_HOST") or "127.0.0.1"
    if not re.fullmatch(r"[A-Za-z0-9.:\-]+", health_host):
        raise ConfigError(
            f"HEALTH_HOST must be an IP address or host name to listen on, such as 127.0.0.1 or 0.0.0.0 "
            f"(got {health_host!r})"
        )

    shard_count, shard_ids = _shards(env)
    database_url = _get(env, "DATABASE_URL")
    if database_url is not None and not is_postgres_url(database_url):
        raise ConfigError(
            "DATABASE_URL must be a PostgreSQL URL such as postgresql://clematis:PASSWORD@localhost:5432/clematis "
            f"(got one starting {database_url.partition('://')[0]!r}); remove it to use the SQLite file at DATABASE_PATH"
        )

    application_id: int | None = None
    raw_app = _get(env, "DISCORD_APPLICATION_ID")
    if raw_app is not None:
        if not raw_app.isdigit() or not 15 <= len(raw_app) <= 20:
            raise ConfigError(
                f"DISCORD_APPLICATION_ID must be the Application ID (a 17-20 digit number from "
                f"https://discord.com/developers/applications → your app → General Information), got {raw_app!r}"
            )
        application_id = int(raw_app)
    elif token:
        application_id = application_id_from_token(token)

    return Settings(
        token=token,
        shard_count=shard_count,
        shard_ids=shard_ids,
        application_id=application_id,
        health_port=health_port,
        health_host=health_host,
        guild_data_grace=timedelta(days=grace_days),
        privacy_url=_privacy_url(env),
        guild_ready_timeout=guild_ready_timeout,
        database_path=Path(_get(env, "DATABASE_PATH") or DEFAULT_DATABASE_PATH).expanduser(),
        database_url=database_url,
        log_level=log_level,
        dev_guild_id=dev_guild,
        api_base_url=_url(env, "DISCORD_API_BASE_URL", ("http", "https"), "http://127.0.0.1:8080"),
        gateway_url=_url(env, "DISCORD_GATEWAY_URL", ("ws", "wss"), "ws://127.0.0.1:8080/gateway"),
        canon_dir=canon_dir,
    )


def _shards(env: Mapping[str, str]) -> tuple[int | None, tuple[int, ...] | None]:
    raw_count = _get(env, "SHARD_COUNT")
    raw_ids = _get(env, "SHARD_IDS")
    count: int | None = None
    if raw_count is not None:
        if not raw_count.isdigit() or not 1 <= int(raw_count) <= MAX_SHARDS:
            raise ConfigError(
                f"SHARD_COUNT must be a whole number of shards from 1 to {MAX_SHARDS} (got {raw_count!r}); "
                "remove it to use as many as Discord recommends"
            )
        count = int(raw_count)
    if raw_ids is None:
        return count, None
    if count is None:
        raise ConfigError(
            "SHARD_IDS needs SHARD_COUNT too: every process of the bot must agree on the total, e.g. "
            "SHARD_COUNT=8 with SHARD_IDS=0-3 here and SHARD_IDS=4-7 in the other process"
        )
    try:
        ids = parse_shard_ids(raw_ids)
    except ValueError as exc:
        raise ConfigError(
            f"SHARD_IDS must be shard numbers or ranges such as 0-3 or 0,1 (got {raw_ids!r}: {exc})"
        ) from None
    if ids[-1] >= count:
        raise ConfigError(
            f"SHARD_IDS may only name shards 0 to {count - 1} when SHARD_COUNT={count} (got {raw_ids!r})"
        )
    return count, ids


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    # discord.py's own debug chatter is rarely what an operator wants at DEBUG.
    logging.getLogger("discord").setLevel(max(logging.getLevelName(level), logging.INFO))
