"""The leak check: text shown at a horizon names nothing that comes later and holds no later spoiler
rule; it passes on the bundled pack, names file, entry and field on a pack that leaks, and runs in
`python -m bot check` (also over CANON_DIR overrides)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.canon.leaks import check_dir, find_leaks
from bot.canon.loader import load_pack_with_sources
from tests.core.test_bot_cli import TOKEN, clean_env, run_bot


def leaks_of(builtin: Path, overrides: Path | None = None) -> list[str]:
    return [str(leak) for leak in check_dir(overrides, builtin).leaks]


def test_the_bundled_pack_shows_nothing_early() -> None:
    pack, sources = load_pack_with_sources()
    assert [str(leak) for leak in find_leaks(pack, sources)] == []


def test_the_small_fixture_pack_is_clean(builtin: Path) -> None:
    assert leaks_of(builtin) == []


def test_a_summary_naming_a_later_character_is_reported_with_file_entry_and_field(
    builtin: Path, overrides: Path
) -> None:
    (overrides / "beta.toml").write_text(
        """
[[character]]
id = "beta"
name = "Beta"
role = "Contestant"
summary = "A singer from the second round."
first_appearance = "two"

[[character]]
id = "alpha"
summary = "A singer who will meet Beta later."
""",
        encoding="utf-8",
    )
    assert leaks_of(builtin, overrides) == [
        f"file: {overrides / 'beta.toml'}, entry character 'alpha', field 'summary': names character 'beta' "
        "(as 'Beta'), first seen in 'two': some who are shown this text have not got that far"
    ]


def test_a_fact_gated_early_may_not_hold_a_later_episodes_rule_or_name(
    builtin: Path, overrides: Path
) -> None:
    (overrides / "leaky.toml").write_text(
        """
[[episode]]
id = "three"
spoiler_rules = ["gamma wins the special"]

[[term]]
id = "garden"
facts = [
  { text = "In the end gamma wins the special.", revealed_in = "one", confidence = "low" },
  { text = "Gamma wins the special, as everyone who saw it knows.", revealed_in = "three", confidence = "low" },
  { text = "Its pupils sing in Special Three.", revealed_in = "two", confidence = "low" },
]
""",
        encoding="utf-8",
    )
    found = leaks_of(builtin, overrides)
    assert len(found) == 2, found
    assert "entry term 'garden', field 'facts[1].text': contains 'gamma wins the special'" in found[0]
    assert "a spoiler rule of episode 'three'" in found[0]
    assert "field 'facts[3].text': names episode 'three' (as 'Special Three')" in found[1]


def test_public_text_holds_no_spoiler_rule_at_all(builtin: Path, overrides: Path) -> None:
    # Episode one's own rule in its premise: the premise is shown before anyone has watched it.
    (overrides / "premise.toml").write_text(
        '[[episode]]\nid = "one"\npremise = "A round in which alpha dies."\n', encoding="utf-8"
    )
    (found,) = leaks_of(builtin, overrides)
    assert "entry episode 'one', field 'premise': contains 'alpha dies'" in found


def test_horizons_span_tracks_the_way_the_guard_does(builtin: Path, overrides: Path) -> None:
    # The comic requires ROUND Two: its details may name Beta (first seen in two), not Special Three.
    (overrides / "comic.toml").write_text(
        """
[[character]]
id = "beta"
name = "Beta"
role = "Contestant"
summary = "A singer."
first_appearance = "two"

[[episode]]
id = "comic"
details = [
  { text = "Beta draws a comic.", revealed_in = "comic", confidence = "low" },
  { text = "Beta draws the Special Three poster.", revealed_in = "comic", confidence = "low" },
]
""",
        encoding="utf-8",
    )
    (found,) = leaks_of(builtin, overrides)
    assert "entry episode 'comic', field 'details[2].text': names episode 'three'" in found


def test_a_role_may_not_tie_an_entry_to_someone_met_earlier_but_may_name_the_setting(
    builtin: Path, overrides: Path
) -> None:
    (overrides / "roles.toml").write_text(
        """
