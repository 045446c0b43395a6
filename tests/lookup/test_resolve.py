"""From typed text to an entry: ids, names in any script, confident matches, suggestions, search."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.canon.loader import load_pack
from bot.canon.search import SearchIndex
from bot.lookups.resolve import choices_for, find_entry, picked_entry, search_choices, search_entries, suggest

PACK = load_pack()
INDEX = SearchIndex(PACK)


def test_autocomplete_values_are_ids_and_an_empty_query_lists_the_main_cast() -> None:
    assert choices_for(INDEX, "ivna", "character")[0] == ("Ivan (이반)", "ivan")
    assert [v for _, v in choices_for(INDEX, "", "character")] == [c.id for c in PACK.characters if c.main]
    assert choices_for(INDEX, "\u200b r5 \u200b", "episode")[0][1] == "r5"


def test_ids_names_and_other_scripts_find_the_entry() -> None:
    assert find_entry(PACK, INDEX, "character", "ivan") == "ivan"
    assert find_entry(PACK, INDEX, "character", "  IVAN ") == "ivan"
    assert find_entry(PACK, INDEX, "character", "루카") == "luka"
    assert find_entry(PACK, INDEX, "episode", "ROUND 5") == "r5"
    assert find_entry(PACK, INDEX, "term", "anakt garden") == "anakt-garden"


def test_ambiguous_or_wrong_kind_text_is_not_guessed() -> None:
    assert find_entry(PACK, INDEX, "character", "hyun") is None  # Hyuna or Hyunwoo
    assert find_entry(PACK, INDEX, "character", "r5") is None
    assert find_entry(PACK, INDEX, "episode", "ivan") is None


def test_suggestions_prefer_the_kind_then_look_across_kinds() -> None:
    assert [m.id for m in suggest(INDEX, "character", "hyun")] == ["hyuna", "hyunwoo"]
    crossed = suggest(INDEX, "character", "ROUND 5")
    assert crossed and crossed[0].kind == "episode" and crossed[0].id == "r5"
    assert suggest(INDEX, "character", "\u200b\u200d") == []


def test_search_spans_kinds_and_caps_at_ten() -> None:
    found = search_entries(INDEX, "luka")
    assert [(m.kind, m.id) for m in found[:2]] == [("character", "luka"), ("term", "hyuluka")]
    assert len(search_entries(INDEX, "a")) <= 10
    assert search_entries(INDEX, "   ") == [] and search_entries(INDEX, "🔥🔥") == []


def test_search_choices_span_kinds_and_name_their_kind() -> None:
    assert search_choices(INDEX, "luka")[:2] == [
        ("Luka (루카) · character", "character:luka"),
        ("Hyuluka · lore", "term:hyuluka"),
    ]
    assert len(search_choices(INDEX, "")) == 25  # episodes in order, the main cast, then lore


def test_a_picked_search_choice_names_its_entry_and_nothing_else_does() -> None:
    assert picked_entry(PACK, "character:luka") == ("character", "luka")
    assert picked_entry(PACK, " term:anakt-garden ") == ("term", "anakt-garden")
    for text in ("luka", "character:nobody", "spell:luka", "episode:luka", ":", "character:"):
        assert picked_entry(PACK, text) is None


@given(st.text(max_size=200))
def test_any_text_resolves_or_suggests_without_raising(text: str) -> None:
    for kind in ("character", "episode", "term"):
        found = find_entry(PACK, INDEX, kind, text)
        assert found is None or found in {e.id for e in [*PACK.characters, *PACK.episodes, *PACK.terms]}
        assert len(suggest(INDEX, kind, text)) <= 5
    assert len(search_entries(INDEX, text)) <= 10
    assert len(choices_for(INDEX, text, "character")) <= 25
    assert all(len(name) <= 100 and len(value) <= 100 for name, value in search_choices(INDEX, text))
