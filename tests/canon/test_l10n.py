"""The canon in other languages: l10n files, CANON_DIR overrides, fallbacks and search."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.canon import l10n
from bot.canon.loader import BUILTIN_DIR, PackError, load_pack
from bot.canon.search import SearchIndex


def test_every_entry_has_a_korean_name_or_title(pack) -> None:
    for entry in (*pack.characters, *pack.episodes, *pack.terms, *pack.tracks):
        local = l10n.text(pack, entry, "title" if hasattr(entry, "premise") else "name", "ko")
        assert any("\uac00" <= ch <= "\ud7a3" for ch in local), f"{entry.id}: {local!r}"


def test_missing_languages_and_fields_fall_back_to_english(pack) -> None:
    mizi = pack.character("mizi")
    assert l10n.name(pack, mizi, "ko") == "미지"
    assert l10n.name(pack, mizi, "fr") == "Mizi"  # no French file: English
    assert l10n.name(pack, mizi, None) == "Mizi"
    phan = pack.character("phan")
    assert l10n.name(pack, phan, "ja") == "Phan"  # no Japanese name given: English
    assert l10n.text(pack, phan, "summary", "ja") != phan.summary  # while its summary is translated


def test_korean_names_are_search_keys(pack) -> None:
    index = SearchIndex(pack)
    assert index.best("반란군", "term").id == "revolutionaries"
    assert index.best("파이널", "episode").id == "final"
    assert index.best("Mizi", "character").id == "mizi"  # English still works


def _override(tmp_path: Path, text: str) -> Path:
    (tmp_path / "l10n").mkdir()
    (tmp_path / "l10n" / "ko.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_canon_dir_overrides_win_and_facts_translate_by_position(tmp_path: Path) -> None:
    folder = _override(
        tmp_path,
        '[character.mizi]\nname = "미지 (수정)"\nfacts = ["", "1라운드에서 수아를 이겨요."]\n',
    )
    pack = load_pack(folder)
    mizi = pack.character("mizi")
    assert l10n.name(pack, mizi, "ko") == "미지 (수정)"
    assert l10n.text(pack, mizi, "summary", "ko").startswith("아낙트 가든")  # built-in text kept
    assert l10n.fact_text(pack, mizi, mizi.facts[1], "ko") == "1라운드에서 수아를 이겨요."
    assert l10n.fact_text(pack, mizi, mizi.facts[0], "ko") == mizi.facts[0].text  # "" keeps English


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('[character.nobody]\nname = "누구"\n', "'nobody' is not in the pack"),
        ('[character.mizi]\nnickname = "미지"\n', "not a translatable field"),
        ('[character.mizi]\nname = ""\n', "non-empty string"),
        ("[character.mizi]\nfacts = [" + ", ".join(['"x"'] * 60) + "]\n", "the entry has"),
        ('[planet.earth]\nname = "지구"\n', "is not one of"),
        ('[character.mizi]\nuncertain = ["nickname"]\n', "'nickname' is not one of"),
        ('[character.mizi]\nuncertain = ["facts"]\n', "'facts' is not one of"),
        ('[character.mizi]\naliases = "미지짱"\n', "must be a list of strings"),
        ('[episode.r1]\nwarnings = ["", "", "", "", "", "x"]\n', "the entry has 5"),
        ('[track.main]\naliases = ["본편"]\n', "not a translatable field"),
    ],
)
def test_bad_override_files_are_refused_with_the_problem(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(PackError) as caught:
        load_pack(_override(tmp_path, text))
    assert any(problem in p for p in caught.value.problems), caught.value.problems


def test_older_title_ko_is_still_the_korean_title(tmp_path: Path) -> None:
    """A pack without an l10n title for an episode falls back to its title_ko, then to English."""
    data = tmp_path / "data"
    shutil.copytree(BUILTIN_DIR, data)
    korean = (data / "l10n" / "ko.toml").read_text(encoding="utf-8")
    korean = korean.replace('title = "라운드 1: 클레마티스 (MY CLEMATIS)"\n', "")
    (data / "l10n" / "ko.toml").write_text(korean, encoding="utf-8")
    pack = load_pack(builtin_dir=data)
    assert l10n.name(pack, pack.episode("r1"), "ko") == "클레마티스"
    assert l10n.name(pack, pack.episode("r1"), "fr") == "ROUND 1: MY CLEMATIS"


# --- the four languages, their format, spoiler safety and coverage ----------------------------------

LOCALES = ("ko", "ja", "es-419", "pt-BR")
# Left in English on purpose (see the file's header): ファン would also read as "fan".
NO_LOCAL_NAME = {("ja", "character", "phan"), ("ja", "term", "hyuluka")}


@pytest.mark.parametrize("locale", LOCALES)
def test_every_entry_has_a_name_or_title_in_each_language(pack, locale: str) -> None:
    missing = [
        f"{l10n.kind_of(entry)} {entry.id}"
        for entry in (*pack.characters, *pack.episodes, *pack.terms, *pack.tracks)
        if (locale, l10n.kind_of(entry), entry.id) not in NO_LOCAL_NAME
        and not pack.l10n[locale]
        .get(f"{l10n.kind_of(entry)}:{entry.id}", {})
        .get("title" if hasattr(entry, "premise") else "name")
    ]
    assert missing == []


def test_japanese_character_names_are_katakana_and_marked_uncertain(pack) -> None:
    for character in pack.characters:
        if ("ja", "character", character.id) in NO_LOCAL_NAME:
            continue
        name = l10n.name(pack, character, "ja")
        assert all("\u30a0" <= ch <= "\u30ff" for ch in name), name
        assert l10n.uncertain(pack, character, "name", "ja")  # no official Japanese release confirms one
    assert not l10n.uncertain(pack, pack.character("mizi"), "name", "ko")


def test_korean_covers_every_fact_detail_and_warning_note(pack) -> None:
    done, total = l10n.coverage(pack, "ko")
    assert done == total > 250
    ivan = pack.character("ivan")
    unsure = next(f for f in ivan.facts if not f.confirmed)
    assert l10n.fact_text(pack, ivan, unsure, "ko") != unsure.text
    r5 = pack.episode("r5")
    assert l10n.warning_note(pack, r5, 1, "ko") == "잔혹한 구타."
    assert l10n.warning_note(pack, r5, 2, "ko") == ""  # no English note there either


def test_a_translated_fact_keeps_the_english_facts_flag_and_gate() -> None:
    from bot.canon.horizon import horizon_through
    from bot.i18n import t, use_locale
    from bot.lookups.audience import Audience
    from bot.lookups.entries import entry_view

    pack = load_pack()
    ivan = pack.character("ivan")
    seen = horizon_through(pack, "r6")
    with use_locale("ko"):
        view = entry_view(pack, ivan, Audience(seen, seen, True, True))
    unsure = next(f for f in ivan.facts if not f.confirmed and f.revealed_in == "r6")
    korean = l10n.fact_text(pack, ivan, unsure, "ko")
    line = next(line for line in view.card.description.splitlines() if korean in line)
    assert line == f"• {korean} {t('ko', '*(unconfirmed)*')}"  # marked unconfirmed, as in English
    with use_locale("ko"):
        early = entry_view(pack, ivan, Audience(horizon_through(pack, "r3"), seen, True, True))
    assert korean not in early.card.description  # gated exactly like the English one
    assert early.hidden == view.hidden + sum(1 for f in ivan.facts if f.revealed_in == "r6")


def test_uncertain_renderings_are_marked_where_shown(tmp_path: Path) -> None:
    from bot.canon.horizon import Horizon
    from bot.i18n import t, use_locale
    from bot.lookups.audience import Audience
    from bot.lookups.entries import entry_view

    pack = load_pack()
    nothing = Horizon()
    with use_locale("ja"):
        card = entry_view(pack, pack.character("mizi"), Audience(nothing, nothing, False, False)).card
    assert card.title == f"ミジ {t('ja', '(unconfirmed)')}"
    folder = _override(tmp_path, '[term.witch]\nsummary = "…"\nuncertain = ["summary"]\n')
    pack = load_pack(folder)
    with use_locale("ko"):
        card = entry_view(pack, pack.term("witch"), Audience(nothing, nothing, False, False)).card
    assert card.title == "마녀"  # the name is the built-in, confirmed one
    assert card.description.startswith(f"… {t('ko', '*(unconfirmed)*')}")


def test_a_new_locale_is_a_new_file_and_an_operator_fixes_a_translation_without_code(tmp_path: Path) -> None:
    (tmp_path / "l10n").mkdir()
    (tmp_path / "l10n" / "fr.toml").write_text('[episode.r6]\ntitle = "MANCHE 6 : Cure"\n', encoding="utf-8")
    (tmp_path / "l10n" / "es-419.toml").write_text(
        '[episode.r6]\ntitle = "RONDA SEIS: Cure"\n', encoding="utf-8"
    )
    pack = load_pack(tmp_path)
    r6 = pack.episode("r6")
    assert l10n.name(pack, r6, "fr") == "MANCHE 6 : Cure"
    assert l10n.name(pack, r6, "es-419") == "RONDA SEIS: Cure"
    assert l10n.text(pack, r6, "premise", "es-419").startswith("Dos concursantes")  # the rest is kept
    assert SearchIndex(pack).best("manche 6", "episode").id == "r6"
    assert "fr: 1/" in l10n.coverage_report(pack)


@pytest.mark.parametrize(
    ("typed", "kind", "expected"),
    [
        ("ミジ", "character", "mizi"),
        ("미지", "character", "mizi"),
        ("ヒョンウ", "character", "hyunwoo"),
        ("ronda 6", "episode", "r6"),
        ("RONDA 3: Black Sorrow", "episode", "r3"),
        ("rodada 5", "episode", "r5"),
        ("prólogo", "episode", "sweet-dream"),
        ("ラウンド6", "episode", "r6"),
        ("ファイナル", "episode", "final"),
        ("Misión del cohete", "term", "rocket-mission"),
        ("Humanos de estimação", "term", "pet-humans"),
        ("反乱軍", "term", "revolutionaries"),
    ],
)
def test_names_in_every_language_are_search_keys(pack, typed: str, kind: str, expected: str) -> None:
    match = SearchIndex(pack).best(typed, kind)
    assert match is not None and match.id == expected


def test_autocomplete_labels_follow_the_members_language(pack) -> None:
    from bot.i18n import use_locale
    from bot.lookups.resolve import choices_for

    index = SearchIndex(pack)
    with use_locale("es-419"):
        assert choices_for(index, "ronda 6", "episode", pack)[0] == ("RONDA 6: Cure", "r6")
    with use_locale("ja"):
        assert choices_for(index, "ミジ", "character", pack)[0] == ("ミジ (Mizi)", "mizi")
    with use_locale("pt-BR"):
        assert choices_for(index, "rodada 1", "episode", pack)[0] == ("RODADA 1: MY CLEMATIS", "r1")


def test_localised_character_names_feed_the_spoiler_rules(tmp_path: Path) -> None:
    """Hyunwoo has no Japanese name in the English entry: the one l10n/ja.toml gives him makes the
    canon rule "hyunwoo dies" catch it too, as the Hangul form does; an operator's alias counts the same."""
    from bot.canon.horizon import Horizon
    from bot.guard.rules import compile_guild_rules, rule_problem

    pack = load_pack()
    rules = compile_guild_rules(pack, Horizon(), [], ())
    for message in ("omg ヒョンウ dies?!", "현우 dies"):
        assert any(hit.episode == "all-in" for hit in rules.match(message)), message
    assert not rules.match("ヒョンウ is so cute")
    assert rule_problem(pack, "ヒョンウ") is not None  # a bare localised name is no rule
    assert rule_problem(pack, "ronda 6") is not None  # nor a localised episode title
    folder = _override(tmp_path, '[character.luka]\naliases = ["루카님"]\n')
    rules = compile_guild_rules(load_pack(folder), Horizon(), [], ())
    assert any(hit.episode == "final" for hit in rules.match("루카님 wins the final"))


