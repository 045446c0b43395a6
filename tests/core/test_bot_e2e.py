"""The real bot, started as `python -m bot`, through the emulator."""

from tests.emulator import Emulator


async def test_about_and_help_answer(emulator: Emulator, bot) -> None:
    mina = emulator.member(emulator.guild, "Mina")
    reply = await mina.slash("about")
    assert reply.ephemeral
    assert "Clematis" in reply.text and "Version" in reply.text
    helped = await mina.slash("help")
    assert "/about" in helped.text and "/help" in helped.text
