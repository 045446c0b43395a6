"""Mirror a watch party as a Discord scheduled event, one way: the bot creates, updates and cancels it.

A voice or stage channel makes a channel event; otherwise the event is "external" with the
announcement's link as its location. Missing permissions and Discord's limit of uncompleted events
(error 30038) never break the party: the functions return a note to show instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import discord

from bot.canon.l10n import local_name
from bot.canon.model import CanonPack
from bot.guard.published import Published
from bot.i18n import N_, _, current_locale, use_locale
from bot.watchparty.announce import neutral_title
from bot.watchparty.parties import Party

log = logging.getLogger(__name__)

EVENT_LIMIT_CODE = 30038
UNKNOWN_EVENT_CODE = 10070
STATUS_CANCELED = 4
PRIVACY_GUILD_ONLY = 2
ENTITY_STAGE, ENTITY_VOICE, ENTITY_EXTERNAL = 1, 2, 3
NAME_LIMIT, DESCRIPTION_LIMIT, LOCATION_LIMIT = 100, 1000, 100

# Since February 2026 Discord needs Create Events to create an event (Manage Events alone is not enough);
# Create Events also covers editing and cancelling the events the bot made.
NO_PERMISSION_NOTE = N_(
    "No Discord event was made: I need the **Create Events** permission for that (a server admin can "
    "grant it to my role). The party works without it."
)
NO_PERMISSION_CANCEL_NOTE = N_(
    "The Discord event was not cancelled: I need the **Create Events** permission for that (a server "
    "admin can grant it to my role)."
)
NOTE_HIDDEN = N_(
    "The host's note would spoil an episode that isn't public here; read it in the announcement."
)
LIMIT_NOTE = N_(
    "No Discord event was made: this server has reached Discord's limit of 100 upcoming events. "
    "The party works without it."
)


@dataclass(frozen=True, slots=True)
class EventOutcome:
    event_id: int | None  # what the party's event_id should now be
    note: str | None = None  # for the host (and the mod log when `for_mods`)
    for_mods: bool = False


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat()


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def event_payload(
    party: Party,
    pack: CanonPack,
    voice: discord.abc.GuildChannel | None,
    *,
    title: Published | None = None,
    note: Published | None = None,
) -> dict[str, Any]:
    """The scheduled-event body for a party (voice/stage channel, or external with the announcement link),
    in the current language.

    `title`, `note`: the party's texts checked for the whole server (`bot.guard.published`). Spoiler tags
    don't render in events: a spoiling title is replaced by a neutral name, a spoiling note left out."""
    title = title or Published.unchecked(party.title)
    note = note or Published.unchecked(party.note or "")
    titles = [local_name(pack, pack.episode(e)) if pack.has_episode(e) else e for e in party.episodes]
    lines = [_("Watch party: {episodes}", episodes=", ".join(titles))]
    if party.note:
        lines.append(note.plain(_(NOTE_HIDDEN)))
    link = party.jump_url()
    if link:
        lines.append(_("RSVP and details: {link}", link=link))
    payload: dict[str, Any] = {
        "name": _clip(title.plain(neutral_title(pack, party.episodes, title)), NAME_LIMIT),
        "description": _clip("\n\n".join(lines), DESCRIPTION_LIMIT),
        "privacy_level": PRIVACY_GUILD_ONLY,
        "scheduled_start_time": _iso(party.starts_at),
        "scheduled_end_time": _iso(party.ends_at),
    }
    if isinstance(voice, discord.StageChannel):
        payload.update(entity_type=ENTITY_STAGE, channel_id=str(voice.id), entity_metadata=None)
    elif isinstance(voice, discord.VoiceChannel):
        payload.update(entity_type=ENTITY_VOICE, channel_id=str(voice.id), entity_metadata=None)
    else:
        location = link or f"https://discord.com/channels/{party.guild_id}/{party.channel_id}"
        payload.update(
            entity_type=ENTITY_EXTERNAL,
            channel_id=None,
            entity_metadata={"location": _clip(location, LOCATION_LIMIT)},
        )
    return payload


def _failure(error: discord.HTTPException, party: Party, keep: int | None) -> EventOutcome:
    if isinstance(error, discord.Forbidden):
        return EventOutcome(keep, _(NO_PERMISSION_NOTE))
    if error.code == EVENT_LIMIT_CODE:
        return EventOutcome(keep, _(LIMIT_NOTE), for_mods=True)
    log.warning("scheduled event for party %s failed: %s", party.id, error)
    return EventOutcome(
        keep,
        _(
            "Discord refused the event for this party ({status}); the party works without it.",
            status=error.status,
        ),
    )


async def mirror_event(
    http: discord.http.HTTPClient,
    party: Party,
    pack: CanonPack,
    voice: discord.abc.GuildChannel | None,
    *,
    title: Published | None = None,
    note: Published | None = None,
    locale: str | None = None,
) -> EventOutcome:
    """Create the party's event, or bring it up to date. An event deleted by hand is made again.

    The event is for everyone: its text is in ``locale`` (the server's language); the outcome's note, for
    whoever asked, is in the current one."""
    with use_locale(locale or current_locale()):
        payload = event_payload(party, pack, voice, title=title, note=note)
    if party.event_id is not None:
        try:
            await http.edit_scheduled_event(party.guild_id, party.event_id, **payload)
            return EventOutcome(party.event_id)
        except discord.NotFound:
            pass  # deleted in Discord: make a new one below
        except discord.HTTPException as error:
            return _failure(error, party, party.event_id)
    try:
        created = await http.create_guild_scheduled_event(party.guild_id, **payload)
    except discord.HTTPException as error:
        return _failure(error, party, None)
    return EventOutcome(int(created["id"]))


async def cancel_event(http: discord.http.HTTPClient, party: Party) -> EventOutcome:
    """Cancel the party's event (Discord tells interested members); delete it if it can't be cancelled."""
    if party.event_id is None:
        return EventOutcome(None)
    try:
        await http.edit_scheduled_event(party.guild_id, party.event_id, status=STATUS_CANCELED)
        return EventOutcome(party.event_id)
    except discord.NotFound:
        return EventOutcome(None)
    except discord.Forbidden:
        return EventOutcome(party.event_id, _(NO_PERMISSION_CANCEL_NOTE))
    except discord.HTTPException:
        pass  # e.g. the event already started: delete it instead
    try:
        await http.delete_scheduled_event(party.guild_id, party.event_id)
    except discord.NotFound:
        pass
    except discord.HTTPException as error:
        return _failure(error, party, party.event_id)
    return EventOutcome(None)
