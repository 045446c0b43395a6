"""Which phrases moderators may add, and what a server's compiled rules contain."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.canon.horizon import Horizon, horizon_through
from bot.canon.loader import load_pack
from bot.canon.model import CanonPack, SpoilerRule
from bot.guard.rules import (
    allow_problem,
    canon_rules_past,
    compile_guild_rules,
    conditions_problem,
    parse_rule_text,
    phrase_key,
    rule_problem,
    rule_text,
    split_list,
    stored_rule,
)
from bot.spoilers import Rule

PACK = load_pack()
NAMES = sorted({n for c in PACK.characters for n in (c.name, c.hangul, *c.aliases) if n})


@pytest.fixture(scope="module")
def pack() -> CanonPack:
    return PACK


@given(name=st.sampled_from(NAMES), wrap=st.sampled_from(["{}", "{}!!", "**{}**", "{}'s", "  {}  ", "@{}"]))
def test_a_bare_character_name_is_never_a_rule(name: str, wrap: str) -> None:
    problem = rule_problem(PACK, wrap.format(name))
    assert problem is not None and "name" in problem


@pytest.mark.parametrize("phrase", ["ivan dies", "luka's heart condition", "현우 죽", "mizi wins everything"])
def test_phrases_that_say_what_happens_are_accepted(pack: CanonPack, phrase: str) -> None:
    assert rule_problem(pack, phrase) is None


def test_names_with_korean_particles_are_still_names(pack: CanonPack) -> None:
    assert rule_problem(pack, "이반이") is not None
    assert rule_problem(pack, "틸한테") is not None
    assert rule_problem(pack, "이반이 죽") is None


def test_an_episode_name_alone_is_refused(pack: CanonPack) -> None:
    for phrase in ["ROUND 6", "r6", "my clematis", "KARMA"]:
        problem = rule_problem(pack, phrase)
        assert problem is not None and "episode" in problem


def test_empty_short_and_long_phrases_are_refused(pack: CanonPack) -> None:
    assert "no letters" in (rule_problem(pack, "*** !!! 💀") or "")
    assert "too short" in (rule_problem(pack, "ab") or "")
    assert "too long" in (rule_problem(pack, "x" * 101) or "")
    assert allow_problem("~~ ~~") is not None and allow_problem("till the end") is None


@given(st.text(max_size=40))
def test_phrase_keys_ignore_surrounding_space_and_are_stable(text: str) -> None:
    assert phrase_key(text) == phrase_key(f"  {text}\n ")
    assert phrase_key(text) == phrase_key(phrase_key(text))


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", max_size=40))
def test_phrase_keys_ignore_case_and_repeated_spaces(text: str) -> None:
    assert phrase_key(text) == phrase_key(text.upper().replace(" ", "   "))


def test_only_episodes_past_the_horizon_are_compiled(pack: CanonPack) -> None:
    everything = canon_rules_past(pack, Horizon())
    after_r6 = canon_rules_past(pack, horizon_through(pack, "r6"))
    assert {r.episode for r in everything} >= {"r1", "r6", "final"}
    assert "r1" not in {r.episode for r in after_r6} and "r6" not in {r.episode for r in after_r6}
    assert "final" in {r.episode for r in after_r6}
    ruleset = compile_guild_rules(
        pack, horizon_through(pack, "r6"), [Rule("r1", "sua cries", "mod:1", 1)], []
    )
    assert ruleset.match("sua cries") == []  # a server rule for a public episode is not compiled either
    assert len(ruleset) == len(after_r6)


def test_a_moderator_rule_text_round_trips_with_its_conditions() -> None:
    text = rule_text("이반  죽", split_list("죽이, 죽겠;、"), split_list("었、어; 음"))
    assert text == "이반 죽 · unless 죽이, 죽겠 · endings 었, 어, 음"
    assert parse_rule_text(text) == ("이반 죽", ("죽이", "죽겠"), ("었", "어", "음"))
    assert parse_rule_text("ivan dies") == ("ivan dies", (), ())
    assert phrase_key(text) == phrase_key("이반 죽")
    rule = stored_rule("r6", text, "mod:1", 7)
    assert (rule.phrase, rule.unless, rule.endings, rule.rule_id) == (
        "이반 죽",
        ("죽이", "죽겠"),
        ("었", "어", "음"),
        7,
    )


def test_conditions_that_cannot_work_are_explained() -> None:
    assert conditions_problem("이반 죽", ("죽이",), ("었",)) is None
    problem = conditions_problem("이반 죽", ("mizi",), ())
    assert problem is not None and "exception can't work" in problem and "'mizi'" in problem
    problem = conditions_problem("ivan dies", (), ("ed",))
    assert problem is not None and "Hangul stem" in problem
    problem = conditions_problem("ivan · unless dies", (), ())
    assert problem is not None and "·" in problem


def test_canon_rule_conditions_reach_the_matcher(pack: CanonPack) -> None:
    r6 = replace(
        pack.episode("r6"), spoiler_rules=(SpoilerRule("이반 죽", unless=("죽이",), endings=("었", "음")),)
    )
    patched = replace(pack, episodes=tuple(r6 if e.id == "r6" else e for e in pack.episodes))
    rules = [r for r in canon_rules_past(patched, Horizon()) if r.episode == "r6"]
    assert [(r.phrase, r.unless, r.endings) for r in rules] == [("이반 죽", ("죽이",), ("었", "음"))]
    compiled = compile_guild_rules(patched, Horizon(), [], [])
    assert "r6" not in compiled.episodes_matched("이반 죽이게 잘생겼다")
    assert "r6" in compiled.episodes_matched("이반 죽었어")
