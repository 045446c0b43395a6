"""The fixed content-warning vocabulary that the canon pack refers to by id.

Ids are stable: the pack, server settings and stored member preferences key on them. Add topics at the
end; never rename or reuse an id.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WarningTopic:
    id: str
    label: str
    explanation: str
    support: bool = False  # True when a notice about this topic should offer a support message


TOPICS: tuple[WarningTopic, ...] = (
    WarningTopic(
        "suicide-self-harm",
        "Suicide and self-harm",
        "A character takes, plans or accepts their own death, or hurts themselves.",
        support=True,
    ),
    WarningTopic(
        "sexual-assault",
        "Sexual assault",
        "Sexual contact forced on someone who did not consent, including a forced kiss.",
        support=True,
    ),
    WarningTopic(
        "death-main-character", "Death of a main character", "A lead character dies or is shown dying."
    ),
    WarningTopic(
        "child-death", "Death of a child", "A child dies, on screen or in a flashback.", support=True
    ),
    WarningTopic("gun-violence", "Gun violence", "Guns are fired at people or someone is shot."),
    WarningTopic("strangulation", "Strangulation", "Someone is choked or strangled."),
    WarningTopic("graphic-violence", "Graphic violence", "Beatings or injuries shown in detail."),
    WarningTopic("blood", "Blood", "Visible blood or bloody wounds."),
    WarningTopic(
        "psychological-abuse",
        "Psychological abuse",
        "Manipulation, coercion or cruelty aimed at someone's mind.",
        support=True,
    ),
    WarningTopic(
        "mental-illness",
        "Mental illness",
        "Breakdowns, self-hatred, hallucinations or other portrayals of mental distress.",
        support=True,
    ),
    WarningTopic("body-horror", "Body horror", "Bodies shown deformed, mutilated or transformed."),
    WarningTopic(
        "flashing-images",
        "Flashing images",
        "Rapid flashes or strobing that can affect photosensitive viewers.",
    ),
    WarningTopic(
        "execution",
        "Execution / death on stage",
        "The show kills the loser of a duet; deaths are staged as entertainment.",
    ),
    WarningTopic(
        "knife-violence", "Knife violence", "Someone is attacked, or nearly attacked, with a blade."
    ),
    WarningTopic("violence", "Violence", "Fights and physical attacks that are not shown in graphic detail."),
    WarningTopic("grief", "Grief and loss", "Mourning a loved one who died."),
    WarningTopic(
        "trauma", "Trauma", "Lasting harm from past events, shown through flashbacks or its aftermath."
    ),
    WarningTopic("horror-gore", "Horror and gore", "Horror imagery such as zombies, dismemberment or gore."),
    WarningTopic("obsessive-love", "Obsessive love", "Possessive, one-sided fixation on another person."),
    WarningTopic(
        "captivity",
        "Captivity and dehumanisation",
        "People kept and raised as property, with no control over their lives.",
    ),
)

TOPICS_BY_ID: dict[str, WarningTopic] = {topic.id: topic for topic in TOPICS}


def warning_topic(topic_id: str) -> WarningTopic:
    """Return the topic for an id; raise KeyError for an unknown id."""
    return TOPICS_BY_ID[topic_id]
