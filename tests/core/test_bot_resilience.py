"""The real bot survives what Discord does to it (a dropped gateway, 429s, 5xx answers) and shuts down
cleanly on SIGTERM and SIGINT."""

import asyncio
import signal
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.db import bundled_migrations
from tests.conftest import assert_clean_exit, community_bot
from tests.emulator import Emulator
from tests.emulator.process import BotProcess

CALLBACK = r"/interactions/\d+/[^/]+/callback$"
shared_loop = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def running(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Emulator, BotProcess]]:
    """One emulator and one bot process for the tests that only need a bot that is up."""
    db_path = tmp_path_factory.mktemp("resilience") / "clematis.db"
    async for pair in community_bot(lambda emulator: BotProcess(emulator, db_path)):
        yield pair


@pytest.fixture
def world(running: tuple[Emulator, BotProcess]) -> Iterator[tuple[Emulator, BotProcess]]:
    emulator, process = running
    yield emulator, process
    emulator.faults.clear()
    assert process.running, f"the bot died:\n{process.output}"
    emulator.assert_clean()
    assert not process.tracebacks, "\n".join(process.tracebacks)


def callbacks(emulator: Emulator, reply_id: int) -> list[int | None]:
    """Statuses of every callback POST the bot made for one interaction, in order."""
    return [
        r.status for r in emulator.requests if r.method == "POST" and f"/interactions/{reply_id}/" in r.path
    ]


@shared_loop
async def test_bot_resumes_after_the_gateway_drops_and_keeps_answering(
    world: tuple[Emulator, BotProcess],
) -> None:
    emulator, process = world
    mina = emulator.member(emulator.guild, "Mina")
    assert "Version" in (await mina.slash("about")).text
    identifies, resumes = emulator.identifies, emulator.resumes

    await emulator.drop_gateway()
    await emulator.wait_for_resume()
    assert emulator.resumes == resumes + 1
    assert emulator.identifies == identifies, "the bot started a new session instead of resuming"
    assert "Version" in (await mina.slash("about")).text


@shared_loop
async def test_command_sent_while_the_gateway_is_down_is_answered_after_resume(
    world: tuple[Emulator, BotProcess],
) -> None:
    emulator, process = world
    mina = emulator.member(emulator.guild, "Mina")
    await emulator.drop_gateway()
    reply = await mina.slash("about")  # dispatched into the gap, replayed on RESUME
    assert reply.ephemeral and "Version" in reply.text
    assert emulator.resumes >= 1


@shared_loop
async def test_rate_limited_interaction_callback_is_retried(world: tuple[Emulator, BotProcess]) -> None:
    emulator, process = world
    fault = emulator.faults.rate_limit("POST", CALLBACK, retry_after=0.4, count=1)
    started = time.monotonic()
    reply = await emulator.member(emulator.guild, "Mina").slash("about")
    assert reply.ephemeral and "Version" in reply.text
    assert fault.hits == 1
    assert callbacks(emulator, reply.id) == [429, 200]
    assert time.monotonic() - started >= 0.4, "the bot did not wait retry_after before retrying"
    await process.wait_for_output("is rate limited. Retrying in 0.40 seconds")


@shared_loop
async def test_server_error_on_interaction_callback_is_retried(world: tuple[Emulator, BotProcess]) -> None:
    """discord.py's webhook adapter (which answers interactions) retries any 5xx after 1 s, 3 s, ..."""
    emulator, process = world
    emulator.faults.server_error("POST", CALLBACK, status=503, count=1)
    reply = await emulator.member(emulator.guild, "Mina").slash("help")
    assert reply.ephemeral and "/about" in reply.text
    assert callbacks(emulator, reply.id) == [503, 200]


# ---------------------------------------------------------------------------------------------- start-up faults


async def test_server_errors_at_login_and_sync_are_retried(emulator: Emulator, tmp_path: Path) -> None:
    """discord.py's HTTP client retries 500, 502, 504 and 524 (after 1 s, 3 s, ...)."""
    emulator.faults.server_error("GET", r"^/users/@me$", status=502, count=1)
    emulator.faults.server_error("PUT", r"/commands$", status=500, count=1)
    process = BotProcess(emulator, tmp_path / "clematis.db")
    await process.start()
    statuses = [(r.method, r.path.split("/")[-1], r.status) for r in emulator.requests]
    assert statuses[:2] == [("GET", "@me", 502), ("GET", "@me", 200)]
    assert [s for m, path, s in statuses if m == "PUT"] == [500, 200]
    assert emulator.command_syncs == 1
    assert "Version" in (await emulator.member(emulator.guild, "Mina").slash("about")).text
    assert_clean_exit(process, await process.stop())


