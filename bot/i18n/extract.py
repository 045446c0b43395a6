"""Keep the catalogues in step with the code: ``python -m bot.i18n.extract [--check]``.

Messages come from two places: ``_()``, ``_n()``, ``N_()``, ``t()`` and ``tn()`` calls in ``bot/`` and
``cogs/`` (Babel's Python extractor, as ``pybabel extract`` does), and the command tree's names,
descriptions and choices (walked from the loaded cogs, as the Translator sees them). The result is
written to ``locales/clematis.pot``, and every ``<locale>.po`` gains the new messages (untranslated) and
loses the gone ones, as ``pybabel update`` does. ``--check`` changes nothing and exits 1 on drift;
``--stats`` prints each locale's coverage (messages translated out of the total) and changes nothing.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.i18n import DOMAIN, LOCALES_DIR, TOPIC, available_locales, babel_locale
from bot.i18n.commands import CHOICE, DESCRIPTION, MENU, NAME

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("bot", "cogs")
KEYWORDS: dict[str, Any] = {"_": None, "N_": None, "_n": (1, 2), "t": (2,), "tn": (2, 3)}
TEMPLATE = LOCALES_DIR / f"{DOMAIN}.pot"

Message = tuple[str | tuple[str, str], str | None, str]  # (msgid or (singular, plural), context, where)


def source_messages(root: Path = ROOT) -> Iterator[Message]:
    for folder in SOURCE_DIRS:
        for filename, lineno, message, _comments, context in extract_from_dir(
            root / folder, method_map=[("**.py", "python")], keywords=KEYWORDS, strip_comment_tags=True
        ):
            if isinstance(message, tuple):
                if not all(message):
                    continue  # a variable, not a literal: its literal is marked with N_() elsewhere
                msgid: str | tuple[str, str] = (message[0], message[1])
            elif not message:
                continue
            else:
                msgid = message
            yield msgid, context, f"{folder}/{filename}:{lineno}"


def _walk(commands: Iterable[Any], path: str) -> Iterator[Message]:
    from discord import app_commands

    for command in commands:
        where = f"/{path}{command.name}"
        if isinstance(command, app_commands.ContextMenu):
            yield command.name, MENU, where
            continue
        yield command.name, NAME, where
        yield command.description, DESCRIPTION, where
        if isinstance(command, app_commands.Group):
            yield from _walk(command.commands, f"{path}{command.name} ")
            continue
        for parameter in command.parameters:
            yield parameter.display_name, NAME, f"{where} {parameter.name}"
            yield parameter.description, DESCRIPTION, f"{where} {parameter.name}"
            for choice in parameter.choices:
                yield choice.name, CHOICE, f"{where} {parameter.name}"


def topic_messages() -> list[Message]:
    """The content-warning vocabulary (labels and explanations), translated with its own context."""
    from bot.canon.warnings import TOPICS

    return [
        (text, TOPIC, f"topic {topic.id}") for topic in TOPICS for text in (topic.label, topic.explanation)
    ]


def command_messages() -> list[Message]:
    """Every string of the command tree, from the cogs loaded into an offline bot."""
    from bot.client import Clematis
    from bot.config import load_settings
    from bot.db import Database

    async def collect() -> list[Message]:
        with tempfile.TemporaryDirectory() as folder:
            settings = load_settings(
                {
                    "DISCORD_TOKEN": "MTAxMjM0NTY3ODkw.GabcDE.abcdefghijklmnopqrstuvwxyz0123",
                    "DATABASE_PATH": str(Path(folder) / "extract.sqlite3"),
                }
            )
            bot = Clematis(settings, Database(settings.database_path))
            try:
                await bot.load_cogs()
                if bot.failed_cogs:
                    raise RuntimeError(f"cogs failed to load: {bot.failed_cogs}")
                return list(_walk(bot.tree.get_commands(), ""))
            finally:
                await bot.close()

    return asyncio.run(collect())


def build_template(messages: Iterable[Message]) -> Catalog:
    template = Catalog(domain=DOMAIN, project="Clematis", fuzzy=False)
    for msgid, context, where in messages:
        path, _sep, line = where.rpartition(":")
        location = (path, int(line)) if line.isdigit() else (where, 0)
        existing = template.get(msgid if isinstance(msgid, str) else msgid[0], context=context)
        if existing is not None:
            existing.locations.append(location)
            continue
        template.add(msgid, context=context, locations=[location])
    return template


def current_template() -> Catalog:
    return build_template([*source_messages(), *command_messages(), *topic_messages()])


def _keys(catalog: Catalog) -> set[tuple[str, str | None]]:
    return {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in catalog if m.id}


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=babel_locale(locale) if locale else None, domain=DOMAIN)


def update(template: Catalog) -> None:
    """Write the template and bring each locale's catalogue in step with it."""
    with TEMPLATE.open("wb") as handle:
        write_po(handle, template, width=110, omit_header=False, sort_output=False)
    for code in available_locales():
        path = LOCALES_DIR / f"{code}.po"
        catalog = read_catalog(path, code)
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        catalog.obsolete.clear()
        with path.open("wb") as handle:
            write_po(handle, catalog, width=110, sort_output=False, include_previous=False)


def translated(template: Catalog, catalog: Catalog) -> int:
    """How many of the template's messages ``catalog`` translates (every plural form, not fuzzy)."""
    count = 0
    for message in template:
        if not message.id:
            continue
        entry = catalog.get(message.id, context=message.context)
        strings = (
            [entry.string]
            if entry is not None and isinstance(entry.string, str)
            else entry.string
            if entry
            else []
        )
        if entry is not None and not entry.fuzzy and strings and all(strings):
            count += 1
    return count


def coverage(template: Catalog) -> dict[str, tuple[int, int]]:
    """Per locale: (messages translated, messages in total)."""
    total = sum(1 for message in template if message.id)
    return {
        code: (translated(template, read_catalog(LOCALES_DIR / f"{code}.po", code)), total)
        for code in available_locales()
    }


def main(argv: list[str]) -> int:
    template = current_template()
    if "--stats" in argv:
        for code, (done, total) in coverage(template).items():
            print(f"{code}: {done}/{total} messages translated ({100 * done / total:.1f}%)")
        return 0
    if "--check" in argv:
        committed = read_catalog(TEMPLATE)
        drift = _keys(template) ^ _keys(committed)
        for msgid, context in sorted(drift, key=str):
            print(f"drift: {context or ''} {msgid!r}")
        return 1 if drift else 0
    update(template)
    print(f"{len(template)} messages; catalogues: {', '.join(available_locales())}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
