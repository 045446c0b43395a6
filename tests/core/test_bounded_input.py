"""Bad input gets a friendly answer that fits Discord's limits: ids beyond 64 bits, odd digits, and text
longer than a command allows. Through the real bot and the emulator."""

import pytest

from tests.emulator import Emulator
from tests.emulator.process import BotProcess

BEYOND_INT64 = "99999999999999999999"


def friendly(reply) -> None:  # type: ignore[no-untyped-def]
    assert reply.ephemeral, reply.describe()
    assert "error id" not in reply.text and "went wrong" not in reply.text, reply.text
    assert all(len(m.content) <= 2000 for m in reply.messages)


async def test_ids_beyond_64_bits_or_in_odd_digits_are_a_friendly_answer(
    emulator: Emulator, bot: BotProcess
) -> None:
    mod = emulator.moderator(emulator.guild)
    for typed in (BEYOND_INT64, "²", "#0"):
        reply = await mod.slash("spoilers rule remove", rule=typed)
        friendly(reply)
        assert "no such rule" in reply.text
    for command in ("watchparty info", "watchparty cancel", "watchparty edit"):
        options = {"party": BEYOND_INT64, **({"title": "x"} if command.endswith("edit") else {})}
        reply = await mod.slash(command, **options)
        friendly(reply)
        assert "can't find that watch party" in reply.text
    assert not bot.tracebacks


async def test_an_over_long_zone_is_refused_by_the_client_and_a_long_one_is_echoed_short(
    emulator: Emulator, bot: BotProcess
) -> None:
    mina = emulator.member(emulator.guild, "Mina")
    with pytest.raises(AssertionError, match="would not accept 6000 characters"):
        await mina.slash("timezone set", zone="Z" * 6000)
    typed = "`@everyone` " + "Mars/Olympus_Mons" * 6
    reply = await mina.slash("timezone set", zone=typed[:100])
    friendly(reply)
    assert "I don't know the time zone" in reply.text and len(reply.text) < 400
    assert "`@everyone`" not in reply.text  # its backticks cannot close the code span
    helped = await mina.slash("watchparty schedule", episode="r1", when="x" * 80, timezone="Asia/Seoul")
    friendly(helped)
