"""Covered by construction: the live schema (after every migration) against bot/privacy/registry.py.

Every table must be registered; every column whose name suggests a user id, a message id or message text
must be registered; and then, generically, for every registered column: a row holding a marker user id
there is exported, and after the member's deletion the marker is found in no column of any table except
the registered exemptions. The same for a server's purge and its server id.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import pytest

from bot.db import Database
from bot.privacy.registry import BY_NAME, TABLES, audit, suspicious
from bot.privacy.store import (
    HOOKS,
    delete_user,
    expire,
    export_user,
    purge_guild,
    read_schema,
)

USER = 880000000000000001
OTHER_GUILD = 770000000000000002
GUILD = 990000000000000003
TEXT = "PRIVACY-MARKER-TEXT"
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
numbers = count(1000)


# --- the registry matches the schema ------------------------------------------------------------------


async def test_the_live_schema_matches_the_registry(db: Database) -> None:
    assert audit(await read_schema(db)) == []


async def test_an_unknown_table_and_a_suspicious_new_column_fail(db: Database) -> None:
    await db.execute(
        "CREATE TABLE fan_art (id INTEGER PRIMARY KEY, guild_id INTEGER, artist_user_id INTEGER)"
    )
    await db.execute("ALTER TABLE member_progress ADD COLUMN last_message_text TEXT")
    await db.execute("ALTER TABLE watch_parties ADD COLUMN cohost_member INTEGER")
    problems = audit(await read_schema(db))
    assert any("table fan_art is not in" in p for p in problems)
    assert any("member_progress.last_message_text" in p for p in problems)
    assert any("watch_parties.cohost_member" in p for p in problems)


def test_naming_conventions() -> None:
    for column in ("user_id", "added_by", "author_id", "host_id", "reporter_id", "owner_id", "moderator_id"):
        assert suspicious(column) == "user", column
    for column in ("message_id", "notice_id", "reply_id"):
        assert suspicious(column) == "message", column
    for column in ("content", "note", "phrase", "title", "body", "caption"):
        assert suspicious(column) == "text", column
    for column in ("guild_id", "channel_id", "episode_id", "created_at", "zone", "status"):
        assert suspicious(column) is None, column


def test_every_hook_column_has_its_hook() -> None:
    for table in TABLES:
        for column in table.columns("hook"):
            assert (table.name, column.column) in HOOKS


# --- generic rows in every table ----------------------------------------------------------------------


async def _seed(db: Database, *, user: int, guild: int) -> dict[str, Any]:
    """One row in every table, filled from the schema: registered user columns hold `user`, the server
    column `guild`, registered text columns TEXT, foreign keys point at the parent's row."""
    ids: dict[str, Any] = {}
    order = await _parents_first(db)
    schema = await db.schema()
    for name in order:
        table = BY_NAME[name]
        live = schema[name]
        fks = {key.columns[0]: key.table for key in live.foreign_keys}
        personal = {p.column: p for p in table.personal}
        values: dict[str, Any] = {}
        for info in live.columns.values():
            column, kind, notnull, default = (
                info.name,
                info.type.upper(),
                info.not_null,
                info.has_default or None,
            )
            pk = column in live.primary_key
            if column in fks:
                values[column] = ids[fks[column]]
            elif column in personal and personal[column].on_delete == "exempt" and not notnull:
                continue  # kept whatever it holds: nothing to prove
            elif column in personal and personal[column].holds == "user":
                values[column] = user
            elif column in personal:
                values[column] = TEXT if kind == "TEXT" else next(numbers)
            elif column == table.guild_column:
                values[column] = guild
            elif column in table.sample:
                values[column] = table.sample[column]
            elif pk and kind == "INTEGER" and len(live.primary_key) == 1:
                continue
            elif notnull and default is None or pk:
                values[column] = next(numbers) if kind == "INTEGER" else f"{column}-{next(numbers)}"
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        key = live.primary_key[0] if len(live.primary_key) == 1 else "1"
        async with db.transaction() as conn:
            got = await conn.fetchone(
                f"INSERT INTO {name} ({columns}) VALUES ({marks}) RETURNING {key}",  # noqa: S608
                list(values.values()),
            )
        assert got is not None
        ids[name] = got[0]
    return ids


async def _parents_first(db: Database) -> list[str]:
    schema = await db.schema()
    parents = {name: {key.table for key in table.foreign_keys} for name, table in schema.items()}
    order: list[str] = []
    while len(order) < len(schema):
        for name in sorted(schema):
            if name not in order and parents[name] <= set(order):
                order.append(name)
    return order


async def _where_found(db: Database, value: object) -> set[str]:
    """`table.column` of every cell holding `value` (as a number or as text)."""
    found = set()
    for name, columns in (await read_schema(db)).items():
        for column in columns:
            hits = await db.fetchval(
                f'SELECT count(*) FROM {name} WHERE CAST("{column}" AS TEXT) = ?',  # noqa: S608
                (str(value),),
            )
            if hits:
                found.add(f"{name}.{column}")
    return found


def _exempt(holds: str) -> set[str]:
    return {
        f"{t.name}.{p.column}"
        for t in TABLES
        for p in t.personal
        if p.on_delete == "exempt" and p.holds == holds
    }


