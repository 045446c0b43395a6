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
    assert l10n.name(pack, pack.episode("r1"), "ja") == "ROUND 1: MY CLEMATIS"
