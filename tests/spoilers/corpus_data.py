"""The spoiler corpus in ``tests/spoilers/corpus/``: what must be caught and what must be left alone.

``should_catch.tsv`` holds category<TAB>episode<TAB>message lines; every ``innocent*.txt`` holds one
innocent message per line (other engineers add their own files, e.g. ``innocent_canon.txt``). Lines
starting with ``#`` and blank lines are skipped; in a message ``\\n`` is a line break, ``\\r`` a
carriage return and ``\\uXXXX`` a character written by its code point.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

CORPUS_DIR = Path(__file__).with_name("corpus")
OUT_OF_SCOPE = "out-of-scope"
_ESCAPE_RE = re.compile(r"\\(n|r|u[0-9a-fA-F]{4})")


@dataclass(frozen=True)
class Case:
    category: str
    episode: str
    text: str


def _unescape(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        return {"n": "\n", "r": "\r"}.get(code) or chr(int(code[1:], 16))

    return _ESCAPE_RE.sub(one, text)


def _lines(path: Path) -> list[str]:
    return [
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]


def should_catch() -> list[Case]:
    cases = []
    for line in _lines(CORPUS_DIR / "should_catch.tsv"):
        category, episode, text = line.split("\t")
        cases.append(Case(category, episode, _unescape(text)))
    return cases


def innocent() -> list[str]:
    """Every innocent line of every ``innocent*.txt`` file."""
    return [_unescape(line) for path in sorted(CORPUS_DIR.glob("innocent*.txt")) for line in _lines(path)]