async def test_unretried_server_error_at_sync_stops_the_bot_and_the_next_start_syncs(
    emulator: Emulator, tmp_path: Path
) -> None:
    """A 503 is not retried by discord.py's HTTP client: the bot exits 1 (so systemd restarts it) with one
    line, records no sync, and the next start syncs."""
    emulator.faults.server_error("PUT", r"/commands$", status=503, count=1)
    db = tmp_path / "clematis.db"
    failing = BotProcess(emulator, db)
    with pytest.raises(AssertionError, match="exited with code 1"):
        await failing.start()
    assert "Traceback" not in failing.output
    assert "clematis: Discord answered 503" in failing.output
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM bot_state").fetchone()[0] == 0

    again = BotProcess(emulator, db)
    await again.start()
    assert emulator.command_syncs == 1
    assert_clean_exit(again, await again.stop())


async def test_unreachable_discord_is_one_line_and_exit_1(emulator: Emulator, tmp_path: Path) -> None:
    """Not a configuration mistake (the network may come back), so exit 1 and systemd restarts the bot."""
    process = BotProcess(emulator, tmp_path / "clematis.db", {"DISCORD_API_BASE_URL": "http://127.0.0.1:9"})
    with pytest.raises(AssertionError, match="exited with code 1"):
        await process.start(timeout=20)
    assert "Traceback" not in process.output
    assert "clematis: could not reach Discord at http://127.0.0.1:9" in process.output


# ---------------------------------------------------------------------------------------------- shutdown


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_signal_shuts_down_cleanly_and_leaves_a_consistent_database(
    emulator: Emulator, tmp_path: Path, sig: signal.Signals
) -> None:
    db = tmp_path / "clematis.db"
    process = BotProcess(emulator, db)
    await process.start()
    assert "Version" in (await emulator.member(emulator.guild, "Mina").slash("about")).text

    assert process.proc is not None
    process.proc.send_signal(sig)
    code = await process.stop()
    assert code == 0, process.output
    assert not process.tracebacks, "\n".join(process.tracebacks)
    log = process.output
    assert f"received {sig.name}, shutting down" in log
    assert log.rstrip().splitlines()[-1].endswith("Clematis has shut down"), log

    with sqlite3.connect(db) as conn:  # a new process opens it: consistent, migrated, state kept
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == bundled_migrations()[-1].version
        keys = {row[0] for row in conn.execute("SELECT key FROM bot_state")}
    assert "command_tree_hash:global" in keys


@pytest.mark.parametrize(
    ("env", "step", "marker"),
    [
        ({}, "syncing commands", "applied migration"),
        ({"DISCORD_GUILD_READY_TIMEOUT": "5"}, "waiting for servers", "has connected to Gateway"),
    ],
    ids=["during-sync", "before-ready"],
)
async def test_sigterm_during_start_up_exits_0_without_a_traceback(
    emulator: Emulator, tmp_path: Path, env: dict[str, str], step: str, marker: str
) -> None:
    """`systemctl stop` while the bot is still starting is a normal stop, not a crash."""
    if step == "syncing commands":
        emulator.faults.delay("PUT", r"/commands$", seconds=1.5)
    db = tmp_path / "clematis.db"
    process = BotProcess(emulator, db, env)
    starting = asyncio.create_task(process.start())
    await process.wait_for_output(marker)
    if step == "syncing commands":
        await emulator.wait_until(lambda: any(r.method == "PUT" for r in emulator.requests), 5, "the sync")
    assert process.proc is not None and process.running
    process.proc.send_signal(signal.SIGTERM)
    with pytest.raises(AssertionError, match="exited with code 0 before it was ready"):
        await starting
    assert not process.tracebacks, "\n".join(process.tracebacks)
    assert process.output.rstrip().endswith("Clematis has shut down"), process.output

    if step == "syncing commands":  # the interrupted sync was not recorded: the next start syncs
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT count(*) FROM bot_state").fetchone()[0] == 0
        emulator.faults.clear()
        before = len(emulator.requests)
        again = BotProcess(emulator, db)
        await again.start()
        assert [r.method for r in emulator.requests[before:] if r.path.endswith("/commands")] == ["PUT"]
        assert "Version" in (await emulator.member(emulator.guild, "Mina").slash("about")).text
        assert_clean_exit(again, await again.stop())
