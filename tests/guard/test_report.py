"""The "Report spoiler" message command: members tell the mod log; moderators act at once."""

from __future__ import annotations

import pytest

from tests.emulator import Emulator
from tests.guard.conftest import assert_pings_only, configured_server, modlog_texts, wait_deleted, wait_modlog

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_a_member_report_goes_to_the_mod_log(emulator: Emulator) -> None:
    guild, _ = await configured_server(emulator)
    mina, reporter = emulator.member(guild, "Mina"), emulator.member(guild, "Kind Soul")
    general = guild.channel("general")
    message = await mina.say(general, "||ivan|| dies lol")  # the name is hidden, "dies" is not: not a match
    answer = await reporter.context_menu("Report spoiler", message)
    assert answer.ephemeral and "passed it on" in answer.text
    line = next(t for t in modlog_texts(emulator, guild) if "📣" in t)
    assert reporter.mention in line and mina.mention in line and message.jump_url in line
    assert not message.deleted
    assert_pings_only(emulator, guild, set())


async def test_a_member_report_names_the_episode_a_rule_finds(emulator: Emulator) -> None:
    guild, mod = await configured_server(emulator)
    await mod.slash("spoilers action", action="flag")
    mina, reporter = emulator.member(guild, "Mina"), emulator.member(guild, "Kind Soul")
    message = await mina.say(guild.channel("general"), "till was shot")
    await reporter.context_menu("Report spoiler", message)
    assert any("📣" in t and "FINAL" in t for t in modlog_texts(emulator, guild))


async def test_a_member_report_without_a_mod_log_says_so(emulator: Emulator) -> None:
    guild, _ = await configured_server(emulator, modlog=False)
    mina, reporter = emulator.member(guild, "Mina"), emulator.member(guild, "Kind Soul")
    message = await mina.say(guild.channel("general"), "you won't believe round 6")
    answer = await reporter.context_menu("Report spoiler", message)
    assert "no mod log" in answer.text


async def test_a_moderator_report_applies_the_servers_action_at_once(emulator: Emulator) -> None:
    guild, mod = await configured_server(emulator)
    mina = emulator.member(guild, "Mina")
    general = guild.channel("general")
    message = await mina.say(
        general, "the guy with the guitar doesn't make it past round 6"
    )  # no rule knows it
    answer = await mod.context_menu("Report spoiler", message)
    assert answer.ephemeral and "I removed it" in answer.text and "told the author" in answer.text
    await wait_deleted(emulator, message)
    notice = await emulator.wait_for_message(general)
    assert "a moderator marked it as a spoiler" in notice.text and notice.pings.users == {mina.id}
    await wait_modlog(
        emulator, guild, lambda t: "Reported spoiler" in t and f"reported by {mod.mention}" in t, "the entry"
    )
    assert_pings_only(emulator, guild, {mina.id})


async def test_reports_are_limited_for_members(emulator: Emulator) -> None:
    guild, _ = await configured_server(emulator)
    mina, reporter = emulator.member(guild, "Mina"), emulator.member(guild, "Eager")
    messages = [await mina.say(guild.channel("general"), f"hmm {i}") for i in range(4)]
    answers = [await reporter.context_menu("Report spoiler", m) for m in messages]
    assert ["passed it on" in a.text for a in answers] == [True, True, True, False]
    assert "give it a minute" in answers[-1].text


async def test_bot_messages_cannot_be_reported(emulator: Emulator) -> None:
    guild, mod = await configured_server(emulator)
    mina = emulator.member(guild, "Mina")
    general = guild.channel("general")
    await mina.say(general, "ivan dies")
    notice = await emulator.wait_for_message(general)
    answer = await mod.context_menu("Report spoiler", notice)
    assert "bot or a webhook" in answer.text and not notice.deleted
