"""Load the canon pack from TOML, apply operator overrides, and validate everything before building it.

`load_pack` collects every problem it finds and raises one `PackError` listing them all; a broken pack
(builtin or override) never half-loads.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from bot.canon import l10n
from bot.canon.horizon import horizon_through
from bot.canon.model import (
    CONFIDENCES,
    EPISODE_KINDS,
    CanonPack,
    Change,
    Character,
    Credit,
    Episode,
    Fact,
    SpoilerRule,
    Term,
    Track,
    WarningRef,
)
from bot.canon.warnings import TOPICS_BY_ID
from bot.spoilers.matcher import rule_condition_problems

BUILTIN_DIR = Path(__file__).parent / "data"
PACK_FILE = "pack.toml"
TABLES = ("episode", "character", "term")  # [[episode]], [[character]], [[term]]
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class PackError(Exception):
    """The pack cannot be loaded. `problems` holds one precise message per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"canon pack has {len(problems)} problem(s):\n{lines}")


class _Bad:
    """Marker for a value that failed its check (the problem is already reported)."""


_BAD = _Bad()
Report = Callable[[str, str], None]  # (field path, message)
Check = Callable[[Any, str, Report], Any]


def _type_name(value: object) -> str:
    return {dict: "table", list: "list", str: "string", bool: "boolean", int: "integer"}.get(
        type(value), type(value).__name__
    )


def _did_you_mean(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _text(value: Any, path: str, report: Report) -> Any:
    if not isinstance(value, str):
        report(path, f"expected a string, got {_type_name(value)}")
        return _BAD
    return value.strip()


def _flag(value: Any, path: str, report: Report) -> Any:
    if not isinstance(value, bool):
        report(path, f"expected true or false, got {_type_name(value)}")
        return _BAD
    return value


def _texts(value: Any, path: str, report: Report) -> Any:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        report(path, f"expected a list of strings, got {_type_name(value)}")
        return _BAD
    return tuple(v.strip() for v in value)


def _urls(value: Any, path: str, report: Report) -> Any:
    urls = _texts(value, path, report)
    if urls is _BAD:
        return _BAD
    for i, url in enumerate(urls, 1):
        if not url.startswith("https://"):
            report(f"{path}[{i}]", f"'{url}' is not an https:// link")
            return _BAD
    return urls


def _url(value: Any, path: str, report: Report) -> Any:
    url = _text(value, path, report)
    if url is _BAD or url == "" or url.startswith("https://"):
        return url
    report(path, f"'{url}' is not an https:// link")
    return _BAD


def _day(value: Any, path: str, report: Report) -> Any:
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str):
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                return date.fromisoformat(value)
        except ValueError:
            pass
        report(path, f"'{value}' is not a date (use YYYY-MM-DD)")
        return _BAD
    report(path, f"expected a date (YYYY-MM-DD), got {_type_name(value)}")
    return _BAD


def _one_of(options: tuple[str, ...], what: str) -> Check:
    def check(value: Any, path: str, report: Report) -> Any:
        text = _text(value, path, report)
        if text is _BAD or text in options:
            return text
        choices = ", ".join(options[:-1]) + f" or {options[-1]}"
        report(path, f"'{text}' is not {what} (use {choices})")
        return _BAD

    return check


_RULE_FORM = 'a phrase or a table { phrase = "...", unless = [...], endings = [...] }'


def _spoiler_rules(value: Any, path: str, report: Report) -> Any:
    """A list of rules, each a plain phrase or an inline table with `phrase`, `unless` and `endings`."""
    if not isinstance(value, list):
        report(path, f"expected a list of rules (each {_RULE_FORM}), got {_type_name(value)}")
        return _BAD
    rules: list[SpoilerRule] = []
    for i, item in enumerate(value, 1):
        if isinstance(item, str):
            rules.append(SpoilerRule(item.strip()))
        elif isinstance(item, dict):
            row = _table(_RULE_FIELDS)(item, f"{path}[{i}]", report)
            if row is not _BAD:
                rules.append(SpoilerRule(row["phrase"], row.get("unless", ()), row.get("endings", ())))
        else:
            report(f"{path}[{i}]", f"expected {_RULE_FORM}, got {_type_name(item)}")
    return tuple(rules) if len(rules) == len(value) else _BAD


