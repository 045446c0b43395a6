from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.canon.horizon import Horizon
from bot.canon.loader import PackError, load_pack
from bot.canon.model import is_confirmed
from bot.guard.rules import canon_rules_past
from bot.spoilers import compile_rules


def rewrite(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not found in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def append(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.write_text(path.read_text(encoding="utf-8") + "\n" + text, encoding="utf-8")


def problems_of(builtin: Path, overrides: Path | None = None) -> list[str]:
    with pytest.raises(PackError) as caught:
        load_pack(overrides, builtin)
    return caught.value.problems


# --- the real pack ----------------------------------------------------------------------------------


def test_real_pack_loads_with_the_expected_order():
    pack = load_pack()
    assert [e.id for e in pack.episodes_in_order("main")] == [
        "r1", "sweet-dream", "r2", "r3", "r5", "mizi-sua", "top3", "r6", "all-in", "final", "wiege", "karma",
    ]  # fmt: skip
    assert [e.id for e in pack.episodes_in_order("comics")] == ["scars", "remember-everything", "traces"]
    assert [e.id for e in pack.episodes_in_order("zombie")] == ["zs-r1"]
    assert pack.position("r5") == ("main", 4)
    assert pack.version == "2026.2"
    assert pack.episode("r1").release_date == date(2022, 9, 7)
    assert pack.character("luka").hangul == "루카"
    assert pack.term("segyein").hangul == "세계인"


def test_real_pack_flags_uncertain_items():
    pack = load_pack()
    assert pack.episode("sweet-dream").position_confidence == "medium"  # fan-sourced, two sources
    assert not is_confirmed(pack.episode("mizi-sua").position_confidence)
    assert not is_confirmed(pack.episode("traces").position_confidence)
    assert pack.episode("karma").release_date == date(2025, 6, 27)
    assert not is_confirmed(pack.episode("karma").date_confidence)
    assert not is_confirmed(pack.episode("r6").date_confidence)
    assert not is_confirmed(pack.character("hyuna").japanese_confidence)
    assert is_confirmed(pack.episode("r1").date_confidence)


def test_real_pack_has_no_off_screen_round_4_episode_and_gates_it_at_round_5():
    pack = load_pack()
    assert not pack.has_episode("r4")
    assert "luka beats durian" in pack.episode("r5").spoiler_rules
    assert pack.character("durian").first_appearance == "r5"


def test_real_pack_invents_no_links():
    pack = load_pack()
    assert all(e.official_url == "" and e.video_urls == () for e in pack.episodes)


def test_webcomics_require_the_end_of_the_main_story():
    pack = load_pack()
    assert dict(pack.reach("scars")) == {"comics": 0, "main": pack.position("karma")[1]}


# --- validation: one test per kind of problem, with its exact message ------------------------------


def test_fixture_pack_is_valid(builtin):
    pack = load_pack(None, builtin)
    assert [e.id for e in pack.episodes] == ["one", "two", "three", "comic"]


def test_bad_date_is_reported_with_the_expected_format(builtin):
    rewrite(builtin, "episodes.toml", "release_date = 2022-06-01", 'release_date = "2022-13-01"')
    assert problems_of(builtin) == [
        "file: episodes.toml, entry 'two', field 'release_date': '2022-13-01' is not a date (use YYYY-MM-DD)"
    ]


def test_duplicate_id_in_one_file(builtin):
    append(
        builtin,
        "episodes.toml",
        '[[episode]]\nid = "one"\ntrack = "main"\nkind = "round"\ntitle = "X"\npremise = "Y"',
    )
    assert problems_of(builtin) == [
        "file: episodes.toml, entry 'one': duplicate id (another [[episode]] in this file has it)"
    ]


def test_duplicate_id_across_builtin_files(builtin):
    (builtin / "zz-extra.toml").write_text(
        '[[term]]\nid = "garden"\nname = "G"\nsummary = "S"\nfirst_appearance = "one"', encoding="utf-8"
    )
    assert problems_of(builtin) == [
        "file: zz-extra.toml, entry 'garden': duplicate id (first defined in terms.toml)"
    ]


def test_unknown_field_suggests_the_right_one(builtin):
    rewrite(builtin, "episodes.toml", "release_date = 2022-06-01", "relase_date = 2022-06-01")
    assert problems_of(builtin) == [
        "file: episodes.toml, entry 'two', field 'relase_date': unknown field (did you mean 'release_date'?)"
    ]


def test_unknown_field_inside_a_fact(builtin):
    rewrite(builtin, "episodes.toml", 'revealed_in = "two"', 'revealed = "two"')
    assert problems_of(builtin) == [
        "file: episodes.toml, entry 'two', field 'details[1].revealed': unknown field (did you mean 'revealed_in'?)",
        "file: episodes.toml, entry 'two', field 'details[1].revealed_in': missing (required)",
    ]


def test_unknown_episode_reference(builtin):
    rewrite(builtin, "episodes.toml", 'after = "two"', 'after = "tow"')
    assert problems_of(builtin) == [
        "file: episodes.toml, entry 'three', field 'after': unknown episode 'tow' (did you mean 'two'?)"
    ]


def test_unknown_first_appearance(builtin):
    rewrite(builtin, "characters.toml", 'first_appearance = "one"', 'first_appearance = "zero"')
    assert problems_of(builtin) == [
        "file: characters.toml, entry 'alpha', field 'first_appearance': unknown episode 'zero'"
    ]


def test_unknown_warning_topic(builtin):
    rewrite(
        builtin,
        "episodes.toml",
        'title = "Round One"',
        'title = "Round One"\nwarnings = [{ topic = "gore" }]',
    )
    assert problems_of(builtin) == [
        "file: episodes.toml, entry 'one', field 'warnings[1].topic': "
        "unknown content-warning topic 'gore' (did you mean 'grief'?)"
    ]


def test_cycle_in_after_links(builtin):
    rewrite(
        builtin, "episodes.toml", 'id = "one"\ntrack = "main"', 'id = "one"\nafter = "three"\ntrack = "main"'
    )
    assert problems_of(builtin) == [
        "file: episodes.toml, entry 'one', field 'after': the episodes 'two' -> 'three' -> 'one' -> 'two' form a cycle"
    ]


def test_fork_in_after_links(builtin):
    rewrite(builtin, "episodes.toml", 'after = "two"', 'after = "one"')
    assert problems_of(builtin) == [
        "file: episodes.toml, entry 'three', field 'after': "
        "'two' and 'three' both come right after 'one'; a track must be a single line"
    ]


def test_second_start_of_a_track(builtin):
    rewrite(builtin, "episodes.toml", 'after = "two"\n', "")
    assert problems_of(builtin) == [
        "file: episodes.toml, entry 'three', field 'after': missing: track 'main' already starts with 'one'; "
        "only the first episode of a track may leave out 'after'"
    ]


def test_after_on_another_track(builtin):
    rewrite(builtin, "episodes.toml", 'requires = ["two"]', 'after = "two"')
    assert problems_of(builtin) == [
        "file: episodes.toml, entry 'comic', field 'after': "
        "'two' is on track 'main', not 'side' (use 'requires' to depend on another track)"
    ]


def test_requires_cycle(builtin):
    rewrite(
        builtin, "episodes.toml", 'title = "Special Three"', 'requires = ["comic"]\ntitle = "Special Three"'
    )
    rewrite(builtin, "episodes.toml", 'requires = ["two"]', 'requires = ["three"]')
    assert problems_of(builtin) == [
        "file: episodes.toml, entry 'three', field 'requires': "
        "these episodes depend on each other in a circle: 'three' -> 'comic' -> 'three'"
    ]


def test_missing_required_field(builtin):
    rewrite(builtin, "episodes.toml", 'premise = "A special."\n', "")
    assert problems_of(builtin) == ["file: episodes.toml, entry 'three', field 'premise': missing (required)"]


def test_wrong_type(builtin):
    rewrite(builtin, "episodes.toml", 'spoiler_rules = ["alpha dies"]', 'spoiler_rules = "alpha dies"')
    assert problems_of(builtin) == [
        "file: episodes.toml, entry 'one', field 'spoiler_rules': expected a list of rules (each a phrase "
        'or a table { phrase = "...", unless = [...], endings = [...] }), got string'
    ]


def test_spoiler_rule_with_exclusions_and_endings(builtin):
    rewrite(
        builtin,
        "episodes.toml",
        'spoiler_rules = ["alpha dies"]',
        'spoiler_rules = ["alpha dies", { phrase = "알파 죽", unless = ["알파 죽이", "죽겠"], endings = ["었", "음"] }]',
    )
    rules = load_pack(None, builtin).episode("one").spoiler_rules
    assert rules == ("alpha dies", "알파 죽")
    assert (rules[0].unless, rules[0].endings) == ((), ())
    assert (rules[1].unless, rules[1].endings) == (("알파 죽이", "죽겠"), ("었", "음"))


def test_spoiler_rule_table_problems_are_named_precisely(builtin):
    rewrite(
        builtin,
        "episodes.toml",
        'spoiler_rules = ["alpha dies"]',
        "spoiler_rules = [\n"
        '  { phrase = "alpha dies", endings = ["었"] },\n'
        '  { phrase = "알파 죽", unless = ["beta wins", "!!"], endings = ["ed"] },\n'
        '  { phrase = "alpha is gone", unles = ["x"] },\n'
        '  { unless = ["알파 죽이"] },\n'
        "  42,\n"
        "]",
    )
    assert problems_of(builtin) == [
        "file: episodes.toml, entry 'one', field 'spoiler_rules[3].unles': unknown field (did you mean 'unless'?)",
        "file: episodes.toml, entry 'one', field 'spoiler_rules[4].phrase': missing (required)",
        "file: episodes.toml, entry 'one', field 'spoiler_rules[5]': expected a phrase or a table "
        '{ phrase = "...", unless = [...], endings = [...] }, got integer',
    ]
    rewrite(builtin, "episodes.toml", '  { phrase = "alpha is gone", unles = ["x"] },\n', "")
    rewrite(builtin, "episodes.toml", '  { unless = ["알파 죽이"] },\n  42,\n', "")
    assert problems_of(builtin) == [
        "file: episodes.toml, entry 'one', field 'spoiler_rules[1].endings': "
        "endings only apply after a Hangul stem, and 'alpha dies' ends in 'dies'",
        "file: episodes.toml, entry 'one', field 'spoiler_rules[2].unless[1]': "
        "'beta wins' shares no word with '알파 죽', so it can never cancel it",
        "file: episodes.toml, entry 'one', field 'spoiler_rules[2].unless[2]': '!!' has no letters or digits to match",
        "file: episodes.toml, entry 'one', field 'spoiler_rules[2].endings[1]': "
        "'ed' is not a Hangul ending (e.g. 었, 어, 음)",
    ]


def test_bad_confidence(builtin):
    rewrite(builtin, "episodes.toml", 'confidence = "high"', 'confidence = "sure"')
    assert problems_of(builtin) == [
        "file: episodes.toml, entry 'two', field 'details[1].confidence': "
        "'sure' is not a confidence (use high, medium, low or unverified)"
    ]


def test_bad_kind_and_unknown_track(builtin):
    rewrite(builtin, "episodes.toml", 'kind = "special"', 'kind = "movie"')
    rewrite(builtin, "episodes.toml", 'track = "side"', 'track = "sid"')
    assert problems_of(builtin) == [
        "file: episodes.toml, entry 'three', field 'kind': "
        "'movie' is not an episode kind (use round, opening, special, epilogue, webcomic or alternate-universe)",
        "file: episodes.toml, entry 'comic', field 'track': unknown track 'sid' (tracks: main, side)",
    ]


def test_bad_id_and_bad_link(builtin):
    rewrite(builtin, "episodes.toml", 'id = "three"', 'id = "Three"')
    rewrite(
        builtin, "episodes.toml", 'premise = "A comic."', 'premise = "A comic."\nvideo_urls = ["http://x"]'
    )
    assert problems_of(builtin) == [
        "file: episodes.toml, entry #3: 'Three' is not a valid id (use lowercase letters, digits and dashes)",
        "file: episodes.toml, entry 'comic', field 'video_urls[1]': 'http://x' is not an https:// link",
    ]


def test_detail_revealed_where_its_episode_may_not_have_been_seen(builtin):
    rewrite(builtin, "episodes.toml", 'premise = "A special."', 'premise = "A special."\n'
            'details = [{ text = "T", revealed_in = "comic", confidence = "high" }]')  # fmt: skip
    assert problems_of(builtin) == [
        "file: episodes.toml, entry 'three', field 'details[1].revealed_in': "
        "'comic' does not come after 'three': a viewer of 'comic' may not have seen 'three'"
    ]


def test_detail_revealed_on_another_track_that_implies_it_is_fine(builtin):
    rewrite(builtin, "episodes.toml", 'revealed_in = "two"', 'revealed_in = "comic"')
    assert load_pack(None, builtin).episode("two").details[0].revealed_in == "comic"


def test_character_fact_revealed_before_first_appearance(builtin):
    rewrite(builtin, "characters.toml", 'first_appearance = "one"', 'first_appearance = "two"')
    assert problems_of(builtin) == [
        "file: characters.toml, entry 'alpha', field 'facts[1].revealed_in': "
        "'one' comes before the first appearance 'two'"
    ]


def test_spoiler_rule_that_is_a_bare_name_or_one_word(builtin):
    rewrite(builtin, "episodes.toml", '["alpha dies"]', '["Alpha", "dies"]')
    assert problems_of(builtin) == [
        "file: episodes.toml, entry 'one', field 'spoiler_rules[1]': 'Alpha' is just the name of character 'alpha', not a spoiler",
        "file: episodes.toml, entry 'one', field 'spoiler_rules[2]': 'dies' is a single word; a rule needs at least two",
    ]


def test_same_spoiler_rule_on_two_episodes(builtin):
    rewrite(
        builtin,
        "episodes.toml",
        'title = "Round Two"',
        'title = "Round Two"\nspoiler_rules = ["Alpha  Dies"]',
    )
    assert problems_of(builtin) == [
        "file: episodes.toml, entry 'two', field 'spoiler_rules[1]': 'Alpha  Dies' is already a rule of episode 'one'"
    ]


def test_invalid_toml_and_unknown_table(builtin):
    append(builtin, "episodes.toml", "[[episode\n")
    (builtin / "more.toml").write_text('[[epsiode]]\nid = "x"\n', encoding="utf-8")
    assert problems_of(builtin) == [
        "file: episodes.toml: not valid TOML: Expected ']]' at the end of an array declaration (at line 37, column 10)",
        "file: more.toml: unknown table 'epsiode' (did you mean 'episode'?)",
    ]


def test_all_problems_are_collected_before_raising(builtin):
    rewrite(builtin, "episodes.toml", "release_date = 2022-06-01", 'release_date = "June"')
    rewrite(builtin, "terms.toml", 'summary = "A school."', "summary = 3")
    rewrite(builtin, "characters.toml", 'role = "Contestant"', 'rol = "Contestant"')
    assert len(problems_of(builtin)) == 4  # bad date, wrong type, unknown field, missing role


# --- overrides --------------------------------------------------------------------------------------


def test_override_adds_a_new_episode_at_the_end_of_its_track(builtin, overrides):
    (overrides / "new-episode.toml").write_text(
        '[[episode]]\nid = "four"\ntrack = "main"\nkind = "round"\nafter = "three"\n'
        'title = "Round Four"\npremise = "The fourth round."\nrelease_date = 2026-01-01\n',
        encoding="utf-8",
    )
    pack = load_pack(overrides, builtin)
    assert [e.id for e in pack.episodes_in_order("main")] == ["one", "two", "three", "four"]
    assert pack.episode("four").release_date == date(2026, 1, 1)


def test_override_patches_listed_fields_and_replaces_lists(builtin, overrides):
    (overrides / "fix.toml").write_text(
        '[[episode]]\nid = "one"\ntitle = "Round One (fixed)"\nspoiler_rules = ["alpha is gone"]\n',
        encoding="utf-8",
    )
    episode = load_pack(overrides, builtin).episode("one")
    assert episode.title == "Round One (fixed)"
    assert episode.spoiler_rules == ("alpha is gone",)
    assert episode.premise == "The first round."  # untouched


def test_override_removes_an_entry(builtin, overrides):
    (overrides / "drop.toml").write_text('[[term]]\nid = "garden"\nremove = true\n', encoding="utf-8")
    pack = load_pack(overrides, builtin)
    assert [t.id for t in pack.terms] == []


def test_removing_an_episode_others_depend_on_names_the_override(builtin, overrides):
    (overrides / "rm.toml").write_text('[[episode]]\nid = "two"\nremove = true\n', encoding="utf-8")
    label = str(overrides / "rm.toml")
    assert problems_of(builtin, overrides) == [
        f"file: episodes.toml, entry 'three', field 'after': unknown episode 'two' (removed by {label})",
        f"file: episodes.toml, entry 'comic', field 'requires[1]': unknown episode 'two' (removed by {label})",
    ]


def test_override_errors_name_the_override_file(builtin, overrides):
    (overrides / "bad.toml").write_text(
        '[[episode]]\nid = "four"\ntrack = "main"\nafter = "three"\n[[episode]]\nid = "nine"\nremove = true\n',
        encoding="utf-8",
    )
    label = str(overrides / "bad.toml")
    assert problems_of(builtin, overrides) == [
        f"file: {label}, entry 'nine': cannot remove: no episode has this id",
        f"file: {label}, entry 'four', field 'kind': missing (required)",
        f"file: {label}, entry 'four', field 'title': missing (required)",
        f"file: {label}, entry 'four', field 'premise': missing (required)",
    ]


def test_patch_error_names_the_override_that_set_the_field(builtin, overrides):
    (overrides / "patch.toml").write_text('[[episode]]\nid = "three"\nafter = "nope"\n', encoding="utf-8")
    assert problems_of(builtin, overrides) == [
        f"file: {overrides / 'patch.toml'}, entry 'three', field 'after': unknown episode 'nope'"
    ]


def test_broken_override_never_half_loads(builtin, overrides):
    (overrides / "a.toml").write_text(
        '[[term]]\nid = "good"\nname = "Good"\nsummary = "Fine."\nfirst_appearance = "one"\n',
        encoding="utf-8",
    )
    (overrides / "b.toml").write_text('[[term]]\nid = "garden"\nsumary = "typo"\n', encoding="utf-8")
    with pytest.raises(PackError):
        load_pack(overrides, builtin)
    (overrides / "b.toml").unlink()
    assert [t.id for t in load_pack(overrides, builtin).terms] == ["garden", "good"]


def test_later_override_file_wins(builtin, overrides):
    (overrides / "1.toml").write_text('[[term]]\nid = "garden"\nname = "First"\n', encoding="utf-8")
    (overrides / "2.toml").write_text('[[term]]\nid = "garden"\nname = "Second"\n', encoding="utf-8")
    assert load_pack(overrides, builtin).term("garden").name == "Second"


def test_missing_override_directory_is_an_error(builtin, tmp_path):
    missing = tmp_path / "nowhere"
    assert problems_of(builtin, missing) == [f"file: {missing}: override directory does not exist"]


def readme_examples() -> list[str]:
    readme = (Path(__file__).parents[2] / "bot" / "canon" / "README.md").read_text(encoding="utf-8")
    return [block.split("```", 1)[0] for block in readme.split("```toml\n")[1:]]


def test_real_pack_accepts_the_readme_example(tmp_path):
    (tmp_path / "new-episode.toml").write_text(readme_examples()[0], encoding="utf-8")
    pack = load_pack(tmp_path)
    track, index = pack.position("zs-r2")
    assert track == "zombie" and index == 1


def test_readme_example_puts_an_episode_between_two_others(tmp_path):
    (tmp_path / "backstage.toml").write_text(readme_examples()[1], encoding="utf-8")
    order = [e.id for e in load_pack(tmp_path).episodes_in_order("main")]
    assert order[order.index("top3") : order.index("top3") + 3] == ["top3", "top3-backstage", "r6"]


def test_readme_example_of_rule_conditions_loads_and_matches(tmp_path):
    example = next(block for block in readme_examples() if "unless" in block)
    (tmp_path / "korean-rules.toml").write_text(example, encoding="utf-8")
    pack = load_pack(tmp_path)
    rules = compile_rules(canon_rules_past(pack, Horizon()))
    assert "r6" not in rules.episodes_matched("이반 죽이게 잘생겼다")
    assert "r6" not in rules.episodes_matched("이반 죽겠다 진짜")
    assert "r6" in rules.episodes_matched("이반 죽었어")
