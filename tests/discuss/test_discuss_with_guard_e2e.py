"""The discussion threads and the spoiler guard together, as moderators and members would use them:
a thread made by /discuss allows its own episode's spoilers at once, and still catches later ones."""

from __future__ import annotations

from tests.emulator import Emulator, actions
from tests.emulator.process import BotProcess


async def test_a_thread_made_by_discuss_is_a_spoiler_place_for_its_episode_only(
    emulator: Emulator, bot: BotProcess
) -> None:
    guild = emulator.guild
    forum = guild.channel("discussion")
    mod = emulator.moderator(guild)
    mina = emulator.member(guild, "Mina")
    await actions.slash(
        mod, "spoilers discussion-channel", channel=None, timeout=10.0, options={"channel": forum}
    )
    await actions.slash(
        mod, "spoilers modlog", channel=None, timeout=10.0, options={"channel": guild.channel("mod-log")}
    )

    opened = await mina.slash("discuss", episode="r5")
    thread = next(t for t in guild.threads if t.parent_id == forum.id)
    assert f"<#{thread.id}>" in opened.text

    # ROUND 5's own spoiler is fine in ROUND 5's thread, straight away (no restart, no reload command).
    fine = await mina.say(thread, "can't believe luka beats mizi like that")
    # A later episode's spoiler is still caught there.
    later = await mina.say(thread, "and then ivan dies in the next round")
    await emulator.wait_until(lambda: later.deleted, timeout=10, what="the ROUND 6 spoiler to be removed")
    assert not fine.deleted

    # In #general, ROUND 5's spoiler is caught as well: nothing is public by default.
    outside = await mina.say(guild.channel("general"), "luka beats mizi!!")
    await emulator.wait_until(lambda: outside.deleted, timeout=10, what="the spoiler in #general to go")
    for message in emulator.bot_messages():
        assert message.pings.users <= {mina.user.id}, message.text
        assert not message.pings.roles and not message.pings.everyone