_confidence = _one_of(CONFIDENCES, "a confidence")
_kind = _one_of(EPISODE_KINDS, "an episode kind")


@dataclass(frozen=True)
class _Field:
    check: Check
    required: bool = False


def _tables(fields: dict[str, _Field]) -> Check:
    """A list of inline tables, each checked against `fields`; returns a tuple of dicts."""

    def check(value: Any, path: str, report: Report) -> Any:
        if not isinstance(value, list):
            report(path, f"expected a list of tables, got {_type_name(value)}")
            return _BAD
        rows = []
        for i, item in enumerate(value, 1):
            row = _table(fields)(item, f"{path}[{i}]", report)
            if row is not _BAD:
                rows.append(row)
        return tuple(rows) if len(rows) == len(value) else _BAD

    return check


def _table(fields: dict[str, _Field]) -> Check:
    def check(value: Any, path: str, report: Report) -> Any:
        if not isinstance(value, dict):
            report(path, f"expected a table, got {_type_name(value)}")
            return _BAD
        row, ok = {}, True
        for key, raw in value.items():
            spec = fields.get(key)
            if spec is None:
                report(f"{path}.{key}", "unknown field" + _did_you_mean(key, fields))
                ok = False
                continue
            checked = spec.check(raw, f"{path}.{key}", report)
            ok = ok and checked is not _BAD
            row[key] = checked
        for key, spec in fields.items():
            if spec.required and key not in value:
                report(f"{path}.{key}", "missing (required)")
                ok = False
        return row if ok else _BAD

    return check


_FACT = {
    "text": _Field(_text, required=True),
    "revealed_in": _Field(_text, required=True),
    "confidence": _Field(_confidence, required=True),
}
_CREDIT = {
    "artist": _Field(_text, required=True),
    "character": _Field(_text),
    "confidence": _Field(_confidence),
}
_RULE_FIELDS = {"phrase": _Field(_text, required=True), "unless": _Field(_texts), "endings": _Field(_texts)}
_WARNING = {"topic": _Field(_text, required=True), "note": _Field(_text)}

SCHEMAS: dict[str, dict[str, _Field]] = {
    "episode": {
        "id": _Field(_text, required=True),
        "track": _Field(_text, required=True),
        "kind": _Field(_kind, required=True),
        "title": _Field(_text, required=True),
        "premise": _Field(_text, required=True),
        "after": _Field(_text),
        "requires": _Field(_texts),
        "position_confidence": _Field(_confidence),
        "title_ko": _Field(_text),
        "aliases": _Field(_texts),
        "release_date": _Field(_day),
        "date_confidence": _Field(_confidence),
        "release_note": _Field(_text),
        "performers": _Field(_texts),
        "vocals": _Field(_tables(_CREDIT)),
        "warnings": _Field(_tables(_WARNING)),
        "official_url": _Field(_url),
        "video_urls": _Field(_urls),
        "details": _Field(_tables(_FACT)),
        "spoiler_rules": _Field(_spoiler_rules),
        "remove": _Field(_flag),
    },
    "character": {
        "id": _Field(_text, required=True),
        "name": _Field(_text, required=True),
        "role": _Field(_text, required=True),
        "summary": _Field(_text, required=True),
        "first_appearance": _Field(_text, required=True),
        "hangul": _Field(_text),
        "japanese": _Field(_text),
        "japanese_confidence": _Field(_confidence),
        "aliases": _Field(_texts),
        "main": _Field(_flag),
        "vocal": _Field(_table(_CREDIT)),
        "looks": _Field(_text),
        "facts": _Field(_tables(_FACT)),
        "remove": _Field(_flag),
    },
    "term": {
        "id": _Field(_text, required=True),
        "name": _Field(_text, required=True),
        "summary": _Field(_text, required=True),
        "first_appearance": _Field(_text, required=True),
        "hangul": _Field(_text),
        "aliases": _Field(_texts),
        "facts": _Field(_tables(_FACT)),
        "remove": _Field(_flag),
    },
}
_PACK_KEYS = ("name", "version", "track", "changes")
_CHANGE = {
    "version": _Field(_text, required=True),
    "notes": _Field(_texts),
    "moved": _Field(_texts),
}
_TRACK = {
    "id": _Field(_text, required=True),
    "name": _Field(_text, required=True),
    "description": _Field(_text),
}


