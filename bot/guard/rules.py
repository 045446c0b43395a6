"""Which rules a server checks, and which phrases a moderator may add as rules.

Shared rule sets: the canon rules past a horizon are compiled once per pack and horizon
(``CanonRules``) and shared by every server at that horizon. A server's own rules and allow-list
compile into a small addition matched alongside (``ServerRules``), so memory and compile time per
configured server follow its own rules only. An allowed phrase masks rule hits inside it, including
canon ones: the canon rules of the few episodes an allowed phrase could mask (all their words are
words of the allowed phrase) move into the server's addition, where its allow-list applies to them exactly as it would in one
combined set (``compile_guild_rules``, the reference, which the tests compare against).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.canon.horizon import Horizon
from bot.canon.model import CanonPack
from bot.spoilers import Hit, Rule, RuleSet, compile_rules, fold, phrase_words
from bot.spoilers.normalize import is_cjk

MAX_PHRASE = 100
MIN_LETTERS = 3

# Korean particles and endings that may follow a name without changing what it says.
_PARTICLES = frozenset(
    "이 가 은 는 을 를 의 도 랑 와 과 야 아 이가 이는 이랑 이야 한테 에게 께서 에서 님 씨 이도 이를 이의".split()
)


def phrase_key(phrase: str) -> str:
    """The phrase as the matcher sees it (normalised words); two phrases with one key are one rule."""
    return " ".join(phrase_words(phrase))


def _keys(text: str) -> tuple[str, ...]:
    return tuple(w if is_cjk(w[0]) else fold(w) for w in phrase_words(text))


def name_words(pack: CanonPack) -> frozenset[str]:
    """Every word of every character name (and alias, Hangul and Japanese name), as matched."""
    words: set[str] = set()
    for character in pack.characters:
        for name in (character.name, character.hangul, character.japanese, *character.aliases):
            words.update(_keys(name))
    return frozenset(words)


def episode_names(pack: CanonPack) -> frozenset[tuple[str, ...]]:
    """Every episode title, Korean title and alias, as matched."""
    names: set[tuple[str, ...]] = set()
    for episode in pack.episodes:
        for name in (episode.title, episode.title_ko, episode.id, *episode.aliases):
            key = _keys(name)
            if key:
                names.add(key)
    return frozenset(names)


def _is_name_word(word: str, names: frozenset[str]) -> bool:
    if word in names or (len(word) > 1 and word.endswith("s") and word[:-1] in names):  # possessive "'s"
        return True
    if is_cjk(word[0]):  # a Hangul name with a particle attached: "이반이", "틸한테"
        return any(word.startswith(name) and word[len(name) :] in _PARTICLES for name in names)
    return False


def rule_problem(pack: CanonPack, phrase: str) -> str | None:
    """Why ``phrase`` cannot be a moderator rule (a friendly sentence), or None when it can."""
    if len(phrase) > MAX_PHRASE:
        return f"That phrase is too long: keep rules under {MAX_PHRASE} characters."
    keys = _keys(phrase)
    if not keys:
        return (
            "That phrase has no letters or digits left once punctuation, emoji and formatting are "
            "ignored, so it could never match anything."
        )
    if keys in episode_names(pack):
        return (
            "An episode's name on its own isn't a spoiler: members must be able to say what they're "
            "watching. Add what happens in it instead."
        )
    if sum(len(k) for k in keys) < MIN_LETTERS and not any(is_cjk(k[0]) for k in keys):
        return "That phrase is too short: it would catch ordinary chat. Use a few words that give the story away."
    names = name_words(pack)
    named = [_is_name_word(k, names) for k in keys]
    filler = [len(k) == 1 and not is_cjk(k) for k in keys]  # the "s" of "イバン's", a lone "a"
    if any(named) and all(n or f for n, f in zip(named, filler, strict=True)):
        return (
            "A character's name on its own isn't a spoiler: members must be able to talk about who "
            "they like. Add what happens, e.g. `ivan dies` rather than `ivan`."
        )
    return None


def allow_problem(phrase: str) -> str | None:
    """Why ``phrase`` cannot go on the allow-list, or None when it can."""
    if len(phrase) > MAX_PHRASE:
        return f"That phrase is too long: keep allowed phrases under {MAX_PHRASE} characters."
    if not phrase_words(phrase):
        return "That phrase has no letters or digits left once punctuation and formatting are ignored."
    return None


def canon_rules_past(pack: CanonPack, public: Horizon) -> list[Rule]:
    """The canon pack's rules for every episode the horizon does not include."""
    return [
        Rule(episode.id, phrase)
        for episode in pack.episodes
        if not public.allows(pack, episode.id)
        for phrase in episode.spoiler_rules
    ]


