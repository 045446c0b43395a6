"""The privacy feature's due work, delivered by the one due-work dispatcher (`bot.watchparty.dispatcher`).

* `party_refresh`: bring a party's announcement up to date after a member's deletion changed it.
* `event_remove`: delete the Discord event of a party cancelled because its host deleted their data.
* `rsvp_promoted`: tell a member that a spot opened up for them (someone's deletion freed it).
* `guild_purge`: the grace period after the bot was removed from a server ended: delete its data, unless
  the bot is back in it. The row is forgotten once done (its record would keep the server's id).
* `retention_sweep`: delete what is past its retention time, then plan the next sweep.

Rows are planned in the same transaction as the change that calls for them, from the bot or from the
command line (a running bot picks them up within the dispatcher's heartbeat).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import aiohttp
import discord

from bot.guard import invalidate_guild
from bot.i18n import N_, _, use_locale
from bot.i18n.server import server_locale
from bot.modlog import write_modlog
from bot.privacy.registry import SWEEP_EVERY
from bot.privacy.store import (
    KIND_EVENT_REMOVE,
    KIND_GUILD_PURGE,
    KIND_PARTY_REFRESH,
    KIND_RETENTION_SWEEP,
    KIND_RSVP_PROMOTED,
    LABEL_CANCELLED,
    LABEL_HANDED_OVER,
    _rows,
    cancel_guild_purge,
    expire_in,
    guild_ids_with_data,
    planned_purges,
    purge_guild,
    queue_work,
    schedule_guild_purge,
)
from bot.watchparty import reasons
from bot.watchparty.board import board_for
from bot.watchparty.delivery import clean
from bot.watchparty.dispatcher import Deliverer, DueRow, Outcome
from bot.watchparty.parties import NO_HOST, Party, get_party, set_event

if TYPE_CHECKING:
    from bot.client import Clematis

log = logging.getLogger(__name__)


def _retry_or_fail(exc: discord.HTTPException, what: str) -> Outcome:
    if exc.status >= 500 or exc.status == 429:
        return Outcome.retry(reasons.recorded(reasons.ANSWERED_TO, status=exc.status, what=what))
    detail = f"{exc.status} {exc.text or ''}".rstrip()
    return Outcome.failed(reasons.recorded(reasons.REFUSED, what=what, detail=detail))


async def refresh_party(bot: Clematis, row: DueRow, now: datetime) -> Outcome:
    party = await get_party(bot.db, row.party_id) if row.party_id is not None else None
    if party is None or party.message_id is None:
        return Outcome.skipped(N_("the party or its announcement is gone"))
    try:
        await board_for(bot).edit_now(party.id)
    except discord.NotFound:
        return Outcome.skipped(N_("the announcement was deleted"))
    except discord.HTTPException as exc:
        return _retry_or_fail(exc, reasons.ANNOUNCEMENT_EDIT)
    except (aiohttp.ClientError, OSError) as exc:
        return Outcome.retry(reasons.recorded(reasons.CONNECTION, error=type(exc).__name__))
    if row.offset_label in (LABEL_HANDED_OVER, LABEL_CANCELLED):
        with use_locale(await server_locale(bot.db, bot.get_guild(party.guild_id), party.guild_id)):
            note = _departure_note(party, row.offset_label)  # the mod log speaks the server's language
        await write_modlog(bot, party.guild_id, note)
    return Outcome.done(N_("announcement updated"))


def _departure_note(party: Party, label: str) -> str:
    title, link = clean(party.title), party.jump_url() or ""
    if label == LABEL_CANCELLED:
        return _(
            "🗑️ The watch party **{title}** was cancelled: its host deleted their data with /privacy delete, "
            "and this server cancels such parties (/privacy-admin settings). {link}",
            title=title,
            link=link,
        ).rstrip()
    if party.host_id == NO_HOST:
        return _(
            "🤝 The host of the watch party **{title}** deleted their data with /privacy delete: the party "
            "is now looked after by this server's moderators (/privacy-admin settings). {link}",
            title=title,
            link=link,
        ).rstrip()
    return _(
        "🤝 The host of the watch party **{title}** deleted their data with /privacy delete: the party now "
        "belongs to {host}, as this server chose (/privacy-admin settings). {link}",
        title=title,
        host=f"<@{party.host_id}>",
        link=link,
    ).rstrip()


async def remove_event(bot: Clematis, row: DueRow, now: datetime) -> Outcome:
    party = await get_party(bot.db, row.party_id) if row.party_id is not None else None
    if party is None or party.event_id is None:
        return Outcome.skipped(N_("the party has no Discord event"))
    try:
        await bot.http.delete_scheduled_event(party.guild_id, party.event_id)
    except discord.NotFound:
        pass  # already gone
    except discord.HTTPException as exc:
        return _retry_or_fail(exc, reasons.EVENT_DELETE)
    except (aiohttp.ClientError, OSError) as exc:
        return Outcome.retry(reasons.recorded(reasons.CONNECTION, error=type(exc).__name__))
    await set_event(bot.db, party.id, None)
    return Outcome.done(N_("Discord event deleted"))


async def tell_promoted(bot: Clematis, row: DueRow, now: datetime) -> Outcome:
    party = await get_party(bot.db, row.party_id) if row.party_id is not None else None
    if party is None or row.user_id is None or not party.scheduled or party.ends_at <= now:
        return Outcome.skipped(N_("the party is no longer upcoming"))
    await board_for(bot).notify_promoted(party, [row.user_id])
    return Outcome.done(N_("member told"))


async def purge_removed_guild(bot: Clematis, row: DueRow, now: datetime) -> Outcome:
    if row.guild_id is None:
        return Outcome.failed(N_("a server purge without a server"))
    if bot.get_guild(row.guild_id) is not None:
        return Outcome.cancelled(N_("the bot is back in the server"))
    # Ask Discord too, before deleting anything: the cache is empty for a moment after a reconnect.
    try:
        await bot.fetch_guild(row.guild_id, with_counts=False)
    except (discord.Forbidden, discord.NotFound):
        pass  # not a member of it: what we expect
    except discord.HTTPException as exc:
        return Outcome.retry(f"Discord answered {exc.status} when asked about the server")
    except (aiohttp.ClientError, OSError) as exc:
        return Outcome.retry(f"connection problem: {type(exc).__name__}")
    else:
        return Outcome.cancelled(N_("the bot is in the server (Discord says so)"))
    removed = await purge_guild(bot.db, row.guild_id)
    invalidate_guild(bot, row.guild_id)  # the spoiler guard's copy of its settings and rules goes too
    log.info(
        "deleted the data of server %s (the bot was removed from it): %d rows (%s)",
        row.guild_id,
        sum(removed.values()),
        ", ".join(f"{name} {count}" for name, count in sorted(removed.items())) or "nothing was left",
    )
    return Outcome.done(forget=True)


async def sweep(bot: Clematis, row: DueRow, now: datetime) -> Outcome:
    async with bot.db.transaction() as conn:
        await conn.lock("retention-sweep")
        removed = await expire_in(conn, now=now)
        pending = await _rows(
            conn, "SELECT 1 FROM due_work WHERE kind = ? AND status = 'pending'", (KIND_RETENTION_SWEEP,)
        )
        if not pending:
            await queue_work(conn, KIND_RETENTION_SWEEP, now=now, due=now + SWEEP_EVERY)
    summary = ", ".join(f"{name} {count}" for name, count in sorted(removed.items()))
    if summary:
        log.info("retention sweep deleted expired rows: %s", summary)
    return Outcome.done(f"expired: {summary}" if summary else "nothing had expired")


def handlers(bot: Clematis) -> dict[str, Deliverer]:
    """The deliverers of this feature's kinds of due work."""

    def bind(func: Callable[[Clematis, DueRow, datetime], Awaitable[Outcome]]) -> Deliverer:
        async def deliver(row: DueRow, now: datetime) -> Outcome:
            return await func(bot, row, now)

        return deliver

    return {
        KIND_PARTY_REFRESH: bind(refresh_party),
        KIND_EVENT_REMOVE: bind(remove_event),
        KIND_RSVP_PROMOTED: bind(tell_promoted),
        KIND_GUILD_PURGE: bind(purge_removed_guild),
        KIND_RETENTION_SWEEP: bind(sweep),
    }