@dataclass
class _Entry:
    """One merged entry: its checked fields and, per field, the file that last set it."""

    table: str
    id: str
    created_in: str
    fields: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    given: set[str] = field(default_factory=set)  # keys written in some file, even with a bad value


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []
        self.unreadable = False  # a file could not be parsed: cross-entry checks would only echo that

    def add(self, file: str, message: str, entry: str | None = None, field_path: str | None = None) -> None:
        where = f"file: {file}"
        if entry is not None:
            where += f", entry {entry}"
        if field_path is not None:
            where += f", field '{field_path}'"
        self.items.append(f"{where}: {message}")

    def at(self, item: _Entry, field_path: str, message: str) -> None:
        top = field_path.split("[", 1)[0].split(".", 1)[0]
        self.add(item.sources.get(top, item.created_in), message, f"'{item.id}'", field_path)


def _read_toml(path: Path, label: str, problems: _Problems) -> dict[str, Any] | None:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        problems.add(label, f"not valid TOML: {exc}")
    except OSError as exc:
        problems.add(label, f"cannot be read: {exc.strerror}")
    problems.unreadable = True
    return None


def _pack_rows(
    raw: Any, key: str, fields: dict[str, _Field], label: str, problems: _Problems
) -> list[dict[str, Any]]:
    """The valid rows of an array of tables in pack.toml ([[track]], [[changes]]); problems reported."""
    if not isinstance(raw, list):
        problems.add(PACK_FILE, f"'{key}' must be an array of tables ([[{key}]])")
        return []
    rows = []
    for i, item in enumerate(raw, 1):

        def report(path: str, message: str, i: int = i) -> None:
            problems.add(PACK_FILE, message, label.format(i=i), path.removeprefix("."))

        row = _table(fields)(item, "", report)
        if row is not _BAD:
            rows.append(row)
    return rows


def _read_pack_file(path: Path, problems: _Problems) -> tuple[str, str, list[Track], list[Change]]:
    data = _read_toml(path, PACK_FILE, problems) or {}
    for key in data:
        if key not in _PACK_KEYS:
            problems.add(PACK_FILE, f"unknown key '{key}'" + _did_you_mean(key, _PACK_KEYS))
    name, version = data.get("name"), data.get("version")
    for key, value in (("name", name), ("version", version)):
        if not isinstance(value, str) or not value.strip():
            problems.add(PACK_FILE, f"'{key}' must be a non-empty string")
    tracks = [
        Track(row["id"], row["name"], row.get("description", ""))
        for row in _pack_rows(data.get("track", []), "track", _TRACK, "#{i}", problems)
    ]
    seen = [t.id for t in tracks]
    for t in tracks:
        if seen.count(t.id) > 1:
            problems.add(PACK_FILE, f"track '{t.id}' is listed {seen.count(t.id)} times")
            break
    if not tracks:
        problems.add(PACK_FILE, "at least one [[track]] is required")
    changes = [
        Change(row["version"], row.get("notes", ()), row.get("moved", ()))
        for row in _pack_rows(data.get("changes", []), "changes", _CHANGE, "changes #{i}", problems)
    ]
    return str(name or ""), str(version or ""), tracks, changes


