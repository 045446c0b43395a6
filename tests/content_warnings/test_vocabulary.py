"""The warning vocabulary: ids are stored in packs and member preferences, and it must fit one menu."""

from __future__ import annotations

from bot.canon.warnings import TOPICS, TOPICS_BY_ID

# Ids already stored in packs and preferences: they may gain company, never be renamed or removed.
STORED_IDS = {
    "suicide-self-harm", "sexual-assault", "death-main-character", "child-death", "gun-violence",
    "strangulation", "graphic-violence", "blood", "psychological-abuse", "mental-illness", "body-horror",
    "flashing-images", "execution", "knife-violence", "violence", "grief", "trauma", "horror-gore",
    "obsessive-love", "captivity",
}  # fmt: skip


def test_stored_ids_are_never_renamed_or_removed() -> None:
    assert STORED_IDS <= set(TOPICS_BY_ID)
    assert len(TOPICS_BY_ID) == len(TOPICS), "ids are unique"


def test_the_vocabulary_fits_one_select_menu() -> None:
    # /cw preferences offers every topic in one select: Discord allows 25 options of up to 100 characters.
    assert len(TOPICS) <= 25
    assert all(0 < len(t.label) <= 100 and 0 < len(t.explanation) <= 100 for t in TOPICS)


def test_topics_that_hurt_most_offer_support() -> None:
    support = {t.id for t in TOPICS if t.support}
    assert {"suicide-self-harm", "sexual-assault", "child-death"} <= support
