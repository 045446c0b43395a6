"""Process entry point: ``python -m bot [run|check|migrate|migrate-to|backup|sync|invite|privacy]`` (also the
``clematis`` script).

This module owns the process: it reads ``.env`` and the environment, sets up logging and signals, and
turns user mistakes into one clear line on stderr and exit code 2 (no traceback).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import logging
import re
import signal
import stat
import sys
from asyncio import FIRST_COMPLETED as FIRST
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import aiohttp
import discord
from dotenv import load_dotenv

from bot import __version__
from bot.canon.leaks import check_dir
from bot.canon.loader import PackError
from bot.canon.store import CanonStore
from bot.config import ConfigError, Settings, configure_logging, load_settings
from bot.db import Database, DatabaseError, DatabaseUnavailable, probe_location
from bot.db.postgres import redacted
from bot.permissions import invite_url
from bot.privacy import cli as privacy_cli

if TYPE_CHECKING:
    from bot.client import Clematis

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USER = 2

log = logging.getLogger("clematis")


class StartupError(Exception):
    """A problem the operator must fix; printed as one line, exit code 2."""


class _GatewayAuthFailed(Exception):
    """The gateway closed with 4004 (authentication failed)."""


class DiscordUnavailable(Exception):
    """Discord could not be reached, or failed, while starting; printed as one line, exit code 1 (a service
    manager restarts the bot, which is what fixes a passing outage)."""


class _OneLineParser(argparse.ArgumentParser):
    """Bad arguments are one line on stderr and exit code 2, like every other user mistake."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USER, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(prog="clematis", description="Clematis Discord bot")
    parser.add_argument("--version", action="version", version=f"clematis {__version__}")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (the default)")
    sub.add_parser("check", help="validate configuration, database and data pack without connecting")
    migrate = sub.add_parser("migrate", help="apply database migrations")
    migrate.add_argument(
        "--dry-run", action="store_true", help="print the SQL that would run, change nothing"
    )
    move = sub.add_parser(
        "migrate-to", help="copy the SQLite database (DATABASE_PATH) into an empty PostgreSQL database"
    )
    move.add_argument("url", metavar="postgresql://…", help="the PostgreSQL database to copy into")
    backup = sub.add_parser("backup", help="online backup of the (possibly live) database to PATH")
    backup.add_argument("path", type=Path)
    sub.add_parser("sync", help="force a sync of application commands with Discord, then exit")
    sub.add_parser("invite", help="print the link that invites the bot with the permissions it needs")
    privacy_cli.add_parser(sub)
    return parser


def load_canon(settings: Settings) -> CanonStore:
    """Load the canon data pack (built-in plus CANON_DIR overrides). Raises StartupError when broken."""
    try:
        return CanonStore.load(settings.canon_dir)
    except PackError as exc:
        problems = "\n  ".join(exc.problems)
        raise StartupError(f"the canon data pack has errors:\n  {problems}") from None


# A gateway that accepts the connection and then says nothing (or keeps failing) must not hang the start.
GATEWAY_READY_TIMEOUT = 25.0
START_RATELIMIT_WAIT = 30.0  # the smallest discord.py accepts


