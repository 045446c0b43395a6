"""The warning card: topics and notes stay behind their tags, limits hold for any run of episodes."""

from __future__ import annotations

import re

import discord
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.canon.loader import load_pack
from bot.canon.model import CanonPack, Episode, WarningRef
from bot.canon.warnings import TOPICS, TOPICS_BY_ID
from bot.content_warnings import DEFAULT_SUPPORT, CardContext, add_card, card_embed, render_card
from bot.content_warnings.card import EMBED_TOTAL, FIELD_NAME_LIMIT, FIELD_VALUE_LIMIT
from bot.spoilers import spoiler_tag_count, visible_text

PACK = load_pack()
TOPIC_IDS = [t.id for t in TOPICS]
SUPPORT_TOPICS = {t.id for t in TOPICS if t.support}

# Notes are anything a moderator or a pack author could type: markdown, pipes, backslashes, mentions.
note_text = st.lists(
    st.sampled_from(list("ab |\\`*_~>#-[]()<@&!:/.\n") + ["@everyone", "<@123>", "https://x.y/a|b", "||"]),
    max_size=120,
).map("".join) | st.text(max_size=400)


def make_pack(warnings_per_episode: list[list[tuple[str, str]]]) -> CanonPack:
    episodes = tuple(
        Episode(
            id=f"e{i}",
            track="main",
            kind="round",
            title=f"Episode {i}",
            premise="A round.",
            after=f"e{i - 1}" if i else None,
            warnings=tuple(WarningRef(topic, note) for topic, note in warnings),
        )
        for i, warnings in enumerate(warnings_per_episode)
    )
    return CanonPack(name="test", version="1", episodes=episodes, characters=(), terms=())


def can_mention(value: str) -> bool:
    """True when text outside links could render a mention of someone (``@everyone``, ``@here``, a member
    or a role). Channel links (``<#id>``) ping nobody and may stay; links stay clickable."""
    outside_links = re.sub(r"https?://\S+", " ", value)
    return (
        "@everyone" in outside_links
        or "@here" in outside_links
        or bool(re.search(r"(?<!\\)<@", outside_links))
    )


def hidden_labels_visible(value: str, plain: frozenset[str]) -> list[str]:
    shown = visible_text(value)
    return [t.label for t in TOPICS if t.id not in plain and t.label in shown]


def test_topics_and_pack_notes_are_spoiler_tagged() -> None:
    fields = render_card(PACK, ["r1"], CardContext({}, None))
    name, value = fields[0]
    assert "ROUND 1" in name
    assert "||Suicide and self-harm||" in value
    assert "||A lead character dies on stage.||" in value
    assert visible_text(value).replace("•", "").replace("—", "").split() == []


def test_member_topics_are_spelled_out_and_others_stay_tagged() -> None:
    ctx = CardContext({}, None, frozenset({"grief", "suicide-self-harm"}))
    value = render_card(PACK, ["r1"], ctx)[0][1]
    assert "**Grief and loss**" in value and "**Suicide and self-harm**" in value
    assert "||Death of a main character||" in value
    assert "Grief and loss" in visible_text(value)
    assert "Death of a main character" not in visible_text(value)


def test_server_note_is_escaped_inside_one_tag() -> None:
    ctx = CardContext({"r5": "uncut || version @everyone <@&42> `code"}, None)
    value = render_card(PACK, ["r5"], ctx)[0][1]
    line = next(line for line in value.splitlines() if line.startswith("**Server note:**"))
    assert spoiler_tag_count(line) == 1
    assert visible_text(line) == "**Server note:**"
    assert "@everyone" not in line and "<@&42>" not in line


def test_channel_links_in_notes_and_the_support_message_stay_links() -> None:
    channel = "<#123456789012345678>"
    ctx = CardContext({"e0": f"see {channel} first"}, f"Talk to us in {channel}, not <@1> ||here||")
    fields = render_card(make_pack([[("suicide-self-harm", "")]]), ["e0"], ctx)
    note = next(line for line in fields[0][1].splitlines() if line.startswith("**Server note:**"))
    assert note == f"**Server note:** ||see {channel} first||"
    support = fields[-1][1]
    assert f"Talk to us in {channel}, not \\<@1\\> \\|\\|here\\|\\|" in support


def test_a_support_message_that_escaping_makes_too_long_is_cut_between_escapes() -> None:
    heavy = make_pack([[("suicide-self-harm", "")]])
    for message in ("*" * 500, "|*" * 250, "-<@1>|*" * 71):
        support = render_card(heavy, ["e0"], CardContext({}, message))[-1][1]
        assert len(support) <= FIELD_VALUE_LIMIT and support.endswith("…")
        own = support.removeprefix(DEFAULT_SUPPORT + "\n").removesuffix("…")
        assert not re.search(r"(?<!\\)(?:\\\\)*[*|]", own), "every * and | is still escaped"
        assert not own.endswith("\\") and not can_mention(own)


def test_support_field_only_for_support_topics() -> None:
    quiet = make_pack([[("blood", "")]])
    assert [name for name, _ in render_card(quiet, ["e0"], CardContext({}, "Talk to us"))] == [
        "Content warnings · Episode 0"
    ]
    heavy = make_pack([[("suicide-self-harm", "")]])
    fields = render_card(heavy, ["e0"], CardContext({}, "Talk to a mod in #support <@1>"))
    name, value = fields[-1]
    assert name == "Support"
    assert value.startswith(DEFAULT_SUPPORT)
    assert "Talk to a mod in" in value and "<@1>" not in value
    assert not re.search(r"\+?\d[\d\s-]{6,}", value), "no phone numbers are made up"


