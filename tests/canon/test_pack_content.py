"""Sanity checks on the real pack's content: spoiler-free fields stay spoiler-free, rules are usable."""

from __future__ import annotations

import re
from functools import cache

import pytest

from bot.canon.horizon import horizon_through
from bot.canon.loader import load_pack
from bot.canon.model import CanonPack, Credit, is_confirmed
from bot.canon.search import SearchIndex
from bot.canon.warnings import TOPICS, TOPICS_BY_ID

OUTCOME_WORDS = {
    "dies", "died", "dead", "death", "kill", "kills", "killed", "wins", "won", "beats", "beat", "loses",
    "lost", "survives", "survived", "rescued", "rescues", "shot", "sacrifice", "forgives", "hallucinates",
}  # fmt: skip


@cache
def pack() -> CanonPack:
    return load_pack()


def fold(text: str) -> str:
    return " ".join(re.sub(r"[^\w']+", " ", text.casefold()).split())


def contains_phrase(text: str, phrase: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(fold(phrase))}(?!\w)", fold(text)) is not None


def all_rules() -> list[tuple[str, str]]:
    return [(e.id, rule) for e in pack().episodes for rule in e.spoiler_rules]


def spoiler_free_fields() -> list[tuple[str, str]]:
    p = pack()
    fields = [(f"episode {e.id} premise", e.premise) for e in p.episodes]
    fields += [(f"episode {e.id} title", e.title) for e in p.episodes]
    fields += [(f"episode {e.id} release note", e.release_note) for e in p.episodes]
    fields += [(f"episode {e.id} warning note", w.note) for e in p.episodes for w in e.warnings]
    for c in p.characters:
        fields += [
            (f"character {c.id} {name}", text)
            for name, text in (("role", c.role), ("summary", c.summary), ("looks", c.looks))
        ]
    fields += [(f"term {t.id} summary", t.summary) for t in p.terms]
    index = SearchIndex(p)
    fields += [(f"label {m.id}", m.label) for m in index.complete("", limit=25)]
    fields += [
        (f"label {m.id}", m.label) for k in ("character", "term") for m in index.complete("", kinds=(k,))
    ]
    return fields


def character_names() -> list[str]:
    return [n for c in pack().characters for n in (c.name, *c.aliases, c.hangul) if n]


@pytest.mark.parametrize(("where", "text"), spoiler_free_fields())
def test_spoiler_free_field_contains_no_spoiler_rule(where: str, text: str):
    hits = [(ep, rule) for ep, rule in all_rules() if contains_phrase(text, rule)]
    assert hits == [], f"{where} contains spoiler rules {hits}"


@pytest.mark.parametrize(("where", "text"), spoiler_free_fields())
def test_spoiler_free_field_never_pairs_a_name_with_an_outcome(where: str, text: str):
    for sentence in re.split(r"[.;:!?]", text):
        words = set(fold(sentence).split())
        names = [n for n in character_names() if contains_phrase(sentence, n)]
        outcomes = words & OUTCOME_WORDS
        assert not (names and outcomes), f"{where}: {sentence!r} pairs {names} with {outcomes}"


def test_sua_summary_does_not_say_she_dies():
    sua = pack().character("sua")
    for text in (sua.role, sua.summary, sua.looks):
        assert not {"dies", "died", "dead", "death", "sacrifice"} & set(fold(text).split())


def test_relations_the_pack_gates_are_not_given_away_on_the_other_card():
    # Hyuna's card holds "Hyunwoo was her younger brother" back until All-in; Hyunwoo's must too.
    hyunwoo = pack().character("hyunwoo")
    for text in (hyunwoo.role, hyunwoo.summary, hyunwoo.looks):
        assert not {"hyuna", "brother", "sister"} & set(fold(text).split())
    assert any("Hyuna's younger brother" in f.text and f.revealed_in == "all-in" for f in hyunwoo.facts)


def test_summaries_promise_nothing_the_fact_sheet_does_not_say():
    for term in pack().terms:
        assert not contains_phrase(term.summary, "spoils nothing"), term.id


