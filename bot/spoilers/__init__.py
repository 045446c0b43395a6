"""Spoiler rule engine: normalisation, visible text of tagged messages, and phrase matching."""

from bot.spoilers.matcher import Hit, Rule, RuleSet, compile_rules, fold, phrase_words
from bot.spoilers.normalize import normalize
from bot.spoilers.visible import escape_spoiler, spoiler_tag_count, visible_text

__all__ = [
    "Hit",
    "Rule",
    "RuleSet",
    "compile_rules",
    "escape_spoiler",
    "fold",
    "normalize",
    "phrase_words",
    "spoiler_tag_count",
    "visible_text",
]
