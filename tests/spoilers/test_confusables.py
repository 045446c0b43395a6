"""The look-alike table is Unicode's own data, regenerated exactly by the script kept in the repo."""

from __future__ import annotations

import pytest

from bot.spoilers import confusables_table
from bot.spoilers.gen_confusables import TARGET, build, render


def test_the_committed_table_is_what_the_generator_writes() -> None:
    pytest.importorskip("confusable_homoglyphs")
    assert TARGET.read_text(encoding="utf-8") == render(*build())


def test_the_table_folds_the_look_alikes_fans_use() -> None:
    latin, foreign = confusables_table.LATIN, confusables_table.FOREIGN
    assert latin["ɩ"] == "i" and latin["ı"] == "i"  # Latin iota, dotless i
    assert foreign["ꓒ"] == "d" and foreign["ѕ"] == "s" and foreign["а"] == "a"  # Lisu, Cyrillic
    assert latin["🅸"] == latin["⒤"] == latin["🇮"] == latin["ɪ"] == "i"  # styled letters, small capital
    assert all(len(k) == 1 and not k.isascii() for k in (*latin, *foreign))
    assert all(k == k.casefold() for k in foreign)