@pytest.mark.parametrize("episode_id", ["r1", "r5", "r6", "all-in", "final", "wiege", "karma", "zs-r1"])
def test_major_episodes_have_enough_rules(episode_id: str):
    rules = pack().episode(episode_id).spoiler_rules
    assert 5 <= len(rules) <= 40


def test_common_word_names_only_appear_in_rules_with_context():
    # "till" is an English word: no rule may be just "till" plus a filler word like "the".
    for _, rule in all_rules():
        words = fold(rule).split()
        assert words not in (["till"], ["till", "the"], ["until", "till"])


def test_no_rule_is_a_phrase_inside_another_episodes_rule():
    rules = all_rules()
    clashes = [
        (a_ep, a, b_ep, b) for a_ep, a in rules for b_ep, b in rules if a_ep != b_ep and contains_phrase(b, a)
    ]
    assert clashes == []


def test_korean_rules_exist_for_the_main_deaths_in_full_forms():
    for episode_id, name in (("r1", "수아"), ("r6", "이반"), ("all-in", "현우"), ("wiege", "현아")):
        rules = {str(rule): rule for rule in pack().episode(episode_id).spoiler_rules}
        assert f"{name} 사망" in rules
        # The stem only with a death's endings: a bare stem also catches 죽이네 / 죽겠다 slang.
        assert {"었", "음", "는"} <= set(rules[f"{name} 죽"].endings)
        assert not {"이", "겠", "여"} & set(rules[f"{name} 죽"].endings)


@pytest.mark.parametrize(
    "owner",
    [
        *[("episode", e.id) for e in load_pack().episodes],
        *[("character", c.id) for c in load_pack().characters],
    ],
)
def test_facts_do_not_leak_later_spoilers(owner: tuple[str, str]):
    p = pack()
    kind, owner_id = owner
    facts = p.episode(owner_id).details if kind == "episode" else p.character(owner_id).facts
    for fact in facts:
        seen = horizon_through(p, fact.revealed_in)
        leaks = [
            (ep, rule)
            for ep, rule in all_rules()
            if not seen.allows(p, ep) and contains_phrase(fact.text, rule)
        ]
        assert leaks == [], f"{owner_id}: {fact.text!r} (revealed in {fact.revealed_in}) leaks {leaks}"


def test_uncertain_facts_ship_flagged():
    p = pack()
    assert not is_confirmed(p.character("sua").vocal.confidence)  # type: ignore[union-attr]
    assert not is_confirmed(p.character("hyuna").vocal.confidence)  # type: ignore[union-attr]
    assert p.character("ivan").vocal == Credit("PARK BYEONG HOON", "", "medium")
    assert p.character("till").vocal == Credit("AKUGETSU", "", "medium")
    # Contradicted or single-fan-source facts ship unconfirmed: Till's survival, Hyuna's death in Wiege.
    assert [f.confidence for f in p.character("till").facts if f.revealed_in == "karma"] == ["low"]
    assert [f.confidence for f in p.episode("wiege").details if "bullets" in f.text] == ["low"]
    assert not any("fails" in f.text for f in p.episode("karma").details)
    assert not is_confirmed(p.episode("zs-r1").position_confidence)
    assert all(not is_confirmed(c.japanese_confidence) for c in p.characters if c.japanese)


def test_warning_vocabulary_has_stable_unique_ids_and_support_flags():
    ids = [t.id for t in TOPICS]
    assert len(ids) == len(set(ids))
    for required in (
        "suicide-self-harm", "sexual-assault", "death-main-character", "child-death", "gun-violence",
        "strangulation", "graphic-violence", "blood", "psychological-abuse", "mental-illness", "body-horror",
        "flashing-images", "execution", "knife-violence", "grief", "trauma", "horror-gore",
    ):  # fmt: skip
        assert required in TOPICS_BY_ID
    assert TOPICS_BY_ID["suicide-self-harm"].support and TOPICS_BY_ID["sexual-assault"].support
    assert not TOPICS_BY_ID["blood"].support


def test_round_6_warns_about_its_assault_strangulation_and_shooting():
    topics = {w.topic for w in pack().episode("r6").warnings}
    assert {"sexual-assault", "strangulation", "gun-violence", "death-main-character"} <= topics
