"""Cleaning, echoing, spoiler-tagging and fitting text."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.lookups.text import clean_query, clip, echo, fit_lines, shorten, spoiler
from bot.spoilers import spoiler_tag_count, visible_text

line = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n"), max_size=120)
plain_line = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n|"), max_size=120)
tagged_line = st.one_of(plain_line, line.map(spoiler))


def balanced(text: str) -> bool:
    """No spoiler tag is left open: every line's unescaped pipes pair up."""
    return all(re.sub(r"\\.", "", row).count("||") % 2 == 0 for row in text.split("\n"))


def test_clean_query_drops_invisible_and_control_characters_and_joins_lines() -> None:
    assert clean_query("  Iv\u200ban\u200d \n\t ROUND\x00 5 ") == "Ivan ROUND 5"
    assert clean_query("\u200b\u200c\u200d\ufeff") == ""
    assert len(clean_query("x" * 500)) == 100


def test_echo_cannot_ping_link_or_format() -> None:
    shown = echo("@everyone <@123456789012345678> **bold** ||secret|| [a](https://x.y)")
    assert "@everyone" not in shown and "@\u200beveryone" in shown
    assert re.search(r"(?<!\\)(<@|\*\*|\|\||\[a\])", shown) is None


@given(st.text(max_size=300))
def test_echo_is_short_and_never_opens_a_tag_or_mention(text: str) -> None:
    shown = echo(text)
    assert len(clean_query(text)) <= 100
    assert spoiler_tag_count(shown) == 0
    assert re.search(r"(?<!\\)<[@#]", shown) is None


@given(line)
def test_spoiler_hides_all_of_its_text(text: str) -> None:
    tagged = spoiler(text)
    assert spoiler_tag_count(tagged) <= 1
    assert visible_text(tagged).strip() == ""


def test_clip_marks_the_cut() -> None:
    assert clip("abcdef", 4) == "abc…" and clip("abc", 4) == "abc" and clip("abc", 0) == ""


@given(st.lists(tagged_line, min_size=1, max_size=30), st.integers(min_value=40, max_value=2000))
def test_fit_lines_keeps_whole_lines_from_the_start_within_the_limit(lines: list[str], limit: int) -> None:
    text = fit_lines(lines, limit)
    assert len(text) <= limit
    assert balanced(text)
    if len("\n".join(lines)) <= limit:
        assert text == "\n".join(lines)
        return
    kept = text.split("\n")
    if len(lines) == 1:
        assert text == shorten(lines[0], limit)
        return
    note = re.fullmatch(r"…and (\d+) more", kept[-1])
    assert note is not None, text
    whole = kept[:-1]
    if whole == lines[: len(whole)]:
        assert len(whole) + int(note[1]) == len(lines)
    else:  # not even the first line fit next to the count: it is clipped, never a tagged one
        assert len(whole) == 1 and "||" not in lines[0] and int(note[1]) == len(lines) - 1


def test_fit_lines_counts_what_it_leaves_out() -> None:
    lines = [f"• fact number {i}" for i in range(100)]
    text = fit_lines(lines, 200)
    kept = text.split("\n")
    assert kept[:-1] == lines[: len(kept) - 1]
    assert kept[-1] == f"…and {100 - (len(kept) - 1)} more"


@given(st.lists(tagged_line, max_size=10), st.integers(min_value=0, max_value=500))
def test_shorten_never_cuts_a_spoiler_tag_open(lines: list[str], limit: int) -> None:
    text = shorten("\n".join(lines), limit)
    assert len(text) <= max(limit, 1)
    assert balanced(text)


def test_shorten_drops_a_tagged_line_that_does_not_fit_instead_of_cutting_it() -> None:
    text = "Plain first line\n||Ivan dies in ROUND 6||"
    assert shorten(text, 25) == "Plain first line\n…"
    assert shorten("||Ivan dies in ROUND 6||", 10) == "…"
