"""The timeline: every episode track by track in viewing order with its release date, in pages.
Titles and dates only: no premise, no performers, no outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time

from bot.canon import l10n
from bot.canon.horizon import Horizon
from bot.canon.model import CanonPack, Episode, Track, is_confirmed
from bot.i18n import _, current_locale
from bot.lookups.cards import COLOURS, Card
from bot.lookups.entries import entry_name, kind_label, track_of
from bot.lookups.text import fit_lines

PAGE_SIZE = 12


@dataclass(frozen=True, slots=True)
class TimelinePage:
    track: Track
    episodes: tuple[Episode, ...]
    first: int  # position of the first episode on its track (0-based)
    part: int  # 1-based part of this track
    parts: int


def timeline_pages(pack: CanonPack, per_page: int = PAGE_SIZE) -> list[TimelinePage]:
    """One page per track, long tracks split into parts of ``per_page`` episodes."""
    pages = []
    for track_id in pack.track_ids():
        episodes = pack.episodes_in_order(track_id)
        chunks = [episodes[i : i + per_page] for i in range(0, len(episodes), per_page)]
        for part, chunk in enumerate(chunks, start=1):
            pages.append(
                TimelinePage(track_of(pack, track_id), chunk, (part - 1) * per_page, part, len(chunks))
            )
    return pages


def date_text(episode: Episode) -> str:
    if episode.release_date is None:
        return _("date unknown")
    stamp = int(datetime.combine(episode.release_date, time(12), tzinfo=UTC).timestamp())
    return f"<t:{stamp}:D>" + ("" if is_confirmed(episode.date_confidence) else " " + _("*(unconfirmed)*"))


def episode_line(pack: CanonPack, episode: Episode, number: int, progress: Horizon | None) -> str:
    mark = ""
    if progress is not None:
        mark = "✅ " if progress.allows(pack, episode.id) else "▫️ "
    kind = "" if episode.kind == "round" else f" · {kind_label(episode.kind)}"
    order = "" if is_confirmed(episode.position_confidence) else " · " + _("*place in the order uncertain*")
    return f"{mark}`{number:>2}` **{entry_name(episode, pack)}**{kind} · {date_text(episode)}{order}"


def timeline_card(
    pack: CanonPack,
    pages: list[TimelinePage],
    page: int,
    progress: Horizon | None,
    progress_command: str = "/progress",
) -> Card:
    """Page ``page`` (clamped to the pages there are) with ✅ on what ``progress`` includes."""
    if not pages:
        return Card(
            title=_("Timeline"), description=_("The canon pack has no episodes."), colour=COLOURS["episode"]
        )
    page = min(max(page, 0), len(pages) - 1)
    shown = pages[page]
    locale = current_locale()
    title = _("Timeline · {track}", track=l10n.text(pack, shown.track, "name", locale))
    if shown.parts > 1:
        title += f" ({shown.part}/{shown.parts})"
    lines = [
        episode_line(pack, episode, shown.first + i + 1, progress) for i, episode in enumerate(shown.episodes)
    ]
    description = l10n.text(pack, shown.track, "description", locale) if shown.track.description else ""
    head = f"*{description}*\n\n" if description else ""
    tail = "\n\n" + (
        _("✅ watched, per your progress.")
        if progress is not None
        else _(
            "*Set your progress with {command} to see ✅ on what you have watched.*", command=progress_command
        )
    )
    body = fit_lines(lines, 4000 - len(head) - len(tail))
    return Card(
        title=title,
        description=f"{head}{body}{tail}",
        footer=_(
            "Page {page} of {pages} · viewing order · dates in your time zone",
            page=page + 1,
            pages=len(pages),
        ),
        colour=COLOURS["episode"],
    )
