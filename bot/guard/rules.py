"""Which rules a server checks, and which phrases a moderator may add as rules.

Shared rule sets: the canon rules past a horizon are compiled once per pack and horizon
(``CanonRules``) and shared by every server at that horizon. A server's own rules and its allow-list
compile into a small addition matched alongside (``ServerRules``), so memory and compile time per
configured server follow its own rules only; the two sets are matched together as one (an allowed
phrase masks canon hits too), exactly as one combined set would be (``compile_guild_rules``, the
reference the tests compare against).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass

from bot.canon.horizon import Horizon
from bot.canon.l10n import all_names
from bot.canon.model import CanonPack
from bot.i18n import _
from bot.spoilers import Hit, Rule, RuleSet, compile_rules, fold, phrase_words
from bot.spoilers.matcher import match_together, rule_condition_problems
from bot.spoilers.normalize import is_cjk

MAX_PHRASE = 100
MIN_LETTERS = 3

# A moderator rule is stored as one text: the phrase, then its conditions, e.g.
# "이반 죽 · unless 죽이, 죽겠 · endings 었, 어, 음". `rule_text` writes it, `parse_rule_text` reads it.
_UNLESS = " · unless "
_ENDINGS = " · endings "

# Korean particles and endings that may follow a name without changing what it says.
_PARTICLES = frozenset(
    "이 가 은 는 을 를 의 도 랑 와 과 야 아 이가 이는 이랑 이야 한테 에게 께서 에서 님 씨 이도 이를 이의".split()
)


def phrase_key(phrase: str) -> str:
    """The phrase as the matcher sees it (normalised words); two phrases with one key are one rule.
    For a stored rule text, only its phrase counts (not its conditions)."""
    return " ".join(phrase_words(parse_rule_text(phrase)[0]))


def split_list(text: str | None) -> tuple[str, ...]:
    """What a moderator typed as a list ("죽이, 죽겠"; commas, semicolons or 、), without blanks."""
    if not text:
        return ()
    for sep in ";、":
        text = text.replace(sep, ",")
    return tuple(" ".join(part.split()) for part in text.split(",") if part.strip())


def rule_text(phrase: str, unless: Iterable[str] = (), endings: Iterable[str] = ()) -> str:
    """The stored text of a moderator rule with its conditions (see ``parse_rule_text``)."""
    text = " ".join(phrase.split())
    unless, endings = tuple(unless), tuple(endings)
    if unless:
        text += _UNLESS + ", ".join(unless)
    if endings:
        text += _ENDINGS + ", ".join(endings)
    return text


def parse_rule_text(text: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """(phrase, unless, endings) of a stored rule text; a plain phrase has no conditions."""
    text, _, endings = text.partition(_ENDINGS)
    phrase, _, unless = text.partition(_UNLESS)
    return phrase, split_list(unless), split_list(endings)


def stored_rule(episode: str, text: str, source: str, rule_id: int | None) -> Rule:
    """A moderator rule as read from the database (the episode id and who added it are shared by many
    rules: one copy of each)."""
    phrase, unless, endings = parse_rule_text(text)
    return Rule(sys.intern(episode), phrase, sys.intern(source), rule_id, unless, endings)


def _keys(text: str) -> tuple[str, ...]:
    return tuple(w if is_cjk(w[0]) else fold(w) for w in phrase_words(text))


def name_words(pack: CanonPack) -> frozenset[str]:
    """Every word of every character name (and alias, Hangul and Japanese name, and the names in the
    pack's translations), as matched."""
    words: set[str] = set()
    for names in character_names(pack):
        for name in names:
            words.update(_keys(name))
    return frozenset(words)


def episode_names(pack: CanonPack) -> frozenset[tuple[str, ...]]:
    """Every episode title, Korean title and alias, in every language of the pack, as matched."""
    names: set[tuple[str, ...]] = set()
    for episode in pack.episodes:
        for name in (
            episode.title,
            episode.title_ko,
            episode.id,
            *episode.aliases,
            *all_names(pack, episode),
        ):
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
        return _("That phrase is too long: keep rules under {limit} characters.", limit=MAX_PHRASE)
    keys = _keys(phrase)
    if not keys:
        return _(
            "That phrase has no letters or digits left once punctuation, emoji and formatting are "
            "ignored, so it could never match anything."
        )
    if keys in episode_names(pack):
        return _(
            "An episode's name on its own isn't a spoiler: members must be able to say what they're "
            "watching. Add what happens in it instead."
        )
    names = name_words(pack)
    named = [_is_name_word(k, names) for k in keys]
    filler = [len(k) == 1 and not is_cjk(k) for k in keys]  # the "s" of "イバン's", a lone "a"
    if any(named) and all(n or f for n, f in zip(named, filler, strict=True)):  # before "too short": "Io"
        return _(
            "A character's name on its own isn't a spoiler: members must be able to talk about who "
            "they like. Add what happens, e.g. `ivan dies` rather than `ivan`."
        )
    if sum(len(k) for k in keys) < MIN_LETTERS and not any(is_cjk(k[0]) for k in keys):
        return _(
            "That phrase is too short: it would catch ordinary chat. Use a few words that give the story away."
        )
    return None


def conditions_problem(phrase: str, unless: Iterable[str], endings: Iterable[str]) -> str | None:
    """Why a moderator rule's exceptions or endings cannot work (a friendly sentence), or None."""
    unless, endings = tuple(unless), tuple(endings)
    if any(_UNLESS.strip() in part or _ENDINGS.strip() in part for part in (phrase, *unless, *endings)):
        return _("Please leave the `·` character out of rules: I use it to separate a rule's parts.")
    for where, _english in rule_condition_problems(phrase, unless, endings):
        # The matcher says what is wrong in English (for the pack's validator); members get it whole.
        kind, _sep, number = where.partition("[")
        item = int(number.rstrip("]")) - 1 if number else 0
        words = phrase_words(phrase)
        if kind == "unless" and not phrase_words(unless[item]):
            return _(
                "That exception can't work: '{word}' has no letters or digits to match. Write the word the "
                "rule must not catch, e.g. `죽이`.",
                word=unless[item],
            )
        if kind == "unless":
            return _(
                "That exception can't work: '{word}' shares no word with '{phrase}', so it can never cancel "
                "it. Write the word the rule must not catch, e.g. `죽이`.",
                word=unless[item],
                phrase=phrase,
            )
        if number:
            return _(
                "Those endings can't work: '{ending}' is not a Hangul ending (e.g. 었, 어, 음).",
                ending=endings[item],
            )
        return _(
            "Those endings can't work: endings only apply after a Hangul stem, and '{phrase}' ends in "
            "'{word}'.",
            phrase=phrase,
            word=words[-1] if words else phrase,
        )
    return None


def allow_problem(phrase: str) -> str | None:
    """Why ``phrase`` cannot go on the allow-list, or None when it can."""
    if len(phrase) > MAX_PHRASE:
        return _("That phrase is too long: keep allowed phrases under {limit} characters.", limit=MAX_PHRASE)
    if not phrase_words(phrase):
        return _("That phrase has no letters or digits left once punctuation and formatting are ignored.")
    return None


def canon_rules_past(pack: CanonPack, public: Horizon) -> list[Rule]:
    """The canon pack's rules for every episode the horizon does not include."""
    return [
        Rule(episode.id, str(rule), unless=rule.unless, endings=rule.endings)
        for episode in pack.episodes
        if not public.allows(pack, episode.id)
        for rule in episode.spoiler_rules
    ]


def guild_rules_past(pack: CanonPack, public: Horizon, rules: Iterable[Rule]) -> list[Rule]:
    """A server's own rules for episodes past the horizon (rules for episodes the pack lost are skipped)."""
    return [r for r in rules if pack.has_episode(r.episode) and not public.allows(pack, r.episode)]


def compile_guild_rules(
    pack: CanonPack, public: Horizon, rules: Iterable[Rule], allow: Iterable[str]
) -> RuleSet:
    """What a server checks messages against: canon and server rules past its public horizon, with its
    allow-list masking them. A rule naming a character also matches the character's other names
    (Hangul, Japanese, aliases), and names are never inflected ("till" is no verb here)."""
    return compile_rules(
        [*canon_rules_past(pack, public), *guild_rules_past(pack, public, rules)],
        allow,
        names=character_names(pack),
    )


def character_names(pack: CanonPack) -> list[tuple[str, ...]]:
    """Each character's names, for ``compile_rules(names=...)``: its own, and those its translations
    give (a rule naming Hyunwoo also catches the Japanese name a ``l10n/ja.toml`` gives him)."""
    return [
        tuple(dict.fromkeys(n for n in (c.name, c.hangul, c.japanese, *c.aliases, *all_names(pack, c)) if n))
        for c in pack.characters
    ]


# --- shared canon sets and a server's addition ------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class CanonRules:
    """The canon rules past one horizon, compiled once and shared by every server at that horizon."""

    ruleset: RuleSet

    @classmethod
    def compile(cls, pack: CanonPack, public: Horizon) -> CanonRules:
        return cls(compile_rules(canon_rules_past(pack, public), names=character_names(pack)))


@dataclass(frozen=True, slots=True, eq=False)
class ServerRules:
    """What one server checks: the shared canon set, and its own rules past its horizon and its
    allow-list as a small addition. Matches as ``compile_guild_rules`` would: at most one hit per
    episode, the earliest unmasked one, ordered by position (canon before the server's own rules at one
    position)."""

    shared: RuleSet
    own: RuleSet | None = None

    def match(self, visible_text: str) -> list[Hit]:
        if self.own is None:
            return self.shared.match(visible_text)
        return match_together((self.shared, self.own), visible_text)


#: What a server's addition was compiled for: the pack, the public horizon and the result.
Compiled = tuple[CanonPack, Horizon, ServerRules]


def server_rules(
    canon: CanonRules,
    pack: CanonPack,
    public: Horizon,
    rules: Iterable[Rule],
    allow: Iterable[str],
    previous: Compiled | None = None,
) -> ServerRules | None:
    """A server's rules beside the shared set, or None when it checks exactly the shared set. The
    allow-list goes into the addition: matched together with the shared set, an allowed phrase masks
    the canon hits inside it too.

    ``previous``: the same rules and allow-list compiled for another pack or horizon (a pack reload, a
    release window moving the horizon). Its addition is kept when it would compile the same: the same
    own rules past the horizon, the same character names."""
    allow = tuple(allow)
    rules = tuple(rules)
    own_rules = guild_rules_past(pack, public, rules)
    if not own_rules and not allow:
        return None
    names = character_names(pack)
    if previous is not None:
        old_pack, old_public, old = previous
        if (
            old.own is not None
            and guild_rules_past(old_pack, old_public, rules) == own_rules
            and (old_pack is pack or character_names(old_pack) == names)
        ):
            return ServerRules(canon.ruleset, old.own)
    return ServerRules(canon.ruleset, compile_rules(own_rules, allow, names=names))
