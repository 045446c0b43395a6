"""/canon info and the answer to a reload: what pack is running, and exactly what is wrong with a new one."""

from __future__ import annotations

from bot.canon.model import CanonPack
from bot.canon.store import CanonStore
from bot.i18n import _, _n
from bot.lookups.cards import DESCRIPTION_MAX, FIELD_VALUE_MAX, Card
from bot.lookups.text import fit_lines
from bot.spoilers import escape_spoiler


def pack_counts(pack: CanonPack) -> str:
    facts = sum(len(c.facts) for c in pack.characters) + sum(len(t.facts) for t in pack.terms)
    facts += sum(len(e.details) for e in pack.episodes)
    return _(
        "{episodes} episodes on {tracks} tracks, {characters} characters, {terms} terms, {facts} gated facts",
        episodes=len(pack.episodes),
        tracks=len(pack.track_ids()),
        characters=len(pack.characters),
        terms=len(pack.terms),
        facts=facts,
    )


def code(text: str) -> str:
    """``text`` as inline code (shown exactly), or escaped when it holds a backtick or a line break."""
    if text and "`" not in text and "\n" not in text:
        return f"`{text}`"
    return escape_spoiler(text)


def info_card(store: CanonStore, *, show_path: bool) -> Card:
    pack = store.pack
    if store.override_dir is None:
        overrides = _("None (CANON_DIR is not set)")
    elif show_path:
        overrides = code(str(store.override_dir))
    else:
        overrides = _("Yes (folder {folder})", folder=code(store.override_dir.name))
    card = Card(title=pack.name, description=pack_counts(pack))
    card = card.with_field(_("Version"), pack.version).with_field(_("Overrides"), overrides)
    change = pack.change()
    if change is not None and change.notes:
        notes = fit_lines([f"• {escape_spoiler(note)}" for note in change.notes], FIELD_VALUE_MAX)
        card = card.with_field(_("What changed in {version}", version=change.version), notes, inline=False)
    return card


def reloaded_card(before: CanonPack, store: CanonStore) -> Card:
    after = store.pack
    previous = f"{before.name} {before.version}"
    return Card(
        title=_("Canon pack reloaded"),
        description=f"**{after.name} {after.version}**: {pack_counts(after)}.\n"
        + _("Before: {pack}: {counts}.", pack=previous, counts=pack_counts(before)),
    )


def problems_card(problems: list[str], store: CanonStore) -> Card:
    """The reload's problems, each exactly as the loader wrote it (escaped), as many as fit."""
    pack = store.pack
    running = f"{pack.name} {pack.version}"
    head = _n(
        "The new pack has {n} problem, so nothing changed: still running **{pack}**. "
        "Fix it and run the reload again:",
        "The new pack has {n} problems, so nothing changed: still running **{pack}**. "
        "Fix these and run the reload again:",
        len(problems),
        pack=running,
    )
    lines = [f"• {escape_spoiler(problem)}" for problem in problems]
    return Card(
        title=_("Reload refused"),
        description=f"{head}\n\n{fit_lines(lines, DESCRIPTION_MAX - len(head) - 2)}",
        colour=0xE67E22,
    )