def guild_rules_past(pack: CanonPack, public: Horizon, rules: Iterable[Rule]) -> list[Rule]:
    """A server's own rules for episodes past the horizon (rules for episodes the pack lost are skipped)."""
    return [r for r in rules if pack.has_episode(r.episode) and not public.allows(pack, r.episode)]


def compile_guild_rules(
    pack: CanonPack, public: Horizon, rules: Iterable[Rule], allow: Iterable[str]
) -> RuleSet:
    """What a server checks messages against: canon and server rules past its public horizon, with its
    allow-list masking them."""
    return compile_rules([*canon_rules_past(pack, public), *guild_rules_past(pack, public, rules)], allow)


# --- shared canon sets and a server's addition ------------------------------------------------------


NOTHING: frozenset[str] = frozenset()


def _related(key: str, allowed: frozenset[str]) -> bool:
    """Whether a rule word could match a message word that an allowed word also matches (the same
    folded word, or one a prefix of the other: Hangul stems, inflections), erring towards yes."""
    return key in allowed or any(a.startswith(key) or key.startswith(a) for a in allowed)


@dataclass(frozen=True, slots=True, eq=False)
class CanonRules:
    """The canon rules past one horizon, compiled once and shared by every server at that horizon."""

    rules: tuple[Rule, ...]
    ruleset: RuleSet
    keys: tuple[tuple[str, ...], ...]  # each rule's words as matched, for the allow-list check

    @classmethod
    def compile(cls, pack: CanonPack, public: Horizon) -> CanonRules:
        rules = tuple(canon_rules_past(pack, public))
        return cls(rules, compile_rules(rules), tuple(_keys(r.phrase) for r in rules))

    def maskable(self, allow: Iterable[str]) -> frozenset[str]:
        """Episodes with a canon rule an allowed phrase could mask: a hit lies inside an allowed phrase
        only if each of its words matched a word the allowed phrase matched too."""
        allowed = frozenset(k for phrase in allow for k in _keys(phrase))
        if not allowed:
            return NOTHING
        return frozenset(
            rule.episode
            for rule, keys in zip(self.rules, self.keys, strict=True)
            if all(_related(k, allowed) for k in keys)
        )


@dataclass(frozen=True, slots=True, eq=False)
class ServerRules:
    """What one server checks: the shared canon set, and its own addition (its rules past the horizon,
    its allow-list, and the canon rules of the episodes in ``taken``, which the shared set then leaves
    to the addition). Matches as ``compile_guild_rules`` would: at most one hit per episode, the
    earliest, ordered by position (canon before the server's own rules at one position)."""

    shared: RuleSet
    own: RuleSet | None = None
    taken: frozenset[str] = NOTHING

    def match(self, visible_text: str) -> list[Hit]:
        hits = self.shared.match(visible_text)
        if self.own is None:
            return hits
        if self.taken:
            hits = [h for h in hits if h.episode not in self.taken]
        own = self.own.match(visible_text)
        if not own:
            return hits
        if not hits:
            return own
        ordered = sorted(
            [(h.start, h.end, 0, i, h) for i, h in enumerate(hits)]
            + [(h.start, h.end, 1, i, h) for i, h in enumerate(own)]
        )
        merged: list[Hit] = []
        seen: set[str] = set()
        for *_, hit in ordered:
            if hit.episode not in seen:
                seen.add(hit.episode)
                merged.append(hit)
        return merged


def server_rules(
    canon: CanonRules, pack: CanonPack, public: Horizon, rules: Iterable[Rule], allow: Iterable[str]
) -> ServerRules | None:
    """A server's addition to the shared set, or None when it checks exactly the shared set."""
    allow = tuple(allow)
    own_rules = guild_rules_past(pack, public, rules)
    taken = canon.maskable(allow) if allow else NOTHING
    if not own_rules and not taken:
        return None
    moved = [r for r in canon.rules if r.episode in taken]
    return ServerRules(canon.ruleset, compile_rules([*moved, *own_rules], allow), taken)
