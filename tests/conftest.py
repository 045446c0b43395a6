"""Shared fixtures: a started Discord emulator with one community guild, and the real bot running against it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from tests.database import ON_POSTGRES, drop, drop_all, new_database
from tests.emulator import Emulator
from tests.emulator.process import BotProcess

GUILD_CHANNELS = ["general", "spoilers", "mod-log", "voice:Watch Party"]
FORUM_TAGS = ["Theory", "Fan art", "Episode 5", "Spoilers"]


def build_community(emulator: Emulator) -> None:
    """The default world: #general, #spoilers, #mod-log, forum #discussion (tagged), a voice channel and a
    Moderator role."""
    guild = emulator.add_guild("Alien Stage Fans", channels=GUILD_CHANNELS, roles=["Moderator"])
    guild.add_forum("discussion", tags=FORUM_TAGS)


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    emu = Emulator()
    build_community(emu)
    await emu.start()
    yield emu
    await emu.stop()
    emu.assert_clean()


@pytest.fixture
async def bot(emulator: Emulator, tmp_path: Path) -> AsyncIterator[BotProcess]:
    process = BotProcess(emulator, tmp_path / "clematis.db")
    await process.start()
    yield process
    code = await process.stop()
    assert_clean_exit(process, code)


async def community_bot(
    make_bot: Callable[[Emulator], BotProcess],
) -> AsyncIterator[tuple[Emulator, BotProcess]]:
    """The default world with a bot (built by ``make_bot``) started in it, for module-scoped fixtures.
    Stops both afterwards and checks the bot exited cleanly."""
    emulator = Emulator()
    build_community(emulator)
    await emulator.start()
    process = make_bot(emulator)
    await process.start()
    try:
        yield emulator, process
    finally:
        code = await process.stop()
        await emulator.stop()
    assert_clean_exit(process, code)


def assert_clean_exit(process: BotProcess, code: int | None) -> None:
    """The bot exits 0 on SIGTERM and logged no traceback (unless the test killed it or expected errors)."""
    if not process.killed:
        assert code == 0, f"the bot exited with code {code} on SIGTERM.\nOutput:\n{process.output}"
    if not process.expect_errors:
        assert not process.tracebacks, "the bot logged tracebacks:\n" + "\n".join(process.tracebacks)


@pytest.fixture(scope="session")
def pack():
    """The real bundled canon pack."""
    from bot.canon.loader import load_pack

    return load_pack()


@pytest.fixture
async def db(tmp_path: Path):
    """A real, migrated database: a SQLite file, or a fresh PostgreSQL database when the tests run on one
    (CLEMATIS_TEST_DATABASE_URL, tests/database.py)."""
    from bot.db import Database

    target = new_database() if ON_POSTGRES else str(tmp_path / "test.sqlite3")
    try:
        async with Database(target) as database:
            await database.migrate()
            yield database
    finally:
        if ON_POSTGRES:
            drop(target)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not ON_POSTGRES:
        return
    skip = pytest.mark.skip(
        reason="tests SQLite itself; this run is on PostgreSQL (CLEMATIS_TEST_DATABASE_URL)"
    )
    for item in items:
        if item.get_closest_marker("sqlite_only"):
            item.add_marker(skip)


def pytest_sessionfinish(session: pytest.Session) -> None:
    drop_all()