def _read_entries(
    path: Path, label: str, problems: _Problems
) -> list[tuple[str, str, dict[str, Any], set[str]]]:
    """Check one data file's tables; return (table, id, checked fields, keys given) per usable entry."""
    data = _read_toml(path, label, problems)
    if data is None:
        return []
    out = []
    for table, rows in data.items():
        if table not in TABLES:
            problems.add(label, f"unknown table '{table}'" + _did_you_mean(table, TABLES))
            continue
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            problems.add(label, f"'{table}' must be an array of tables ([[{table}]])")
            continue
        seen_here: set[str] = set()
        for i, raw in enumerate(rows, 1):
            raw_id = raw.get("id")
            if not isinstance(raw_id, str) or not raw_id:
                problems.add(label, f"missing 'id' in this [[{table}]]", f"#{i}")
                continue
            if not _ID.match(raw_id):
                problems.add(
                    label, f"'{raw_id}' is not a valid id (use lowercase letters, digits and dashes)", f"#{i}"
                )
                continue
            if raw_id in seen_here:
                problems.add(label, f"duplicate id (another [[{table}]] in this file has it)", f"'{raw_id}'")
                continue
            seen_here.add(raw_id)
            checked: dict[str, Any] = {}
            schema = SCHEMAS[table]
            for key, value in raw.items():
                spec = schema.get(key)
                if spec is None:
                    problems.add(label, "unknown field" + _did_you_mean(key, schema), f"'{raw_id}'", key)
                    continue

                def report(sub: str, message: str, raw_id: str = raw_id) -> None:
                    problems.add(label, message, f"'{raw_id}'", sub)

                result = spec.check(value, key, report)
                if result is not _BAD:
                    checked[key] = result
            out.append((table, raw_id, checked, set(raw)))
    return out


def _merge(
    builtin: list[tuple[Path, str]], overrides: list[tuple[Path, str]], problems: _Problems
) -> tuple[dict[str, dict[str, _Entry]], dict[tuple[str, str], str]]:
    entries: dict[str, dict[str, _Entry]] = {t: {} for t in TABLES}
    removed: dict[tuple[str, str], str] = {}
    for path, label in builtin:
        for table, entry_id, checked, given in _read_entries(path, label, problems):
            if entry_id in entries[table]:
                first = entries[table][entry_id].created_in
                problems.add(label, f"duplicate id (first defined in {first})", f"'{entry_id}'")
                continue
            if checked.get("remove"):
                problems.add(label, "'remove' is only for override files", f"'{entry_id}'", "remove")
            item = _Entry(table, entry_id, label)
            _patch(item, checked, given, label)
            entries[table][entry_id] = item
    for path, label in overrides:
        for table, entry_id, checked, given in _read_entries(path, label, problems):
            existing = entries[table].get(entry_id)
            if "remove" in given and "remove" not in checked:
                continue  # a bad 'remove' value, already reported
            if checked.pop("remove", False):
                if existing is None:
                    problems.add(label, f"cannot remove: no {table} has this id", f"'{entry_id}'")
                else:
                    del entries[table][entry_id]
                    removed[(table, entry_id)] = label
                continue
            if existing is None:
                existing = entries[table][entry_id] = _Entry(table, entry_id, label)
                removed.pop((table, entry_id), None)
            _patch(existing, checked, given, label)
    return entries, removed


def _patch(item: _Entry, checked: dict[str, Any], given: set[str], label: str) -> None:
    item.given |= given
    for key, value in checked.items():
        item.fields[key] = value
        item.sources[key] = label


def _data_files(directory: Path, skip: str | None = None) -> list[tuple[Path, str]]:
    return [(p, p.name) for p in sorted(directory.glob("*.toml")) if p.name != skip]


def load_pack(override_dir: Path | None = None, builtin_dir: Path = BUILTIN_DIR) -> CanonPack:
    """Load the builtin pack, apply every `*.toml` in `override_dir` (in file-name order), validate the
    result and return it. Raise PackError listing every problem found."""
    return load_pack_with_sources(override_dir, builtin_dir)[0]


#: (table, entry id) -> field -> the file that last set it (a builtin file name or an override path).
Sources = dict[tuple[str, str], dict[str, str]]


def load_pack_with_sources(
    override_dir: Path | None = None, builtin_dir: Path = BUILTIN_DIR
) -> tuple[CanonPack, Sources]:
    """`load_pack`, plus which file set each field of each entry (for reports that name the file)."""
    problems = _Problems()
    name, version, tracks, changes = _read_pack_file(builtin_dir / PACK_FILE, problems)
    overrides: list[tuple[Path, str]] = []
    if override_dir is not None:
        if not override_dir.is_dir():
            problems.add(str(override_dir), "override directory does not exist")
        else:
            overrides = [(p, str(p)) for p, _ in _data_files(override_dir)]
    entries, removed = _merge(_data_files(builtin_dir, skip=PACK_FILE), overrides, problems)
    pack = None if problems.unreadable else _build(name, version, tracks, entries, removed, problems)
    if problems.items or pack is None:
        raise PackError(problems.items or ["the pack could not be built"])
    if changes:
        pack = replace(pack, changes=tuple(changes))
    pack = _with_localizations(pack, builtin_dir, override_dir)
    sources = {
        (item.table, item.id): dict(item.sources) for table in entries.values() for item in table.values()
    }
    return pack, sources