def test_the_leak_check_covers_every_language(tmp_path: Path) -> None:
    from bot.canon.leaks import check_dir

    (tmp_path / "l10n").mkdir()
    (tmp_path / "l10n" / "ko.toml").write_text(
        '[episode.r3]\npremise = "이반이 노래해요. 이반 죽었어."\n'
        '[character.sua]\nsummary = "미지와 함께 자랐고, 루카를 싫어해요."\n',
        encoding="utf-8",
    )
    (tmp_path / "l10n" / "ja.toml").write_text(
        '[character.mizi]\nsummary = "スアと育ち、ヒョンウとも友達です。"\n'
        '[character.hyuna]\nfacts = ["", "", "", "", "", "", "", "ルカを守って死んだようです。ファイナルでティルが撃たれた後に。"]\n',
        encoding="utf-8",
    )
    (tmp_path / "l10n" / "es-419.toml").write_text(
        '[track.main]\ndescription = "Hasta que Ivan dies en la ronda 6."\n', encoding="utf-8"
    )
    leaks = [str(leak) for leak in check_dir(tmp_path).leaks]
    expected = [
        ("l10n/ko.toml", "episode 'r3'", "ko: premise", "'이반 죽', a spoiler rule of episode 'r6'"),
        ("l10n/ko.toml", "character 'sua'", "ko: summary", "character 'luka' (as '루카')"),
        ("l10n/ja.toml", "character 'mizi'", "ja: summary", "character 'hyunwoo' (as 'ヒョンウ')"),
        ("l10n/es-419.toml", "track 'main'", "es-419: description", "'ivan dies', a spoiler rule"),
        ("l10n/es-419.toml", "track 'main'", "es-419: description", "character 'ivan' (as 'Ivan')"),
    ]
    for file, entry, field, message in expected:
        assert any(
            f"file: {file}, entry {entry}, field '{field}'" in leak and message in leak for leak in leaks
        ), (file, entry, leaks)
    # A fact revealed in Wiege may name what came before it, in any language.
    assert not any("character 'hyuna'" in leak for leak in leaks)
    assert len(leaks) == len(expected)


