"""`python -m bot privacy ...` as the operator runs it: a real process, a real database file."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.db import Database
from bot.watchparty.parties import PartyDraft, create_party
from bot.watchparty.rsvp import set_rsvp

REPO = Path(__file__).resolve().parents[2]
MINA, JO, GUILD = 110000000000000001, 110000000000000002, 220000000000000003


def cli(db: Path | str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m bot privacy …` on the SQLite file `db`, or on the PostgreSQL database it names."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISCORD_TOKEN", "DATABASE_URL")}
    env["DATABASE_URL" if str(db).startswith("postgresql://") else "DATABASE_PATH"] = str(db)
    return subprocess.run(
        [sys.executable, "-m", "bot", "privacy", *args],
        cwd=REPO,
        env=env,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
async def filled(tmp_path: Path) -> Path:
    path = tmp_path / "clematis.sqlite3"
    now = datetime.now(UTC)
    async with Database(path) as db:
        await db.migrate()
        await db.execute(
            "INSERT INTO member_progress (user_id, track, episode_id) VALUES (?, 'main', 'r3')", (MINA,)
        )
        await db.execute(
            "INSERT INTO member_preferences (user_id, time_zone) VALUES (?, 'Asia/Seoul')", (MINA,)
        )
        await db.execute("INSERT INTO guild_settings (guild_id, modlog_channel) VALUES (?, 5)", (GUILD,))
        draft = PartyDraft(GUILD, 7, MINA, "Mina's night", ("r1",), now + timedelta(days=3), "Asia/Seoul")
        party = await create_party(db, draft, now=now)
        await db.execute("UPDATE watch_parties SET message_id = 99 WHERE id = ?", (party,))
        jo_party = await create_party(
            db, PartyDraft(GUILD, 7, JO, "Jo's", ("r1",), now + timedelta(days=4), "UTC"), now=now
        )
        await db.execute("UPDATE watch_parties SET message_id = 98 WHERE id = ?", (jo_party,))
        await set_rsvp(db, jo_party, MINA, "going", now=now)
    return path


def rows(db: Path, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return list(conn.execute(sql, params).fetchall())


async def test_export_to_a_private_file(filled: Path, tmp_path: Path) -> None:
    out = tmp_path / "mina.json"
    done = cli(filled, "export", str(MINA), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["tables"]["member_progress"]["rows"][0]["episode_id"] == "r3"
    assert document["tables"]["watch_parties"]["rows"][0]["title"] == "Mina's night"
    assert len(document["tables"]["party_rsvps"]["rows"]) == 2
    again = cli(filled, "export", str(MINA), "--out", str(out))
    assert again.returncode == 2 and again.stderr.count("\n") == 1 and "already exists" in again.stderr


async def test_export_to_standard_output(filled: Path) -> None:
    done = cli(filled, "export", str(JO))
    assert done.returncode == 0
    assert json.loads(done.stdout)["user_id"] == str(JO)


async def test_delete_asks_and_needs_an_answer(filled: Path) -> None:
    refused = cli(filled, "delete", str(MINA))  # no standard input at all
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert refused.stderr.splitlines()[-1].startswith("clematis: deleting everything stored about user")
    declined = cli(filled, "delete", str(MINA), stdin="no\n")
    assert declined.returncode == 2 and "nothing was changed" in declined.stderr
    assert rows(filled, "SELECT count(*) FROM member_progress") == [(1,)]
    agreed = cli(filled, "delete", str(MINA), stdin="yes\n")
    assert agreed.returncode == 0, agreed.stderr
    assert rows(filled, "SELECT count(*) FROM member_progress") == [(0,)]


async def test_delete_removes_the_member_and_queues_the_boards(filled: Path) -> None:
    done = cli(filled, "delete", str(MINA), "--yes")
    assert done.returncode == 0, done.stderr
    assert f"user {MINA}: deleted or cleared" in done.stdout
    for table, column in (
        ("member_progress", "user_id"),
        ("member_preferences", "user_id"),
        ("party_rsvps", "user_id"),
        ("watch_parties", "host_id"),
    ):
        assert rows(filled, f"SELECT count(*) FROM {table} WHERE {column} = ?", (MINA,)) == [(0,)], table  # noqa: S608
    queued = rows(filled, "SELECT kind, status FROM due_work WHERE kind = 'party_refresh'")
    assert queued == [("party_refresh", "pending"), ("party_refresh", "pending")]
    assert rows(filled, "SELECT host_id, status FROM watch_parties WHERE title = ?", ("Mina's night",)) == [
        (0, "scheduled")
    ]


async def test_delete_guild(filled: Path) -> None:
    done = cli(filled, "delete-guild", str(GUILD), "--yes")
    assert done.returncode == 0, done.stderr
    assert rows(filled, "SELECT count(*) FROM watch_parties") == [(0,)]
    assert rows(filled, "SELECT count(*) FROM guild_settings") == [(0,)]
    assert rows(filled, "SELECT count(*) FROM member_progress") == [
        (1,)
    ]  # a member's own data is not the server's


@pytest.mark.parametrize(
    "args",
    [
        ("delete", "mina"),
        ("export", "12"),
        ("delete-guild", "-5", "--yes"),
        ("export",),
        ("frobnicate", "1"),
        (),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: tuple[str, ...]) -> None:
    done = cli(tmp_path / "none.sqlite3", *args)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr


def test_a_missing_database_is_one_line(tmp_path: Path) -> None:
    done = cli(tmp_path / "none.sqlite3", "delete", str(MINA), "--yes")
    assert done.returncode == 2 and "there is no database" in done.stderr
    assert not (tmp_path / "none.sqlite3").exists()
