"""A server's language for public posts: a moderator's choice, else the server's Discord language."""

from __future__ import annotations

from typing import Any

from babel import Locale

from bot.db import Database, utc_text
from bot.db.notify import SETTINGS, invalidations
from bot.i18n import SOURCE_LOCALE, available_locales, babel_locale, resolve


def language_name(code: str) -> str:
    """A locale's own name for itself (``한국어``, ``español (Latinoamérica)``), from CLDR."""
    try:
        name = babel_locale(code).get_display_name() or code
    except (ValueError, LookupError):
        return code
    return name[:1].upper() + name[1:]


def choosable_locales() -> list[str]:
    """English plus every locale with a catalogue."""
    return [SOURCE_LOCALE, *available_locales()]


def parse_language(text: str) -> str | None:
    """A choosable locale from a code (``ko``, ``pt-br``) or a name in any language; None if unknown."""
    typed = text.strip().casefold()
    for code in choosable_locales():
        if typed == code.casefold():
            return code
    for code in choosable_locales():
        names = {language_name(code).casefold(), Locale.parse("en").languages.get(code.split("-")[0], "")}
        if typed in {n.casefold() for n in names if n}:
            return code
    return None


async def stored_language(db: Database, guild_id: int) -> str | None:
    return await db.fetchval("SELECT locale FROM guild_language WHERE guild_id = ?", (guild_id,))


async def set_language(db: Database, guild_id: int, locale: str | None, *, set_by: int | None) -> None:
    """Store a moderator's choice; None goes back to the server's Discord language."""
    if locale is None:
        await db.execute("DELETE FROM guild_language WHERE guild_id = ?", (guild_id,))
    else:
        await db.execute(
            "INSERT INTO guild_language (guild_id, locale, set_by, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(guild_id) DO UPDATE SET locale = excluded.locale, set_by = excluded.set_by, "
            "updated_at = excluded.updated_at",
            (guild_id, locale, set_by, utc_text()),
        )
    invalidations(db).notify(SETTINGS, guild_id)  # any process holding the server's language reads it again


async def server_locale(db: Database, guild: Any, guild_id: int | None = None) -> str:
    """The language of public posts in a server: the stored choice, else Discord's preferred_locale."""
    gid = guild_id if guild_id is not None else getattr(guild, "id", None)
    if gid is not None:
        stored = await stored_language(db, gid)
        if stored:
            return stored
    preferred = getattr(guild, "preferred_locale", None)
    return str(getattr(preferred, "value", preferred or SOURCE_LOCALE))


def effective_label(code: str) -> str:
    """A locale's name as shown in answers; English where no catalogue covers it."""
    return language_name(code if resolve(code) is not None or code.startswith("en") else SOURCE_LOCALE)
