"""The canon in the member's language, end to end through the emulator: autocomplete finds names typed
in Japanese, Korean, Spanish and Portuguese, and lookups, facts and content-warning notes come in the
member's language with the English name alongside."""

from __future__ import annotations

import pytest

from bot.canon import l10n
from bot.canon.loader import load_pack
from bot.i18n import t
from tests.lookup.conftest import World

pytestmark = pytest.mark.asyncio(loop_scope="module")
PACK = load_pack()


async def test_a_japanese_member_finds_mizi_by_katakana_and_reads_her_card_in_japanese(world: World) -> None:
    member = world.emulator.member(world.emulator.guild, "ja-fan", locale="ja")
    choices = await member.autocomplete("character", "name", "ミジ")
    assert choices[0] == {"name": "ミジ (Mizi)", "value": "mizi"}
    card = await member.slash("character", name="mizi")
    assert card.embed["title"] == f"ミジ {t('ja', '(unconfirmed)')}"  # no official Japanese rendering
    assert l10n.text(PACK, PACK.character("mizi"), "summary", "ja") in card.text
    assert "Mizi" in card.text  # the English name alongside


async def test_a_korean_member_types_hangul_and_reads_facts_and_warning_notes_in_korean(world: World) -> None:
    member = world.emulator.member(world.emulator.guild, "ko-fan", locale="ko")
    world.set_progress(member.id, main="r5")
    choices = await member.autocomplete("character", "name", "미지")
    assert choices[0]["value"] == "mizi"
    card = await member.slash("character", name="미지", private=True)
    assert "라운드 1에서 수아를 이겨요." in card.text  # a fact, in Korean, once it has been seen
    assert "Wins ROUND 1 against Sua." not in card.text
    warnings = await member.slash("cw episode", episode="r5")
    assert "||잔혹한 구타.||" in warnings.text and "A brutal beating" not in warnings.text


async def test_a_spanish_member_types_a_spanish_title(world: World) -> None:
    member = world.emulator.member(world.emulator.guild, "es-fan", locale="es-419")
    choices = await member.autocomplete("episode", "title", "ronda 6")
    assert choices[0] == {"name": "RONDA 6: Cure", "value": "r6"}
    card = await member.slash("episode", title="ronda 6", private=True)
    assert card.embed["title"] == "RONDA 6: Cure"
    assert "*ROUND 6: Cure*" in card.embed["description"]  # the English title under the Spanish one
    assert "Dos concursantes que se conocen desde Anakt Garden" in card.text


async def test_a_brazilian_member_reads_portuguese_facts_and_never_one_past_their_progress(
    world: World,
) -> None:
    member = world.emulator.member(world.emulator.guild, "pt-fan", locale="pt-BR")
    world.set_progress(member.id, main="r1")
    choices = await member.autocomplete("episode", "title", "rodada 5")
    assert choices[0] == {"name": "RODADA 5: Ruler of My Heart", "value": "r5"}
    card = await member.slash("character", name="Mizi", private=True)
    assert "Vence a RODADA 1 contra Sua." in card.text
    assert "RODADA 5" not in card.text and "ROUND 5" not in card.text  # later facts stay hidden
