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

from bot.canon import l10n
from bot.canon.horizon import Horizon, visible_facts
from bot.canon.model import CanonPack, Character, Credit, Episode, Fact, Term, Track, is_confirmed
from bot.content_warnings import render_card
from bot.i18n import N_, _, _n, current_locale
from bot.lookups.audience import Audience
from bot.lookups.cards import COLOURS, DESCRIPTION_MAX, Card
from bot.lookups.text import fit_lines, spoiler

Entry = Character | Episode | Term

KIND_LABELS = {
    "round": N_("Round"),
    "opening": N_("Opening"),
    "special": N_("Special"),
    "epilogue": N_("Epilogue"),
    "webcomic": N_("Webcomic"),
    "alternate-universe": N_("Alternate universe"),
}


def kind_label(kind: str) -> str:
    return _(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


def unconfirmed() -> str:
    return " " + _("*(unconfirmed)*")


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


def entry_name(entry: Entry, pack: CanonPack | None = None) -> str:
    """The entry's name or title; in the current language when ``pack`` (with its l10n) is given."""
    if pack is not None:
        return l10n.name(pack, entry, current_locale())
    return entry.title if isinstance(entry, Episode) else entry.name


def _text(pack: CanonPack, entry: Entry, field: str, *, italic: bool = False) -> str:
    """A field in the current language (in italics if asked), marked when its translation is not
    confirmed."""
    text = l10n.text(pack, entry, field, current_locale())
    text = f"*{text}*" if italic else text
    return text + unconfirmed() if l10n.uncertain(pack, entry, field, current_locale()) else text


def card_title(pack: CanonPack, entry: Entry) -> str:
    """The name or title for a card's title, marked when the translated name is not confirmed (embed
    titles show no italics, so the plain marker)."""
    title = entry_name(entry, pack)
    field = "title" if isinstance(entry, Episode) else "name"
    if l10n.uncertain(pack, entry, field, current_locale()):
        marker = _("(unconfirmed)")
        return f"{title} {marker}"
    return title


def gated_facts(entry: Entry) -> tuple[Fact, ...]:
    return entry.details if isinstance(entry, Episode) else entry.facts


# --- small pieces ---------------------------------------------------------------------------------


def fact_line(fact: Fact, pack: CanonPack | None = None, entry: Entry | None = None) -> str:
    text = l10n.fact_text(pack, entry, fact, current_locale()) if pack and entry else fact.text
    return f"• {text}" + ("" if fact.confirmed else unconfirmed())


def hidden_fact_line(pack: CanonPack, fact: Fact, entry: Entry | None = None) -> str:
    source = l10n.name(pack, pack.episode(fact.revealed_in), current_locale())
    text = l10n.fact_text(pack, entry, fact, current_locale()) if entry is not None else fact.text
    marker = "" if fact.confirmed else " " + _("(unconfirmed)")
    return f"• {spoiler(f'({source}) {text}{marker}')}"


CONFIDENCE_LABELS = {
    "high": N_("high"),
    "medium": N_("medium"),
    "low": N_("low"),
    "unverified": N_("unverified"),
}


def credit_text(pack: CanonPack, credit: Credit) -> str:
    who = credit.artist
    if credit.character:
        try:
            who = _(
                "{artist} as {character}",
                artist=credit.artist,
                character=l10n.name(pack, pack.character(credit.character), current_locale()),
            )
        except KeyError:
            pass
    confidence = _(CONFIDENCE_LABELS.get(credit.confidence, credit.confidence))
    if is_confirmed(credit.confidence):
        return _("{who} *({confidence} confidence)*", who=who, confidence=confidence)
    return _("{who} *(unconfirmed: {confidence} confidence)*", who=who, confidence=confidence)


def first_appearance_text(pack: CanonPack, episode_id: str, horizon: Horizon) -> str:
    if pack.has_episode(episode_id) and horizon.allows_preview(pack, episode_id):
        return l10n.name(pack, pack.episode(episode_id), current_locale())
    return _("*a later episode*")


def release_text(episode: Episode, pack: CanonPack | None = None) -> str:
    """The release date as Discord timestamps (noon UTC, so the shown day is right almost everywhere)."""
    if episode.release_date is None:
        text = _("Date unknown")
    else:
        stamp = int(datetime.combine(episode.release_date, time(12), tzinfo=UTC).timestamp())
        text = f"<t:{stamp}:D> (<t:{stamp}:R>)"
        if not is_confirmed(episode.date_confidence):
            text += " " + _("*(date unconfirmed)*")
    if not episode.release_note:
        return text
    note = (
        _text(pack, episode, "release_note", italic=True) if pack is not None else f"*{episode.release_note}*"
    )
    return f"{text}\n{note}"


def track_of(pack: CanonPack, track_id: str) -> Track:
    return next((t for t in pack.tracks if t.id == track_id), Track(track_id, track_id))


def hidden_note(count: int, noun: str) -> str:
    if noun == "detail":
        return _n(
            "🔒 **{n} later detail hidden.** **Reveal** shows it spoiler-tagged, only to you.",
            "🔒 **{n} later details hidden.** **Reveal** shows them spoiler-tagged, only to you.",
            count,
        )
    return _n(
        "🔒 **{n} later fact hidden.** **Reveal** shows it spoiler-tagged, only to you.",
        "🔒 **{n} later facts hidden.** **Reveal** shows them spoiler-tagged, only to you.",
        count,
    )


def more_hint(audience: Audience, hidden_here: int, hidden_personal: int) -> str:
    """A hint when the viewer could see more, and how; empty when nothing would help."""
    if hidden_here == 0:
        return ""
    if not audience.private and hidden_personal < hidden_here:
        return _("Run the command with `private: True` to see everything up to your progress.")
    if not audience.has_progress and audience.private:
        return _("Set your progress with {command} to see more.", command=audience.progress_command)
    if not audience.has_progress:  # a public answer here may still show less than their progress
        return _(
            "Set your progress with {command}, then run the command with `private: True` to see more.",
            command=audience.progress_command,
        )
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
    _shown, hidden_personal = visible_facts(pack, gated_facts(entry), audience.personal)
    tail = [hidden_note(hidden, noun)] if hidden else []
    hint = more_hint(audience, hidden, hidden_personal)
    if hint:
        tail.append(f"*{hint}*")
    return [fact_line(f, pack, entry) for f in shown], tail, hidden


# --- cards ----------------------------------------------------------------------------------------


def character_view(pack: CanonPack, character: Character, audience: Audience) -> EntryView:
    facts, tail, hidden = _fact_section(pack, character, audience, "fact")
    names = []
    title = entry_name(character, pack)
    if title != character.name:
        names.append(_("English: {name}", name=character.name))
    if character.hangul:
        names.append(_("Hangul: {name}", name=character.hangul))
    if character.japanese:
        mark = "" if is_confirmed(character.japanese_confidence) else unconfirmed()
        names.append(_("Japanese: {name}", name=character.japanese) + mark)
    card = Card(
        title=card_title(pack, character),
        description=_describe(
            [_text(pack, character, "role", italic=True), _text(pack, character, "summary")],
            _("**Facts**"),
            facts,
            tail,
        ),
        colour=COLOURS["character"],
    )
    card = card.with_field(_("Names"), "\n".join(names))
    card = card.with_field(
        _("First appearance"), first_appearance_text(pack, character.first_appearance, audience.horizon)
    )
    if character.vocal is not None:
        card = card.with_field(_("Vocals"), credit_text(pack, character.vocal))
    card = card.with_field(
        _("Looks"), _text(pack, character, "looks") if character.looks else "", inline=False
    )
    return EntryView(card, hidden, hidden > 0)


def term_view(pack: CanonPack, term: Term, audience: Audience) -> EntryView:
    facts, tail, hidden = _fact_section(pack, term, audience, "fact")
    title = entry_name(term, pack)
    card = Card(
        title=card_title(pack, term),
        description=_describe([_text(pack, term, "summary")], _("**Facts**"), facts, tail),
        colour=COLOURS["term"],
    )
    if title != term.name:
        card = card.with_field(_("English"), term.name)
    card = card.with_field(_("Hangul"), term.hangul if term.hangul != title else "")
    card = card.with_field(
        _("First appearance"), first_appearance_text(pack, term.first_appearance, audience.horizon)
    )
    return EntryView(card, hidden, hidden > 0)


def _before(pack: CanonPack, episode: Episode) -> str:
    needed = [*episode.requires, *([episode.after] if episode.after else [])]
    titles = [entry_name(pack.episode(e), pack) for e in needed if pack.has_episode(e)]
    if len(titles) == 2:
        return _("{first} and {second}", first=titles[0], second=titles[1])
    return ", ".join(titles)


def performers_text(pack: CanonPack, episode: Episode) -> str:
    names = []
    for character_id in episode.performers:
        try:
            names.append(entry_name(pack.character(character_id), pack))
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
        tail = [_("🔒 **Reveal** shows who is on stage, only to you."), *tail]
    title = entry_name(episode, pack)
    # The Korean title under the English one (and the English one under a translated title).
    other = episode.title if title != episode.title else episode.title_ko
    head = [f"*{other}*"] if other and other != title else []
    card = Card(
        title=card_title(pack, episode),
        description=_describe([*head, _text(pack, episode, "premise")], _("**Details**"), details, tail),
        url=episode.official_url,
        colour=COLOURS["episode"],
    )
    card = card.with_field(_("Released"), release_text(episode, pack))
    kind = f"{kind_label(episode.kind)} · {l10n.local_name(pack, track_of(pack, episode.track))}"
    if not is_confirmed(episode.position_confidence):
        kind += "\n" + _("*Its place in the order is uncertain.*")
    card = card.with_field(_("Kind"), kind)
    if stage_hidden:
        before = _before(pack, episode)
        if audience.private:
            why = _("*Hidden until you have seen {episodes}.*", episodes=before)
        else:
            why = _("*Hidden in public answers here until {episodes} may be discussed.*", episodes=before)
        card = card.with_field(_("On stage"), why)
    else:
        card = card.with_field(_("On stage"), on_stage)
    # The one content-warning card (topics behind spoiler tags unless this member asked to see them).
    for name, value in render_card(pack, [episode.id], audience.warnings, budget=1800, max_fields=2):
        card = card.with_field(name, value, inline=False)
    official = _("Official page")
    links = [f"[{official}]({episode.official_url})"] if episode.official_url else []
    links += [_("[Video {n}]({url})", n=i, url=url) for i, url in enumerate(episode.video_urls, start=1)]
    card = card.with_field(_("Watch"), " · ".join(links))
    if thread_id is not None:
        card = card.with_field(_("Discussion"), f"<#{thread_id}>")
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
            fact_line(fact, pack, entry)
            if personal.allows(pack, fact.revealed_in)
            else hidden_fact_line(pack, fact, entry)
        )
    if isinstance(entry, Episode):
        on_stage = performers_text(pack, entry)
        if on_stage and not personal.allows_preview(pack, entry.id):
            lines.insert(0, "• " + _("On stage: {names}", names=spoiler(on_stage.replace(chr(10), "; "))))
    tagged = sum("||" in line for line in lines)
    if not lines:
        intro = _("The canon pack has nothing more about this.")
    elif tagged:
        intro = _(
            "Tagged lines are past your progress: tap one only if you want to know. "
            "Each starts with the episode that reveals it."
        )
    else:
        intro = _("You have seen everything the canon pack knows about this.")
    return Card(
        title=_("{name}: everything in the pack", name=entry_name(entry, pack)),
        description=f"{intro}\n\n{fit_lines(lines, DESCRIPTION_MAX - len(intro) - 2)}".strip(),
        colour=COLOURS["reveal"],
    )
