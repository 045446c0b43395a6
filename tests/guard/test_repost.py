"""Repost and copy text: everything the author wrote stays hidden, nothing breaks out, limits hold."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.guard.copies import fits_in_message, tagged_text
from bot.guard.repost import MESSAGE_LIMIT, repost_messages, webhook_username
from bot.spoilers import visible_text

TEXT = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=5000)
FOOTER = "Reposted with spoiler tags by Clematis · spoils ROUND 6"
URL = "https://discord.com/channels/1/2/3"


@given(TEXT, st.booleans())
def test_no_word_of_the_author_is_visible_and_every_message_fits(text: str, reply: bool) -> None:
    messages = repost_messages(text, reply_url=URL if reply else None, footer=FOOTER)
    assert messages and all(len(m) <= MESSAGE_LIMIT for m in messages)
    shown = " ".join(visible_text(m) for m in messages)
    expected = (f"↪ Replying to {URL} " if reply else "") + f"-# {FOOTER}"
    assert shown.split() == expected.split()


@given(st.text(alphabet="abc xyz.,!?*_~`>#-[]\n", min_size=1, max_size=4500))
def test_the_authors_words_survive_in_order(text: str) -> None:
    messages = repost_messages(text, reply_url=None, footer="f")
    inner = "".join(line for m in messages for line in m.split("\n") if line != "-# f")
    unescaped = re.sub(r"\\(.)", r"\1", inner.replace("||", ""))
    assert "".join(unescaped.split()) == "".join(text.split())


def test_a_reply_keeps_a_link_to_the_replied_message() -> None:
    [message] = repost_messages("ivan dies", reply_url=URL, footer=FOOTER)
    assert message.splitlines() == [f"↪ Replying to {URL}", "||ivan dies||", f"-# {FOOTER}"]


def test_an_empty_message_repost_is_only_the_footer() -> None:
    assert repost_messages("", reply_url=None, footer=FOOTER) == [f"-# {FOOTER}"]


def test_webhook_names_are_ones_discord_accepts() -> None:
    assert webhook_username("Mina") == "Mina"
    assert "discord" not in webhook_username("Discord Fan").lower()
    assert "clyde" not in webhook_username("clyde").lower()
    assert webhook_username("   ") == "Member"
    assert len(webhook_username("x" * 200)) == 80


@given(TEXT)
def test_a_copy_is_one_spoiler_tag_hiding_everything(text: str) -> None:
    copy = tagged_text(text)
    assert visible_text(copy).strip() == ""
    assert fits_in_message(copy) == (len(copy) <= 2000)
