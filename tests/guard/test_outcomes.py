"""What the mod log and the author are told is what happened: Discord errors on the delete are retried,
and a delete that fails for good is reported as failed, with the reason, and never claimed to the author."""

from __future__ import annotations

import pytest

from bot.guard.actions import DELETE_ATTEMPTS
from tests.emulator import Channel, Emulator, Member
from tests.guard.conftest import configured_server, modlog_texts, run, settle, wait_deleted, wait_modlog

pytestmark = pytest.mark.asyncio(loop_scope="module")


def _delete_route(channel_id: int, message_id: int) -> str:
    return rf"^/channels/{channel_id}/messages/{message_id}$"


def _notices(emulator: Emulator, channel: Channel, member: Member) -> list[str]:
    """What the bot posted in ``channel`` addressed to ``member`` (a nudge notice names its author)."""
    return [
        m.text
        for m in emulator.messages_in(channel)
        if m.author.id == emulator.bot_user.id and member.mention in m.content
    ]


async def test_a_single_503_on_the_delete_is_retried_and_the_spoiler_removed(emulator: Emulator) -> None:
    guild, _ = await configured_server(emulator)
    mina = emulator.member(guild, "Mina")
    general = guild.channel("general")
    # The fault is keyed on the message id the emulator will give the next message.
    spoiler = await mina.say(general, "warming up")
    emulator.faults.server_error("DELETE", r"/messages/\d+$", status=503, count=1)
    spoiler = await mina.say(general, "ivan dies, can't stop crying")
    await wait_deleted(emulator, spoiler)
    line = await wait_modlog(
        emulator, guild, lambda t: spoiler.jump_url in t and "⏳" not in t, "the outcome of the entry"
    )
    assert "I removed it on a later try (Discord answered 503 first)" in line
    assert "told the author" in line
    deletes = [r for r in emulator.requests if r.method == "DELETE" and r.path.endswith(f"/{spoiler.id}")]
    assert [r.status for r in deletes] == [503, 204]


async def test_five_500s_on_the_delete_still_end_with_the_spoiler_removed(emulator: Emulator) -> None:
    """discord.py retries a 500 itself, five times in one call (about 25 s of pauses), then gives up; the
    guard's own bounded retry then removes the message."""
    guild, _ = await configured_server(emulator)
    mina = emulator.member(guild, "Mina")
    general = guild.channel("general")
    emulator.faults.server_error("DELETE", rf"^/channels/{general.id}/messages/\d+$", status=500, count=5)
    spoiler = await mina.say(general, "sua dies in round 1")
    await emulator.wait_until(lambda: spoiler.deleted, 60, "the spoiler to be removed despite five 500s")
    line = await wait_modlog(
        emulator, guild, lambda t: spoiler.jump_url in t and "⏳" not in t, "the outcome"
    )
    assert "I removed it on a later try (Discord answered 500 first)" in line
    deletes = [r for r in emulator.requests if r.method == "DELETE" and r.path.endswith(f"/{spoiler.id}")]
    assert [r.status for r in deletes] == [500] * 5 + [204]


async def test_a_delete_that_keeps_failing_is_reported_as_failed_and_the_author_is_not_told(
    emulator: Emulator,
) -> None:
    guild, _ = await configured_server(emulator)
    mina = emulator.member(guild, "Mina")
    general = guild.channel("general")
    fault = emulator.faults.server_error(
        "DELETE", rf"^/channels/{general.id}/messages/\d+$", status=503, count=None
    )
    spoiler = await mina.say(general, "till got shot in the final")
    line = await wait_modlog(
        emulator, guild, lambda t: spoiler.jump_url in t and "⏳" not in t, "the failed outcome"
    )
    emulator.faults.active.remove(fault)
    assert (
        "could not remove it: Discord answered 503 on each of" in line
        and line.startswith("⚠️")
        and "still up" in line
    )
    assert "removed it" not in line and "told the author" not in line
    assert not spoiler.deleted
    assert _notices(emulator, general, mina) == []  # no "I removed your message"
    assert fault.hits == DELETE_ATTEMPTS  # retried, and boundedly


async def test_a_403_on_the_delete_names_the_missing_permission(emulator: Emulator) -> None:
    guild, _ = await configured_server(emulator)
    mina = emulator.member(guild, "Mina")
    general = guild.channel("general")
    # The bot's cached permissions say it may delete; Discord refuses (a channel override just changed).
    emulator.faults.error(
        "DELETE",
        rf"^/channels/{general.id}/messages/\d+$",
        status=403,
        code=50013,
        message="Missing Permissions",
    )
    spoiler = await mina.say(general, "ivan dies")
    line = await wait_modlog(
        emulator, guild, lambda t: spoiler.jump_url in t and "⏳" not in t, "the outcome"
    )
    assert "could not remove it: I'm missing the **Manage Messages** permission there" in line
    assert "403" in line and "told the author" not in line
    assert not spoiler.deleted
    assert _notices(emulator, general, mina) == []
    warnings = await wait_modlog(emulator, guild, lambda t: "(I say this once.)" in t, "the one-time warning")
    assert "**Manage Messages**" in warnings
    # Once the permission works again, the next spoiler is removed as usual.
    await settle(emulator, mina, general)


