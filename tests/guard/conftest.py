"""One emulator and one bot per test module; each test gets a fresh server so tests stay independent."""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
import pytest_asyncio

from tests.conftest import assert_clean_exit
from tests.emulator import Channel, Emulator, Guild, Member, Message, Reply, actions
from tests.emulator.process import BotProcess

_names = itertools.count(1)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Emulator, BotProcess]]:
    emu = Emulator()
    emu.add_guild("Warm-up", channels=["general"])
    await emu.start()
    bot = BotProcess(emu, tmp_path_factory.mktemp("guard") / "clematis.db")
    await bot.start()
    yield emu, bot
    code = await bot.stop()
    await emu.stop()
    assert_clean_exit(bot, code)
    emu.assert_clean()


@pytest.fixture
def emulator(world: tuple[Emulator, BotProcess]) -> Iterator[Emulator]:
    emu = world[0]
    emu.assert_clean()  # a violation in an earlier test must not be blamed on this one
    yield emu
    assert_no_stray_pings(emu)


def assert_no_stray_pings(emu: Emulator) -> None:
    """Every message the bot sent (itself, through webhooks or as interaction answers) notified nobody,
    except a nudge notice, which notifies exactly the member it names first."""
    for message in emu.bot_messages():
        pinged = message.pings
        assert not pinged.everyone and not pinged.roles, f"{message!r} pinged roles or everyone"
        if pinged.users:
            named = re.match(r"<@!?(\d+)>", message.content)
            assert message.webhook_id is None and named is not None, f"{message!r} pinged {pinged.users}"
            assert pinged.users == {int(named[1])}, f"{message!r} pinged {pinged.users}"


@pytest.fixture
def bot(world: tuple[Emulator, BotProcess]) -> BotProcess:
    return world[1]


async def new_server(emu: Emulator) -> Guild:
    """A fresh server the bot has just joined: #general, #spoilers, #mod-log, forum #discussion, Moderator."""
    guild = emu.add_guild(
        f"Fans {next(_names)}",
        channels=["general", "spoilers", "mod-log", "forum:discussion"],
        roles=["Moderator"],
    )
    return guild


async def run(member: Member, command: str, **options: object) -> Reply:
    """A slash command run in the server's first channel; unlike ``member.slash`` this can fill an option
    named ``channel`` (``member.slash(channel=...)`` picks where the command runs)."""
    return await actions.slash(member, command, channel=None, timeout=10.0, options=dict(options))


async def configured_server(
    emu: Emulator, *, action: str | None = None, modlog: bool = True
) -> tuple[Guild, Member]:
    """A fresh server with its mod log set (and optionally an action), and its moderator."""
    guild = await new_server(emu)
    mod = emu.moderator(guild)
    if modlog:
        await run(mod, "spoilers modlog", channel=guild.channel("mod-log"))
    if action is not None:
        await mod.slash("spoilers action", action=action)
    return guild, mod


def modlog_texts(emu: Emulator, guild: Guild) -> list[str]:
    return [m.text for m in emu.messages_in(guild.channel("mod-log"))]


def assert_pings_only(emu: Emulator, guild: Guild, allowed: set[int]) -> None:
    """Every message the bot (or its webhooks) sent in ``guild`` notified nobody outside ``allowed``."""
    for message in emu.bot_messages():
        if message.guild is not guild:
            continue
        pinged = message.pings
        assert not pinged.everyone and not pinged.roles, f"{message!r} pinged roles or everyone"
        assert pinged.users <= allowed, f"{message!r} pinged {pinged.users - allowed}"


async def wait_deleted(emu: Emulator, message: Message, what: str = "the spoiler to be removed") -> None:
    await emu.wait_until(lambda: message.deleted, 5, what)


async def settle(emu: Emulator, member: Member, channel: Channel, spoiler: str = "ivan dies") -> None:
    """Post a known spoiler and wait for its removal: the bot handles messages in order, so everything
    posted before it has been judged by then."""
    sentinel = await member.say(channel, f"sentinel: {spoiler}")
    await wait_deleted(emu, sentinel, "the sentinel spoiler to be removed")
    await emu.wait_for_message(
        channel, lambda m: m.author.id == emu.bot_user.id and member.mention in m.content
    )


async def wait_modlog(emu: Emulator, guild: Guild, predicate: Callable[[str], bool], what: str) -> str:
    """The first mod-log text (as it reads now: entries are edited from intent into outcome) that
    satisfies ``predicate``, waiting for it."""
    await emu.wait_until(lambda: any(predicate(t) for t in modlog_texts(emu, guild)), 10, what)
    return next(t for t in modlog_texts(emu, guild) if predicate(t))
