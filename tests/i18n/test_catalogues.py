"""The catalogues are complete, in step with the code, and every translation fits its English template."""

from __future__ import annotations

import re
import shutil
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.plurals import get_plural

import bot.i18n as i18n
from bot.i18n import available_locales, babel_locale, t, tn
from bot.i18n.extract import TEMPLATE, _keys, coverage, current_template, read_catalog, translated

SUPPORTED = ["es-419", "ja", "ko", "pt-BR"]


@pytest.fixture(scope="module")
def template():
    return current_template()


def _catalog(code: str):
    return read_catalog(i18n.LOCALES_DIR / f"{code}.po", code)


def _fields(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def _strings(message) -> list[str]:
    return [message.string] if isinstance(message.string, str) else list(message.string)


def test_supported_locales_are_discovered_from_files() -> None:
    assert available_locales() == SUPPORTED


def test_committed_template_matches_the_code(template) -> None:
    drift = _keys(template) ^ _keys(read_catalog(TEMPLATE))
    assert drift == set(), "run `python -m bot.i18n.extract` and translate the new messages"


def missing_messages(template: Catalog, catalog: Catalog) -> list[tuple[str | None, object]]:
    """Messages of the code that ``catalog`` lacks, leaves empty (any plural form) or marks fuzzy."""
    missing = []
    for message in template:
        if not message.id:
            continue
        entry = catalog.get(message.id, context=message.context)
        if entry is None or entry.fuzzy or not all(_strings(entry)):
            missing.append((message.context, message.id))
    return missing


def placeholder_problems(catalog: Catalog) -> list[tuple[object, str]]:
    """Translations whose ``{placeholders}`` differ from their English message's."""
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        english = set().union(*(_fields(i) for i in ids))
        for text in _strings(message):
            fields = _fields(text)
            # a plural form may leave out {n} (Korean and Japanese say the number in words or not at all)
            if text and (fields - english or english - fields - {"n"}):
                wrong.append((message.id, text))
    return wrong


@pytest.mark.parametrize("code", SUPPORTED)
def test_every_message_is_translated(template, code: str) -> None:
    assert missing_messages(template, _catalog(code)) == []


@pytest.mark.parametrize("code", SUPPORTED)
def test_placeholders_match_english(code: str) -> None:
    assert placeholder_problems(_catalog(code)) == []


def test_the_catalogue_checks_can_fail(template) -> None:
    """A catalogue missing a message, with an untranslated plural form, a fuzzy entry or a placeholder that
    differs from the English is reported."""
    catalog = _catalog("es-419")
    plural = next(m for m in catalog if m.id and not isinstance(m.id, str))
    gone = next(m for m in catalog if m.id and isinstance(m.id, str) and m is not plural)
    catalog.delete(gone.id, context=gone.context)
    plural.string = (plural.string[0], "", plural.string[2])
    fuzzy = next(m for m in catalog if m.id and isinstance(m.id, str) and "{" in m.id)
    fuzzy.flags.add("fuzzy")
    missing = missing_messages(template, catalog)
    assert {gone.id, plural.id, fuzzy.id} <= {m for _, m in missing}
    wrong = Catalog(locale="ko")
    wrong.add("Hi {name}, {n} left", "안녕 {nmae}")
    wrong.add("{count} rules", "규칙 {count}개")
    assert placeholder_problems(wrong) == [("Hi {name}, {n} left", "안녕 {nmae}")]


@pytest.mark.parametrize("code", SUPPORTED)
def test_plural_forms_are_cldrs(code: str) -> None:
    rule = get_plural(babel_locale(code))
    assert _catalog(code).plural_forms == rule.plural_forms


def test_plurals_follow_each_language() -> None:
    assert tn("en-US", "{n} party", "{n} parties", 1) == "1 party"
    assert tn("en-US", "{n} party", "{n} parties", 2) == "2 parties"
    assert t("ko", "That only works in a server.") == "그건 서버 안에서만 쓸 수 있어요."


def test_missing_entries_and_unknown_locales_fall_back_to_english() -> None:
    assert t("ko", "A sentence nobody translated, {x}.", x=1) == "A sentence nobody translated, 1."
    assert t("fr", "That only works in a server.") == "That only works in a server."
    assert t("es-ES", "That only works in a server.") == t("es-419", "That only works in a server.")


def test_a_new_locale_is_a_new_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "locales"
    shutil.copytree(i18n.LOCALES_DIR, folder)
    (folder / "fr.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: fr\\n"\n"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n'
        '"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "That only works in a server."\nmsgstr "Ça ne marche que dans un serveur."\n\n'
        'msgid "{n} party"\nmsgid_plural "{n} parties"\nmsgstr[0] "{n} soirée"\nmsgstr[1] "{n} soirées"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(i18n, "LOCALES_DIR", folder)
    i18n._translations.cache_clear()
    try:
        assert "fr" in available_locales()
        assert t("fr", "That only works in a server.") == "Ça ne marche que dans un serveur."
        assert tn("fr", "{n} party", "{n} parties", 0) == "0 soirée"
        assert tn("fr", "{n} party", "{n} parties", 2) == "2 soirées"
    finally:
        i18n._translations.cache_clear()


def test_a_translation_with_wrong_placeholders_falls_back_to_english(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "locales"
    folder.mkdir()
    (folder / "ko.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: ko\\n"\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "Hi {name}"\nmsgstr "안녕 {nmae}"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(i18n, "LOCALES_DIR", folder)
    i18n._translations.cache_clear()
    try:
        assert t("ko", "Hi {name}", name="Mizi") == "Hi Mizi"
    finally:
        i18n._translations.cache_clear()


def test_no_translation_call_hides_inside_an_f_string() -> None:
    """Babel's extractor cannot see ``f"{_('…')}"``: such a message would silently stay English."""
    root = Path(__file__).resolve().parents[2]
    hidden = [
        f"{path.relative_to(root)}:{number}"
        for folder in ("bot", "cogs")
        for path in sorted((root / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"\{_n?\(", line)
    ]
    assert hidden == []


def test_coverage_is_reported_per_locale(template) -> None:
    """`python -m bot.i18n.extract --stats`: messages translated out of the total, per locale."""
    report = coverage(template)
    assert set(report) == set(SUPPORTED)
    total = sum(1 for message in template if message.id)
    assert all(done == total == all_ for done, all_ in report.values())
    catalog = _catalog("ko")
    gone = next(m for m in catalog if m.id)
    catalog.delete(gone.id, context=gone.context)
    assert translated(template, catalog) == total - 1
