"""A running bot against the emulator, shared by the tests of one module, and direct database access."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import community_bot
from tests.database import query
from tests.emulator import Emulator
from tests.emulator.process import BotProcess

R5_VIDEO = "R5offcl_vid"  # 11 characters, like a YouTube video id
R1_VIDEO = "R1offcl_vid"
CANON_OVERRIDE = f"""
[[episode]]
id = "r5"
video_urls = ["https://www.youtube.com/watch?v={R5_VIDEO}"]

[[episode]]
id = "r1"
video_urls = ["https://youtu.be/{R1_VIDEO}"]
"""


def write_canon_override(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "videos.toml").write_text(CANON_OVERRIDE, encoding="utf-8")
    return folder


@dataclass
class World:
    emulator: Emulator
    bot: BotProcess

    def sql(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        """Run one statement on the bot's database (SQLite in WAL mode, or PostgreSQL: safe while the bot
        runs) and commit it."""
        return query(self.bot.db_target, statement, params)


async def start_world(tmp: Path) -> AsyncIterator[World]:
    canon = {"CANON_DIR": str(write_canon_override(tmp / "canon"))}
    async for emulator, process in community_bot(
        lambda emulator: BotProcess(emulator, tmp / "clematis.db", env_extra=canon)
    ):
        yield World(emulator, process)
        emulator.assert_clean()
