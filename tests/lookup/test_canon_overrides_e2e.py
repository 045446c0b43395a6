"""Operator overrides (CANON_DIR) end to end: a new episode and a patched character show without code
changes; a broken override is refused by `python -m bot check` (exit 2) and by /canon-reload, which keeps
the last good pack."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.canon.loader import PackError, load_pack
from bot.spoilers import escape_spoiler
from tests.emulator import DEFAULT_TOKEN
from tests.emulator.process import REPO_ROOT
from tests.lookup.conftest import World, start_world, stop_world

pytestmark = pytest.mark.asyncio(loop_scope="module")

ENCORE = """
[[episode]]
id = "encore"
track = "main"
kind = "special"
after = "karma"
title = "{title}"
aliases = ["encore", "curtain call"]
premise = "A special the operator added after the pack was released."
release_date = 2026-08-01
official_url = "https://example.com/alnst/encore"
performers = ["mizi"]
details = [{{ text = "The curtain falls on an empty stage.", revealed_in = "encore", confidence = "high" }}]

[[character]]
id = "mizi"
japanese = "ミジ"
japanese_confidence = "high"
"""

BROKEN = """
[[episode]]
id = "broken"
track = "main"
kind = "movie"
after = "nowhere"
title = "Broken"
premise = "Not a valid entry."
"""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def overrides(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("canon")
    (folder / "encore.toml").write_text(ENCORE.format(title="ENCORE: Curtain Call"), encoding="utf-8")
    return folder


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory, overrides: Path) -> AsyncIterator[World]:
    started = await start_world(tmp_path_factory.mktemp("bot"), {"CANON_DIR": str(overrides)})
    yield started
    await stop_world(started)


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(PackError) as raised:
        load_pack(folder)
    return raised.value.problems


async def test_an_override_adds_an_episode_and_patches_a_character(world: World) -> None:
    mina = world.emulator.member(world.emulator.guild, "Mina")
    choices = await mina.autocomplete("episode", "title", "curtain")
    assert choices[0] == {"name": "ENCORE: Curtain Call", "value": "encore"}
    episode = await mina.slash("episode", title="encore")
    assert episode.embed["title"] == "ENCORE: Curtain Call"
    assert "A special the operator added" in episode.text and "1 later detail hidden" in episode.text
    assert "Special · Main story" in episode.text
    assert episode.embed["url"] == "https://example.com/alnst/encore"
    assert "[Official page](https://example.com/alnst/encore)" in episode.text
    mizi = await mina.slash("character", name="mizi")
    assert "Japanese: ミジ" in mizi.text and "Japanese: ミジ *(unconfirmed)*" not in mizi.text
    timeline = await mina.slash("timeline")  # 13 main episodes: the encore is on the second page
    assert "Main story (1/2)" in timeline.text and "ENCORE" not in timeline.text
    second = await mina.click(timeline, "Next")
    assert "Main story (2/2)" in second.text and "ENCORE: Curtain Call" in second.text


async def test_canon_info_names_the_overrides_folder_and_shows_the_owner_its_path(
    world: World, overrides: Path
) -> None:
    guild = world.emulator.guild
    member = await world.emulator.member(guild, "Mina").slash("canon info")
    assert f"folder `{overrides.name}`" in member.text and str(overrides) not in member.text
    owner = await guild.members[world.emulator.owner.id].slash("canon info")
    assert f"`{overrides}`" in owner.text and "17 episodes" in owner.text


@pytest.mark.parametrize("command", ["check", "run"])
async def test_check_and_start_reject_a_broken_override_with_exit_2_and_the_exact_problems(
    tmp_path: Path, command: str
) -> None:
    folder = tmp_path / "canon"
    folder.mkdir()
    (folder / "zz-broken.toml").write_text(BROKEN, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "CANON_"))}
    env.update(
        DISCORD_TOKEN=DEFAULT_TOKEN,
        DATABASE_PATH=str(tmp_path / "check.db"),
        CANON_DIR=str(folder),
        PYTHONPATH=str(REPO_ROOT),
        DISCORD_API_BASE_URL="http://127.0.0.1:9",  # never reached: the pack is checked first
        DISCORD_GATEWAY_URL="ws://127.0.0.1:9",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", command, cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    assert not (tmp_path / "check.db").exists()  # refused before touching anything
    problems = problems_of(folder)
    assert len(problems) == 2
    assert "'movie' is not an episode kind" in problems[0] and "unknown episode 'nowhere'" in problems[1]
    for problem in problems:
        assert problem in stderr.decode()
    assert "Traceback" not in stderr.decode()


async def test_reload_with_a_broken_override_keeps_the_last_good_pack_and_says_why(
    world: World, overrides: Path
) -> None:
    owner = world.emulator.guild.members[world.emulator.owner.id]
    mina = world.emulator.member(world.emulator.guild, "Mina")
    broken = overrides / "zz-broken.toml"
    broken.write_text(BROKEN, encoding="utf-8")
    try:
        refused = await owner.slash("canon-reload")
        assert refused.ephemeral and refused.embed["title"] == "Reload refused"
        for problem in problems_of(overrides):
            assert escape_spoiler(problem) in refused.embed["description"]
        assert "still running **ALIEN STAGE canon pack 2026.2**" in refused.text
        still = await mina.slash("episode", title="encore")
        assert still.embed["title"] == "ENCORE: Curtain Call"
    finally:
        broken.unlink()
    (overrides / "encore.toml").write_text(ENCORE.format(title="ENCORE: Last Bow"), encoding="utf-8")
    try:
        done = await owner.slash("canon-reload")
        assert done.embed["title"] == "Canon pack reloaded"
        assert (await mina.slash("episode", title="encore")).embed["title"] == "ENCORE: Last Bow"
        assert (await mina.autocomplete("episode", "title", "last bow"))[0]["value"] == "encore"
    finally:
        (overrides / "encore.toml").write_text(ENCORE.format(title="ENCORE: Curtain Call"), encoding="utf-8")
        await owner.slash("canon-reload")


async def test_reload_lists_many_problems_within_the_embed_limits(world: World, overrides: Path) -> None:
    owner = world.emulator.guild.members[world.emulator.owner.id]
    broken = overrides / "zz-many.toml"
    broken.write_text(
        "\n".join(
            f'[[term]]\nid = "bad-{i}"\nname = "{"Long name " * 20}{i}"\nsummary = 5\nfirst_appearance = "nope"\n'
            for i in range(120)
        ),
        encoding="utf-8",
    )
    try:
        refused = await owner.slash("canon-reload")
        description = refused.embed["description"]
        assert len(description) <= 4096 and "more" in description.splitlines()[-1]
        assert len(problems_of(overrides)) >= 240
    finally:
        broken.unlink()
