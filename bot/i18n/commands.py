"""Command names and descriptions in the member's language, through discord.py's own Translator.

Each string of the command tree is a catalogue message with a gettext context: ``command name`` for
command, group and option names (Discord's rules: lower case, no spaces, at most 32 characters),
``command description`` for descriptions and ``command choice`` for choice names.
"""

from __future__ import annotations

from discord import Locale, app_commands
from discord.app_commands import TranslationContextLocation as Where

from bot.i18n import available_locales, tp

NAME = "command name"
DESCRIPTION = "command description"
CHOICE = "command choice"
MENU = "menu name"  # context menus: capitals and spaces allowed

_CONTEXTS = {
    Where.command_name: NAME,
    Where.group_name: NAME,
    Where.parameter_name: NAME,
    Where.command_description: DESCRIPTION,
    Where.group_description: DESCRIPTION,
    Where.parameter_description: DESCRIPTION,
    Where.choice_name: CHOICE,
}


class CatalogueTranslator(app_commands.Translator):
    """Answers from the catalogues; None (no localisation) where a locale has no catalogue or entry."""

    async def translate(
        self, string: app_commands.locale_str, locale: Locale, context: app_commands.TranslationContext
    ) -> str | None:
        if locale.value not in available_locales():
            return None  # only exact catalogues: Discord shows English to the rest
        msgctxt = _CONTEXTS.get(context.location)
        if isinstance(context.data, app_commands.ContextMenu):
            msgctxt = MENU
        if msgctxt is None:
            return None
        translated = tp(locale.value, msgctxt, string.message)
        if translated == string.message:
            return None
        if msgctxt == NAME:
            translated = translated.lower()
        return translated
