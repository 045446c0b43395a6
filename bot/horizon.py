"""The one question every feature asks the same way: how far may this viewer, in this place, see?

Three horizons (see ``bot.canon.horizon.Horizon``):
- **server public**: what the moderators made public, plus (when the release window is on) every episode
  released at least N days ago. Computed, never stored twice.
- **personal**: the member's own progress when they set it, else the server public horizon (in DMs,
  nothing).
- **place**: what may be posted publicly where the viewer is: the server public horizon plus the
  thread's episode in a discussion thread (wherever that thread lives, even inside a spoiler channel);
  everything in a spoiler channel (or any other thread inside one); the server public horizon elsewhere.

A public answer shows ``personal ∧ place`` (per-track minimum); an ephemeral answer shows ``personal``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from bot.canon.horizon import Horizon, horizon_through, released_before
from bot.canon.model import CanonPack
from bot.db import Database

log = logging.getLogger(__name__)


def full_horizon(pack: CanonPack) -> Horizon:
    """Everything on every track."""
    return Horizon(
        {track: len(eps) - 1 for track in pack.track_ids() if (eps := pack.episodes_in_order(track))}
    )


def meet(a: Mapping[str, int], b: Mapping[str, int]) -> Horizon:
    """Per-track minimum: what both horizons include."""
    return Horizon({track: min(a[track], b[track]) for track in a.keys() & b.keys()})


def horizon_from_ids(pack: CanonPack, episode_ids: Iterable[str]) -> Horizon:
    """A horizon from stored episode ids, ignoring (and logging) ids the pack no longer has."""
    known = []
    for episode_id in episode_ids:
        if pack.has_episode(episode_id):
            known.append(episode_id)
        else:
            log.warning("stored episode id %r is not in the canon pack; ignoring it", episode_id)
    return Horizon.from_episodes(pack, known)


def server_public_horizon(pack: CanonPack, public: Horizon, window_days: int | None, today: date) -> Horizon:
    """Moderator-set public horizon, advanced by the release window when it is on."""
    if window_days is None:
        return public
    return public.merge(released_before(pack, today - timedelta(days=window_days)))


def place_horizon(
    pack: CanonPack,
    server_public: Horizon,
    *,
    spoiler_channel: bool,
    thread_episode: str | None,
) -> Horizon:
    """A discussion thread's episode wins over its parent channel (even a spoiler channel); any other
    place in a spoiler channel allows everything."""
    if thread_episode is not None and pack.has_episode(thread_episode):
        return server_public.merge(horizon_through(pack, thread_episode))
    if spoiler_channel:
        return full_horizon(pack)
    return server_public


@dataclass(frozen=True, slots=True)
class ViewerHorizon:
    personal: Horizon
    place: Horizon
    server_public: Horizon
    has_progress: bool

    @property
    def public(self) -> Horizon:
        """What an answer posted publicly here may show."""
        return meet(self.personal, self.place)


# --- database ------------------------------------------------------------------------------------


async def member_progress(db: Database, pack: CanonPack, user_id: int) -> Horizon | None:
    """The member's progress, or None when they have not set any (that the pack still knows)."""
    rows = await db.fetchall("SELECT episode_id FROM member_progress WHERE user_id = ?", (user_id,))
    known = [r["episode_id"] for r in rows if pack.has_episode(r["episode_id"])]
    return horizon_from_ids(pack, known) if known else None


async def guild_public_setting(db: Database, pack: CanonPack, guild_id: int) -> tuple[Horizon, int | None]:
    """The moderator-set public horizon and the release window (days, or None when off)."""
    rows = await db.fetchall("SELECT episode_id FROM guild_horizons WHERE guild_id = ?", (guild_id,))
    window = await db.fetchval(
        "SELECT release_window_days FROM guild_spoiler_settings WHERE guild_id = ?", (guild_id,)
    )
    return horizon_from_ids(pack, [r["episode_id"] for r in rows]), window


async def viewer_horizon(
    db: Database,
    pack: CanonPack,
    *,
    user_id: int,
    guild_id: int | None,
    channel_id: int | None,
    parent_id: int | None = None,
    today: date,
) -> ViewerHorizon:
    """How far ``user_id`` may see in ``channel_id`` (``parent_id``: the thread's parent channel)."""
    progress = await member_progress(db, pack, user_id)
    if guild_id is None:  # direct messages: only the member's own progress matters
        personal = progress if progress is not None else Horizon()
        return ViewerHorizon(personal, personal, Horizon(), progress is not None)

    public_setting, window = await guild_public_setting(db, pack, guild_id)
    server_public = server_public_horizon(pack, public_setting, window, today)
    places = [c for c in (channel_id, parent_id) if c is not None]
    spoiler_channel = bool(places) and bool(
        await db.fetchval(
            f"SELECT 1 FROM spoiler_channels WHERE guild_id = ? AND channel_id IN ({','.join('?' * len(places))})",  # noqa: S608 - placeholders only
            (guild_id, *places),
        )
    )
    thread_episode = None
    if channel_id is not None:
        thread_episode = await db.fetchval(
            "SELECT episode_id FROM discussion_threads WHERE guild_id = ? AND thread_id = ?",
            (guild_id, channel_id),
        )
    place = place_horizon(pack, server_public, spoiler_channel=spoiler_channel, thread_episode=thread_episode)
    personal = progress if progress is not None else server_public
    return ViewerHorizon(personal, place, server_public, progress is not None)