async def test_a_message_deleted_before_the_bot_gets_to_it_is_not_claimed(emulator: Emulator) -> None:
    guild, _ = await configured_server(emulator)
    mina = emulator.member(guild, "Mina")
    general = guild.channel("general")
    emulator.faults.error(
        "DELETE", rf"^/channels/{general.id}/messages/\d+$", status=404, code=10008, message="Unknown Message"
    )
    spoiler = await mina.say(general, "ivan dies")
    line = await wait_modlog(
        emulator, guild, lambda t: spoiler.jump_url in t and "⏳" not in t, "the outcome"
    )
    assert "already gone" in line and "told the author" not in line
    assert _notices(emulator, general, mina) == []


async def test_a_notice_that_cannot_be_posted_is_not_claimed(emulator: Emulator) -> None:
    guild, _ = await configured_server(emulator)
    mina = emulator.member(guild, "Mina")
    general = guild.channel("general")
    emulator.faults.server_error("POST", rf"^/channels/{general.id}/messages$", status=503, count=1)
    spoiler = await mina.say(general, "ivan dies")
    await wait_deleted(emulator, spoiler)
    line = await wait_modlog(
        emulator, guild, lambda t: spoiler.jump_url in t and "⏳" not in t, "the outcome"
    )
    assert "I removed it." in line and "could not tell the author (HTTP 503)" in line
    assert "I told the author" not in line


async def test_a_failed_repost_leaves_the_author_a_copy_and_says_so(emulator: Emulator) -> None:
    guild, _ = await configured_server(emulator, action="repost")
    mina = emulator.member(guild, "Mina")
    general = guild.channel("general")
    # discord.py's webhook adapter retries 5xx itself; a refusal it does not retry:
    fault = emulator.faults.error(
        "POST", r"^/webhooks/\d+/[^/]+$", status=403, code=50013, message="Missing Permissions", count=None
    )
    spoiler = await mina.say(general, "luka wins the final")
    await wait_deleted(emulator, spoiler)
    notice = await emulator.wait_for_message(general, lambda m: mina.mention in m.content)
    assert (
        "repost didn't go through" in notice.text
        and "FINAL" in notice.text
        and [b["label"] for b in notice.buttons] == ["Get my message back"]
    )
    line = await wait_modlog(
        emulator, guild, lambda t: spoiler.jump_url in t and "⏳" not in t, "the outcome"
    )
    emulator.faults.active.remove(fault)
    assert "repost failed (HTTP 403, error code 50013)" in line and "I reposted" not in line
    assert "told the author" in line
    copy = await mina.click(notice, "Get my message back")
    assert copy.content == "||luka wins the final||"
    assert not [m for m in emulator.messages_in(general) if m.webhook_id is not None]
    assert all("⏳" not in t for t in modlog_texts(emulator, guild))


async def test_a_discussion_threads_episode_wins_over_its_spoiler_channel_parent(emulator: Emulator) -> None:
    guild, mod = await configured_server(emulator)
    spoilers = guild.channel("spoilers")
    await run(mod, "spoilers channel add", channel=spoilers)
    await run(mod, "spoilers discussion-channel", channel=spoilers)
    mina = emulator.member(guild, "Mina")
    await mina.slash("discuss", episode="r5")
    round5 = next(t for t in guild.threads if t.parent_id == spoilers.id)
    plain = await mina.start_thread(spoilers, "anything goes")
    kept = [
        await mina.say(round5, "can't believe luka beats mizi like that"),  # ROUND 5 itself: fine
        await mina.say(plain, "ivan dies and till got shot"),  # another thread of the spoiler channel
        await mina.say(spoilers, "luka wins the final"),
    ]
    later = await mina.say(round5, "and then ivan dies in the next round")
    await wait_deleted(emulator, later, "the ROUND 6 spoiler in ROUND 5's thread to be removed")
    notice = await emulator.wait_for_message(round5, lambda m: mina.mention in m.content)
    assert "ROUND 6" in notice.text
    await settle(emulator, mina, guild.channel("general"))
    assert not any(m.deleted for m in kept)


async def test_an_intent_discord_would_not_take_still_ends_as_one_outcome_entry(emulator: Emulator) -> None:
    guild, _ = await configured_server(emulator)
    mina = emulator.member(guild, "Mina")
    modlog = guild.channel("mod-log")
    emulator.faults.error(
        "POST", rf"^/channels/{modlog.id}/messages$", status=400, code=50035, message="Invalid Form Body"
    )
    spoiler = await mina.say(guild.channel("general"), "ivan dies")
    await wait_deleted(emulator, spoiler)
    line = await wait_modlog(emulator, guild, lambda t: spoiler.jump_url in t, "the outcome entry")
    assert "I removed it." in line and "⏳" not in line
    assert sum(spoiler.jump_url in t for t in modlog_texts(emulator, guild)) == 1


async def test_a_delete_that_failed_but_went_through_is_counted_as_removed(emulator: Emulator) -> None:
    """Discord can fail a request it carried out: a 503, then 404 on the retry, means the message is gone,
    and it was this removal (not "deleted by someone else")."""
    guild, _ = await configured_server(emulator)
    mina = emulator.member(guild, "Mina")
    general = guild.channel("general")
    route = rf"^/channels/{general.id}/messages/\d+$"
    emulator.faults.server_error("DELETE", route, status=503, count=1)
    emulator.faults.error("DELETE", route, status=404, code=10008, message="Unknown Message")
    spoiler = await mina.say(general, "ivan dies")
    line = await wait_modlog(
        emulator, guild, lambda t: spoiler.jump_url in t and "⏳" not in t, "the outcome"
    )
    assert "It is gone: Discord answered 503 to my first try" in line and "already gone" not in line
    assert "told the author" in line
    await emulator.wait_for_message(general, lambda m: mina.mention in m.content)
