"""Every cog loads, command names are unique, and /help covers the whole tree."""

from collections import Counter
from pathlib import Path

import discord
import pytest
from discord import app_commands

from bot.client import Clematis, tree_payload_hash
from bot.config import load_settings
from bot.db import Database
from bot.help import Viewer, help_lines, paginate_lines, walk_leaf_commands

TOKEN = "MTAxMjM0NTY3ODkw.GabcDE.abcdefghijklmnopqrstuvwxyz0123"


@pytest.fixture
async def loaded_bot(tmp_path: Path):
    settings = load_settings({"DISCORD_TOKEN": TOKEN, "DATABASE_PATH": str(tmp_path / "b.sqlite3")})
    bot = Clematis(settings, Database(settings.database_path))
    await bot.load_cogs()
    yield bot
    await bot.close()


async def test_every_cog_loads(loaded_bot: Clematis) -> None:
    assert loaded_bot.failed_cogs == {}
    assert loaded_bot.cogs, "no cog was loaded"


async def test_command_names_are_unique(loaded_bot: Clematis) -> None:
    top = Counter((type(c).__name__ == "ContextMenu", c.name) for c in loaded_bot.tree.get_commands())
    assert [name for name, count in top.items() if count > 1] == []
    leaves = Counter(c.qualified_name for c in walk_leaf_commands(loaded_bot.tree.get_commands()))
    assert [name for name, count in leaves.items() if count > 1] == []


async def test_every_command_is_described(loaded_bot: Clematis) -> None:
    for command in walk_leaf_commands(loaded_bot.tree.get_commands()):
        assert command.description and command.description != "…", command.qualified_name
        for parameter in command.parameters:
            assert parameter.description and parameter.description != "…", (
                f"/{command.qualified_name} option {parameter.name} has no description"
            )


async def test_help_lists_every_command(loaded_bot: Clematis) -> None:
    everything = Viewer(permissions=discord.Permissions.all(), owner=True)
    text = "\n".join(paginate_lines(help_lines(loaded_bot, everything)))
    for command in walk_leaf_commands(loaded_bot.tree.get_commands()):
        assert f"/{command.qualified_name}" in text
    menus = [c for c in loaded_bot.tree.get_commands() if isinstance(c, app_commands.ContextMenu)]
    for menu in menus:
        assert menu.name in text


def test_tree_hash_ignores_order_but_not_content() -> None:
    a = {"name": "about", "description": "x", "type": 1}
    b = {"name": "help", "description": "y", "type": 1}
    assert tree_payload_hash([a, b]) == tree_payload_hash([b, a])
    assert tree_payload_hash([a, b]) != tree_payload_hash([a, {**b, "description": "z"}])


def test_paginate_never_splits_lines_and_respects_limits() -> None:
    lines = [f"/command{i} — " + "d" * 90 for i in range(200)]
    pages = paginate_lines(lines)
    assert all(len(page) <= 4096 for page in pages)
    assert sum(len(page) for page in pages) <= 6000
    for page in pages:
        for line in page.split("\n"):
            assert line in lines


async def test_every_option_is_bounded(loaded_bot: Clematis) -> None:
    """Nothing a member types can be unbounded: strings declare max_length, numbers their range (inside
    the ±2^53 Discord accepts for integers)."""
    from discord import AppCommandOptionType as Type

    for command in walk_leaf_commands(loaded_bot.tree.get_commands()):
        for p in command.parameters:
            where = f"/{command.qualified_name} {p.name}"
            if p.type is Type.string and not p.choices:
                assert p.max_value is not None and p.max_value <= 6000, f"{where} has no max_length"
            if p.type in (Type.integer, Type.number) and not p.choices:
                assert p.min_value is not None and p.max_value is not None, f"{where} has no range"
                assert -(2**53) < p.min_value and p.max_value < 2**53, where
