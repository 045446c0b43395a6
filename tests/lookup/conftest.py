"""One emulator and one bot per test module (starting the bot is the slow part), with helpers to set a
member's progress through the bot and to change the database the running bot reads (WAL lets a second
connection write while it runs)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.conftest import assert_clean_exit, build_community
from tests.database import execute, query
from tests.emulator import Emulator
from tests.emulator.models import Member
from tests.emulator.process import BotProcess


@dataclass
class World:
    emulator: Emulator
    bot: BotProcess
    db_path: Path

    def sql(self, statement: str, params: tuple[Any, ...] = ()) -> None:
        execute(self.bot.db_target, statement, params)

    async def set_progress(self, member: Member, **tracks: str) -> None:
        """Progress set the way a member sets it (the bot keeps what it read in memory, so a write behind
        its back would not be seen): ``/progress clear``, then ``/progress set`` per track."""
        await member.slash("progress clear")
        for episode_id in tracks.values():
            reply = await member.slash("progress set", episode=episode_id)
            assert reply.ephemeral and not reply.buttons, reply.describe()
        rows = query(
            self.bot.db_target,
            "SELECT track, episode_id FROM member_progress WHERE user_id = ?",
            (member.id,),
        )
        stored = {track: episode_id for track, episode_id in rows}
        assert {track: stored.get(track) for track in tracks} == tracks, stored

    def request_bodies(self, since: int = 0) -> list[str]:
        """Every JSON body the bot sent from request number ``since`` on, as text."""
        import json

        return [json.dumps(r.json, ensure_ascii=False) for r in self.emulator.requests[since:] if r.json]


async def start_world(tmp_path: Path, env_extra: dict[str, str] | None = None) -> World:
    emulator = Emulator()
    build_community(emulator)
    await emulator.start()
    db_path = tmp_path / "clematis.db"
    bot = BotProcess(emulator, db_path, env_extra=env_extra)
    await bot.start()
    return World(emulator, bot, db_path)


async def stop_world(world: World) -> None:
    code = await world.bot.stop()
    await world.emulator.stop()
    assert_clean_exit(world.bot, code)
    world.emulator.assert_clean()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    started = await start_world(tmp_path_factory.mktemp("lookup"))
    yield started
    await stop_world(started)


@pytest.fixture(autouse=True)
def no_violations(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test leaves the shared emulator clean: every body it provoked passed the spec checks."""
    yield
    if "world" in request.fixturenames:
        emulator: Emulator = request.getfixturevalue("world").emulator
        found, emulator.violations[:] = list(emulator.violations), []
        assert not found, "spec violations:\n" + "\n".join(found)
