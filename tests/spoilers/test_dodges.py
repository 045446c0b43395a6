"""Fans typing around the filter, category by category, and the chat that must stay innocent."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.canon.horizon import Horizon
from bot.canon.loader import load_pack
from bot.guard.rules import compile_guild_rules
from bot.spoilers import Rule, compile_rules, normalize, visible_text
from bot.spoilers.confusables_table import FOREIGN, LATIN
from tests.spoilers.corpus_data import OUT_OF_SCOPE, innocent, should_catch

RULES = [
    Rule("R6", "ivan dies"),
    Rule("R6", "ivan gets shot"),
    Rule("R6", "이반 죽", unless=("이반 죽겠",)),
    Rule("FINAL", "till dies"),
    Rule("R1", "수아 죽"),
]
COMPILED = compile_rules(RULES, fixed=["ivan", "till", "sua", "이반", "수아"])


def episodes(text: str) -> frozenset[str]:
    return COMPILED.episodes_matched(visible_text(text))


CAUGHT = {
    "lookalike (UTS #39)": ["ɩvan dies", "Ꭵvan dies", "ivan dieՏ", "ivan ꓒies", "іvаn dіеs", "ɪvan ɗies"],
    "styled letters": ["🅸🆅🅰🅽 🅳🅸🅴🆂", "⒤⒱⒜⒩ ⒟⒤⒠⒮", "🇮🇻🇦🇳 🇩🇮🇪🇸", "ⓘⓥⓐⓝ ⓓⓘⓔⓢ", "𝐢𝐯𝐚𝐧 𝐝𝐢𝐞𝐬"],
    "spaced letters": ["i v a n  d i e s", "I V A N D I E S", "ivan d i e s", "iv an di es"],
    "punctuated letters": [
        "i.v.a.n d.i.e.s",
        "i-v-a-n d-i-e-s",
        "i/v/a/n/d/i/e/s",
        "i_v_a_n d_i_e_s",
        "i,v,a,n d,i,e,s",
    ],
    "a letter per line": ["i\nv\na\nn\nd\ni\ne\ns", "ivan\ndies", "i\r\nv\r\na\r\nn\r\nd\r\ni\r\ne\r\ns"],
    "invisible characters": [
        "ivan\u200bdies",
        "i\u200bv\u200ba\u200bn d\u200bi\u200be\u200bs",
        "iv\u00adan dies",
    ],
    "joined words": [
        "ivandies",
        "#ivandies",
        "ivan_dies",
        "IvanDies",
        "site.com/ivan-dies-in-r6",
        "ivangetsshot",
    ],
    "stretched letters": ["ivaaan diiies", "IVAAAAN DIESSSS", "i v a a a n d i i e s", "tiiiill diiies"],
    "leet": ["!van d!es", "1v@n d13s", "iv4n di3s", "1.v.4.n d.1.3.s", "7ill d!3$"],
    "inflection": [
        "ivan died",
        "ivan dying",
        "ivan's dead",
        "ivan is dying",
        "ivan has died",
        "ivan got shot",
    ],
    "korean syllable by syllable": [
        "이 반 죽 었 어",
        "이.반.죽.었.어",
        "이 반 이 죽 었 어",
        "이\n반\n죽\n었\n어",
    ],
    "korean jamo": [
        "ㅇㅣㅂㅏㄴ ㅈㅜㄱㅇㅓㅆㅇㅓ",
        "ㅇ ㅣ ㅂ ㅏ ㄴ ㅈ ㅜ ㄱ ㅇ ㅓ ㅆ ㅇ ㅓ",
        "ㅅㅜㅇㅏ ㅈㅜㄱㅇㅡㅁ",
    ],
    "korean": ["이반 죽었어", "이반이 죽었어 ㅠㅠ", "이반죽었다", "수아가 죽었대", "이반ㅋㅋ 죽었어"],
}
INNOCENT = [
    "I'll wait till Friday",
    "stan till i die",
    "a titled game",
    "till the end is my favourite song",
    "Is Till dead? I haven't watched yet",
    "does ivan die? don't tell me",
    "i would die for ivan",
    "o m g",
    "l o l",
    "she studies until the tiller",
    "ivan did so good in the cover",
    "ivan denies everything lol",
    "이반 죽이게 잘생겼다",
    "이반 죽이네 진짜",
    "이반 죽인다",
    "이반 죽겠다 ㅋㅋ",
    "이반 죽 먹는 팬아트",
    "이 반죽 진짜 좋다",
    "이미지 죽이네",
    "수아 춤 죽인다",
    "Иван умер вчера, это ужасно",
    "Ο Ιβάν πέθανε στο έκτο επεισόδιο",
    "r5 was a masterpiece",
]


@pytest.mark.parametrize(
    ("category", "text"), [(c, t) for c, texts in CAUGHT.items() for t in texts], ids=lambda v: repr(v)
)
def test_dodged_spoilers_are_caught(category: str, text: str) -> None:
    assert episodes(text) & {"R6", "FINAL", "R1"}, f"{category}: {text!r}"


@pytest.mark.parametrize("text", INNOCENT)
def test_chat_that_only_looks_like_a_spoiler_is_innocent(text: str) -> None:
    assert episodes(text) == frozenset()


def test_russian_and_greek_read_as_themselves() -> None:
    assert normalize("Иван умер вчера") == "иван умер вчера"
    assert normalize("Ο Ιβάν πέθανε") == "ο ιβαν πεθανε"
    # a rule written in Russian still matches Russian
    assert compile_rules([Rule("R6", "Иван умер")]).episodes_matched("ну вот, Иван умер...") == {"R6"}
    # while the same letters disguising Latin are folded
    assert normalize("Іvаn dіеs") == "ivan dies"
    assert normalize("сор") == "cop"  # only look-alikes and no genuine Cyrillic letter: a disguise


def test_korean_names_in_a_phrase_take_particles_not_other_words() -> None:
    assert episodes("이반이 죽었어") == {"R6"}
    assert episodes("이반지갑 죽였어") == frozenset()
    assert episodes("이반지 죽었어") == frozenset()


def test_rule_conditions_and_defaults_together() -> None:
    rules = compile_rules([Rule("R6", "이반 죽", endings=("이",))])
    assert rules.episodes_matched("이반 죽이네") == {"R6"}  # endings override the default


# --- the corpus -----------------------------------------------------------------------------------

CANON = compile_guild_rules(load_pack(), Horizon(), [], [])


def _caught(cases: Iterable[tuple[str, str]]) -> tuple[int, int]:
    results = [episode in CANON.episodes_matched(visible_text(text)) for episode, text in cases]
    return sum(results), len(results)


def test_the_corpus_is_big_enough_and_well_formed() -> None:
    cases = should_catch()
    assert len([c for c in cases if c.category != OUT_OF_SCOPE]) >= 300
    assert len(innocent()) >= 300
    pack = load_pack()
    assert all(pack.has_episode(c.episode) for c in cases)


def test_at_least_97_percent_of_the_corpus_is_caught_with_the_bundled_pack() -> None:
    caught, total = _caught((c.episode, c.text) for c in should_catch() if c.category != OUT_OF_SCOPE)
    assert caught / total >= 0.97, f"{caught}/{total}"


def test_at_most_half_a_percent_of_innocent_lines_are_flagged() -> None:
    lines = innocent()
    flagged = [t for t in lines if CANON.episodes_matched(visible_text(t))]
    assert len(flagged) / len(lines) <= 0.005, flagged


# --- properties of the folding --------------------------------------------------------------------

LOOKS = sorted({*LATIN, *FOREIGN})
MIXED_TEXT = st.text(
    st.sampled_from(
        [*LOOKS, *"abcdefghijklmnopqrstuvwxyz0123456789 .!@$_-", "이", "반", "ㅇ", "ㅣ", "\u200b"]
    ),
    max_size=40,
)


@settings(max_examples=300)
@given(MIXED_TEXT)
def test_folding_look_alikes_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=300)
@given(st.text() | MIXED_TEXT)
def test_matching_never_raises_on_any_text(text: str) -> None:
    for hit in COMPILED.match(text):
        assert hit.episode in {"R6", "FINAL", "R1"}


def test_long_words_are_matched_without_being_cached() -> None:
    from bot.spoilers.matcher import _message_key
    from bot.spoilers.normalize import _word

    filler = "x" * 500
    before = (_word.cache_info().currsize, _message_key.cache_info().currsize)
    assert episodes(f"{filler} ivan dies {filler}y") == {"R6"}
    assert episodes(f"{filler}ivandies") == frozenset()  # not whole words
    after = (_word.cache_info().currsize, _message_key.cache_info().currsize)
    assert after[0] - before[0] <= 2 and after[1] - before[1] <= 2  # "ivan" and "dies" at most


def test_a_rule_naming_a_character_also_catches_their_other_names() -> None:
    rules = compile_rules(
        [Rule("R6", "ivan dies"), Rule("R6", "이반 죽")], names=[("Ivan", "이반", "イバン", "Iban", "IVAN")]
    )
    for text in ["iban dies", "이반 dies", "ivan이 죽었어", "IBAN DIED"]:
        assert rules.episodes_matched(text) == {"R6"}, text
    assert rules.episodes_matched("ibanez guitar dies") == frozenset()
    assert rules.episodes_matched("ivaned dies") == frozenset()  # names are not inflected


def test_repeated_auxiliaries_and_spaced_syllables_stay_correct() -> None:
    assert episodes("ivan " + "is " * 50 + "dead") == {"R6"}
    assert episodes("이 " * 300 + "반 죽 었 어") == {"R6"}
    assert episodes("ㅋ " * 300) == frozenset()
