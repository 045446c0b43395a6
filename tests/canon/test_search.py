from __future__ import annotations

from functools import cache

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.canon.loader import load_pack
from bot.canon.search import MAX_LABEL, MAX_RESULTS, SearchIndex, normalize


@cache
def index() -> SearchIndex:
    return SearchIndex(load_pack())


@pytest.mark.parametrize(
    ("query", "kind", "expected"),
    [
        ("ivan", "character", "ivan"),
        ("ivna", "character", "ivan"),  # transposed letters
        ("IVAN", "character", "ivan"),
        ("루카", "character", "luka"),
        ("류카", "character", "luka"),  # Hangul typo inside a syllable
        ("ルカ", "character", "luka"),
        ("ミジ", "character", "mizi"),
        ("미지", "character", "mizi"),
        ("ＭＩＺＩ", "character", "mizi"),  # full-width
        ("mízi", "character", "mizi"),  # accent
        ("miji", "character", "mizi"),  # romanization
        ("mizzi", "character", "mizi"),
        ("Hyun-a", "character", "hyuna"),
        ("hyunah", "character", "hyuna"),
        ("lukaa", "character", "luka"),
        ("till", "character", "till"),
        ("수아", "character", "sua"),
        ("round5", "episode", "r5"),
        ("r5", "episode", "r5"),
        ("Round 5", "episode", "r5"),
        ("R O U N D 5", "episode", "r5"),
        ("ROUND5", "episode", "r5"),
        ("ruler of my heart", "episode", "r5"),
        ("Ruler of My Heart", "episode", "r5"),
        ("ROMH", "episode", "r5"),
        ("rulr of my hart", "episode", "r5"),
        ("MY CLEMATIS", "episode", "r1"),
        ("clemtis", "episode", "r1"),
        ("black sorow", "episode", "r3"),
        ("sweet drem", "episode", "sweet-dream"),
        ("top 3", "episode", "top3"),
        ("cure", "episode", "r6"),
        ("all in", "episode", "all-in"),
        ("final", "episode", "final"),
        ("karma", "episode", "karma"),
        ("candy scar", "episode", "zs-r1"),
        ("remember everything", "episode", "remember-everything"),
        ("anakt", "term", "anakt-garden"),
        ("아낙트 가든", "term", "anakt-garden"),
        ("rebels", "term", "revolutionaries"),
        ("segyein", "term", "segyein"),
        ("ALNST", "term", "series"),
        ("에이스테", "term", "series"),
    ],
)
def test_best_finds_the_intended_entry(query: str, kind: str, expected: str):
    match = index().best(query, kind)
    assert match is not None and match.id == expected


@pytest.mark.parametrize(
    ("query", "expected_first"),
    [("mi", "mizi"), ("lu", "luka"), ("hyu", "hyuna"), ("루", "luka"), ("iv", "ivan")],
)
def test_prefixes_complete_to_the_character(query: str, expected_first: str):
    assert index().complete(query, kinds=("character",))[0].id == expected_first


def test_typed_prefix_of_a_title_ranks_it_first():
    assert index().complete("ruler of")[0].id == "r5"
    assert index().complete("black")[0].id == "r3"


def test_word_inside_a_title_is_found():
    assert index().complete("heart", kinds=("episode",))[0].id == "r5"


def test_till_finds_the_character_before_the_round_2_title():
    ids = [m.id for m in index().complete("till")]
    assert ids[0] == "till" and "r2" in ids


@pytest.mark.parametrize(
    "query",
    [
        "x" * 100,
        "🔥🔥🔥",
        "\u200b\u200b",
        "**__~~~~__**",
        "@everyone",
        "<@123456789012345678>",
        "||spoiler||",
        "qwzxv",
        "everyone",
    ],
)
def test_garbage_never_yields_a_confident_match(query: str):
    for kind in ("character", "episode", "term"):
        assert index().best(query, kind) is None
    assert all(m.score < 90 for m in index().complete(query))


def test_a_single_letter_is_never_a_confident_choice():
    assert index().best("a", "episode") is None
    assert index().complete("a")  # but it still offers completions


def test_empty_query_lists_episodes_in_release_order():
    ids = [m.id for m in index().complete("", kinds=("episode",))]
    assert ids[:5] == ["r1", "sweet-dream", "r2", "r3", "r5"]


def test_empty_query_for_characters_lists_the_main_cast():
    ids = [m.id for m in index().complete("", kinds=("character",))]
    assert set(ids) == {"mizi", "sua", "till", "ivan", "luka", "hyuna"}


def test_empty_query_across_kinds_is_capped_at_25():
    assert len(index().complete("")) == MAX_RESULTS


def test_ambiguous_query_has_no_best_but_has_suggestions():
    assert index().best("hyun", "character") is None
    assert {m.id for m in index().suggest("hyun", "character")} >= {"hyuna", "hyunwoo"}


@pytest.mark.parametrize(
    ("query", "kind", "near"),
    [
        ("zombie stage round 2", "episode", "zs-r1"),  # the next release, before an operator adds it
        ("zombie round 2", "episode", "zs-r1"),
        ("round 4", "episode", "r1"),  # happened off screen: no episode
        ("season 5", "term", "season-50"),
    ],
)
def test_a_different_number_is_never_a_confident_match_but_still_a_suggestion(
    query: str, kind: str, near: str
):
    assert index().best(query, kind) is None
    assert near in [m.id for m in index().suggest(query, kind)]


def test_the_same_number_with_a_typo_is_still_confident():
    assert index().best("rnd 5", "episode").id == "r5"  # type: ignore[union-attr]
    assert index().best("zombi stage round 1", "episode").id == "zs-r1"  # type: ignore[union-attr]


def test_suggest_limits_its_results():
    assert len(index().suggest("r", "episode", n=3)) <= 3


def test_labels_are_names_and_titles_only():
    labels = {m.id: m.label for m in index().complete("", kinds=("character",), limit=25)}
    assert labels["luka"] == "Luka (루카)"
    assert index().complete("r6", kinds=("episode",))[0].label == "ROUND 6: Cure"
    assert index().complete("scars", kinds=("episode",))[0].label == "Scars (webcomic)"


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        index().complete("mizi", kinds=("characters",))


def test_japanese_names_find_their_characters():
    assert index().best("ティル", "character").id == "till"  # type: ignore[union-attr]
    assert index().best("イヴァン", "character").id == "ivan"  # type: ignore[union-attr]


def test_normalize_folds_case_width_accents_and_punctuation():
    assert normalize("  ＲＯＵＮＤ-5!! ") == "round 5"
    assert normalize("Émigré") == "emigre"
    assert normalize("R O U N D 1") == "round1"
    assert normalize("a\u200bb") == "a b"


@given(st.text(max_size=300))
def test_any_text_is_safe_to_complete(query: str):
    matches = index().complete(query)
    assert len(matches) <= MAX_RESULTS
    assert all(len(m.label) <= MAX_LABEL for m in matches)
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
