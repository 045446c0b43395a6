"""The content-warning line of an episode card. Kept on its own: the content-warning feature replaces it
with its own card later, and nothing else here depends on how warnings are rendered."""

from __future__ import annotations

from bot.canon.model import CanonPack, Episode
from bot.canon.warnings import TOPICS_BY_ID
from bot.lookups.text import spoiler


def warning_summary(pack: CanonPack, episode: Episode) -> str:
    """The episode's warning topics as labels, each spoiler-tagged (a warning can itself spoil)."""
    labels = dict.fromkeys(TOPICS_BY_ID[w.topic].label for w in episode.warnings if w.topic in TOPICS_BY_ID)
    if not labels:
        return "None listed in the canon pack."
    return " · ".join(spoiler(label) for label in labels)
