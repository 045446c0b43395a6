"""Command names and descriptions are localised through the Translator and pass Discord's rules."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest

from bot.client import Clematis
from bot.config import load_settings
from bot.db import Database
from bot.i18n import tp
from bot.i18n.commands import DESCRIPTION, MENU, NAME, CatalogueTranslator
from tests.emulator.spec import check_discord_limits

TOKEN = "MTAxMjM0NTY3ODkw.GabcDE.abcdefghijklmnopqrstuvwxyz0123"


@pytest.fixture
async def payload(tmp_path: Path):
    settings = load_settings({"DISCORD_TOKEN": TOKEN, "DATABASE_PATH": str(tmp_path / "b.sqlite3")})
    bot = Clematis(settings, Database(settings.database_path))
    await bot.load_cogs()
    await bot.tree.set_translator(CatalogueTranslator())
    try:
        yield await bot.command_payload()
    finally:
        await bot.close()


def _walk(items):
    for item in items:
        yield item
        yield from _walk(item.get("options") or [])


async def test_every_name_and_description_is_localised(payload) -> None:
    """Each name and description Discord shows a Korean/Japanese/... member is the catalogue's."""
    seen = 0
    for item in _walk(payload):
        menu = item.get("type") in (2, 3) and "options" not in item and "description" not in item
        for locale in ("es-419", "ja", "ko", "pt-BR"):
            shown = (item.get("name_localizations") or {}).get(locale, item["name"])
            expected = tp(locale, MENU if menu else NAME, item["name"])
            assert shown == (expected if menu else expected.lower()), (locale, item["name"])
            if item.get("description"):
                described = (item.get("description_localizations") or {}).get(locale, item["description"])
                assert described == tp(locale, DESCRIPTION, item["description"]), (locale, item["name"])
                assert described != item["description"], (locale, item["description"])
            seen += 1
    assert seen > 400


async def test_localised_tree_passes_discords_rules(payload) -> None:
    assert check_discord_limits("PUT", "/applications/1/commands", payload) == []
    names = {c["name"]: c for c in payload}
    assert names["progress"]["name_localizations"]["ko"] == "진도"
    assert names["watchparty"]["name_localizations"]["ja"] == "同時視聴"


async def test_a_bad_localised_name_is_refused(payload) -> None:
    progress = next(c for c in payload if c["name"] == "progress")
    progress["name_localizations"]["ko"] = "내 진도"  # a space
    problems = check_discord_limits("PUT", "/applications/1/commands", payload)
    assert any("name_localizations/ko" in p for p in problems), problems


async def test_translator_leaves_english_and_unknown_locales_alone() -> None:
    from discord import app_commands

    translator = CatalogueTranslator()
    context = app_commands.TranslationContext(app_commands.TranslationContextLocation.command_name, None)
    assert (
        await translator.translate(app_commands.locale_str("progress"), discord.Locale.french, context)
        is None
    )
    assert (
        await translator.translate(app_commands.locale_str("progress"), discord.Locale.korean, context)
        == "진도"
    )
