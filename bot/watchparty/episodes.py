"""Which episodes a party shows: one, a run up to `until` on the same track, or one a week for a series."""

from __future__ import annotations

from bot.canon.l10n import local_name
from bot.canon.model import CanonPack, Episode
from bot.i18n import _, _n

MAX_RUN = 25


class EpisodeError(ValueError):
    """An episode choice we cannot use; `str(err)` is for the user."""


def episode_run(pack: CanonPack, first: Episode, until: Episode | None) -> list[Episode]:
    """`first` alone, or `first` through `until` in release order on their (shared) track."""
    if until is None or until.id == first.id:
        return [first]
    if until.track != first.track:
        raise EpisodeError(
            _(
                "**{last}** is on another track than **{first}**: a run stays on one track.",
                last=local_name(pack, until),
                first=local_name(pack, first),
            )
        )
    order = pack.episodes_in_order(first.track)
    start, end = pack.position(first.id)[1], pack.position(until.id)[1]
    if end < start:
        raise EpisodeError(
            _(
                "**{last}** comes before **{first}**: pick a later episode for `until`.",
                last=local_name(pack, until),
                first=local_name(pack, first),
            )
        )
    if end - start + 1 > MAX_RUN:
        raise EpisodeError(
            _(
                "That's {count} episodes: one party shows at most {limit}.",
                count=end - start + 1,
                limit=MAX_RUN,
            )
        )
    return list(order[start : end + 1])


def weekly_episodes(pack: CanonPack, first: Episode, count: int | None, limit: int) -> list[Episode]:
    """The episodes of a weekly series: `first`, then the next one in release order each week, up to
    `count` weeks (default: to the end of the track), at most `limit`."""
    order = pack.episodes_in_order(first.track)
    start = pack.position(first.id)[1]
    remaining = list(order[start:])
    wanted = min(count if count is not None else len(remaining), limit)
    if count is not None and count > len(remaining):
        raise EpisodeError(
            _n(
                "Only {n} episode from **{first}** to the end of its track: use `count` of at most {n}.",
                "Only {n} episodes from **{first}** to the end of its track: use `count` of at most {n}.",
                len(remaining),
                first=local_name(pack, first),
            )
        )
    return remaining[:wanted]


def after(pack: CanonPack, episode: Episode) -> Episode | None:
    """The next episode on the same track, if any."""
    order = pack.episodes_in_order(episode.track)
    position = pack.position(episode.id)[1]
    return order[position + 1] if position + 1 < len(order) else None