def _html_title(text: str) -> str:
    found = re.search(r"<title>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    return " ".join(html.unescape(found[1]).split())[:120] if found else ""


def _refusal(exc: discord.HTTPException, settings: Settings) -> Exception:
    """One line for an HTTP error Discord (or Cloudflare in front of it) answered while the bot started."""
    response = exc.response
    where = f"{response.method} {response.url.path}"
    is_html = "html" in (response.headers.get("Content-Type") or "") or exc.text.lstrip().startswith("<")
    retry_after = response.headers.get("Retry-After")
    if is_html:
        title = _html_title(exc.text)
        said = f"a Cloudflare block page ({title})" if title else "an HTML page instead of Discord's JSON"
    else:
        said = f"{exc.text or 'no message'} (code {exc.code})"
    if exc.status == 429:
        wait = (
            f"wait {retry_after} s (Retry-After) and start again" if retry_after else "wait and start again"
        )
        return DiscordUnavailable(
            f"Discord is rate limiting this host: HTTP 429 to {where} with {said}. This passes: {wait} (a service "
            "manager restarts the bot by itself); if it keeps happening, another program on this IP "
            "address is making too many requests to Discord"
        )
    if exc.status == 403:
        if is_html:
            return StartupError(
                f"Discord's network (Cloudflare) blocked this host: HTTP 403 to {where} with {said}. Its IP "
                "address is refused (often a shared VPS, VPN or proxy address): run Clematis from another "
                "address, or ask your provider; restarting will not help"
            )
        return StartupError(
            f"Discord refused {where} with HTTP 403: {said}. Check the bot's application at "
            "https://discord.com/developers/applications (is the bot enabled, not quarantined?)"
        )
    if exc.status >= 500:
        return DiscordUnavailable(
            f"Discord answered {exc.status} to {where} while starting: Discord is probably having trouble "
            "(https://discordstatus.com); try again later"
        )
    return DiscordUnavailable(f"Discord answered {exc.status} to {where} while starting: {said}")


class _QuietReconnects(logging.Filter):
    """Until the gateway first lets the bot in, discord.py's reconnect attempts are one log line each, not a
    traceback each (a start that fails ends in one `clematis:` line anyway)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None and "reconnect" in str(record.msg):
            error = record.exc_info[1]
            record.msg, record.args = f"{record.getMessage()} ({type(error).__name__}: {error})", None
            record.exc_info, record.exc_text, record.levelno, record.levelname = None, None, 30, "WARNING"
        return True


async def _connect(bot: Clematis, settings: Settings) -> None:
    """Log in (runs setup_hook: migrate, load cogs, sync), then hold the gateway connection. Fails with
    DiscordUnavailable when the gateway has not sent READY within GATEWAY_READY_TIMEOUT seconds."""
    # While starting, a rate limit longer than this is reported (one line, exit 1) instead of waited out
    # silently; once connected, discord.py waits out every rate limit again.
    bot.http.max_ratelimit_timeout = START_RATELIMIT_WAIT
    await bot.login(settings.token)
    connected = asyncio.Event()

    async def on_connect() -> None:
        connected.set()

    bot.add_listener(on_connect)
    quiet, discord_log = _QuietReconnects(), logging.getLogger("discord.client")
    discord_log.addFilter(quiet)
    connection = asyncio.create_task(bot.connect())
    waiting = asyncio.create_task(connected.wait())
    try:
        done, _ = await asyncio.wait({connection, waiting}, timeout=GATEWAY_READY_TIMEOUT, return_when=FIRST)
    finally:
        discord_log.removeFilter(quiet)
    if connection in done:
        waiting.cancel()
        try:  # it ended (closed by a stop, or failed): its result or error is the outcome
            return await connection
        except (discord.ConnectionClosed, discord.PrivilegedIntentsRequired, discord.HTTPException):
            raise
        except Exception as exc:
            if bot.closing or connected.is_set():
                raise
            # discord.py gives up on a first gateway connection that fails (refused, an HTTP error instead of the
            # websocket upgrade) with an AttributeError of its own; the real reason is the error before it.
            cause = exc.__context__ if isinstance(exc, AttributeError) and exc.__context__ else exc
            raise DiscordUnavailable(
                f"could not connect to the Discord gateway at {settings.gateway_url or 'wss://gateway.discord.gg'} "
                f"({type(cause).__name__}: {cause}): check the network, a proxy or firewall, and "
                "DISCORD_GATEWAY_URL if you set it"
            ) from None
    bot.http.max_ratelimit_timeout = None
    if waiting not in done:
        waiting.cancel()
        connection.cancel()
        with contextlib.suppress(BaseException):
            await connection
        raise DiscordUnavailable(
            f"the Discord gateway at {settings.gateway_url or 'wss://gateway.discord.gg'} did not let the bot in "
            f"within {GATEWAY_READY_TIMEOUT:.0f} s (connected but silent, or refusing): check the network, a "
            "proxy or firewall, and DISCORD_GATEWAY_URL if you set it"
        )
    await connection


async def _run(settings: Settings, *, force_sync: bool = False, connect: bool = True) -> int:
    from bot.client import Clematis
    from bot.health import HealthServer

    canon = load_canon(settings)
    db = Database(settings.database)
    await db.open()  # before Discord: an unwritable database is the operator's to fix (exit 2), not an outage
    try:
        bot = Clematis(settings, db, canon=canon, force_sync=force_sync)
    except BaseException:
        await db.close()
        raise
    loop = asyncio.get_running_loop()
    stopping: list[asyncio.Task[None]] = []

    def request_stop(signame: str) -> None:
        log.info("received %s, shutting down", signame)
        if not stopping:
            stopping.append(loop.create_task(bot.close()))

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, request_stop, sig.name)
    health = HealthServer(bot, settings.health_host, settings.health_port) if settings.health_port else None
    try:
        if health is not None:
            try:
                await health.start()
            except OSError as exc:
                raise StartupError(
                    f"the health endpoint cannot listen on {settings.health_host}:{settings.health_port} "
                    f"({exc.strerror or exc}): choose another HEALTH_PORT, or remove it"
                ) from None
        async with bot:
            try:
                if connect:
                    try:
                        await _connect(bot, settings)
                    except discord.ConnectionClosed as exc:
                        if exc.code == 4004:  # the gateway refused the token
                            raise _GatewayAuthFailed from None
                        raise
                else:
                    await bot.login(settings.token)  # runs setup_hook: migrate, load cogs, sync
            except Exception:
                if not stopping:
                    raise
                # A stop during start-up closes the HTTP session (and the database) under whatever start-up
                # step was running; that step's error is the shutdown itself, not a failure.
                log.debug("start-up interrupted by the shutdown", exc_info=True)
    except (discord.LoginFailure, _GatewayAuthFailed):
        raise StartupError(
            "DISCORD_TOKEN was rejected by Discord: reset the token at "
            "https://discord.com/developers/applications → your app → Bot, and update .env"
        ) from None
    except discord.PrivilegedIntentsRequired:
        raise StartupError(
            "Discord refused the Message Content intent: enable it at https://discord.com/developers/"
            "applications → your app → Bot → Privileged Gateway Intents"
        ) from None
    except aiohttp.ClientConnectorError as exc:
        raise DiscordUnavailable(
            f"could not reach Discord at {settings.api_base_url or 'https://discord.com'} ({exc}): check the "
            "network, and DISCORD_API_BASE_URL if you set it"
        ) from None
    except discord.RateLimited as exc:
        raise DiscordUnavailable(
            f"Discord is rate limiting this host: it asked to wait {exc.retry_after:.0f} s before the next "
            "request while the bot was starting. This passes: wait that long and start again (a service "
            "manager restarts the bot by itself)"
        ) from None
    except discord.HTTPException as exc:
        raise _refusal(exc, settings) from None
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise DiscordUnavailable(
            f"Discord at {settings.api_base_url or 'https://discord.com'} did not answer in time "
            f"({type(exc).__name__}{f': {exc}' if str(exc) else ''}; a connection was accepted and then "
            "stayed silent, or dropped): check the network, a proxy or firewall, and DISCORD_API_BASE_URL "
            "if you set it"
        ) from None
    finally:
        if stopping:
            await stopping[0]
        if health is not None:
            await health.stop()
        await bot.db.close()
    if stopping:
        log.info("Clematis has shut down")
    return EXIT_OK


async def _check(settings: Settings, *, db_exists: bool) -> int:
    lines = [f"configuration: ok ({settings!r})"]
    path: Path | str = settings.database_path
    if settings.database_url is not None:
        db_exists, path = True, redacted(settings.database_url)
    if db_exists:
        async with Database(settings.database) as db:  # opening proves a write reaches the database
            pending = await db.pending_migrations()
            version = await db.user_version()
        lines.append(
            f"database: ok, {path} at version {version}, {len(pending)} migration(s) pending; "
            "a test write succeeded"
        )
    else:
        probe_location(settings.database_path)
        lines.append(
            f"database: {path} does not exist yet; its folder is writable, so it will be created on first start"
        )
    store = load_canon(settings)
    report = check_dir(settings.canon_dir)  # loads: the pack is known to be sound by now
    lines += [f"data pack warning: {warning}" for warning in report.warnings]
    if report.leaks:
        print("\n".join(lines))
        leaks = "\n  ".join(str(leak) for leak in report.leaks)
        raise StartupError(
            f"the canon data pack ({store}) gives away later episodes in {len(report.leaks)} place(s) shown "
            f"to members; reword these fields:\n  {leaks}"
        )
    lines.append(f"data pack: ok, {store}, no spoilers in text shown to members")
    print("\n".join(lines))
    return EXIT_OK


async def _migrate(settings: Settings, *, dry_run: bool) -> int:
    # A dry run must not create the database (or its folder): plan a missing one against an empty database.
    target = settings.database
    if dry_run and isinstance(target, Path) and not target.exists():
        print(f"-- {target} does not exist yet; on first start it is created with:")
        target = Path(":memory:")
    async with Database(target, writable=not dry_run) as db:
        if dry_run:
            pending = await db.pending_migrations()
            if not pending:
                print(f"-- {db.where} is up to date (version {await db.user_version()})")
            for migration in pending:
                print(f"-- {migration.version:04d}_{migration.name}.sql\n{migration.sql.strip()}\n")
            return EXIT_OK
        applied = await db.migrate()
        version = await db.user_version()
        where = db.where
    print(f"applied {len(applied)} migration(s); {where} is at version {version}")
    return EXIT_OK


async def _migrate_to(settings: Settings, url: str) -> int:
    from bot.db.migrate_to import migrate_to

    print((await migrate_to(settings.database_path, url)).report())
    return EXIT_OK


def _check_backup_paths(settings: Settings, target: Path) -> None:
    if settings.database_url is not None:
        raise StartupError(
            "backup copies the SQLite file; with DATABASE_URL (PostgreSQL) back up with pg_dump instead"
        )
    if not settings.database_path.exists():
        raise StartupError(f"there is no database at {settings.database_path} (DATABASE_PATH) to back up")
    if target.exists():
        raise StartupError(f"{target} already exists: choose a new file name for the backup")


async def _backup(settings: Settings, target: Path) -> int:
    async with Database(settings.database_path, writable=False) as db:
        await db.backup(target)
    print(f"backed up {settings.database_path} to {target}")
    return EXIT_OK


def _warn_if_dotenv_is_readable(dotenv: Path) -> None:
    """.env holds the bot token: say so when users other than its owner may read it."""
    try:
        mode = dotenv.stat().st_mode
    except OSError:
        return
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        log.warning(
            "%s can be read by other users (mode %s) and it holds the bot token: run chmod 600 %s",
            dotenv,
            oct(stat.S_IMODE(mode))[2:],
            dotenv,
        )


def _invite(settings: Settings) -> int:
    if settings.application_id is None:
        raise ConfigError(
            "cannot tell the application id: set DISCORD_TOKEN, or DISCORD_APPLICATION_ID (General "
            "Information → Application ID at https://discord.com/developers/applications)"
        )
    print(invite_url(settings.application_id))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = args.command or "run"
    dotenv = Path.cwd() / ".env"
    load_dotenv(dotenv, override=False)  # a real environment variable wins over .env
    try:
        settings = load_settings(require_token=command in ("run", "sync", "check"))
        configure_logging(settings.log_level)
        if command in ("run", "check"):
            _warn_if_dotenv_is_readable(dotenv)
        if command == "run":
            return asyncio.run(_run(settings))
        if command == "sync":
            return asyncio.run(_run(settings, force_sync=True, connect=False))
        if command == "check":
            return asyncio.run(_check(settings, db_exists=settings.database_path.exists()))
        if command == "migrate":
            return asyncio.run(_migrate(settings, dry_run=args.dry_run))
        if command == "migrate-to":
            return asyncio.run(_migrate_to(settings, args.url))
        if command == "invite":
            return _invite(settings)
        if command == "backup":
            _check_backup_paths(settings, args.path)
            return asyncio.run(_backup(settings, args.path))
        if command == "privacy":
            return privacy_cli.run(args, settings.database)
    except (ConfigError, StartupError, DatabaseError, privacy_cli.PrivacyCliError) as exc:
        print(f"clematis: {exc}", file=sys.stderr)
        return EXIT_ERROR if isinstance(exc, DatabaseUnavailable) else EXIT_USER
    except DiscordUnavailable as exc:
        print(f"clematis: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_OK
    return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
