"""Process entry point: ``python -m bot [run|check|migrate|backup|sync|invite]`` (also the ``clematis`` script).

This module owns the process: it reads ``.env`` and the environment, sets up logging and signals, and
turns user mistakes into one clear line on stderr and exit code 2 (no traceback).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

import aiohttp
import discord
from dotenv import load_dotenv

from bot import __version__
from bot.canon.leaks import check_dir
from bot.canon.loader import PackError
from bot.canon.store import CanonStore
from bot.config import ConfigError, Settings, configure_logging, load_settings
from bot.db import Database, DatabaseError
from bot.permissions import invite_url

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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="clematis", description="Clematis Discord bot")
    parser.add_argument("--version", action="version", version=f"clematis {__version__}")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (the default)")
    sub.add_parser("check", help="validate configuration, database and data pack without connecting")
    migrate = sub.add_parser("migrate", help="apply database migrations")
    migrate.add_argument(
        "--dry-run", action="store_true", help="print the SQL that would run, change nothing"
    )
    backup = sub.add_parser("backup", help="online backup of the (possibly live) database to PATH")
    backup.add_argument("path", type=Path)
    sub.add_parser("sync", help="force a sync of application commands with Discord, then exit")
    sub.add_parser("invite", help="print the link that invites the bot with the permissions it needs")
    return parser


def load_canon(settings: Settings) -> CanonStore:
    """Load the canon data pack (built-in plus CANON_DIR overrides). Raises StartupError when broken."""
    try:
        return CanonStore.load(settings.canon_dir)
    except PackError as exc:
        problems = "\n  ".join(exc.problems)
        raise StartupError(f"the canon data pack has errors:\n  {problems}") from None


async def _run(settings: Settings, *, force_sync: bool = False, connect: bool = True) -> int:
    from bot.client import Clematis

    canon = load_canon(settings)
    bot = Clematis(settings, Database(settings.database_path), canon=canon, force_sync=force_sync)
    loop = asyncio.get_running_loop()
    stopping: list[asyncio.Task[None]] = []

    def request_stop(signame: str) -> None:
        log.info("received %s, shutting down", signame)
        if not stopping:
            stopping.append(loop.create_task(bot.close()))

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, request_stop, sig.name)
    try:
        async with bot:
            try:
                if connect:
                    try:
                        await bot.start(settings.token)
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
    except discord.DiscordServerError as exc:
        raise DiscordUnavailable(
            f"Discord answered {exc.status} to {exc.response.method} {exc.response.url.path} while starting: "
            "Discord is probably having trouble (https://discordstatus.com); try again later"
        ) from None
    finally:
        if stopping:
            await stopping[0]
        await bot.db.close()
    if stopping:
        log.info("Clematis has shut down")
    return EXIT_OK


async def _check(settings: Settings, *, db_exists: bool) -> int:
    lines = [f"configuration: ok ({settings!r})"]
    path = settings.database_path
    if db_exists:
        async with Database(path) as db:
            pending = await db.pending_migrations()
            version = await db.user_version()
        lines.append(f"database: ok, {path} at version {version}, {len(pending)} migration(s) pending")
    else:
        lines.append(f"database: {path} does not exist yet; it will be created on first start")
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
    path = settings.database_path
    if dry_run and not path.exists():
        print(f"-- {path} does not exist yet; on first start it is created with:")
        path = Path(":memory:")
    async with Database(path) as db:
        if dry_run:
            pending = await db.pending_migrations()
            if not pending:
                print(f"-- {settings.database_path} is up to date (version {await db.user_version()})")
            for migration in pending:
                print(f"-- {migration.version:04d}_{migration.name}.sql\n{migration.sql.strip()}\n")
            return EXIT_OK
        applied = await db.migrate()
        version = await db.user_version()
    print(f"applied {len(applied)} migration(s); {settings.database_path} is at version {version}")
    return EXIT_OK


def _check_backup_paths(settings: Settings, target: Path) -> None:
    if not settings.database_path.exists():
        raise StartupError(f"there is no database at {settings.database_path} (DATABASE_PATH) to back up")
    if target.exists():
        raise StartupError(f"{target} already exists: choose a new file name for the backup")


async def _backup(settings: Settings, target: Path) -> int:
    async with Database(settings.database_path) as db:
        await db.backup(target)
    print(f"backed up {settings.database_path} to {target}")
    return EXIT_OK


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
    load_dotenv(Path.cwd() / ".env", override=False)  # a real environment variable wins over .env
    try:
        settings = load_settings(require_token=command in ("run", "sync", "check"))
        configure_logging(settings.log_level)
        if command == "run":
            return asyncio.run(_run(settings))
        if command == "sync":
            return asyncio.run(_run(settings, force_sync=True, connect=False))
        if command == "check":
            return asyncio.run(_check(settings, db_exists=settings.database_path.exists()))
        if command == "migrate":
            return asyncio.run(_migrate(settings, dry_run=args.dry_run))
        if command == "invite":
            return _invite(settings)
        if command == "backup":
            _check_backup_paths(settings, args.path)
            return asyncio.run(_backup(settings, args.path))
    except (ConfigError, StartupError, DatabaseError) as exc:
        print(f"clematis: {exc}", file=sys.stderr)
        return EXIT_USER
    except DiscordUnavailable as exc:
        print(f"clematis: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_OK
    return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
