"""Messages skip prefix-command parsing (Clematis has only application commands) but reach every listener."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.client import Clematis
from bot.config import load_settings
from bot.db import Database

TOKEN = "MTEyMzQ1Njc4OTAxMjM0NTY3.GEmuLa.emulator-token-not-a-real-one-0000"


async def test_a_message_reaches_each_listener_once_and_is_never_parsed_for_a_prefix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    settings = load_settings({"DISCORD_TOKEN": TOKEN, "DATABASE_PATH": str(tmp_path / "b.sqlite3")})
    bot = Clematis(settings, Database(settings.database_path))
    await bot._async_setup_hook()  # what login does first: the loop the events run on
    seen: list[str] = []
    parsed: list[object] = []

    async def failing(message: object) -> None:
        seen.append("failing")
        raise RuntimeError("a broken listener")

    async def guard(message: object) -> None:
        seen.append(f"guard {message}")

    async def process_commands(message: object) -> None:
        parsed.append(message)

    monkeypatch.setattr(bot, "process_commands", process_commands)
    bot.add_listener(failing, "on_message")
    bot.add_listener(guard, "on_message")
    bot.dispatch("message", "hello")
    for _ in range(5):
        await asyncio.sleep(0)
    assert seen == ["failing", "guard hello"]  # the failure was logged and the next listener still ran
    assert parsed == []
    assert "a broken listener" in caplog.text
    await bot.close()