def _with_localizations(pack: CanonPack, builtin_dir: Path, override_dir: Path | None) -> CanonPack:
    """Attach ``l10n/<locale>.toml`` (built-in, then CANON_DIR's); see bot.canon.l10n."""
    folders = [(builtin_dir, False)] + ([(override_dir, True)] if override_dir is not None else [])
    l10n_problems: list[str] = []
    found = l10n.read_localizations(pack, folders, l10n_problems)
    if l10n_problems:
        raise PackError(l10n_problems)
    return replace(pack, l10n=l10n.freeze(found))


# --- cross-entry validation -------------------------------------------------------------------------


def _build(
    name: str,
    version: str,
    tracks: list[Track],
    entries: dict[str, dict[str, _Entry]],
    removed: dict[tuple[str, str], str],
    problems: _Problems,
) -> CanonPack | None:
    for table, items in entries.items():
        for item in items.values():
            for key, spec in SCHEMAS[table].items():
                if spec.required and key not in item.given:
                    problems.add(item.created_in, "missing (required)", f"'{item.id}'", key)

    episodes, characters = entries["episode"], entries["character"]

    def ref(item: _Entry, path: str, target: str, table: str, known: dict[str, _Entry]) -> bool:
        if target in known:
            return True
        gone = removed.get((table, target))
        hint = f" (removed by {gone})" if gone else _did_you_mean(target, known)
        problems.at(item, path, f"unknown {table} '{target}'{hint}")
        return False

    track_ids = [t.id for t in tracks]
    for item in episodes.values():
        f = item.fields
        if "track" in f and f["track"] not in track_ids:
            problems.at(item, "track", f"unknown track '{f['track']}' (tracks: {', '.join(track_ids)})")
        if "after" in f:
            ref(item, "after", f["after"], "episode", episodes)
        for i, target in enumerate(f.get("requires", ()), 1):
            ref(item, f"requires[{i}]", target, "episode", episodes)
        for i, target in enumerate(f.get("performers", ()), 1):
            ref(item, f"performers[{i}]", target, "character", characters)
        for i, credit in enumerate(f.get("vocals", ()), 1):
            if credit.get("character"):
                ref(item, f"vocals[{i}].character", credit["character"], "character", characters)
        for i, warning in enumerate(f.get("warnings", ()), 1):
            if warning["topic"] not in TOPICS_BY_ID:
                problems.at(
                    item,
                    f"warnings[{i}].topic",
                    f"unknown content-warning topic '{warning['topic']}'"
                    + _did_you_mean(warning["topic"], TOPICS_BY_ID),
                )
    for table in ("character", "term"):
        for item in entries[table].values():
            if "first_appearance" in item.fields:
                ref(item, "first_appearance", item.fields["first_appearance"], "episode", episodes)
            credit = item.fields.get("vocal")
            if credit and credit.get("character"):
                ref(item, "vocal.character", credit["character"], "character", characters)
    for items in entries.values():
        for item in items.values():
            for key in ("details", "facts"):
                for i, fact in enumerate(item.fields.get(key, ()), 1):
                    ref(item, f"{key}[{i}].revealed_in", fact["revealed_in"], "episode", episodes)

    if problems.items:
        return None  # ordering checks need sound references
    order = _order_tracks(track_ids, episodes, problems)
    if order is None:
        return None
    pack = CanonPack(
        name=name,
        version=version,
        episodes=tuple(_episode(episodes[i]) for i in order),
        characters=tuple(_character(c) for c in characters.values()),
        terms=tuple(_term(t) for t in entries["term"].values()),
        tracks=tuple(tracks),
    )
    _check_reveals(pack, entries, problems)
    _check_rules(pack, entries, problems)
    return None if problems.items else pack