async def test_export_holds_every_registered_user_column(db: Database) -> None:
    await _seed(db, user=USER, guild=OTHER_GUILD)
    document = json.loads(json.dumps(await export_user(db, USER, now=NOW)))
    due_rows = document["tables"]["due_work"]["rows"]
    assert due_rows and all("claimed_by" not in row for row in due_rows)  # the operator's host name stays out
    for table in TABLES:
        for personal in table.personal:
            if personal.on_delete == "exempt":
                continue
            rows = document["tables"].get(table.name, {}).get("rows", [])
            expected = str(USER) if personal.holds == "user" else (TEXT if personal.holds == "text" else None)
            cells = [row[personal.column] for row in rows]
            if expected is None:
                assert cells, f"{table.name}.{personal.column} is not in the export"
            else:
                assert expected in cells, f"{table.name}.{personal.column} is not in the export"


async def test_after_delete_the_user_id_is_only_where_exempt(db: Database) -> None:
    await _seed(db, user=USER, guild=OTHER_GUILD)
    assert await _where_found(db, USER)  # the seed put it somewhere
    done = await delete_user(db, USER, now=NOW)
    assert done.total > 0
    assert await _where_found(db, USER) <= _exempt("user")
    # message text and message ids that go with the member's rows are gone with them
    leftover = await _where_found(db, TEXT)
    assert leftover <= _exempt("text") | _exempt("message"), leftover


async def test_a_purged_server_leaves_no_row(db: Database) -> None:
    await _seed(db, user=USER, guild=GUILD)
    await _seed(db, user=USER + 1, guild=OTHER_GUILD)
    assert await _where_found(db, GUILD)
    removed = await purge_guild(db, GUILD)
    assert await _where_found(db, GUILD) == set()
    assert "watch_parties" in removed and "party_rsvps" in removed
    # the other server is untouched
    for table in TABLES:
        if table.guild_column:
            sql = f"SELECT count(*) FROM {table.name} WHERE {table.guild_column} = ?"  # noqa: S608
            assert await db.fetchval(sql, (OTHER_GUILD,)), table.name


async def test_every_expiring_table_loses_old_rows_and_keeps_new_ones(db: Database) -> None:
    old, new = "2000-01-01T00:00:00Z", (NOW - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    await db.execute(
        "INSERT INTO spoiler_copies (notice_id, guild_id, channel_id, author_id, content, created_at) VALUES "
        "(1, 1, 1, 1, 'old', ?), (2, 1, 1, 1, 'new', ?)",
        (old, new),
    )
    await db.execute(
        "INSERT INTO spoiler_reports (guild_id, channel_id, message_id, reporter_id, created_at) VALUES "
        "(1, 1, 1, 1, ?), (1, 1, 2, 1, ?)",
        (old, new),
    )
    await db.execute(
        "INSERT INTO member_preferences (user_id, dm_closed_at) VALUES (1, ?), (2, ?)", (old, new)
    )
    await db.execute(
        "INSERT INTO member_preferences (user_id, time_zone, dm_closed_at) VALUES (3, 'Asia/Seoul', ?)",
        (old,),
    )
    await db.execute(
        "INSERT INTO cw_link_cards (channel_id, episode_id, guild_id, posted_at) VALUES (1, 'r1', 1, ?), (2, 'r1', 1, ?)",
        (old, new),
    )
    await db.execute(
        "INSERT INTO watch_parties (id, guild_id, channel_id, host_id, title, episodes, starts_at, zone) VALUES "
        "(1, 1, 1, 5, 'old', '[]', ?, 'UTC'), (2, 1, 1, 5, 'new', '[]', ?, 'UTC')",
        (old, new),
    )
    await db.execute(
        "INSERT INTO party_rsvps (party_id, user_id, status, updated_at) VALUES (1, 6, 'going', ?), (2, 6, 'going', ?)",
        (old, new),
    )
    await db.execute(
        "INSERT INTO due_work (kind, party_id, user_id, due_at, status, finished_at) VALUES "
        "('dm', 1, 6, ?, 'delivered', ?), ('dm', 2, 6, ?, 'delivered', ?), ('dm', 2, 7, ?, 'pending', NULL)",
        (old, old, new, new, new),
    )
    removed = await expire(db, now=NOW)
    assert (
        removed["spoiler_copies"] == 1 and removed["spoiler_reports"] == 1 and removed["cw_link_cards"] == 1
    )
    assert [r[0] for r in await db.fetchall("SELECT content FROM spoiler_copies")] == ["new"]
    assert [r[0] for r in await db.fetchall("SELECT message_id FROM spoiler_reports")] == [2]
    # the closed-DMs record went; the row that held only it too; the time zone stays
    prefs = await db.fetchall(
        "SELECT user_id, dm_closed_at, time_zone FROM member_preferences ORDER BY user_id"
    )
    assert [tuple(r) for r in prefs] == [(2, new, None), (3, None, "Asia/Seoul")]
    assert [r[0] for r in await db.fetchall("SELECT title FROM watch_parties")] == ["new"]
    assert await db.fetchval("SELECT count(*) FROM party_rsvps") == 1
    assert await db.fetchval("SELECT count(*) FROM due_work") == 2


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_privacy_md_names_every_table(table) -> None:
    from pathlib import Path

    notice = (Path(__file__).parents[2] / "PRIVACY.md").read_text(encoding="utf-8")
    assert f"`{table.name}`" in notice
