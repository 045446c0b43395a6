"""visible_text(), spoiler_tag_count() and escape_spoiler()."""

import re

from hypothesis import assume, given
from hypothesis import strategies as st

from bot.spoilers import escape_spoiler, normalize, spoiler_tag_count, visible_text
from bot.spoilers.visible import _scan, _visible_by_words

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz수아죽었", min_size=1, max_size=8)
# Text around tags: anything but the characters that change how tags parse (pipes, backticks
# that could open a code span across the tag, a backslash that could escape a marker).
PLAIN = st.text(alphabet=st.characters(blacklist_characters="|`\\", blacklist_categories=["Cs"]), max_size=40)


def test_tagged_word_after_a_visible_word_is_hidden() -> None:
    assert visible_text("Ivan ||dies||") == "Ivan"


def test_tag_inside_a_word_does_not_hide_the_word() -> None:
    assert visible_text("Ivan d||i||es") == "Ivan dies"


def test_tag_across_two_words_hides_neither() -> None:
    assert visible_text("Iv||an di||es") == "Ivan dies"


def test_whole_message_in_a_tag_is_hidden() -> None:
    assert visible_text("||Ivan dies||") == ""


def test_unclosed_marker_is_literal_text() -> None:
    assert visible_text("Ivan || dies") == "Ivan || dies"
    assert visible_text("a ||b|| c ||d") == "a c ||d"


def test_multiple_pairs_each_hide_their_words() -> None:
    assert visible_text("||sua|| wins ||mizi|| loses ||x||") == "wins loses"


def test_tagged_words_in_parentheses_or_italics_stay_hidden() -> None:
    assert normalize(visible_text("omg (||ivan dies||) *||sua dies||* _||x||_")) == "omg"


def test_code_span_and_block_are_visible_and_their_pipes_are_literal() -> None:
    assert normalize(visible_text("`||ivan dies||` ok ||x||")) == "ivan dies ok"
    assert normalize(visible_text("```\nivan ||dies||\n``` ||x||")) == "ivan dies"


def test_tag_around_code_hides_the_code() -> None:
    assert visible_text("||`ivan dies`||") == ""


def test_escaped_pipes_are_not_markers() -> None:
    assert normalize(visible_text("\\||ivan dies\\|| ||x||")) == "ivan dies"


def test_spoiler_tag_count_counts_complete_pairs_only() -> None:
    assert spoiler_tag_count("a ||b|| ||c|| ||d") == 2
    assert spoiler_tag_count("`||b||`") == 0
    assert spoiler_tag_count("no tags") == 0
    assert spoiler_tag_count("empty |||| pair") == 0


@given(PLAIN, st.text(), PLAIN)
def test_text_fully_inside_tags_never_appears(before: str, secret: str, after: str) -> None:
    raw = f"{before} ||{escape_spoiler(secret)}|| {after}"
    assert normalize(visible_text(raw)) == normalize(f"{before} {after}")


@given(st.text(alphabet=st.characters(blacklist_characters="|", blacklist_categories=["Cs"])))
def test_text_without_pipes_is_unchanged_modulo_normalization(text: str) -> None:
    assert normalize(visible_text(text)) == normalize(text)


@given(PLAIN, PLAIN)
def test_a_lone_marker_changes_nothing_modulo_normalization(before: str, after: str) -> None:
    raw = f"{before}||{after}"
    assert normalize(visible_text(raw)) == normalize(raw)


@given(WORD.filter(lambda w: len(w) >= 2), st.data())
def test_tags_splitting_a_word_never_hide_it(word: str, data: st.DataObject) -> None:
    cuts = sorted(data.draw(st.sets(st.integers(0, len(word)), min_size=2, max_size=6)))
    if len(cuts) % 2:
        cuts = cuts[:-1]
    hidden = {i for a, b in zip(cuts[::2], cuts[1::2], strict=True) for i in range(a, b)}
    assume(len(hidden) < len(word))  # at least one letter outside every tag
    tagged = "".join(("||" if i in cuts else "") + ch for i, ch in enumerate(word))
    tagged += "||" if len(word) in cuts else ""
    assert f" {normalize(word)} " in f" {normalize(visible_text(f'x {tagged} y'))} "


@given(st.text())
def test_escaped_text_inside_a_tag_keeps_exactly_one_pair(text: str) -> None:
    assume(text)
    assert spoiler_tag_count(f"||{escape_spoiler(text)}||") == 1


@given(st.lists(st.sampled_from(["@everyone", "@here", "<@12>", "<@&34>", "<#56>", "</x:7>", " ", "a", "<"])))
def test_escaped_mentions_are_inert(pieces: list[str]) -> None:
    text = "".join(pieces)
    escaped = escape_spoiler(text)
    assert not re.search(r"@(everyone|here)", escaped)
    assert not re.search(r"(?<!\\)<[@#/]", escaped)


def test_escaped_link_keeps_working_and_cannot_close_the_tag() -> None:
    escaped = escape_spoiler("see https://example.com/a||b_c *now*")
    assert escaped == "see https://example.com/a%7C%7Cb_c \\*now\\*"
    assert spoiler_tag_count(f"||{escaped}||") == 1


@given(st.lists(st.sampled_from([*"ab 수(*`\\|\u200b", "||", "||"])).map("".join))
def test_cutting_whole_tagged_words_agrees_with_the_word_by_word_rule(raw: str) -> None:
    text, ranges = _scan(raw)
    assert "||" not in raw or visible_text(raw) == _visible_by_words(text, ranges)