def _order_tracks(track_ids: list[str], episodes: dict[str, _Entry], problems: _Problems) -> list[str] | None:
    """Episode ids track by track in `after` order; report forks, cycles and cross-track links."""
    before = len(problems.items)
    by_track: dict[str, list[_Entry]] = {t: [] for t in track_ids}
    for item in episodes.values():
        by_track[item.fields["track"]].append(item)
    order: list[str] = []
    for track, items in by_track.items():
        nxt: dict[str, list[str]] = {}
        starts = []
        for item in items:
            after = item.fields.get("after")
            if after is None:
                starts.append(item.id)
            elif episodes[after].fields["track"] != track:
                problems.at(
                    item,
                    "after",
                    f"'{after}' is on track '{episodes[after].fields['track']}', not '{track}' "
                    "(use 'requires' to depend on another track)",
                )
            else:
                nxt.setdefault(after, []).append(item.id)
        for parent, children in nxt.items():
            if len(children) > 1:
                names = " and ".join(f"'{c}'" for c in children)
                problems.at(
                    episodes[children[-1]],
                    "after",
                    f"{names} both come right after '{parent}'; a track must be a single line",
                )
        for extra in starts[1:]:
            problems.at(
                episodes[extra],
                "after",
                f"missing: track '{track}' already starts with '{starts[0]}'; "
                "only the first episode of a track may leave out 'after'",
            )
        line = []
        current = starts[0] if starts else None
        while current is not None and current not in line:
            line.append(current)
            children = nxt.get(current, [])
            current = children[0] if children else None
        reported: set[str] = set()
        for item in items:
            if item.id in line or item.id in reported:
                continue
            path, node = [], item.id
            while node not in path and episodes[node].fields.get("after") is not None:
                path.append(node)
                node = episodes[node].fields["after"]
                if episodes[node].fields["track"] != track:
                    break
            if node in path:
                cycle = path[path.index(node) :]
                reported.update(cycle)
                chain = " -> ".join(f"'{c}'" for c in [*reversed(cycle), cycle[-1]])
                problems.at(episodes[cycle[0]], "after", f"the episodes {chain} form a cycle")
        order.extend(line)
    if len(problems.items) > before:
        return None
    _check_requires(episodes, problems)
    return None if len(problems.items) > before else order


def _check_requires(episodes: dict[str, _Entry], problems: _Problems) -> None:
    state: dict[str, int] = {}  # 1 = visiting, 2 = done

    def visit(node: str, trail: list[str]) -> None:
        if state.get(node) == 2:
            return
        if state.get(node) == 1:
            cycle = trail[trail.index(node) :] + [node]
            problems.at(
                episodes[node],
                "requires",
                "these episodes depend on each other in a circle: " + " -> ".join(f"'{c}'" for c in cycle),
            )
            return
        state[node] = 1
        fields = episodes[node].fields
        for dep in ([fields["after"]] if fields.get("after") else []) + list(fields.get("requires", ())):
            visit(dep, [*trail, node])
        state[node] = 2

    before = len(problems.items)
    for item in episodes.values():
        for i, dep in enumerate(item.fields.get("requires", ()), 1):
            if episodes[dep].fields["track"] == item.fields["track"]:
                problems.at(item, f"requires[{i}]", f"'{dep}' is on the same track; use 'after' for order")
    if len(problems.items) == before:
        for item in episodes.values():
            visit(item.id, [])


