"""Translations: gettext catalogues (``locales/<discord-locale>.po``) read with Babel.

English is the source language: every message is written in English where it is used and is its own
msgid. A locale is one ``.po`` file named with Discord's locale code (``ko.po``, ``es-419.po``); adding a
file adds the locale, with no code change. Plural forms come from each catalogue's ``Plural-Forms``
header (CLDR rules, as Babel writes them). A message missing from a catalogue, or a translation whose
``{placeholders}`` do not fit, falls back to English.

Which language? ``_()`` and ``_n()`` use the *current* locale: an interaction binds the member's
``interaction.locale`` (see ``bind``); public posts run inside ``use_locale(server language)``.
``t(locale, ...)``/``tn(locale, ...)`` take the locale explicitly. ``N_()`` marks a message defined
ahead of use (a constant); translate it later with ``_(CONSTANT)``.
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import logging
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

log = logging.getLogger("clematis.i18n")

LOCALES_DIR = Path(__file__).parent / "locales"
SOURCE_LOCALE = "en-US"
DOMAIN = "clematis"
TOPIC = "warning topic"  # gettext context of the content-warning vocabulary (bot.canon.warnings)

_current: contextvars.ContextVar[str] = contextvars.ContextVar("clematis_locale", default=SOURCE_LOCALE)


def available_locales() -> list[str]:
    """Discord locale codes that have a catalogue (one ``.po`` file each), sorted."""
    return list(_locales_in(LOCALES_DIR))


@cache
def _locales_in(folder: Path) -> tuple[str, ...]:
    # Read once per folder: every message looks its locale up, and catalogues change only with a release.
    return tuple(sorted(path.stem for path in folder.glob("*.po")))


def babel_locale(code: str) -> Locale:
    """Babel's locale for a Discord locale code (``es-419`` -> ``es_419``, ``pt-BR`` -> ``pt_BR``)."""
    return Locale.parse(code, sep="-")


@cache
def _translations(code: str) -> NullTranslations:
    path = LOCALES_DIR / f"{code}.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=babel_locale(code), domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)  # fuzzy (unchecked) translations are not shown
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def resolve(locale: object | None) -> str | None:
    """The catalogue for a Discord locale (``discord.Locale`` or its code), or None for English.

    An exact match wins; otherwise another catalogue of the same language (``es-ES`` reads ``es-419``).
    """
    if locale is None:
        return None
    return _resolve_in(LOCALES_DIR, str(getattr(locale, "value", locale)))


@cache
def _resolve_in(folder: Path, code: str) -> str | None:
    available = _locales_in(folder)
    if code in available:
        return code
    language = code.split("-")[0].lower()
    if language == "en":
        return None
    return next((c for c in available if c.split("-")[0].lower() == language), None)


_ENGLISH = NullTranslations()


def translations(locale: object | None) -> NullTranslations:
    code = resolve(locale)
    return _translations(code) if code is not None else _ENGLISH


def _format(translated: str, english: str, kwargs: dict[str, Any]) -> str:
    if not kwargs:
        return translated
    try:
        return translated.format(**kwargs)
    except (KeyError, IndexError, ValueError):
        log.warning("translation %r does not fit its placeholders; using English", translated)
        return english.format(**kwargs)


def t(locale: object | None, message: str, /, **kwargs: Any) -> str:
    """``message`` (an English str.format template) in ``locale``, formatted with ``kwargs``."""
    return _format(translations(locale).gettext(message), message, kwargs)


def tn(locale: object | None, singular: str, plural: str, n: int, /, **kwargs: Any) -> str:
    """The plural form for ``n`` in ``locale``; ``n`` is also available as ``{n}``."""
    kwargs.setdefault("n", n)
    english = singular if n == 1 else plural
    return _format(translations(locale).ngettext(singular, plural, n), english, kwargs)


def tp(locale: object | None, context: str, message: str, /) -> str:
    """A message with a gettext context (command names and descriptions)."""
    return str(translations(locale).pgettext(context, message))


def topic_text(text: str) -> str:
    """A content-warning topic's label or explanation in the current language."""
    return tp(_current.get(), TOPIC, text)


def current_locale() -> str:
    return _current.get()


def _(message: str, /, **kwargs: Any) -> str:
    """``message`` in the current locale (the member's, or the server's for public posts)."""
    return t(_current.get(), message, **kwargs)


def _n(singular: str, plural: str, n: int, /, **kwargs: Any) -> str:
    return tn(_current.get(), singular, plural, n, **kwargs)


def N_(message: str, /) -> str:
    """Mark ``message`` for the catalogue without translating it yet (translate with ``_()`` later)."""
    return message


@contextlib.contextmanager
def use_locale(locale: object | None) -> Iterator[None]:
    """Run a block (a public post, a reminder) in ``locale``."""
    token = _current.set(str(getattr(locale, "value", locale or SOURCE_LOCALE)))
    try:
        yield
    finally:
        _current.reset(token)


def bind(interaction: Any) -> None:
    """Answer the rest of this interaction's task in the member's language (``interaction.locale``)."""
    locale = getattr(interaction, "locale", None)
    _current.set(str(getattr(locale, "value", locale or SOURCE_LOCALE)))
