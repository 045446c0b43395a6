"""What /canon info and /canon-reload say."""

from __future__ import annotations

from pathlib import Path

from bot.canon.loader import load_pack
from bot.canon.store import CanonStore
from bot.lookups.canon_info import info_card, pack_counts, problems_card, reloaded_card

PACK = load_pack()


def test_counts_name_every_kind() -> None:
    assert pack_counts(PACK).startswith("16 episodes on 3 tracks, 19 characters, 15 terms, ")


def test_info_shows_the_overrides_path_only_when_asked() -> None:
    store = CanonStore(PACK, Path("/srv/clematis/canon_overrides"))
    assert info_card(store, show_path=True).fields[1].value == "`/srv/clematis/canon_overrides`"
    assert info_card(store, show_path=False).fields[1].value == "Yes (folder `canon_overrides`)"
    odd = CanonStore(PACK, Path("/srv/we`ird"))
    assert info_card(odd, show_path=True).fields[1].value == "/srv/we\\`ird"
    assert "CANON_DIR is not set" in info_card(CanonStore(PACK), show_path=True).fields[1].value


def test_info_says_what_changed_in_this_version() -> None:
    field = info_card(CanonStore(PACK), show_path=False).fields[2]
    assert field.name == "What changed in 2026.2" and not field.inline
    assert field.value.startswith("• Release order corrected: Sweet Dream is the second release")
    assert "PARK BYEONG HOON" in field.value and "canon README" in field.value
    assert len(field.value) <= 1024 and "…and" not in field.value


def test_problems_are_listed_exactly_and_escaped() -> None:
    problems = ["file: a.toml, entry 'x', field 'kind': 'movie' is not an episode kind", "@everyone **oops**"]
    card = problems_card(problems, CanonStore(PACK))
    assert "• file: a.toml, entry 'x', field 'kind': 'movie' is not an episode kind" in card.description
    assert "@\u200beveryone \\*\\*oops\\*\\*" in card.description
    assert "2 problems" in card.description and PACK.version in card.description


def test_many_problems_are_cut_with_a_count() -> None:
    card = problems_card([f"problem {i} " + "x" * 80 for i in range(500)], CanonStore(PACK))
    assert len(card.description) <= 4096
    assert card.description.splitlines()[-1].startswith("…and ")


def test_reload_summary_compares_before_and_after() -> None:
    text = reloaded_card(PACK, CanonStore(PACK)).description
    assert text.count("16 episodes") == 2
