"""``python -m bot privacy export|delete USER_ID`` and ``privacy delete-guild GUILD_ID`` for the operator.

For requests that arrive by email or from Discord. These work on the database alone (no Discord
connection): what Discord must then be told (a party's announcement, a cancelled party's event) is
queued as due work, which the running bot does within seconds, or at its next start.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from bot.db import Database
from bot.db.notify import announcing
from bot.privacy.answers import deletion_summary
from bot.privacy.store import cancel_guild_purge, delete_user, export_user, purge_guild


class PrivacyCliError(Exception):
    """A mistake on the command line: one line, exit code 2."""


def snowflake(kind: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = text.strip()
        if not value.isdigit() or not 15 <= len(value) <= 20 or int(value) >= 1 << 64:
            raise argparse.ArgumentTypeError(
                f"{value!r} is not a Discord {kind} ID (a 17-20 digit number; with Developer Mode on, "
                f"right-click the {kind} → Copy ID)"
            )
        return int(value)

    return parse


def add_parser(sub: argparse._SubParsersAction[Any]) -> None:
    privacy = sub.add_parser("privacy", help="export or delete a member's data, or delete a server's data")
    actions = privacy.add_subparsers(
        dest="privacy_command", required=True, metavar="export|delete|delete-guild"
    )
    export = actions.add_parser("export", help="write everything stored under USER_ID as JSON")
    export.add_argument("user_id", type=snowflake("user"), metavar="USER_ID")
    export.add_argument("--out", type=Path, help="write to this new file (default: standard output)")
    delete = actions.add_parser("delete", help="delete everything stored under USER_ID")
    delete.add_argument("user_id", type=snowflake("user"), metavar="USER_ID")
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    guild = actions.add_parser("delete-guild", help="delete every row of server GUILD_ID now")
    guild.add_argument("guild_id", type=snowflake("server"), metavar="GUILD_ID")
    guild.add_argument("--yes", action="store_true", help="do not ask for confirmation")


def _confirm(subject: str, *, yes: bool, stdin: TextIO) -> None:
    """Ask on stderr, read the answer from stdin (a terminal or a pipe). No answer at all (no terminal,
    stdin closed) is a refusal that says to pass --yes."""
    if yes:
        return
    print(
        f"Delete everything stored about {subject}? This cannot be undone. Type 'yes' to go on: ",
        end="",
        file=sys.stderr,
        flush=True,
    )
    try:
        answer = stdin.readline() if stdin is not None and not stdin.closed else ""
    except (OSError, ValueError):
        answer = ""
    if not answer:
        print(file=sys.stderr)
        raise PrivacyCliError(
            f"deleting everything stored about {subject} needs confirmation and there was no answer: "
            "run it again with --yes"
        )
    if answer.strip().lower() != "yes":
        raise PrivacyCliError("not confirmed; nothing was changed")


def _write_private(path: Path, text: str) -> None:
    """A new file only the operator can read (it holds a member's personal data)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise PrivacyCliError(f"{path} already exists: choose a new file name") from None
    except OSError as exc:
        raise PrivacyCliError(f"cannot write {path}: {exc.strerror}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)


def run(args: argparse.Namespace, database_path: Path | str, *, stdin: TextIO = sys.stdin) -> int:
    """Run one privacy command on the SQLite file or PostgreSQL URL. Raises PrivacyCliError for a user mistake."""
    if isinstance(database_path, Path) and not database_path.exists():
        raise PrivacyCliError(f"there is no database at {database_path} (DATABASE_PATH): nothing is stored")
    if args.privacy_command == "export" and args.out is not None and args.out.exists():
        raise PrivacyCliError(f"{args.out} already exists: choose a new file name")
    if args.privacy_command in ("delete", "delete-guild"):
        subject = f"user {args.user_id}" if args.privacy_command == "delete" else f"server {args.guild_id}"
        _confirm(subject, yes=args.yes, stdin=stdin)
    return asyncio.run(_run(args, database_path))


async def _run(args: argparse.Namespace, database_path: Path | str) -> int:
    now = datetime.now(UTC)
    command = args.privacy_command
    if command == "export":
        async with Database(database_path) as db:
            await db.migrate()
            document = await export_user(db, args.user_id, now=now)
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        rows = sum(len(t["rows"]) for t in document["tables"].values())
        if args.out is None:
            sys.stdout.write(text)
        else:
            _write_private(args.out, text)
            print(f"wrote {rows} records about user {args.user_id} to {args.out}", file=sys.stderr)
        return 0
    if command == "delete":
        async with Database(database_path) as db, announcing(db):  # running bots drop what they hold
            await db.migrate()
            done = await delete_user(db, args.user_id, now=now)
        print(f"user {args.user_id}: {deletion_summary(done)}")
        return 0
    if command == "delete-guild":
        async with Database(database_path) as db, announcing(db):
            await db.migrate()
            removed = await purge_guild(db, args.guild_id)
            await cancel_guild_purge(db, args.guild_id, now=now, reason="deleted by the operator")
        tables = (
            ", ".join(f"{name} {count}" for name, count in sorted(removed.items())) or "nothing was stored"
        )
        print(
            f"server {args.guild_id}: deleted {sum(removed.values())} rows ({tables}). If the bot is still in "
            "that server, what members do there from now on is stored again."
        )
        return 0
    raise PrivacyCliError(f"unknown privacy command {command!r}")
