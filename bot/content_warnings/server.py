"""A server's content-warning settings: notes on episodes, its support message, the link-card switch."""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from types import MappingProxyType

from bot.db import Database, utc_text
from bot.db.notify import SETTINGS, invalidations
from bot.errors import UserError
from bot.i18n import _

# Each database's servers' notes and support message, read once and dropped when they change (every
# card reads them: lookups, parties, threads). A change made in another process on the same PostgreSQL
# drops them too (`bot.db.notify`, listened to by `listen_for_changes`).
_SETTINGS: weakref.WeakKeyDictionary[Database, dict[int, tuple[Mapping[str, str], str | None]]] = (
    weakref.WeakKeyDictionary()
)
_CHANGES: weakref.WeakKeyDictionary[Database, int] = weakref.WeakKeyDictionary()  # bumped by every change

MAX_NOTE = 300
MAX_SUPPORT_MESSAGE = 500


def clean_note(text: str | None) -> str | None:
    """A note as stored: one line, trimmed; None clears it. Too long → UserError naming the limit."""
    note = " ".join((text or "").split())
    if not note:
        return None
    if len(note) > MAX_NOTE:
        raise UserError(
            _(
                "A server note can be at most {limit} characters; yours has {length}.",
                limit=MAX_NOTE,
                length=len(note),
            )
        )
    return note


def clean_support_message(text: str | None) -> str | None:
    """Support text as stored: trimmed lines, at most one blank line in a row; None clears it."""
    lines = [" ".join(line.split()) for line in (text or "").replace("\r\n", "\n").split("\n")]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    message = "\n".join(kept).strip()
    if not message:
        return None
    if len(message) > MAX_SUPPORT_MESSAGE:
        raise UserError(
            _(
                "The support message can be at most {limit} characters; yours has {length}.",
                limit=MAX_SUPPORT_MESSAGE,
                length=len(message),
            )
        )
    return message


async def server_card_settings(db: Database, guild_id: int) -> tuple[Mapping[str, str], str | None]:
    """The server's notes (episode id -> note) and support message: from memory after the first read,
    which takes one query."""
    cached = _SETTINGS.setdefault(db, {})
    found = cached.get(guild_id)
    if found is None:
        before = _CHANGES.get(db, 0)
        rows = await db.fetchall(
            "SELECT episode_id, note FROM cw_episode_notes WHERE guild_id = ? "
            "UNION ALL SELECT NULL, support_message FROM cw_guild_settings WHERE guild_id = ?",
            (guild_id, guild_id),
        )
        notes = {r[0]: r[1] for r in rows if r[0] is not None}
        support = next((str(r[1]) for r in rows if r[0] is None and r[1] is not None), None)
        found = (MappingProxyType(notes), support)
        if _CHANGES.get(db, 0) == before:  # nothing changed while we read: keep it
            cached[guild_id] = found
    return found


def forget_card_settings(db: Database, guild_id: int) -> None:
    """Call after changing a server's notes or support message (or deleting them): forgotten here, and
    in the other processes sharing the database."""
    _drop(db, guild_id)
    invalidations(db).notify(SETTINGS, guild_id)


def _drop(db: Database, guild_id: int | None) -> None:
    """Forget one server's settings (None: every server's)."""
    _CHANGES[db] = _CHANGES.get(db, 0) + 1
    if guild_id is None:
        _SETTINGS.pop(db, None)
    else:
        _SETTINGS.get(db, {}).pop(guild_id, None)


def listen_for_changes(db: Database) -> None:
    """Forget what other processes change (call once per process, at start)."""
    hub = invalidations(db)
    hub.on(SETTINGS, lambda guild_id: _drop(db, guild_id))
    hub.on_reset(lambda: _drop(db, None))


async def set_episode_note(
    db: Database, guild_id: int, episode_id: str, note: str | None, *, set_by: int | None
) -> None:
    """Set (or with None, clear) the server's note on an episode. ``note`` must come from `clean_note`."""
    if note is None:
        await db.execute(
            "DELETE FROM cw_episode_notes WHERE guild_id = ? AND episode_id = ?", (guild_id, episode_id)
        )
    else:
        await db.execute(
            "INSERT INTO cw_episode_notes (guild_id, episode_id, note, set_by, updated_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(guild_id, episode_id) DO UPDATE SET note = excluded.note, set_by = excluded.set_by, "
            "updated_at = excluded.updated_at",
            (guild_id, episode_id, note, set_by, utc_text()),
        )
    forget_card_settings(db, guild_id)


async def set_support_message(db: Database, guild_id: int, message: str | None) -> None:
    """``message`` must come from `clean_support_message` (None goes back to the default text only)."""
    await db.execute(
        "INSERT INTO cw_guild_settings (guild_id, support_message) VALUES (?, ?) "
        "ON CONFLICT(guild_id) DO UPDATE SET support_message = excluded.support_message",
        (guild_id, message),
    )
    forget_card_settings(db, guild_id)


async def link_cards_enabled(db: Database, guild_id: int) -> bool:
    value = await db.fetchval("SELECT link_cards FROM cw_guild_settings WHERE guild_id = ?", (guild_id,))
    return value is None or bool(value)


async def set_link_cards(db: Database, guild_id: int, enabled: bool) -> None:
    await db.execute(
        "INSERT INTO cw_guild_settings (guild_id, link_cards) VALUES (?, ?) "
        "ON CONFLICT(guild_id) DO UPDATE SET link_cards = excluded.link_cards",
        (guild_id, int(enabled)),
    )
