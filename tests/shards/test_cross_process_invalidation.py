"""Two real bot processes on one PostgreSQL (shard 0 and shard 1 of 2), and the command line as a third:
what one process changes, the other stops holding. A member's progress set through process A is what
process B answers with; a server's spoiler rules, deleted by the operator from the command line, stop
being enforced by the process holding that server; and /canon-reload answered by A reloads B's pack.
PostgreSQL only: on SQLite there is one process and nothing to tell."""

# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import pytest

from bot.canon.loader import load_pack
from tests.conftest import assert_clean_exit
from tests.core import host
from tests.core.test_runtime_database import health
from tests.database import ON_POSTGRES, database_for
from tests.emulator import Channel, Emulator, Member, Message
from tests.emulator.process import REPO_ROOT, BotProcess

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="cross-process invalidation needs PostgreSQL")

PHRASE = "the tinfoil crown returns"


async def passes(emulator: Emulator, member: Member, channel: Channel, text: str) -> Message | None:
    """Post ``text`` and a known canon spoiler after it; once the spoiler is removed (messages are judged in
    order), ``text``'s message if it is still there."""
    message = await member.say(channel, text)
    sentinel = await member.say(channel, "sentinel: ivan dies")
    await emulator.wait_until(lambda: sentinel.deleted, 10, "the sentinel spoiler to be removed")
    await asyncio.sleep(0.5)  # a removal already under way lands by now
    return None if message.deleted else message


async def until_true(check, seconds: float, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, f"timed out after {seconds}s waiting for {what}"
        await asyncio.sleep(0.2)


async def operator(path: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_"))}
    env.update({"DATABASE_URL": database_for(path), "PYTHONPATH": str(REPO_ROOT)})
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=path.parent, env=env, stdout=-1, stderr=-1
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    return out.decode()


async def test_what_one_process_changes_the_other_stops_holding(emulator: Emulator, tmp_path: Path) -> None:
    channels = ("general", "mod-log")
    zero = emulator.add_guild("Zero Fans", channels=channels, roles=["Moderator"], shard=(0, 2))
    one = emulator.add_guild("One Fans", channels=channels, roles=["Moderator"], shard=(1, 2))
    path = tmp_path / "clematis.db"
    port = host.free_port()
    first = BotProcess(emulator, path, {"SHARD_COUNT": "2", "SHARD_IDS": "0", "HEALTH_PORT": str(port)})
    second = BotProcess(emulator, path, {"SHARD_COUNT": "2", "SHARD_IDS": "1"})
    try:
        await first.start()
        await second.start()
        assert "shards 0 of 2" in first.output and "shards 1 of 2" in second.output
        _, report = await health(port)
        assert report["database"]["listening"] is True, report

        # Progress is global: set through A (server Zero), answered by B (server One).
        title = load_pack().episode("r5").title
        mina_zero = emulator.member(zero, "Mina")
        mina_one = one.members[mina_zero.user.id] = Member(mina_zero.user, one)
        before = await mina_one.slash("progress show", channel=one.channel("general"))
        assert title not in before.text
        fact = next(f.text for f in load_pack().character("ivan").facts if f.revealed_in == "r3")
        general = one.channel("general")
        held = await mina_one.slash("character", name="ivan", private=True, channel=general)
        assert fact not in held.text  # B now holds her (no progress) in memory
        set_reply = await mina_zero.slash("progress set", episode="r5", channel=zero.channel("general"))
        assert set_reply.ephemeral and title in set_reply.text
        shown = await mina_one.slash("progress show", channel=one.channel("general"))
        assert title in shown.text
        # B drops what it held once A's notice arrives (sent after A's commit, so a moment later).
        deadline = asyncio.get_running_loop().time() + 5
        while (
            fact not in (await mina_one.slash("character", name="ivan", private=True, channel=general)).text
        ):
            assert asyncio.get_running_loop().time() < deadline, "B still answers from the progress it held"
            await asyncio.sleep(0.05)

        # A rule of server One, held in B's memory, stops being enforced once the operator deletes the
        # server's data from the command line (a third process, on the same database).
        mod = emulator.moderator(one)
        added = await mod.slash("spoilers rule add", episode="r5", phrase="tinfoil crown")
        assert added.ephemeral and "added spoiler rule" in added.text, added.text
        poster = emulator.member(one, "Yuri")
        caught = await poster.say(general, PHRASE)
        await emulator.wait_until(lambda: caught.deleted, 10, "the rule to catch it while it exists")
        printed = await operator(path, "privacy", "delete-guild", str(one.id), "--yes")
        assert f"server {one.id}: deleted" in printed

        kept: list[Message] = []

        async def let_through() -> bool:
            message = await passes(emulator, poster, general, PHRASE)
            kept.extend([message] if message is not None else [])
            return message is not None

        await until_true(let_through, 5, "process B to drop server One's deleted rule")
        await asyncio.sleep(1.0)
        assert not kept[-1].deleted, "the message let through was removed after all"

        # /canon-reload answered by A (the owner, in server Zero) reloads B's pack too.
        owner = zero.members[emulator.owner.id]
        reloaded = await owner.slash("canon-reload", channel=zero.channel("general"))
        assert reloaded.ephemeral
        await emulator.wait_until(
            lambda: "canon pack reloaded as another process asked" in second.output,
            10,
            "B to reload the pack",
        )
        assert "canon pack reloaded as another process asked" not in first.output
    finally:
        codes = [await p.stop() if p.running else None for p in (first, second)]
    for process, code in zip((first, second), codes, strict=True):
        assert_clean_exit(process, code)
