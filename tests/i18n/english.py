"""Finds English the bot still says to a member of another language.

Two sources of English templates, both read from the code itself (no list kept by hand):

- the catalogue: every message whose translation in the locale differs from the English, cut into the
  literal pieces between its ``{placeholders}``;
- the source: every other string literal in ``bot/`` and ``cogs/`` (f-strings cut at their
  substitutions), so a sentence written without ``_()`` is caught too. Docstrings, log lines and SQL
  are left out: they never reach a member.

A piece counts when it has at least ``MIN_FRAGMENT`` letters and a space (shorter pieces are words,
names and codes, not templates).
"""

from __future__ import annotations

import ast
import re
import string
from functools import cache
from pathlib import Path

from bot.i18n import t
from bot.i18n.extract import TEMPLATE, read_catalog

ROOT = Path(__file__).resolve().parents[2]
MIN_FRAGMENT = 12
TRANSLATE_CALLS = {"_", "_n", "N_", "t", "tn", "tp"}  # their literals are catalogue messages
QUIET_CALLS = {"debug", "info", "warning", "error", "exception", "critical", "getLogger"}
SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|WITH|PRAGMA|ALTER|DROP)\b|\bWHERE\b|\?\)")
# Pieces that are the same in every language: code (commands, examples), links, mentions (of members,
# channels, roles and commands: Discord shows a command mention in the reader's language), timestamps.
_INERT = re.compile(r"`[^`]*`|https?://\S+|<[@#&:/t][^>]*>")
_COMMAND = re.compile(r"/[a-z][a-z-]*(?: [a-z][a-z-]*){0,2}")  # a command's path, as typed


def _pieces(text: str) -> set[str]:
    out: set[str] = set()
    text = _INERT.sub(" ", text)
    for piece in re.split(r"[*_`|\n{}]+", text):
        piece = piece.strip(" .,:;—()“”'\"…-")
        if " " in piece and sum(ch.isalpha() for ch in piece) >= MIN_FRAGMENT:
            out.add(piece)
    return out


def _template_pieces(template: str) -> set[str]:
    try:
        literals = [literal for literal, *_rest in string.Formatter().parse(template)]
    except ValueError:  # not a format string (a regular expression, a brace in text)
        literals = [template]
    return set().union(*(_pieces(literal) for literal in literals)) if literals else set()


@cache
def catalogue_fragments(locale: str) -> frozenset[str]:
    """Pieces of every answer template (no context: command names and topics are not answers) whose
    translation in ``locale`` differs from the English."""
    pieces: set[str] = set()
    for message in read_catalog(TEMPLATE):
        if not message.id or message.context:
            continue
        english = message.id if isinstance(message.id, str) else message.id[0]
        if t(locale, english) != english:
            pieces |= _template_pieces(english)
    return frozenset(pieces)


def _quiet_nodes(tree: ast.AST) -> set[int]:
    """Nodes whose strings never reach a member as English: docstrings, log calls, catalogue calls."""
    quiet: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and body:
            first = body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                quiet.add(id(first.value))
        if isinstance(node, ast.Call):
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else ""
            )
            if name in TRANSLATE_CALLS or name in QUIET_CALLS:
                quiet.update(id(sub) for sub in ast.walk(node))
    return quiet


@cache
def source_fragments() -> frozenset[str]:
    """Pieces of every English literal in the bot's code that is not a catalogue message."""
    pieces: set[str] = set()
    for folder in ("bot", "cogs"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            quiet = _quiet_nodes(tree)
            for node in ast.walk(tree):
                if id(node) in quiet:
                    continue
                if isinstance(node, ast.JoinedStr):
                    quiet.update(id(v) for v in node.values)  # its parts, cut at the substitutions
                    for value in node.values:
                        if isinstance(value, ast.Constant) and isinstance(value.value, str):
                            pieces |= _pieces(value.value)
                elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                    if not SQL.search(node.value):
                        pieces |= _template_pieces(node.value)
    return frozenset(pieces)


def english_left(text: str, locale: str) -> list[str]:
    """The English template pieces found in ``text``, a response shown to a ``locale`` member."""
    shown = _COMMAND.sub(" ", _INERT.sub(" ", text))
    found = {piece for piece in catalogue_fragments(locale) | source_fragments() if piece in shown}
    return sorted(found)
