"""The English verb table rule phrases are inflected with."""

from __future__ import annotations

import pytest

from bot.spoilers.inflect import forms, predicates
from bot.spoilers.normalize import normalize


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("dies", {"die", "dies", "died", "dying"}),
        ("died", {"die", "dies", "died", "dying"}),
        ("gets", {"get", "gets", "got", "gotten"}),
        ("wins", {"win", "wins", "won"}),
        ("kills", {"kill", "kills", "killed", "killing"}),
        ("kisses", {"kiss", "kisses", "kissed", "kissing"}),
        ("strangles", {"strangle", "strangles", "strangled", "strangling"}),
        ("sacrifices", {"sacrifice", "sacrificed", "sacrificing"}),
        ("is", {"is", "was", "were", "are", "been", "being"}),
    ],
)
def test_a_verb_has_its_forms(word: str, expected: set[str]) -> None:
    assert expected <= forms(word)


@pytest.mark.parametrize("word", ["ivan", "rocket", "the", "final", "kill", "round", "50", "r6"])
def test_words_that_are_no_verb_form_are_left_alone(word: str) -> None:
    assert forms(word) == {word}


def test_dead_says_dies_only_after_a_copula() -> None:
    assert predicates("dies") == predicates("died") == {"dead"}
    assert "dead" not in forms("dies")
    assert predicates("wins") == frozenset()


def test_jamo_typed_one_by_one_compose_into_syllables() -> None:
    assert normalize("ㅇㅣㅂㅏㄴ ㅈㅜㄱㅇㅓㅆㅇㅓ") == "이반 죽었어"
    assert normalize("ㅋㅋㅋ ㅠㅠ") == "\u110f\u110f\u110f \u1172\u1172"  # laughter and tears stay jamo
    assert "좋아" in normalize("좋아ㅋㅋㅋ")
