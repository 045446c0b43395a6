"""One server's live spoiler state: its configuration plus what is derived from it (effective public
horizon, compiled rules, discussion-thread horizons), and the decision "does this message spoil?".

Deciding is synchronous and reads only memory. What is derived is recomputed when the inputs change:
the configuration (a new ``GuildState``), the canon pack (compared by identity) or the day (the release
window can make a dated episode public; the rules are recompiled only when the effective horizon
actually moved).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date

from bot.canon.horizon import Horizon
from bot.canon.model import CanonPack
from bot.guard.config import GuildConfig
from bot.guard.rules import CanonRules, Compiled, ServerRules, server_rules
from bot.horizon import ServerPlaces, horizon_from_ids, place_horizon, server_public_horizon
from bot.spoilers import Hit, RuleSet, visible_text

Compiler = Callable[[CanonPack, Horizon, GuildConfig, Compiled | None], ServerRules]


def compile_for(
    pack: CanonPack, public: Horizon, config: GuildConfig, previous: Compiled | None = None
) -> ServerRules:
    """A server's rules on their own (the cache shares the canon part between servers instead)."""
    canon = CanonRules.compile(pack, public)
    return server_rules(canon, pack, public, config.rules, config.allow, previous) or ServerRules(
        canon.ruleset
    )


@dataclass(frozen=True, slots=True)
class Detection:
    """A message spoils ``episode`` (the first rule hit its place does not allow)."""

    episode: str
    phrase: str
    source: str  # "canon" or "mod:<user id>"


class GuildState:
    """Configuration plus derived state. Never mutated by a configuration change: a new one replaces it."""

    __slots__ = ("_places", "config", "day", "pack", "public", "public_setting", "ruleset", "_compile")

    def __init__(self, config: GuildConfig, compile_rules: Compiler = compile_for) -> None:
        self.config = config
        self._compile = compile_rules
        self.pack: CanonPack | None = None
        self.day: date | None = None
        self.public_setting = Horizon()
        self.public = Horizon()
        self.ruleset = ServerRules(RuleSet())
        self._places: dict[int, Horizon] = {}

    def refresh(self, pack: CanonPack, today: date) -> None:
        """Bring derived state up to date for ``pack`` and ``today`` (cheap when nothing changed)."""
        if pack is self.pack and today == self.day:
            return
        config = self.config
        new_pack = pack is not self.pack
        if new_pack:
            self.public_setting = horizon_from_ids(pack, config.public_episodes)
        public = server_public_horizon(pack, self.public_setting, config.window_days, today)
        if new_pack or public != self.public:
            previous = (self.pack, self.public, self.ruleset) if self.pack is not None else None
            self.ruleset = self._compile(pack, public, config, previous)
            self.public = public
            self._places = {}
        self.pack, self.day = pack, today

    def match(self, pack: CanonPack, content: str, today: date) -> list[Hit]:
        """Rule hits in the visible text of ``content`` for episodes past the public horizon."""
        self.refresh(pack, today)
        if not content:
            return []
        return self.ruleset.match(visible_text(content))

    def places(self, pack: CanonPack, today: date) -> ServerPlaces:
        """What the server makes public today, and where (for lookups: no database read)."""
        self.refresh(pack, today)
        config = self.config
        return ServerPlaces(self.public, config.spoiler_channels, config.threads)

    def is_exempt(self, role_ids: Collection[int]) -> bool:
        exempt = self.config.exempt_roles
        return bool(exempt) and not exempt.isdisjoint(role_ids)

    def is_spoiler_channel(self, channel_id: int, parent_id: int | None) -> bool:
        """A spoiler channel, a thread in one, or the mod log (where moderators discuss what was caught)."""
        channels = self.config.spoiler_channels
        modlog = self.config.modlog_channel
        return (
            channel_id in channels
            or (parent_id is not None and parent_id in channels)
            or (modlog is not None and modlog in (channel_id, parent_id))
        )

    def place(self, pack: CanonPack, channel_id: int, parent_id: int | None) -> Horizon | None:
        """What may be said here beyond nothing: None means anything goes (a spoiler channel).

        A discussion thread's episode wins over its parent: ROUND 5's thread allows up to ROUND 5 even
        when it lives in a spoiler channel. Other threads of a spoiler channel allow everything."""
        thread_episode = self.config.threads.get(channel_id)
        if thread_episode is None or not pack.has_episode(thread_episode):
            return None if self.is_spoiler_channel(channel_id, parent_id) else self.public
        horizon = self._places.get(channel_id)
        if horizon is None:
            horizon = place_horizon(pack, self.public, spoiler_channel=False, thread_episode=thread_episode)
            self._places[channel_id] = horizon
        return horizon

    def judge(
        self, pack: CanonPack, hits: list[Hit], channel_id: int, parent_id: int | None
    ) -> Detection | None:
        """The first hit this place does not allow, or None."""
        return self.judge_at(pack, hits, self.place(pack, channel_id, parent_id))

    @staticmethod
    def judge_at(pack: CanonPack, hits: list[Hit], place: Horizon | None) -> Detection | None:
        """The first hit a place with horizon ``place`` does not allow (None: anything goes there)."""
        if place is None:
            return None
        for hit in hits:
            if pack.has_episode(hit.episode) and not place.allows(pack, hit.episode):
                return Detection(hit.episode, hit.phrase, hit.source)
        return None

    def detect(
        self,
        pack: CanonPack,
        content: str,
        *,
        channel_id: int,
        parent_id: int | None,
        role_ids: Collection[int] = (),
        today: date,
    ) -> Detection | None:
        """Does this message spoil an episode where it was posted? (Pure; memory only.)"""
        hits = self.match(pack, content, today)
        if not hits or self.is_exempt(role_ids):
            return None
        return self.judge(pack, hits, channel_id, parent_id)
