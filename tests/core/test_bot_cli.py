"""`python -m bot` as an operator runs it: user mistakes are one clear line on stderr and exit code 2, never
a traceback; .env is read from the working directory; check, migrate --dry-run and backup do what they say."""

import asyncio
import os
import re
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.db import Database, bundled_migrations
from tests.conftest import assert_clean_exit
from tests.emulator import Emulator
from tests.emulator.process import REPO_ROOT, BotProcess

TOKEN = "MTAxMjM0NTY3ODkw.GabcDE.abcdefghijklmnopqrstuvwxyz0123"
# Variables the bot reads; the test process's own values must not leak into the runs.
_CONFIG = ("DATABASE_PATH", "LOG_LEVEL", "DEV_GUILD_ID", "CANON_DIR")


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("clematis:")]


def clean_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_") and k not in _CONFIG}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    env.update(values)
    return env


async def run_bot(*args: str, env: dict[str, str], cwd: Path) -> Run:
    """`python -m bot ARGS` in `cwd` (which has no .env unless the test wrote one)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode is not None
    return Run(proc.returncode, out.decode(), err.decode())


def assert_user_mistake(run: Run, *mentions: str) -> None:
    """Exit 2, exactly one `clematis: ...` line (the last thing on stderr) naming the problem, no traceback."""
    assert run.code == 2, f"exit code {run.code}\nstdout:\n{run.stdout}\nstderr:\n{run.stderr}"
    assert "Traceback" not in run.stderr, run.stderr
    assert len(run.error_lines) == 1, run.stderr
    assert run.stderr.rstrip("\n").splitlines()[-1] == run.error_lines[0]
    for text in mentions:
        assert text in run.error_lines[0], run.error_lines[0]


def schema_of(path: Path) -> tuple[int, list[tuple[str, str]]]:
    """(user_version, every schema object) of a database file, read by a fresh connection."""
    with sqlite3.connect(path) as conn:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        objects = conn.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()
    return version, objects


async def make_database(path: Path, version: int | None = None) -> None:
    """A database migrated to `version` (default: the latest)."""
    migrations = bundled_migrations()
    async with Database(path, migrations=migrations[:version] if version is not None else None) as db:
        await db.migrate()


# ---------------------------------------------------------------------------------------------- configuration


@pytest.mark.parametrize(
    ("env", "mentions"),
    [
        ({}, ("DISCORD_TOKEN is not set", ".env")),
        ({"DISCORD_TOKEN": "SECRET-looking.but-not"}, ("DISCORD_TOKEN does not look like a bot token",)),
        ({"DISCORD_TOKEN": TOKEN, "LOG_LEVEL": "LOUD"}, ("LOG_LEVEL must be one of", "'LOUD'")),
        ({"DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE_URL": "localhost:8080"}, ("DISCORD_API_BASE_URL",)),
        (
            {"DISCORD_TOKEN": TOKEN, "DISCORD_GATEWAY_URL": "https://gateway.example"},
            ("DISCORD_GATEWAY_URL",),
        ),
        ({"DISCORD_TOKEN": TOKEN, "DEV_GUILD_ID": "my server"}, ("DEV_GUILD_ID",)),
        ({"DISCORD_TOKEN": TOKEN, "CANON_DIR": "/no/such/dir"}, ("CANON_DIR",)),
        ({"DISCORD_TOKEN": TOKEN, "DISCORD_GUILD_READY_TIMEOUT": "soon"}, ("DISCORD_GUILD_READY_TIMEOUT",)),
    ],
    ids=[
        "missing-token",
        "malformed-token",
        "log-level",
        "api-url",
        "gateway-url",
        "dev-guild",
        "canon-dir",
        "ready",
    ],
)
async def test_configuration_mistake_is_one_line_and_exit_2(
    tmp_path: Path, env: dict[str, str], mentions: tuple[str, ...]
) -> None:
    run = await run_bot(env=clean_env(DATABASE_PATH=str(tmp_path / "c.db"), **env), cwd=tmp_path)
    assert_user_mistake(run, *mentions)
    assert run.stdout == ""
    assert "SECRET" not in run.stderr, "the token must never be printed"
    assert not (tmp_path / "c.db").exists(), "nothing is created before the configuration is valid"


async def test_dotenv_in_the_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"DISCORD_TOKEN={TOKEN}\nDATABASE_PATH=from-dotenv.sqlite3\n")
    run = await run_bot("check", env=clean_env(), cwd=tmp_path)
    assert run.code == 0, run.stderr
    assert "database_path='from-dotenv.sqlite3'" in run.stdout
    assert TOKEN not in run.stdout + run.stderr


async def test_real_environment_variable_wins_over_dotenv(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        f"DISCORD_TOKEN={TOKEN}\nDATABASE_PATH=from-dotenv.sqlite3\nLOG_LEVEL=LOUD\n"
    )
    run = await run_bot(
        "check", env=clean_env(DATABASE_PATH="from-env.sqlite3", LOG_LEVEL="INFO"), cwd=tmp_path
    )
    assert run.code == 0, run.stderr
    assert "database_path='from-env.sqlite3'" in run.stdout


async def test_dotenv_mistake_is_reported_like_an_environment_one(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"DISCORD_TOKEN={TOKEN}\nLOG_LEVEL=chatty\n")
    assert_user_mistake(await run_bot("check", env=clean_env(), cwd=tmp_path), "LOG_LEVEL", "'CHATTY'")


# ---------------------------------------------------------------------------------------------- check, migrate


async def test_check_exits_0_on_a_good_setup_without_connecting(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    await make_database(db)
    # DISCORD_API_BASE_URL points at a closed port: `check` must not need Discord.
    env = clean_env(DISCORD_TOKEN=TOKEN, DATABASE_PATH=str(db), DISCORD_API_BASE_URL="http://127.0.0.1:9")
    run = await run_bot("check", env=env, cwd=tmp_path)
    assert run.code == 0, run.stderr
    assert (
        f"database: ok, {db} at version {bundled_migrations()[-1].version}, 0 migration(s) pending"
        in run.stdout
    )
    assert run.stderr == ""


async def test_check_reports_pending_migrations_and_a_missing_database(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    env = clean_env(DISCORD_TOKEN=TOKEN, DATABASE_PATH=str(db))
    fresh = await run_bot("check", env=env, cwd=tmp_path)
    assert fresh.code == 0 and "does not exist yet" in fresh.stdout
    assert not db.exists()
    await make_database(db, version=1)
    older = await run_bot("check", env=env, cwd=tmp_path)
    assert older.code == 0 and f"{len(bundled_migrations()) - 1} migration(s) pending" in older.stdout


async def test_migrate_dry_run_prints_the_sql_and_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    await make_database(db, version=1)
    before = schema_of(db)
    run = await run_bot("migrate", "--dry-run", env=clean_env(DATABASE_PATH=str(db)), cwd=tmp_path)
    assert run.code == 0, run.stderr
    for migration in bundled_migrations()[1:]:
        assert f"-- {migration.version:04d}_{migration.name}.sql" in run.stdout
    assert "-- 0001_core.sql" not in run.stdout
    assert "CREATE TABLE" in run.stdout
    assert schema_of(db) == before


async def test_migrate_dry_run_on_a_missing_database_creates_nothing(tmp_path: Path) -> None:
    db = tmp_path / "data" / "c.db"
    run = await run_bot("migrate", "--dry-run", env=clean_env(DATABASE_PATH=str(db)), cwd=tmp_path)
    assert run.code == 0, run.stderr
    assert "-- 0001_core.sql" in run.stdout
    assert not db.parent.exists(), "a dry run must not create the database or its folder"


async def test_migrate_brings_an_old_database_to_the_latest_version(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    await make_database(db, version=1)
    run = await run_bot("migrate", env=clean_env(DATABASE_PATH=str(db)), cwd=tmp_path)
    assert run.code == 0, run.stderr
    latest = bundled_migrations()[-1].version
    assert f"applied {latest - 1} migration(s)" in run.stdout
    assert schema_of(db)[0] == latest


def _newer_than_code(db: Path) -> int:
    newer = bundled_migrations()[-1].version + 3
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA user_version = {newer}")
    return newer


@pytest.mark.parametrize(
    "command", [["check"], ["migrate"], ["migrate", "--dry-run"]], ids=["check", "migrate", "dry-run"]
)
async def test_database_newer_than_the_code_is_refused(tmp_path: Path, command: list[str]) -> None:
    db = tmp_path / "c.db"
    await make_database(db)
    newer = _newer_than_code(db)
    before = schema_of(db)
    run = await run_bot(*command, env=clean_env(DISCORD_TOKEN=TOKEN, DATABASE_PATH=str(db)), cwd=tmp_path)
    assert_user_mistake(run, f"schema version {newer}", "newer than this Clematis understands", "backup")
    assert schema_of(db) == before


def _conflicting_migration() -> tuple[int, str, str]:
    """(version, name, table) of the last migration that creates a table without IF NOT EXISTS."""
    for migration in reversed(bundled_migrations()):
        found = re.search(r"CREATE TABLE (?!IF NOT EXISTS)(\w+)", migration.sql)
        if found:
            return migration.version, migration.name, found[1]
    raise AssertionError("no migration creates a table")


async def test_failed_migration_names_it_and_leaves_the_database_untouched(tmp_path: Path) -> None:
    version, name, table = _conflicting_migration()
    db = tmp_path / "c.db"
    await make_database(db, version=version - 1)
    with sqlite3.connect(db) as conn:  # someone created the table by hand
        conn.execute(f"CREATE TABLE {table} (hand_made INTEGER)")
    before = schema_of(db)
    run = await run_bot("migrate", env=clean_env(DATABASE_PATH=str(db)), cwd=tmp_path)
    assert_user_mistake(run, f"migration {version:04d}_{name} failed and was rolled back", "already exists")
    assert schema_of(db) == before


# ---------------------------------------------------------------------------------------------- against Discord


async def test_database_newer_than_the_code_stops_the_bot(emulator: Emulator, tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    await make_database(db)
    newer = _newer_than_code(db)
    before = schema_of(db)
    run = await run_bot(env=BotProcess(emulator, db).env(), cwd=tmp_path)
    assert_user_mistake(run, f"schema version {newer}")
    assert schema_of(db) == before
    assert emulator.identifies == 0 and emulator.command_syncs == 0


async def test_failed_migration_stops_the_bot(emulator: Emulator, tmp_path: Path) -> None:
    version, name, table = _conflicting_migration()
    db = tmp_path / "c.db"
    await make_database(db, version=version - 1)
    with sqlite3.connect(db) as conn:
        conn.execute(f"CREATE TABLE {table} (hand_made INTEGER)")
    before = schema_of(db)
    run = await run_bot(env=BotProcess(emulator, db).env(), cwd=tmp_path)
    assert_user_mistake(run, f"migration {version:04d}_{name} failed")
    assert schema_of(db) == before
    assert emulator.identifies == 0


async def test_token_discord_rejects_is_one_line_and_exit_2(emulator: Emulator, tmp_path: Path) -> None:
    env = {**BotProcess(emulator, tmp_path / "c.db").env(), "DISCORD_TOKEN": TOKEN}
    assert TOKEN != emulator.token
    run = await run_bot(env=env, cwd=tmp_path)
    assert_user_mistake(run, "DISCORD_TOKEN was rejected by Discord", "reset the token")
    assert TOKEN not in run.stderr + run.stdout
    assert [r.status for r in emulator.requests] == [401]


async def test_token_the_gateway_rejects_is_one_line_and_exit_2(emulator: Emulator, tmp_path: Path) -> None:
    emulator.gateway_token = "a-different-token"  # REST accepts the token, IDENTIFY is closed with 4004
    run = await run_bot(env=BotProcess(emulator, tmp_path / "c.db").env(), cwd=tmp_path)
    assert_user_mistake(run, "DISCORD_TOKEN was rejected by Discord", "reset the token")


async def test_message_content_intent_not_enabled_is_one_line_and_exit_2(
    emulator: Emulator, tmp_path: Path
) -> None:
    emulator.privileged_intents = 0  # the operator did not tick "Message Content Intent"
    run = await run_bot(env=BotProcess(emulator, tmp_path / "c.db").env(), cwd=tmp_path)
    assert_user_mistake(run, "Message Content intent", "Privileged Gateway Intents")


# ---------------------------------------------------------------------------------------------- backup


async def test_backup_of_the_live_database_restores_into_a_working_bot(
    emulator: Emulator, tmp_path: Path
) -> None:
    live = BotProcess(emulator, tmp_path / "live.db")
    await live.start()
    mina = emulator.member(emulator.guild, "Mina")
    target = tmp_path / "backups" / "copy.sqlite3"
    backing_up = asyncio.create_task(
        run_bot("backup", str(target), env=clean_env(DATABASE_PATH=str(live.db_path)), cwd=tmp_path)
    )
    assert "Version" in (await mina.slash("about")).text, "the bot keeps answering during a backup"
    run = await backing_up
    assert run.code == 0, run.stderr
    assert f"backed up {live.db_path} to {target}" in run.stdout
    assert schema_of(target) == schema_of(live.db_path)
    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        keys = {row[0] for row in conn.execute("SELECT key FROM bot_state")}
    assert "command_tree_hash:global" in keys
    assert_clean_exit(live, await live.stop())

    restored = BotProcess(emulator, target)  # restore = start from the copy
    await restored.start()
    assert emulator.command_syncs == 1, "the restored database still knows the synced tree"
    assert "Version" in (await mina.slash("about")).text
    assert_clean_exit(restored, await restored.stop())


async def test_backup_refuses_to_overwrite_and_needs_a_database(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    target = tmp_path / "exists.sqlite3"
    target.write_bytes(b"precious")
    missing = await run_bot("backup", str(target), env=clean_env(DATABASE_PATH=str(db)), cwd=tmp_path)
    assert_user_mistake(missing, "no database", "DATABASE_PATH")
    await make_database(db)
    exists = await run_bot("backup", str(target), env=clean_env(DATABASE_PATH=str(db)), cwd=tmp_path)
    assert_user_mistake(exists, "already exists")
    assert target.read_bytes() == b"precious"
