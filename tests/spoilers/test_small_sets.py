"""A small rule set (a server's own few rules) finds joined and spelled-out phrases without an
Aho-Corasick automaton, exactly as a set with one does."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.spoilers import Rule, compile_rules
from bot.spoilers import matcher as matcher_module

RULES = [
    Rule("r6", "ivan cries"),
    Rule("r3", "till beats ivan"),
    Rule("r5", "수아 죽", unless=("수아 죽겠",)),
    Rule("r2", "mizi leaves"),
]
ALLOW = ["till beats ivan at karaoke"]
NAMES = [("ivan", "이반", "iban"), ("till", "틸"), ("mizi", "미지"), ("sua", "수아")]
PIECES = [
    "ivan", "cries", "ivancries", "i v a n c r i e s", "#ivancried", "iban_crying", "till", "beats",
    "tillbeatsivan", "at", "karaoke", "does", "why", "수아", "죽었어", "mizi", "leaves", "mizileft",
    "m i z i l e f t", "1v4n", "c r y", "ㅋㅋ", "the", "end", "!!", "||",
]  # fmt: skip


def both() -> tuple[matcher_module.RuleSet, matcher_module.RuleSet]:
    small = compile_rules(RULES, ALLOW, names=NAMES)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(matcher_module, "SMALL_JOINED", 0)
        large = compile_rules(RULES, ALLOW, names=NAMES)
    return small, large


SMALL, LARGE = both()


def test_only_the_large_set_builds_an_automaton() -> None:
    assert SMALL._automaton is None and LARGE._automaton is not None  # noqa: SLF001


@pytest.mark.parametrize(
    "text",
    [
        "ivancries",
        "omg #ivancried",
        "i v a n c r i e s",
        "1v4n cri3s",
        "why does ivancry",
        "does ivancry?",
        "tillbeatsivan",
        "tillbeatsivan at karaoke",
        "m i z i l e f t",
        "studies ivancriesalot",
    ],
)
def test_joined_and_spelled_out_phrases_match_as_with_an_automaton(text: str) -> None:
    assert SMALL.match(text) == LARGE.match(text)


def test_a_joined_phrase_is_found_in_a_small_set() -> None:
    assert [h.episode for h in SMALL.match("omg #ivancried")] == ["r6"]
    assert SMALL.match("stan ivancriesalot") == []  # not whole words


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=10))
def test_any_message_matches_as_with_an_automaton(pieces: list[str]) -> None:
    text = " ".join(pieces)
    assert SMALL.match(text) == LARGE.match(text)
