"""The real bot logs in, syncs its slash commands only when they changed, and answers /about and /help."""

import asyncio
import sys
from pathlib import Path

import aiohttp

from bot import __version__
from tests.conftest import assert_clean_exit
from tests.emulator import Emulator
from tests.emulator.process import BotProcess


def command_puts(emulator: Emulator, since: int = 0) -> list[str]:
    """Paths of the bulk command PUTs the bot made (from request number `since` on)."""
    return [r.path for r in emulator.requests[since:] if r.method == "PUT" and r.path.endswith("/commands")]


async def start(emulator: Emulator, db: Path, **env: str) -> BotProcess:
    process = BotProcess(emulator, db, env_extra=env)
    await process.start()
    return process


async def stop(process: BotProcess) -> None:
    assert_clean_exit(process, await process.stop())


async def run_cli(emulator: Emulator, db: Path, *args: str) -> tuple[int, str]:
    """`python -m bot ARGS` with the environment the bot runs with; (exit code, output)."""
    env = BotProcess(emulator, db).env()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=db.parent,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode is not None
    return proc.returncode, out.decode()


async def test_bot_syncs_about_and_help_once_and_answers_both(emulator: Emulator, bot: BotProcess) -> None:
    assert emulator.command_syncs == 1
    assert command_puts(emulator) == [f"/applications/{emulator.application_id}/commands"]
    assert {"about", "help"} <= {c["name"] for c in emulator.global_commands.values()}

    mina = emulator.member(emulator.guild, "Mina")
    about = await mina.slash("about")
    assert about.ephemeral
    assert about.embed["title"] == "Clematis"
    fields = {f["name"]: f["value"] for f in about.embed["fields"]}
    assert fields["Version"] == __version__
    assert fields["Servers"] == "1"

    helped = await mina.slash("help")
    assert helped.ephemeral
    # Commands are mentioned with the ids Discord gave them at sync, so members can click them.
    ids = {c["name"]: c["id"] for c in emulator.global_commands.values()}
    assert f"</about:{ids['about']}>" in helped.text and f"</help:{ids['help']}>" in helped.text

    assert [f"{r.method} {r.path} -> {r.status}" for r in emulator.requests if (r.status or 500) >= 400] == []
    assert emulator.violations == []


async def test_a_broken_copy_of_the_bots_answer_would_fail_the_test(
    emulator: Emulator, bot: BotProcess
) -> None:
    """The request checks have teeth: the bot's own /about answer, made invalid, is refused and recorded as
    a violation (which fails any test at teardown)."""
    reply = await emulator.member(emulator.guild, "Mina").slash("about")
    sent = next(r for r in emulator.requests if r.path.endswith("/callback") and r.status == 200)
    assert emulator.violations == []

    broken = {**sent.json, "data": {**sent.json["data"]}}
    broken["data"]["embeds"] = [{**sent.json["data"]["embeds"][0], "title": "C" * 300}]
    async with aiohttp.ClientSession() as session:
        async with session.post(emulator.api_url + sent.path, json=broken) as response:
            status = response.status
    assert status == 400
    assert any("title" in v and "256" in v for v in emulator.violations), emulator.violations
    try:
        emulator.assert_clean()
        raise AssertionError("assert_clean() passed despite a recorded violation")
    except AssertionError as exc:
        assert "violation" in str(exc)
    emulator.violations.clear()
    assert reply.ephemeral


async def test_second_start_with_the_same_database_syncs_nothing(emulator: Emulator, tmp_path: Path) -> None:
    db = tmp_path / "clematis.db"
    await stop(await start(emulator, db))
    assert emulator.command_syncs == 1
    before = len(emulator.requests)

    again = await start(emulator, db)
    assert command_puts(emulator, before) == []
    assert "command tree unchanged (global); not syncing" in again.output
    reply = await emulator.member(emulator.guild, "Mina").slash("help")
    ids = {c["name"]: c["id"] for c in emulator.global_commands.values()}
    assert f"</about:{ids['about']}>" in reply.text, "command ids were not kept from the first sync"
    await stop(again)


async def test_dev_guild_syncs_to_that_guild_once_then_never_again(
    emulator: Emulator, tmp_path: Path
) -> None:
    db = tmp_path / "clematis.db"
    guild = emulator.guild
    first = await start(emulator, db, DEV_GUILD_ID=str(guild.id))
    assert command_puts(emulator) == [f"/applications/{emulator.application_id}/guilds/{guild.id}/commands"]
    assert emulator.global_commands == {}
    assert {"about", "help"} <= {c["name"] for c in emulator.guild_commands[guild.id].values()}
    reply = await emulator.member(guild, "Mina").slash("about")
    assert reply.ephemeral and "Version" in reply.text
    await stop(first)

    before = len(emulator.requests)
    await stop(await start(emulator, db, DEV_GUILD_ID=str(guild.id)))
    assert command_puts(emulator, before) == []

    # Each scope keeps its own record: going global later syncs globally once.
    before = len(emulator.requests)
    await stop(await start(emulator, db))
    assert command_puts(emulator, before) == [f"/applications/{emulator.application_id}/commands"]


async def test_sync_command_forces_a_sync_and_exits_0(emulator: Emulator, tmp_path: Path) -> None:
    db = tmp_path / "clematis.db"
    await stop(await start(emulator, db))
    assert emulator.command_syncs == 1

    code, output = await run_cli(emulator, db, "sync")
    assert code == 0, output
    assert emulator.command_syncs == 2
    assert "synced" in output and "Traceback" not in output
    assert emulator.identifies == 1, "`sync` must not open a gateway session"