def _check_reveals(pack: CanonPack, entries: dict[str, dict[str, _Entry]], problems: _Problems) -> None:
    """A detail of an episode must be revealed by an episode whose viewers have seen it; a fact about
    a character or term cannot be revealed earlier on the track where it first appears."""
    for item in entries["episode"].values():
        for i, fact in enumerate(item.fields.get("details", ()), 1):
            if not horizon_through(pack, fact["revealed_in"]).allows(pack, item.id):
                problems.at(
                    item,
                    f"details[{i}].revealed_in",
                    f"'{fact['revealed_in']}' does not come after '{item.id}': "
                    f"a viewer of '{fact['revealed_in']}' may not have seen '{item.id}'",
                )
    for table in ("character", "term"):
        for item in entries[table].values():
            track, first = pack.position(item.fields["first_appearance"])
            for i, fact in enumerate(item.fields.get("facts", ()), 1):
                fact_track, index = pack.position(fact["revealed_in"])
                if fact_track == track and index < first:
                    problems.at(
                        item,
                        f"facts[{i}].revealed_in",
                        f"'{fact['revealed_in']}' comes before the first appearance "
                        f"'{item.fields['first_appearance']}'",
                    )


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _check_rules(pack: CanonPack, entries: dict[str, dict[str, _Entry]], problems: _Problems) -> None:
    """Spoiler rules need two words or more, must not be a bare name, and belong to one episode only;
    their `unless` phrases must be able to overlap them and their `endings` follow a Hangul stem."""
    names = {
        _fold(n): f"{table} '{item.id}'"
        for table in ("character", "term")
        for item in entries[table].values()
        for n in (item.fields["name"], *item.fields.get("aliases", ()), item.fields.get("hangul", ""))
        if n
    }
    owner: dict[str, str] = {}
    for episode in pack.episodes:
        item = entries["episode"][episode.id]
        for i, rule in enumerate(episode.spoiler_rules, 1):
            folded, path = _fold(rule), f"spoiler_rules[{i}]"
            if folded in names:
                problems.at(item, path, f"'{rule}' is just the name of {names[folded]}, not a spoiler")
            elif len(folded.split()) < 2:
                problems.at(item, path, f"'{rule}' is a single word; a rule needs at least two")
            elif folded in owner and owner[folded] != episode.id:
                problems.at(item, path, f"'{rule}' is already a rule of episode '{owner[folded]}'")
            owner.setdefault(folded, episode.id)
            for where, problem in rule_condition_problems(rule, rule.unless, rule.endings):
                problems.at(item, f"{path}.{where}", problem)


# --- conversion ---------------------------------------------------------------------------------------


def _facts(rows: Iterable[dict[str, Any]]) -> tuple[Fact, ...]:
    return tuple(Fact(r["text"], r["revealed_in"], r["confidence"]) for r in rows)


def _credit(row: dict[str, Any]) -> Credit:
    return Credit(row["artist"], row.get("character", ""), row.get("confidence", "high"))


def _episode(item: _Entry) -> Episode:
    f = item.fields
    return Episode(
        id=item.id,
        track=f["track"],
        kind=f["kind"],
        title=f["title"],
        premise=f["premise"],
        after=f.get("after"),
        requires=f.get("requires", ()),
        position_confidence=f.get("position_confidence", "high"),
        title_ko=f.get("title_ko", ""),
        aliases=f.get("aliases", ()),
        release_date=f.get("release_date"),
        date_confidence=f.get("date_confidence", "high"),
        release_note=f.get("release_note", ""),
        performers=f.get("performers", ()),
        vocals=tuple(_credit(c) for c in f.get("vocals", ())),
        warnings=tuple(WarningRef(w["topic"], w.get("note", "")) for w in f.get("warnings", ())),
        official_url=f.get("official_url", ""),
        video_urls=f.get("video_urls", ()),
        details=_facts(f.get("details", ())),
        spoiler_rules=f.get("spoiler_rules", ()),
    )


def _character(item: _Entry) -> Character:
    f = item.fields
    return Character(
        id=item.id,
        name=f["name"],
        role=f["role"],
        summary=f["summary"],
        first_appearance=f["first_appearance"],
        hangul=f.get("hangul", ""),
        japanese=f.get("japanese", ""),
        japanese_confidence=f.get("japanese_confidence", "high"),
        aliases=f.get("aliases", ()),
        main=f.get("main", False),
        vocal=_credit(f["vocal"]) if "vocal" in f else None,
        looks=f.get("looks", ""),
        facts=_facts(f.get("facts", ())),
    )


def _term(item: _Entry) -> Term:
    f = item.fields
    return Term(
        id=item.id,
        name=f["name"],
        summary=f["summary"],
        first_appearance=f["first_appearance"],
        hangul=f.get("hangul", ""),
        aliases=f.get("aliases", ()),
        facts=_facts(f.get("facts", ())),
    )