def test_episode_without_warnings_says_none_are_listed() -> None:
    value = render_card(make_pack([[]]), ["e0"], CardContext({}, None))[0][1]
    assert "No warnings are listed for this episode yet" in value
    assert "canon pack" not in value, "no jargon for a fan"


def test_repeated_and_unknown_episodes_are_dropped() -> None:
    fields = render_card(PACK, ["r1", "nope", "r1", "r2"], CardContext({}, None))
    assert [n for n, _ in fields if n != "Support"] == [
        "Content warnings · ROUND 1: MY CLEMATIS",
        "Content warnings · ROUND 2: Unknown (Till the End)",
    ]


def test_add_card_uses_only_the_room_left_in_the_embed() -> None:
    embed = discord.Embed(title="Watch party", description="x" * 5000)
    for i in range(20):
        embed.add_field(name=f"f{i}", value="v")
    ids = [e.id for e in PACK.episodes]
    add_card(embed, PACK, ids, CardContext({e: "n" * 300 for e in ids}, "s" * 500))
    assert len(embed) <= EMBED_TOTAL and len(embed.fields) <= 25


def test_whole_series_card_fits_one_embed() -> None:
    ids = [e.id for e in PACK.episodes]
    embed = card_embed(PACK, ids, CardContext({e: "w" * 300 for e in ids}, "s" * 500), title="Marathon")
    assert len(embed) <= EMBED_TOTAL and len(embed.fields) <= 25
    assert embed.fields[-1].name == "Support"


@settings(max_examples=150, deadline=None)
@given(pack_note=note_text, server_note=note_text, support=note_text)
def test_any_note_text_stays_inside_its_tags(pack_note: str, server_note: str, support: str) -> None:
    topics = ["suicide-self-harm", "blood", "grief"]
    pack = make_pack([[(t, pack_note) for t in topics]])
    baseline = make_pack([[(t, "x" if pack_note.strip() else "") for t in topics]])
    ctx = CardContext({"e0": server_note}, support)
    ctx_base = CardContext({"e0": "x" if server_note.split() else ""}, support)
    for (name, value), (_, base_value) in zip(
        render_card(pack, ["e0"], ctx), render_card(baseline, ["e0"], ctx_base), strict=True
    ):
        if name == "Support":
            assert not can_mention(value)
            continue
        assert visible_text(value) == visible_text(base_value)
        assert not can_mention(value)


@settings(max_examples=120, deadline=None)
@given(
    episodes=st.lists(
        st.lists(st.tuples(st.sampled_from(TOPIC_IDS), note_text), max_size=len(TOPIC_IDS)),
        min_size=1,
        max_size=10,
    ),
    server_notes=st.lists(note_text, min_size=10, max_size=10),
    plain=st.frozensets(st.sampled_from(TOPIC_IDS)),
    budget=st.integers(min_value=0, max_value=EMBED_TOTAL),
    max_fields=st.integers(min_value=0, max_value=25),
)
def test_limits_hold_for_up_to_ten_episodes(
    episodes: list[list[tuple[str, str]]],
    server_notes: list[str],
    plain: frozenset[str],
    budget: int,
    max_fields: int,
) -> None:
    pack = make_pack(episodes)
    ids = [e.id for e in pack.episodes]
    ctx = CardContext(dict(zip(ids, server_notes, strict=False)), "Reach out to a moderator.", plain)
    fields = render_card(pack, ids, ctx, budget=budget, max_fields=max_fields)
    assert len(fields) <= max_fields
    assert sum(len(n) + len(v) for n, v in fields) <= budget
    for name, value in fields:
        assert 0 < len(name) <= FIELD_NAME_LIMIT and 0 < len(value) <= FIELD_VALUE_LIMIT
        assert hidden_labels_visible(value, plain) == []
    if budget == EMBED_TOTAL and max_fields == 25:
        names = [n for n, _ in fields]
        assert all(f"Episode {i}" in "".join(names + [v for _, v in fields]) for i in range(len(ids)))
        has_support = any(TOPICS_BY_ID[t].support for ws in episodes for t, _ in ws)
        assert ("Support" in names) == has_support


def test_long_notes_fall_back_to_labels_within_one_field() -> None:
    pack = make_pack([[(t, "|" * 300) for t in TOPIC_IDS[:3]]])
    name, value = render_card(pack, ["e0"], CardContext({"e0": "\\" * 300}, None))[0]
    assert len(value) <= FIELD_VALUE_LIMIT
    assert "||Sexual assault||" in value
    assert "Details: `/cw episode:`" in value
    assert hidden_labels_visible(value, frozenset()) == []


def test_a_card_too_big_for_its_room_lists_the_rest_by_title() -> None:
    pack = make_pack([[(t, "n") for t in TOPIC_IDS] for _ in range(10)])
    ids = [e.id for e in pack.episodes]
    fields = render_card(pack, ids, CardContext({}, None), budget=2500)
    names = [n for n, _ in fields]
    assert names[-2].startswith("…and ") and names[-1] == "Support"
    assert "Episode 9" in fields[-2][1]
    assert sum(len(n) + len(v) for n, v in fields) <= 2500
