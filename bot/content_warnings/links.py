"""Official episode links in chat: which episode a posted link is, and the once-an-hour card rule."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from bot.canon.model import CanonPack
from bot.db import Database

LINK_CARD_INTERVAL = timedelta(hours=1)

# youtube.com/watch?…v=ID, youtube.com/shorts|embed|live|v/ID, youtube-nocookie.com/embed/ID, youtu.be/ID
_YOUTUBE_RE = re.compile(
    r"(?:https?://)?(?:[a-z0-9-]+\.)*"
    r"(?:(?:youtube\.com|youtube-nocookie\.com)/(?:watch\?(?:[^\s#<>|]*?&)?v=|shorts/|embed/|live/|v/)"
    r"|youtu\.be/)"
    r"([A-Za-z0-9_-]{11})(?![A-Za-z0-9_-])",
    re.IGNORECASE,
)
_URL_RE = re.compile(r"https?://[^\s<>|\"'`]+", re.IGNORECASE)


def link_keys(text: str) -> list[str]:
    """Comparable keys of the links in ``text``, in order, without repeats: ``youtube:<video id>`` for
    any YouTube form of a video, else ``url:<host>/<path>`` (no www, query or trailing slash)."""
    keys: dict[str, None] = {}
    for match in _YOUTUBE_RE.finditer(text):
        keys[f"youtube:{match.group(1)}"] = None
    for match in _URL_RE.finditer(text):
        url = match.group().rstrip(".,;:!?)]}>")
        if _YOUTUBE_RE.match(url):
            continue
        parts = urlsplit(url)
        host = (parts.hostname or "").removeprefix("www.")
        if host:
            keys[f"url:{host}{parts.path.rstrip('/')}"] = None
    return list(keys)


def episode_links(pack: CanonPack) -> dict[str, tuple[str, ...]]:
    """Link key -> the episodes whose official video or page it is."""
    out: dict[str, list[str]] = {}
    for episode in pack.episodes:
        for url in (*episode.video_urls, *([episode.official_url] if episode.official_url else [])):
            for key in link_keys(url):
                if episode.id not in out.setdefault(key, []):
                    out[key].append(episode.id)
    return {key: tuple(ids) for key, ids in out.items()}


def linked_episodes(links: Mapping[str, tuple[str, ...]], text: str) -> list[str]:
    """Episodes whose official links appear in ``text``, in order of first mention."""
    found: dict[str, None] = {}
    for key in link_keys(text):
        for episode_id in links.get(key, ()):
            found[episode_id] = None
    return list(found)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


async def claim_link_card(
    db: Database, guild_id: int, channel_id: int, episode_id: str, now: datetime
) -> bool:
    """True when no card for ``episode_id`` was posted in ``channel_id`` within the last hour; the post
    is then recorded at ``now`` (one statement, so two messages at once cannot both claim it)."""
    changed = await db.execute(
        "INSERT INTO cw_link_cards (channel_id, episode_id, guild_id, posted_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(channel_id, episode_id) DO UPDATE SET posted_at = excluded.posted_at "
        "WHERE cw_link_cards.posted_at <= ?",
        (channel_id, episode_id, guild_id, _stamp(now), _stamp(now - LINK_CARD_INTERVAL)),
    )
    return changed > 0
