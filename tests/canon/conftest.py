from __future__ import annotations

from pathlib import Path

import pytest

PACK = """
name = "Test pack"
version = "1"

[[track]]
id = "main"
name = "Main"

[[track]]
id = "side"
name = "Side"
"""

EPISODES = """
[[episode]]
id = "one"
track = "main"
kind = "round"
title = "Round One"
premise = "The first round."
release_date = 2022-01-01
spoiler_rules = ["alpha dies"]

[[episode]]
id = "two"
track = "main"
kind = "round"
after = "one"
title = "Round Two"
premise = "The second round."
release_date = 2022-06-01
details = [{ text = "Beta wins.", revealed_in = "two", confidence = "high" }]

[[episode]]
id = "three"
track = "main"
kind = "special"
after = "two"
title = "Special Three"
premise = "A special."

[[episode]]
id = "comic"
track = "side"
kind = "webcomic"
requires = ["two"]
title = "Comic"
premise = "A comic."
"""

CHARACTERS = """
[[character]]
id = "alpha"
name = "Alpha"
role = "Contestant"
summary = "A singer."
first_appearance = "one"
facts = [{ text = "Alpha dies.", revealed_in = "one", confidence = "high" }]
"""

TERMS = """
[[term]]
id = "garden"
name = "Garden"
summary = "A school."
first_appearance = "one"
"""


@pytest.fixture
def builtin(tmp_path: Path) -> Path:
    """A small valid builtin pack in a temporary folder; tests rewrite its files to break it."""
    folder = tmp_path / "builtin"
    folder.mkdir()
    for name, text in (
        ("pack.toml", PACK),
        ("episodes.toml", EPISODES),
        ("characters.toml", CHARACTERS),
        ("terms.toml", TERMS),
    ):
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def overrides(tmp_path: Path) -> Path:
    folder = tmp_path / "canon"
    folder.mkdir()
    return folder
