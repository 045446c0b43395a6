"""The live canon pack of a running bot: the pack, its search index, and reload that keeps the last good one."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from bot.canon.loader import load_pack
from bot.canon.model import CanonPack
from bot.canon.search import SearchIndex

log = logging.getLogger(__name__)


class CanonStore:
    def __init__(self, pack: CanonPack, override_dir: Path | None = None) -> None:
        self.override_dir = override_dir
        self.pack = pack
        self.index = SearchIndex(pack)
        self._listeners: list[Callable[[CanonPack], None]] = []

    @classmethod
    def load(cls, override_dir: Path | None = None) -> CanonStore:
        """Load the built-in pack plus overrides. Raises PackError (nothing half-loaded)."""
        return cls(load_pack(override_dir), override_dir)

    def on_reload(self, listener: Callable[[CanonPack], None]) -> None:
        """Call ``listener(new_pack)`` after every successful reload (e.g. to recompile spoiler rules)."""
        self._listeners.append(listener)

    def reload(self) -> CanonPack:
        """Re-read the pack. On PackError the current pack stays in place and the error propagates."""
        pack = load_pack(self.override_dir)
        self.pack, self.index = pack, SearchIndex(pack)
        for listener in self._listeners:
            listener(pack)
        log.info("canon pack reloaded: %s %s", pack.name, pack.version)
        return pack

    def __str__(self) -> str:
        pack = self.pack
        return (
            f"{pack.name} {pack.version}: {len(pack.episodes)} episodes, {len(pack.characters)} characters, "
            f"{len(pack.terms)} terms"
            + (f" (overrides from {self.override_dir})" if self.override_dir else "")
        )