# --- servers coming and going ---------------------------------------------------------------------


async def server_removed(bot: Clematis, guild_id: int, *, now: datetime, grace: timedelta) -> bool:
    """The bot was removed from a server (not an outage): plan its data's deletion after the grace period."""
    planned = await schedule_guild_purge(bot.db, guild_id, now=now, due=now + grace)
    if planned:
        log.info(
            "removed from server %s: its data will be deleted at %s unless I am added back",
            guild_id,
            now + grace,
        )
    return planned


async def server_back(bot: Clematis, guild_id: int, *, now: datetime) -> int:
    """The bot is in the server (again): call off any planned deletion."""
    cancelled = await cancel_guild_purge(bot.db, guild_id, now=now, reason=N_("the bot was added back"))
    if cancelled:
        log.info("back in server %s: its data is kept", guild_id)
    return cancelled


async def reconcile_servers(bot: Clematis, *, now: datetime, grace: timedelta) -> tuple[int, int]:
    """At start: servers the bot left while it was offline get their deletion planned, and servers it is
    in again keep their data. Returns (planned, called off)."""
    present = {guild.id for guild in bot.guilds}
    planned = called_off = 0
    for guild_id in await planned_purges(bot.db):
        if guild_id in present:
            called_off += await server_back(bot, guild_id, now=now)
    for guild_id in await guild_ids_with_data(bot.db):
        if guild_id not in present and bot.shards_held.owns(guild_id):
            planned += await server_removed(bot, guild_id, now=now, grace=grace)
    return planned, called_off
