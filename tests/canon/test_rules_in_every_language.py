"""Spoiler safety in every language: the pack's Spanish and Portuguese rules catch what fans type, the
Korean ones keep working, and innocent chat in those languages (tests/spoilers/corpus/innocent_es_pt.txt,
read by the innocent-corpus test) stays alone."""

from __future__ import annotations

import pytest

from bot.canon.horizon import Horizon
from bot.canon.loader import load_pack
from bot.guard.rules import compile_guild_rules

PACK = load_pack()
RULES = compile_guild_rules(PACK, Horizon(), [], ())


@pytest.mark.parametrize(
    ("message", "episode"),
    [
        ("NO PUEDE SER, Iván muere en la ronda 6", "r6"),
        ("la muerte de ivan me destrozó", "r6"),
        ("o ivan morreu e eu chorei", "r6"),
        ("morte do ivan 😭", "r6"),
        ("sua muere al terminar la ronda 1", "r1"),
        ("sua se sacrificou pela mizi", "r1"),
        ("luka gana la final, no lo puedo creer", "final"),
        ("till perdeu a final??", "final"),
        ("hyuna morreu em wiege", "wiege"),
        ("mizi sabotou o foguete", "karma"),
        ("luka mató a hyunwoo de niño", "all-in"),
        ("ヒョンウ dies in all-in", "all-in"),
        ("현아 죽었어", "wiege"),
    ],
)
def test_spanish_portuguese_and_localised_names_are_caught(message: str, episode: str) -> None:
    assert episode in {hit.episode for hit in RULES.match(message)}, message
