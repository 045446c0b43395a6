"""Cards always fit Discord's embed limits, and fitting never cuts a spoiler tag open."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.lookups.cards import (
    DESCRIPTION_MAX,
    FIELD_NAME_MAX,
    FIELD_VALUE_MAX,
    FIELDS_MAX,
    FOOTER_MAX,
    TITLE_MAX,
    TOTAL_MAX,
    Card,
    Field,
    card_embed,
    fit_card,
)
from bot.lookups.text import spoiler
from tests.emulator.spec import check_discord_limits

words = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)
line = st.one_of(
    words.map(lambda t: t.replace("\n", " ").replace("|", "/")),  # plain text: no pipes of its own
    words.map(lambda t: spoiler(t.replace("\n", " "))),
)
block = st.lists(line, max_size=40).map("\n".join)


def balanced(text: str) -> bool:
    return all(re.sub(r"\\.", "", row).count("||") % 2 == 0 for row in text.split("\n"))


cards = st.builds(
    Card,
    title=st.text(max_size=400),
    description=st.one_of(block, st.lists(line, max_size=400).map("\n".join)),
    fields=st.lists(
        st.builds(
            Field, name=st.text(max_size=300), value=st.one_of(block, st.just("")), inline=st.booleans()
        ),
        max_size=30,
    ).map(tuple),
    footer=st.text(max_size=2100),
)


@settings(max_examples=150, deadline=None)
@given(cards)
def test_a_fitted_card_is_within_every_embed_limit(card: Card) -> None:
    fitted = fit_card(card)
    assert len(fitted.title) <= TITLE_MAX
    assert len(fitted.description) <= DESCRIPTION_MAX
    assert len(fitted.fields) <= FIELDS_MAX
    assert all(
        0 < len(f.name) <= FIELD_NAME_MAX and 0 < len(f.value) <= FIELD_VALUE_MAX for f in fitted.fields
    )
    assert len(fitted.footer) <= FOOTER_MAX
    assert fitted.size <= TOTAL_MAX
    assert balanced(fitted.description) and all(balanced(f.value) for f in fitted.fields)
    body = {"embeds": [card_embed(card).to_dict()]}
    assert check_discord_limits("POST", "/channels/1/messages", body) == []


def test_a_card_that_fits_is_left_alone() -> None:
    card = Card(title="Ivan", description="A singer.", fields=(Field("Names", "Hangul: 이반"),), footer="x")
    assert fit_card(card) == card


def test_empty_fields_are_left_out() -> None:
    card = Card(title="Ivan").with_field("Looks", "").with_field("Names", "  ").with_field("Hangul", "이반")
    assert [f.name for f in card.fields] == ["Hangul"]


def test_an_oversized_card_loses_the_end_of_its_description_first() -> None:
    fields = tuple(Field(f"Field {i}", "v" * 1000) for i in range(5))
    card = Card(title="T", description="\n".join(f"line {i} " + "d" * 60 for i in range(60)), fields=fields)
    fitted = fit_card(card)
    assert fitted.size <= TOTAL_MAX
    assert fitted.fields == fields
    assert fitted.description.startswith("line 0 ") and fitted.description.endswith("…")
