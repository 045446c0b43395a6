"""The one interaction error path, through the real bot: an unexpected exception gives the member an
ephemeral "Something went wrong" with an error id, and the log has the traceback under the same id. A cog
that fails to load is logged, not fatal.

The product ships no command that fails on purpose. Run as `python -m tests.core.test_bot_errors`, this
module is the real bot (`bot.__main__.main`) with one more folder on the `cogs` package path, named by
$CLEMATIS_TEST_COGS: the tests write small cogs there, and the bot's own loader finds and loads them.
"""

import os
import re
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.conftest import assert_clean_exit, community_bot
from tests.emulator import Emulator
from tests.emulator.process import BotProcess

COGS_ENV = "CLEMATIS_TEST_COGS"
FOLLOWUP = r"^/webhooks/\d+/[^/]+$"

FAILING_COG = """
from discord import Interaction, app_commands
from discord.ext import commands

from bot.errors import UserError


class Failing(commands.Cog):
    @app_commands.command(name="fail", description="Raises like a bug would")
    async def fail(self, interaction: Interaction) -> None:
        raise LookupError("secret detail of the failure")

    @app_commands.command(name="fail-late", description="Thinks, then raises like a bug would")
    async def fail_late(self, interaction: Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        raise LookupError("failed after deferring")

    @app_commands.command(name="fail-user", description="Refuses with a message for the member")
    async def fail_user(self, interaction: Interaction) -> None:
        raise UserError("Pick an episode first.")


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Failing())
"""
BROKEN_COGS = {
    "broken_import": "import clematis_module_that_does_not_exist\n",
    "broken_setup": "async def setup(bot):\n    raise RuntimeError('this cog cannot start')\n",
}


def write_cogs(folder: Path, cogs: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, source in cogs.items():
        (folder / f"{name}.py").write_text(source)
    return folder


def bot_with_cogs(emulator: Emulator, db: Path, folder: Path) -> BotProcess:
    return BotProcess(emulator, db, {COGS_ENV: str(folder)}, module="tests.core.test_bot_errors")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def running(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Emulator, BotProcess]]:
    """One bot with a failing cog and two broken ones, shared by the tests below."""
    tmp = tmp_path_factory.mktemp("errors")
    folder = write_cogs(tmp / "cogs", {"failing": FAILING_COG, **BROKEN_COGS})

    def make_bot(emulator: Emulator) -> BotProcess:
        process = bot_with_cogs(emulator, tmp / "clematis.db", folder)
        process.expect_errors = True
        return process

    async for pair in community_bot(make_bot):
        yield pair


@pytest.fixture
def world(running: tuple[Emulator, BotProcess]) -> Iterator[tuple[Emulator, BotProcess]]:
    emulator, process = running
    yield emulator, process
    emulator.faults.clear()
    assert process.running, f"the bot died:\n{process.output}"
    emulator.assert_clean()


shared_loop = pytest.mark.asyncio(loop_scope="module")


def error_id(text: str) -> str:
    found = re.search(r"error id `([0-9a-f]{8})`", text)
    assert found, f"no error id in {text!r}"
    return found[1]


def traceback_for(process: BotProcess, needle: str) -> str:
    matches = [tb for tb in process.tracebacks if needle in tb]
    assert len(matches) == 1, f"{len(matches)} tracebacks mention {needle!r}:\n{process.output}"
    return matches[0]


@shared_loop
async def test_unexpected_error_gives_the_member_an_error_id_found_in_the_log(
    world: tuple[Emulator, BotProcess],
) -> None:
    emulator, process = world
    reply = await emulator.member(emulator.guild, "Mina").slash("fail")
    assert reply.ephemeral
    assert reply.content.startswith("Something went wrong")
    assert "secret detail" not in reply.text, "the member must not see the exception"
    found = error_id(reply.content)
    logged = traceback_for(process, f"error {found} in interaction {reply.id}")
    assert "command=fail," in logged
    assert "LookupError: secret detail of the failure" in logged


@shared_loop
async def test_error_after_deferring_is_reported_in_the_followup(world: tuple[Emulator, BotProcess]) -> None:
    emulator, process = world
    reply = await emulator.member(emulator.guild, "Mina").slash("fail-late")
    assert reply.ephemeral and reply.followups, reply.describe()
    found = error_id(reply.text)
    assert "LookupError: failed after deferring" in traceback_for(process, f"error {found}")


@shared_loop
async def test_rate_limited_followup_is_retried_and_still_arrives(world: tuple[Emulator, BotProcess]) -> None:
    emulator, process = world
    fault = emulator.faults.rate_limit("POST", FOLLOWUP, retry_after=0.3, count=1)
    reply = await emulator.member(emulator.guild, "Mina").slash("fail-late")
    assert fault.hits == 1
    followups = [r.status for r in emulator.requests if r.method == "POST" and reply.token in r.path]
    assert followups[-2:] == [429, 200]
    error_id(reply.text)


@shared_loop
async def test_user_error_is_shown_as_is_without_an_error_id_or_traceback(
    world: tuple[Emulator, BotProcess],
) -> None:
    emulator, process = world
    tracebacks = len(process.tracebacks)
    reply = await emulator.member(emulator.guild, "Mina").slash("fail-user")
    assert reply.ephemeral and reply.content == "Pick an episode first."
    assert len(process.tracebacks) == tracebacks


@shared_loop
async def test_broken_cogs_are_logged_and_the_bot_still_answers(world: tuple[Emulator, BotProcess]) -> None:
    emulator, process = world
    missing = traceback_for(process, "could not load cogs.broken_import; continuing without it")
    assert "clematis_module_that_does_not_exist" in missing
    refused = traceback_for(process, "could not load cogs.broken_setup; continuing without it")
    assert "RuntimeError: this cog cannot start" in refused
    names = {c["name"] for c in emulator.global_commands.values()}
    assert {"about", "help", "fail"} <= names
    reply = await emulator.member(emulator.guild, "Mina").slash("about")
    assert "Version" in reply.text


async def test_a_new_cog_changes_the_tree_and_is_synced_on_the_next_start_only(
    emulator: Emulator, tmp_path: Path
) -> None:
    db = tmp_path / "clematis.db"
    plain = BotProcess(emulator, db)
    await plain.start()
    assert_clean_exit(plain, await plain.stop())
    assert emulator.command_syncs == 1

    folder = write_cogs(tmp_path / "cogs", {"failing": FAILING_COG})
    for start in ("first start with the new cog: one sync", "second start: none"):
        upgraded = bot_with_cogs(emulator, db, folder)
        await upgraded.start()
        assert emulator.command_syncs == 2, start
        assert "fail" in {c["name"] for c in emulator.global_commands.values()}
        assert_clean_exit(upgraded, await upgraded.stop())

    back = BotProcess(emulator, db)  # the cog removed again: its commands go away in one more sync
    await back.start()
    assert emulator.command_syncs == 3
    assert "fail" not in {c["name"] for c in emulator.global_commands.values()}
    assert_clean_exit(back, await back.stop())


def run_with_extra_cogs() -> int:
    """The real entry point with $CLEMATIS_TEST_COGS on the `cogs` package path."""
    import cogs
    from bot.__main__ import main

    cogs.__path__.append(os.environ[COGS_ENV])
    return main()


if __name__ == "__main__":
    sys.exit(run_with_extra_cogs())
