"""Cards for one canon entry (character, episode, term) as a given audience may see it, and the reveal.

What is gated and how:
- facts and episode details: shown when the audience's horizon includes the episode that reveals them,
  otherwise counted ("3 later facts hidden"); the reveal lists them spoiler-tagged, each with the episode
  it comes from *inside* the tag (naming it outside could tell who is still around in that episode).
- first appearance: named when the audience has seen everything before that episode (so it is at most
  their next one); otherwise "a later episode", since "first appears in FINAL" can itself spoil.
- performers and vocal credits of an episode: only when the audience may preview it (they show who won
  the rounds before); the reveal shows them spoiler-tagged.
- names, roles, summaries, looks, premises and titles are spoiler-free by the pack's rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time

from bot.canon.horizon import Horizon, visible_facts
from bot.canon.model import CanonPack, Character, Credit, Episode, Fact, Term, Track, is_confirmed
from bot.content_warnings import render_card
from bot.lookups.audience import Audience
from bot.lookups.cards import COLOURS, DESCRIPTION_MAX, Card
from bot.lookups.text import fit_lines, spoiler

Entry = Character | Episode | Term

KIND_LABELS = {
    "round": "Round",
    "opening": "Opening",
    "special": "Special",
    "epilogue": "Epilogue",
    "webcomic": "Webcomic",
    "alternate-universe": "Alternate universe",
}
UNCONFIRMED = " *(unconfirmed)*"


def entry_of(pack: CanonPack, kind: str, entry_id: str) -> Entry | None:
    """The entry, or None when the pack has no such kind or id (e.g. after a reload removed it)."""
    try:
        if kind == "character":
            return pack.character(entry_id)
        if kind == "episode":
            return pack.episode(entry_id)
        if kind == "term":
            return pack.term(entry_id)
    except KeyError:
        return None
    return None


def entry_name(entry: Entry) -> str:
    return entry.title if isinstance(entry, Episode) else entry.name


def gated_facts(entry: Entry) -> tuple[Fact, ...]:
    return entry.details if isinstance(entry, Episode) else entry.facts


# --- small pieces ---------------------------------------------------------------------------------


def fact_line(fact: Fact) -> str:
    return f"• {fact.text}" + ("" if fact.confirmed else UNCONFIRMED)


def hidden_fact_line(pack: CanonPack, fact: Fact) -> str:
    source = pack.episode(fact.revealed_in).title
    marker = "" if fact.confirmed else " (unconfirmed)"
    return f"• {spoiler(f'({source}) {fact.text}{marker}')}"


def credit_text(pack: CanonPack, credit: Credit) -> str:
    who = credit.artist
    if credit.character:
        try:
            who += f" as {pack.character(credit.character).name}"
        except KeyError:
            pass
    if is_confirmed(credit.confidence):
        return f"{who} *({credit.confidence} confidence)*"
    return f"{who} *(unconfirmed: {credit.confidence} confidence)*"


def first_appearance_text(pack: CanonPack, episode_id: str, horizon: Horizon) -> str:
    if pack.has_episode(episode_id) and horizon.allows_preview(pack, episode_id):
        return pack.episode(episode_id).title
    return "*a later episode*"


def release_text(episode: Episode) -> str:
    """The release date as Discord timestamps (noon UTC, so the shown day is right almost everywhere)."""
    if episode.release_date is None:
        text = "Date unknown"
    else:
        stamp = int(datetime.combine(episode.release_date, time(12), tzinfo=UTC).timestamp())
        text = f"<t:{stamp}:D> (<t:{stamp}:R>)"
        if not is_confirmed(episode.date_confidence):
            text += " *(date unconfirmed)*"
    return f"{text}\n*{episode.release_note}*" if episode.release_note else text


def track_of(pack: CanonPack, track_id: str) -> Track:
    return next((t for t in pack.tracks if t.id == track_id), Track(track_id, track_id))


def hidden_note(count: int, noun: str) -> str:
    plural = noun if count == 1 else f"{noun}s"
    return f"🔒 **{count} later {plural} hidden.** **Reveal** shows them spoiler-tagged, only to you."


def more_hint(audience: Audience, hidden_here: int, hidden_personal: int) -> str:
    """A hint when the viewer could see more, and how; empty when nothing would help."""
    if hidden_here == 0:
        return ""
    if not audience.private and hidden_personal < hidden_here:
        return "Run the command with `private: True` to see everything up to your progress."
    if not audience.has_progress and audience.private:
        return f"Set your progress with {audience.progress_command} to see more."
    if not audience.has_progress:  # a public answer here may still show less than their progress
        return f"Set your progress with {audience.progress_command}, then run the command with `private: True` to see more."
    return ""


@dataclass(frozen=True, slots=True)
class EntryView:
    """A rendered entry: its card, and whether a Reveal button has anything to show."""

    card: Card
    hidden: int  # facts or details held back
    revealable: bool  # something is held back (facts, or who is on stage)


def _describe(head: list[str], section: str, facts: list[str], tail: list[str]) -> str:
    """Head, then the facts fitted into the room left, then the tail (hidden count and hints)."""
    top = "\n".join(head)
    bottom = "\n".join(tail)
    room = DESCRIPTION_MAX - len(top) - len(bottom) - len(section) - 6
    body = f"{section}\n{fit_lines(facts, room)}" if facts else ""
    return "\n\n".join(part for part in (top, body, bottom) if part)


def _fact_section(
    pack: CanonPack, entry: Entry, audience: Audience, noun: str
) -> tuple[list[str], list[str], int]:
    shown, hidden = visible_facts(pack, gated_facts(entry), audience.horizon)
    _, hidden_personal = visible_facts(pack, gated_facts(entry), audience.personal)
    tail = [hidden_note(hidden, noun)] if hidden else []
    hint = more_hint(audience, hidden, hidden_personal)
    if hint:
        tail.append(f"*{hint}*")
    return [fact_line(f) for f in shown], tail, hidden


# --- cards ----------------------------------------------------------------------------------------


def character_view(pack: CanonPack, character: Character, audience: Audience) -> EntryView:
    facts, tail, hidden = _fact_section(pack, character, audience, "fact")
    names = []
    if character.hangul:
        names.append(f"Hangul: {character.hangul}")
    if character.japanese:
        mark = "" if is_confirmed(character.japanese_confidence) else UNCONFIRMED
        names.append(f"Japanese: {character.japanese}{mark}")
    card = Card(
        title=character.name,
        description=_describe([f"*{character.role}*", character.summary], "**Facts**", facts, tail),
        colour=COLOURS["character"],
    )
    card = card.with_field("Names", "\n".join(names))
    card = card.with_field(
        "First appearance", first_appearance_text(pack, character.first_appearance, audience.horizon)
    )
    if character.vocal is not None:
        card = card.with_field("Vocals", credit_text(pack, character.vocal))
    card = card.with_field("Looks", character.looks, inline=False)
    return EntryView(card, hidden, hidden > 0)


def term_view(pack: CanonPack, term: Term, audience: Audience) -> EntryView:
    facts, tail, hidden = _fact_section(pack, term, audience, "fact")
    card = Card(
        title=term.name,
        description=_describe([term.summary], "**Facts**", facts, tail),
        colour=COLOURS["term"],
    )
    card = card.with_field("Hangul", term.hangul)
    card = card.with_field(
        "First appearance", first_appearance_text(pack, term.first_appearance, audience.horizon)
    )
    return EntryView(card, hidden, hidden > 0)


def _before(pack: CanonPack, episode: Episode) -> str:
    needed = [*episode.requires, *([episode.after] if episode.after else [])]
    return " and ".join(pack.episode(e).title for e in needed if pack.has_episode(e))


def performers_text(pack: CanonPack, episode: Episode) -> str:
    names = []
    for character_id in episode.performers:
        try:
            names.append(pack.character(character_id).name)
        except KeyError:
            names.append(character_id)
    lines = [", ".join(names)] if names else []
    lines += [credit_text(pack, credit) for credit in episode.vocals]
    return "\n".join(lines)


def episode_view(
    pack: CanonPack, episode: Episode, audience: Audience, *, thread_id: int | None = None
) -> EntryView:
    details, tail, hidden = _fact_section(pack, episode, audience, "detail")
    on_stage = performers_text(pack, episode)
    stage_hidden = bool(on_stage) and not audience.horizon.allows_preview(pack, episode.id)
    if stage_hidden and not hidden:
        tail = ["🔒 **Reveal** shows who is on stage, only to you.", *tail]
    head = [f"*{episode.title_ko}*"] if episode.title_ko else []
    card = Card(
        title=episode.title,
        description=_describe([*head, episode.premise], "**Details**", details, tail),
        url=episode.official_url,
        colour=COLOURS["episode"],
    )
    card = card.with_field("Released", release_text(episode))
    kind = f"{KIND_LABELS.get(episode.kind, episode.kind)} · {track_of(pack, episode.track).name}"
    if not is_confirmed(episode.position_confidence):
        kind += "\n*Its place in the order is uncertain.*"
    card = card.with_field("Kind", kind)
    if stage_hidden:
        before = _before(pack, episode)
        if audience.private:
            why = f"*Hidden until you have seen {before}.*"
        else:
            why = f"*Hidden in public answers here until {before} may be discussed.*"
        card = card.with_field("On stage", why)
    else:
        card = card.with_field("On stage", on_stage)
    # The one content-warning card (topics behind spoiler tags unless this member asked to see them).
    for name, value in render_card(pack, [episode.id], audience.warnings, budget=1800, max_fields=2):
        card = card.with_field(name, value, inline=False)
    links = [f"[Official page]({episode.official_url})"] if episode.official_url else []
    links += [f"[Video {i}]({url})" for i, url in enumerate(episode.video_urls, start=1)]
    card = card.with_field("Watch", " · ".join(links))
    if thread_id is not None:
        card = card.with_field("Discussion", f"<#{thread_id}>")
    return EntryView(card, hidden, hidden > 0 or stage_hidden)


def entry_view(
    pack: CanonPack, entry: Entry, audience: Audience, *, thread_id: int | None = None
) -> EntryView:
    if isinstance(entry, Character):
        return character_view(pack, entry, audience)
    if isinstance(entry, Episode):
        return episode_view(pack, entry, audience, thread_id=thread_id)
    return term_view(pack, entry, audience)


def reveal_card(pack: CanonPack, entry: Entry, personal: Horizon) -> Card:
    """Everything the pack knows about ``entry`` for one viewer: what their own horizon allows in plain
    text, the rest spoiler-tagged line by line (for an answer only they see)."""
    lines = []
    for fact in gated_facts(entry):
        lines.append(
            fact_line(fact) if personal.allows(pack, fact.revealed_in) else hidden_fact_line(pack, fact)
        )
    if isinstance(entry, Episode):
        on_stage = performers_text(pack, entry)
        if on_stage and not personal.allows_preview(pack, entry.id):
            lines.insert(0, f"• On stage: {spoiler(on_stage.replace(chr(10), '; '))}")
    tagged = sum("||" in line for line in lines)
    if not lines:
        intro = "The canon pack has nothing more about this."
    elif tagged:
        intro = (
            "Tagged lines are past your progress: tap one only if you want to know. "
            "Each starts with the episode that reveals it."
        )
    else:
        intro = "You have seen everything the canon pack knows about this."
    return Card(
        title=f"{entry_name(entry)}: everything in the pack",
        description=f"{intro}\n\n{fit_lines(lines, DESCRIPTION_MAX - len(intro) - 2)}".strip(),
        colour=COLOURS["reveal"],
    )
