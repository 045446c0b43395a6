"""/help shows each member what they can use: moderators' groups only to moderators, /canon-reload only to
the bot's owner (labelled as theirs), through the real bot and the emulator."""

from tests.emulator import Emulator, Permission
from tests.emulator.process import BotProcess

MODERATOR_COMMANDS = ("/spoilers", "/cw-admin", "/watchparty-admin")


async def test_help_shows_each_member_what_they_can_use(emulator: Emulator, bot: BotProcess) -> None:
    guild = emulator.guild
    member = await emulator.member(guild, "Mina").slash("help")
    assert member.ephemeral
    assert (
        "/character" in member.text and "/watchparty schedule" in member.text and "/cw episode" in member.text
    )
    for hidden in (*MODERATOR_COMMANDS, "/canon-reload", "(moderators)", "(bot owner)"):
        assert hidden not in member.text, hidden

    mod = await emulator.moderator(guild).slash("help")
    assert "/spoilers rule add" in mod.text and "/cw-admin note" in mod.text
    assert "/watchparty-admin limits" in mod.text and "(moderators)" in mod.text
    assert "/canon-reload" not in mod.text

    admin = await emulator.member(guild, "Admin", permissions=Permission.ADMINISTRATOR).slash("help")
    assert "/spoilers settings" in admin.text and "/canon-reload" not in admin.text  # not the owner

    owner = await guild.members[emulator.owner.id].slash("help")
    line = next(line for line in owner.text.splitlines() if "/canon-reload" in line)
    assert "(bot owner)" in line and "(moderators)" not in line
