"""What the bot does with a spoiler in a public channel: nudge, repost or flag; the mod log comes first."""

from __future__ import annotations

import pytest

from tests.emulator import Emulator, Permission
from tests.emulator.permissions import BOT_DEFAULT
from tests.guard.conftest import (
    assert_pings_only,
    configured_server,
    modlog_texts,
    run,
    settle,
    wait_deleted,
    wait_modlog,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


def _request_index(emu: Emulator, method: str, path: str) -> int:
    return next(i for i, r in enumerate(emu.requests) if r.method == method and r.path == path)


async def test_spoiler_in_public_channel_is_nudged_after_the_mod_log_entry(emulator: Emulator) -> None:
    guild, _ = await configured_server(emulator)
    mina = emulator.member(guild, "Mina")
    general = guild.channel("general")
    spoiler = await mina.say(general, "omg Ivan dies at the end??")
    await wait_deleted(emulator, spoiler)
    notice = await emulator.wait_for_message(general)
    assert "ROUND 6" in notice.text and "dies" not in notice.text.lower()
    assert notice.pings.users == {mina.id}
    assert [b["label"] for b in notice.buttons] == ["Get my message back"]
    line = await wait_modlog(emulator, guild, lambda t: "ROUND 6" in t and "removed" in t, "the outcome")
    assert mina.mention in line and "told the author" in line and "⏳" not in line
    modlog_post = _request_index(emulator, "POST", f"/channels/{guild.channel('mod-log').id}/messages")
    deletion = _request_index(emulator, "DELETE", f"/channels/{general.id}/messages/{spoiler.id}")
    assert modlog_post < deletion
    assert_pings_only(emulator, guild, {mina.id})


async def test_copy_button_answers_only_the_author(emulator: Emulator) -> None:
    guild, _ = await configured_server(emulator)
    mina = emulator.member(guild, "Mina")
    nosy = emulator.member(guild, "Nosy")
    general = guild.channel("general")
    await mina.say(general, "Ivan dies and *Till* <@123> @everyone")
    notice = await emulator.wait_for_message(general)
    refused = await nosy.click(notice, "Get my message back")
    assert refused.ephemeral and "Only the person" in refused.text
    assert "Ivan" not in refused.text
    copy = await mina.click(notice, "Get my message back")
    assert copy.ephemeral
    assert copy.content.startswith("||") and copy.content.endswith("||")
    assert "Ivan dies" in copy.content and "\\*Till\\*" in copy.content
    assert "@\u200beveryone" in copy.content and "\\<@123" in copy.content
    assert_pings_only(emulator, guild, {mina.id})


async def test_repost_replaces_the_message_with_a_tagged_copy_under_the_authors_name(
    emulator: Emulator,
) -> None:
    guild, _ = await configured_server(emulator, action="repost")
    mina = emulator.member(guild, "Mina")
    luka_fan = emulator.member(guild, "Lu")
    general = guild.channel("general")
    earlier = await luka_fan.say(general, "what happens in round 6?")
    spoiler = await mina.say(
        general,
        "Ivan dies, sorry <@" + str(luka_fan.id) + "> @everyone",
        reply_to=earlier,
        attachments=[("ivan.png", b"\x89PNG fake image")],
    )
    await wait_deleted(emulator, spoiler)
    repost = await emulator.wait_for_message(general, lambda m: m.webhook_id is not None)
    assert repost.author_name_override is None and repost.author.username == "Mina"
    assert earlier.jump_url in repost.content
    body = repost.content.split("\n")[1]
    assert body.startswith("||") and body.endswith("||") and "Ivan dies" in body
    assert "ROUND 6" in repost.content
    assert [a.filename for a in repost.attachments] == ["SPOILER_ivan.png"]
    assert repost.attachments[0].data == b"\x89PNG fake image"
    assert not repost.pings
    await wait_modlog(emulator, guild, lambda t: "ROUND 6" in t and "reposted" in t, "the repost outcome")
    # a second repost in the same channel reuses the webhook
    again = await mina.say(general, "till was shot in the final")
    await wait_deleted(emulator, again)
    await emulator.wait_for_message(general, lambda m: m.webhook_id is not None)
    hooks = [h for h in emulator.webhooks.values() if h["channel_id"] == str(general.id)]
    assert len(hooks) == 1
    assert_pings_only(emulator, guild, set())


async def test_flag_leaves_the_message_and_tells_the_mod_log(emulator: Emulator) -> None:
    guild, _ = await configured_server(emulator, action="flag")
    mina = emulator.member(guild, "Mina")
    general = guild.channel("general")
    spoiler = await mina.say(general, "luka wins the final btw")
    modlog = guild.channel("mod-log")
    flagged = await emulator.wait_for_message(modlog, lambda m: "FINAL" in m.text and "🚩" in m.text)
    assert spoiler.jump_url in flagged.text
    assert not spoiler.deleted
    assert not [m for m in emulator.messages_in(general) if m.author.id == emulator.bot_user.id]
    assert_pings_only(emulator, guild, set())


async def test_missing_manage_messages_downgrades_to_flag_and_says_so_once(emulator: Emulator) -> None:
    guild, _ = await configured_server(emulator)
    guild.set_bot_permissions(BOT_DEFAULT & ~Permission.MANAGE_MESSAGES)
    mina = emulator.member(guild, "Mina")
    general = guild.channel("general")
    first = await mina.say(general, "ivan dies")
    second = await mina.say(general, "till was shot")
    await emulator.wait_until(
        lambda: (
            sum("🚩" in t for t in modlog_texts(emulator, guild)) == 2
            and any("Manage Messages" in t for t in modlog_texts(emulator, guild))
        ),
        5,
        "both flags and the permission warning",
    )
    assert not first.deleted and not second.deleted
    warnings = [t for t in modlog_texts(emulator, guild) if "Manage Messages" in t]
    assert len(warnings) == 1
    assert "missing the **Manage Messages** permission" in warnings[0] and general.mention in warnings[0]
    assert not any(
        r.method == "DELETE" and r.path.startswith(f"/channels/{general.id}/") for r in emulator.requests
    )


async def test_missing_manage_webhooks_downgrades_a_repost_to_flag(emulator: Emulator) -> None:
    guild, _ = await configured_server(emulator, action="repost")
    guild.set_bot_permissions(BOT_DEFAULT & ~Permission.MANAGE_WEBHOOKS)
    mina = emulator.member(guild, "Mina")
    spoiler = await mina.say(guild.channel("general"), "sua dies")
    modlog = guild.channel("mod-log")
    await emulator.wait_for_message(modlog, lambda m: "🚩" in m.text)
    await wait_modlog(emulator, guild, lambda t: "**Manage Webhooks**" in t, "the permission warning")
    assert not spoiler.deleted
    assert sum("**Manage Webhooks**" in t for t in modlog_texts(emulator, guild)) == 1


async def test_nothing_is_posted_to_a_mod_log_that_is_not_set(emulator: Emulator) -> None:
    guild, _ = await configured_server(emulator, modlog=False)
    mina = emulator.member(guild, "Mina")
    spoiler = await mina.say(guild.channel("general"), "ivan dies")
    await wait_deleted(emulator, spoiler)
    await emulator.wait_for_message(guild.channel("general"))
    assert modlog_texts(emulator, guild) == []


async def test_a_repost_in_a_thread_stays_in_the_thread(emulator: Emulator) -> None:
    guild, _ = await configured_server(emulator, action="repost")
    mina = emulator.member(guild, "Mina")
    thread = await mina.start_thread(guild.channel("general"), "theories")
    spoiler = await mina.say(thread, "luka wins the final")
    await wait_deleted(emulator, spoiler)
    repost = await emulator.wait_for_message(thread, lambda m: m.webhook_id is not None)
    assert "||luka wins the final||" in repost.content
    assert [h["channel_id"] for h in emulator.webhooks.values() if h["guild_id"] == str(guild.id)] == [
        str(guild.channel("general").id)
    ]


async def test_a_permission_warning_waits_for_a_mod_log(emulator: Emulator) -> None:
    guild, mod = await configured_server(emulator, modlog=False)
    guild.set_bot_permissions(BOT_DEFAULT & ~Permission.MANAGE_MESSAGES)
    mina = emulator.member(guild, "Mina")
    general = guild.channel("general")
    unseen = await mina.say(general, "ivan dies")
    await run(mod, "spoilers modlog", channel=guild.channel("mod-log"))
    await mina.say(general, "till was shot")
    await emulator.wait_until(
        lambda: any("**Manage Messages**" in t for t in modlog_texts(emulator, guild)), 5, "the warning"
    )
    assert not unseen.deleted


async def test_moderators_can_discuss_spoilers_in_the_mod_log(emulator: Emulator) -> None:
    guild, mod = await configured_server(emulator)
    modlog = guild.channel("mod-log")
    kept = await mod.say(modlog, "yes, 'ivan dies' is a spoiler, removing those")
    await settle(emulator, emulator.member(guild, "Mina"), guild.channel("general"))
    assert not kept.deleted
