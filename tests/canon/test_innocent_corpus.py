"""Canon spoiler rules catch what fans write about an episode, and never fire on innocent fan chat.

The corpus is every ``innocent*.txt`` file in ``tests/spoilers/corpus`` (one message per line, ``#``
comments), matched with the guard's own rule set for a server where nothing is public yet: every canon
rule of the bundled pack is live there."""

from __future__ import annotations

import pytest

from bot.canon.horizon import Horizon
from bot.canon.loader import load_pack
from bot.guard.rules import compile_guild_rules
from bot.spoilers import visible_text
from tests.spoilers.corpus_data import CORPUS_DIR, innocent

PACK = load_pack()
ALL_CANON_RULES = compile_guild_rules(PACK, Horizon(), [], ())


def test_the_corpus_is_there_and_big_enough() -> None:
    assert (CORPUS_DIR / "innocent_canon.txt").is_file()
    assert len(innocent()) >= 60


def test_no_canon_rule_fires_on_innocent_chat() -> None:
    fired = [
        f"{line!r} -> {hit.episode} '{hit.phrase}'"
        for line in innocent()  # every innocent*.txt, escapes (\\n, \\uXXXX) decoded
        for hit in ALL_CANON_RULES.match(visible_text(line))  # as the guard reads a message
    ]
    assert fired == [], "canon rules fire on innocent chat:\n" + "\n".join(fired)


@pytest.mark.parametrize(
    ("message", "episode"),
    [
        ("wait so sua lost on purpose??", "r1"),
        ("수아가 죽었어... 1라운드 보고 울었다", "r1"),
        ("수아 희생 너무 슬퍼", "r1"),
        ("현아가 루카를 찔렀어?", "sweet-dream"),
        ("현아가 루카를 찌르려고 했던 장면", "sweet-dream"),
        ("이반이 승리했네", "r3"),
        ("mizi survived round 5 because the rebels saved mizi", "r5"),
        ("hyuna saves mizi at the end", "r5"),
        ("미지가 구출됐어", "r5"),
        ("ivan choked till on stage", "r6"),
        ("이반이 죽었어 ㅠㅠ", "r6"),
        ("이반 사망 실화냐", "r6"),
        ("이반 죽는다 진짜로", "r6"),
        ("이반이 죽음을 택했어", "r6"),
        ("틸 죽었어??", "final"),
        ("mizi cut her hair in all-in", "all-in"),
        ("현우 사망 장면", "all-in"),
        ("미지 단발 너무 예뻐", "all-in"),
        ("till got shot in the neck", "final"),
        ("틸이 총 맞았어", "final"),
        ("루카가 우승했어", "final"),
        ("hyuna took the bullet for him", "wiege"),
        ("현아가 죽었어", "wiege"),
        ("till survived the final!!", "karma"),
        ("틸 살아있었어?!", "karma"),
        ("mizi crashed the rocket", "karma"),
        ("sua is dismembered in zombie stage", "zs-r1"),
    ],
)
def test_fan_spoilers_are_caught_in_english_and_korean(message: str, episode: str) -> None:
    assert episode in ALL_CANON_RULES.episodes_matched(message)


@pytest.mark.parametrize(
    ("message", "episode"),
    [
        ("mizi survives round 1", "r5"),  # she survives ROUND 1 too
        ("hyuna loves luka", "wiege"),  # shipping talk from Sweet Dream on
        ("i'll stan till i die", "final"),  # "till" = "until"
        ("이반 죽이네", "r6"),  # slang: "Ivan is amazing"
        ("틸트 왔다", "final"),  # "tilt"
        ("루카 우승자 출신", "final"),  # he won season 49
    ],
)
def test_the_rules_that_fired_on_chat_no_longer_do(message: str, episode: str) -> None:
    assert episode not in ALL_CANON_RULES.episodes_matched(message)