def test_coverage_is_printed_per_locale(pack) -> None:
    report = l10n.coverage_report(pack).splitlines()
    assert [line.split(":")[0] for line in report] == sorted(LOCALES)
    for line in report:
        done, total = (int(n) for n in line.split()[1].split("/"))
        assert 0 < done <= total
    assert "ko: " in report[sorted(LOCALES).index("ko")] and "(100.0%)" in report[sorted(LOCALES).index("ko")]


def test_a_file_not_named_after_a_discord_locale_is_refused(tmp_path: Path) -> None:
    (tmp_path / "l10n").mkdir()
    (tmp_path / "l10n" / "es-MX.toml").write_text(
        '[character.mizi]\nrole = "Concursante"\n', encoding="utf-8"
    )
    with pytest.raises(PackError) as caught:
        load_pack(tmp_path)
    assert any(
        "'es-MX' is not a Discord locale (did you mean 'es-ES.toml'?" in p for p in caught.value.problems
    )


def test_the_bundled_translations_name_only_entries_and_fields_the_pack_has(pack) -> None:
    """The built-in folder is read leniently (an operator may remove an entry it translates): check it
    strictly here, so a typo in a bundled file cannot go unnoticed."""
    problems: list[str] = []
    l10n.read_localizations(pack, [(BUILTIN_DIR, True)], problems)
    assert problems == []