[[character]]
id = "delta"
name = "Delta"
role = "Alpha's rival"
summary = "A pupil of the Garden."
first_appearance = "three"
""",
        encoding="utf-8",
    )
    # Alpha and the Garden are the setting (first episode), so both are fine.
    assert leaks_of(builtin, overrides) == []
    (overrides / "roles.toml").write_text(
        (overrides / "roles.toml").read_text(encoding="utf-8").replace("Alpha's rival", "Beta's rival")
        + '\n[[character]]\nid = "beta"\nname = "Beta"\nrole = "Contestant"\nsummary = "A singer."\n'
        'first_appearance = "two"\n',
        encoding="utf-8",
    )
    (found,) = leaks_of(builtin, overrides)
    assert "entry character 'delta', field 'role': names character 'beta'" in found


def test_performers_who_first_appear_later_are_reported(builtin: Path, overrides: Path) -> None:
    (overrides / "stage.toml").write_text(
        """
[[character]]
id = "beta"
name = "Beta"
role = "Contestant"
summary = "A singer."
first_appearance = "three"

[[episode]]
id = "two"
performers = ["alpha", "beta"]
""",
        encoding="utf-8",
    )
    found = leaks_of(builtin, overrides)
    assert any("entry episode 'two', field 'performers[2]': shows character 'beta'" in f for f in found)
    # The fixture's own "Beta wins." detail of episode two now names her before she appears, too.
    assert any("field 'details[1].text': names character 'beta'" in f for f in found)


# --- python -m bot check ------------------------------------------------------------------------------


LEAKY_OVERRIDE = """
[[character]]
id = "hyunwoo"
role = "Hyuna's little brother"
summary = "A boy who dies in a flashback; hyunwoo was killed."
"""

MOVED_OVERRIDE = """
[[episode]]
id = "karma-backstage"
track = "main"
kind = "special"
after = "wiege"
title = "KARMA: Backstage"
premise = "A short the operator added."

[[episode]]
id = "karma"
after = "karma-backstage"
"""


@pytest.mark.asyncio
async def test_check_fails_on_a_leaking_override_and_names_the_field(tmp_path: Path) -> None:
    canon = tmp_path / "canon"
    canon.mkdir()
    (canon / "hyunwoo.toml").write_text(LEAKY_OVERRIDE, encoding="utf-8")
    env = clean_env(DISCORD_TOKEN=TOKEN, DATABASE_PATH=str(tmp_path / "c.db"), CANON_DIR=str(canon))
    run = await run_bot("check", env=env, cwd=tmp_path)
    assert run.code == 2, run.stdout + run.stderr
    assert "gives away later episodes in 2 place(s) shown to members" in run.stderr
    assert (
        f"file: {canon / 'hyunwoo.toml'}, entry character 'hyunwoo', field 'role': names character 'hyuna'"
        in (run.stderr)
    )
    assert "field 'summary': contains 'hyunwoo was killed', a spoiler rule of episode 'all-in'" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.asyncio
async def test_check_warns_about_an_override_that_orders_a_moved_episode(tmp_path: Path) -> None:
    canon = tmp_path / "canon"
    canon.mkdir()
    (canon / "backstage.toml").write_text(MOVED_OVERRIDE, encoding="utf-8")
    env = clean_env(DISCORD_TOKEN=TOKEN, DATABASE_PATH=str(tmp_path / "c.db"), CANON_DIR=str(canon))
    run = await run_bot("check", env=env, cwd=tmp_path)
    assert run.code == 0, run.stderr
    assert (
        f"data pack warning: file: {canon / 'backstage.toml'}, entry episode 'karma', field 'after': pack 2026.2 "
        "moved this episode (built in: after = 'wiege'; yours: 'karma-backstage')"
    ) in run.stdout
    assert "no spoilers in text shown to members" in run.stdout


# --- the changelog ------------------------------------------------------------------------------------


def test_the_changelog_is_checked_like_any_pack_field(builtin: Path) -> None:
    from bot.canon.loader import PackError, load_pack

    pack_file = builtin / "pack.toml"
    original = pack_file.read_text(encoding="utf-8")
    pack_file.write_text(
        original
        + '\n[[changes]]\nversion = "1"\nnotes = ["Fixed: alpha dies in round one."]\nmoved = ["two"]\n',
        encoding="utf-8",
    )
    pack = load_pack(None, builtin)
    assert pack.change() is not None and pack.change().moved == ("two",)  # type: ignore[union-attr]
    (found,) = leaks_of(builtin)  # /canon info shows the notes to everyone
    assert found.startswith("file: pack.toml, entry changes '1', field 'notes[1]': contains 'alpha dies'")
    pack_file.write_text(original + "\n[[changes]]\nversion = 3\n", encoding="utf-8")
    with pytest.raises(PackError) as caught:
        load_pack(None, builtin)
    assert caught.value.problems == [
        "file: pack.toml, entry changes #1, field 'version': expected a string, got integer"
    ]
