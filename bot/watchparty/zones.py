"""Turn what people type ("Seoul", "KST", "europe/berlin") into IANA zones, and offer autocomplete.

Names come from the bundled `tzdata` package (never from the host's /etc/localtime), and city and
country names in every language the bot speaks (`서울`, `東京`, `Ciudad de México`, `Coreia do Sul`)
from CLDR through Babel. The search index is built once, on first use (start-up warms it), and kept
in memory.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

from babel.dates import get_timezone_location
from rapidfuzz import fuzz, process

from bot.i18n import N_, _, available_locales, babel_locale
from bot.text import inline_code


class ZoneError(ValueError):
    """A zone we cannot (or will not) resolve. `str(err)` is a message fit for the user."""

    def __init__(self, message: str, suggestions: list[str] | None = None) -> None:
        super().__init__(message)
        self.suggestions: list[str] = suggestions or []


# Abbreviations that name one place's rules without doubt.
UNAMBIGUOUS_ABBREVIATIONS: dict[str, str] = {
    "utc": "UTC",
    "gmt": "UTC",
    "z": "UTC",
    "kst": "Asia/Seoul",
    "jst": "Asia/Tokyo",
    "hkt": "Asia/Hong_Kong",
    "sgt": "Asia/Singapore",
    "pht": "Asia/Manila",
    "wib": "Asia/Jakarta",
    "wita": "Asia/Makassar",
    "wit": "Asia/Jayapura",
    "ict": "Asia/Bangkok",
    "msk": "Europe/Moscow",
    "cet": "Europe/Berlin",
    "cest": "Europe/Berlin",
    "aedt": "Australia/Sydney",
    "awst": "Australia/Perth",
    "nzst": "Pacific/Auckland",
    "nzdt": "Pacific/Auckland",
    "hst": "Pacific/Honolulu",
    "akst": "America/Anchorage",
    "akdt": "America/Anchorage",
    "et": "America/New_York",
    "edt": "America/New_York",
    "ct": "America/Chicago",
    "pt": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
    "mdt": "America/Denver",
    "brt": "America/Sao_Paulo",
    "sast": "Africa/Johannesburg",
}

# Abbreviations people use for different places (or that freeze DST): refuse, name the candidates.
AMBIGUOUS_ABBREVIATIONS: dict[str, tuple[str, list[str]]] = {
    "est": (N_("US Eastern or Australian Eastern time"), ["America/New_York", "Australia/Sydney"]),
    "cst": (N_("US Central, China or Cuba time"), ["America/Chicago", "Asia/Shanghai", "America/Havana"]),
    "cdt": (N_("US Central or Cuba daylight time"), ["America/Chicago", "America/Havana"]),
    "ist": (N_("India, Ireland or Israel time"), ["Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem"]),
    "bst": (N_("British Summer or Bangladesh time"), ["Europe/London", "Asia/Dhaka"]),
    "ast": (N_("Atlantic or Arabia time"), ["America/Halifax", "Asia/Riyadh"]),
    "pst": (N_("US Pacific or Philippine time"), ["America/Los_Angeles", "Asia/Manila"]),
    "mst": (N_("Mountain time with or without daylight saving"), ["America/Denver", "America/Phoenix"]),
    "mt": (N_("Mountain time with or without daylight saving"), ["America/Denver", "America/Phoenix"]),
    "aest": (
        N_("Australian Eastern time with or without daylight saving"),
        ["Australia/Sydney", "Australia/Brisbane"],
    ),
    "acst": (
        N_("Australian Central time with or without daylight saving"),
        ["Australia/Adelaide", "Australia/Darwin"],
    ),
    "eet": (
        N_("Eastern European time, whose countries change clocks differently"),
        ["Europe/Athens", "Europe/Kyiv", "Africa/Cairo"],
    ),
    "eest": (
        N_("Eastern European summer time, whose countries change clocks differently"),
        ["Europe/Athens", "Europe/Kyiv"],
    ),
    "wet": (
        N_("Western European time, whose countries change clocks differently"),
        ["Europe/Lisbon", "Africa/Casablanca"],
    ),
    "west": (
        N_("Western European summer time, whose countries change clocks differently"),
        ["Europe/Lisbon", "Atlantic/Canary"],
    ),
}

# Places people name that are not IANA location names (or are spelled differently).
CITY_ALIASES: dict[str, str] = {
    "la": "America/Los_Angeles",
    "san francisco": "America/Los_Angeles",
    "sf": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "portland": "America/Los_Angeles",
    "san diego": "America/Los_Angeles",
    "las vegas": "America/Los_Angeles",
    "nyc": "America/New_York",
    "new york city": "America/New_York",
    "boston": "America/New_York",
    "washington": "America/New_York",
    "washington dc": "America/New_York",
    "philadelphia": "America/New_York",
    "atlanta": "America/New_York",
    "miami": "America/New_York",
    "orlando": "America/New_York",
    "montreal": "America/Toronto",
    "ottawa": "America/Toronto",
    "dallas": "America/Chicago",
    "houston": "America/Chicago",
    "austin": "America/Chicago",
    "san antonio": "America/Chicago",
    "minneapolis": "America/Chicago",
    "salt lake city": "America/Denver",
    "calgary": "America/Edmonton",
    "guadalajara": "America/Mexico_City",
    "monterrey": "America/Monterrey",
    "rio": "America/Sao_Paulo",
    "rio de janeiro": "America/Sao_Paulo",
    "brasilia": "America/Sao_Paulo",
    "busan": "Asia/Seoul",
    "incheon": "Asia/Seoul",
    "daegu": "Asia/Seoul",
    "osaka": "Asia/Tokyo",
    "kyoto": "Asia/Tokyo",
    "beijing": "Asia/Shanghai",
    "shenzhen": "Asia/Shanghai",
    "guangzhou": "Asia/Shanghai",
    "mumbai": "Asia/Kolkata",
    "bombay": "Asia/Kolkata",
    "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata",
    "bengaluru": "Asia/Kolkata",
    "chennai": "Asia/Kolkata",
    "hyderabad": "Asia/Kolkata",
    "calcutta": "Asia/Kolkata",
    "hanoi": "Asia/Bangkok",
    "saigon": "Asia/Ho_Chi_Minh",
    "ho chi minh city": "Asia/Ho_Chi_Minh",
    "quezon city": "Asia/Manila",
    "cebu": "Asia/Manila",
    "davao": "Asia/Manila",
    "bali": "Asia/Makassar",
    "denpasar": "Asia/Makassar",
    "surabaya": "Asia/Jakarta",
    "bandung": "Asia/Jakarta",
    "canberra": "Australia/Sydney",
    "gold coast": "Australia/Brisbane",
    "wellington": "Pacific/Auckland",
    "munich": "Europe/Berlin",
    "hamburg": "Europe/Berlin",
    "frankfurt": "Europe/Berlin",
    "cologne": "Europe/Berlin",
    "manchester": "Europe/London",
    "edinburgh": "Europe/London",
    "glasgow": "Europe/London",
    "barcelona": "Europe/Madrid",
    "milan": "Europe/Rome",
    "kiev": "Europe/Kyiv",
    "st petersburg": "Europe/Moscow",
    "saint petersburg": "Europe/Moscow",
    "hawaii": "Pacific/Honolulu",
    # Countries whose iso3166 name is not what people type.
    "korea": "Asia/Seoul",
    "south korea": "Asia/Seoul",
    "uk": "Europe/London",
    "united kingdom": "Europe/London",
    "england": "Europe/London",
    "scotland": "Europe/London",
    "wales": "Europe/London",
}

POPULAR_ZONES: tuple[str, ...] = (
    "Asia/Seoul",
    "America/New_York",
    "America/Los_Angeles",
    "America/Chicago",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "Asia/Tokyo",
    "Asia/Manila",
    "Asia/Jakarta",
    "Asia/Singapore",
    "Asia/Bangkok",
    "Asia/Shanghai",
    "Asia/Kolkata",
    "Australia/Sydney",
    "America/Sao_Paulo",
    "America/Mexico_City",
    "America/Toronto",
    "UTC",
)

_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$")
_SPACES = re.compile(r"\s+")
LABEL_LIMIT = 100


def fold(text: str) -> str:
    """Case-, accent- and separator-insensitive form used for every comparison ("São_Paulo" -> "sao paulo")."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = plain.casefold().replace("_", " ").replace(".", "")
    return _SPACES.sub(" ", plain).strip()


def format_offset(offset: timedelta | None) -> str:
    """`UTC+09:00`, `UTC-04:00`, `UTC+05:45`."""
    total = int((offset or timedelta()).total_seconds()) // 60
    sign = "+" if total >= 0 else "-"
    hours, minutes = divmod(abs(total), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def city_of(name: str) -> str:
    """The place part of an IANA name: `America/Argentina/Buenos_Aires` -> `Buenos Aires`."""
    return name.rsplit("/", 1)[-1].replace("_", " ")


@dataclass(frozen=True)
class _Entry:
    key: str  # folded search key
    shown: str  # what the user sees before the dash
    zone: str  # IANA name


@dataclass(frozen=True)
class _Index:
    all_names: dict[str, str]  # folded IANA name (zones and links) -> name to load
    places: dict[str, list[str]]  # folded city / alias / country -> IANA names (several for big countries)
    entries: tuple[_Entry, ...]
    keys: tuple[str, ...]
    location_zones: tuple[str, ...]
    loaded: dict[str, ZoneInfo]  # held here so zoneinfo's small cache never re-reads their files
    # Typo matching runs over distinct keys, Latin and other scripts apart (a Hangul query never needs
    # the Latin keys): the localised names triple the entries, not the work per keystroke.
    fuzzy: dict[bool, tuple[str, ...]] = field(default_factory=dict)
    by_key: dict[str, list[int]] = field(default_factory=dict)


def _read_tzdata(filename: str) -> list[list[str]]:
    text = resources.files("tzdata.zoneinfo").joinpath(filename).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@cache
def _index() -> _Index:
    zone_tab = _read_tzdata("zone.tab")
    location_zones = tuple(sorted({row[2] for row in zone_tab}))
    location_set = set(location_zones)
    countries = {row[0]: row[1] for row in _read_tzdata("iso3166.tab")}

    zones: set[str] = set()
    links: dict[str, str] = {}
    zi = resources.files("tzdata.zoneinfo").joinpath("tzdata.zi").read_text(encoding="utf-8")
    for line in zi.splitlines():
        parts = line.split()
        if parts[:1] == ["Z"] and parts[1] != "Factory":  # "Factory" means "local time not set"
            zones.add(parts[1])
        elif parts[:1] == ["L"]:
            links[parts[2]] = parts[1]

    all_names: dict[str, str] = {}
    for name in zones | set(links):
        target = name
        # Legacy spellings ("US/Eastern", "Japan", "Asia/Calcutta") load as the place users recognise.
        if name not in location_set and links.get(name) in location_set:
            target = links[name]
        all_names[fold(name)] = target
    for utc_name in ("UTC", "Etc/UTC", "Etc/UCT", "UCT", "Universal", "Zulu", "Etc/Zulu", "GMT", "Etc/GMT"):
        all_names[fold(utc_name)] = "UTC"

    places: dict[str, list[str]] = {}
    for zone in location_zones:
        places.setdefault(fold(city_of(zone)), []).append(zone)
    by_country: dict[str, list[str]] = {}
    for row in zone_tab:
        by_country.setdefault(row[0], []).append(row[2])
    for code, country in countries.items():
        if code in by_country:
            places.setdefault(fold(country), by_country[code])
    for alias, zone in CITY_ALIASES.items():
        places[fold(alias)] = [zone]

    entries: list[_Entry] = [_Entry("utc", "UTC", "UTC")]
    for zone in location_zones:
        entries.append(_Entry(fold(city_of(zone)), city_of(zone), zone))
        entries.append(_Entry(fold(zone), zone, zone))
    for code, country in countries.items():
        for zone in by_country.get(code, []):
            entries.append(_Entry(fold(country), country, zone))
    for alias, zone in CITY_ALIASES.items():
        entries.append(_Entry(fold(alias), alias.title() if len(alias) > 3 else alias.upper(), zone))
    for abbr, zone in UNAMBIGUOUS_ABBREVIATIONS.items():
        entries.append(_Entry(abbr, abbr.upper(), zone))
    for shown, zones_named in _localized_places(location_zones, by_country):
        key = fold(shown)
        if key not in places:
            places[key] = zones_named
        entries.extend(_Entry(key, shown, zone) for zone in zones_named)
    by_key: dict[str, list[int]] = {}
    for position, entry in enumerate(entries):
        by_key.setdefault(entry.key, []).append(position)
    return _Index(
        all_names=all_names,
        places=places,
        entries=tuple(entries),
        keys=tuple(e.key for e in entries),
        location_zones=location_zones,
        loaded={name: ZoneInfo(name) for name in {e.zone for e in entries}},
        fuzzy={latin: tuple(k for k in by_key if _is_latin(k) == latin) for latin in (True, False)},
        by_key=by_key,
    )


def _is_latin(key: str) -> bool:
    return key.isascii()


def _localized_places(
    location_zones: tuple[str, ...], by_country: dict[str, list[str]]
) -> list[tuple[str, list[str]]]:
    """(name, zones) for CLDR's city and country names in each catalogue's language, where they differ
    from the English ones (`서울` -> Asia/Seoul, `Corea del Sur` -> Asia/Seoul)."""
    found: dict[str, list[str]] = {}
    for code in available_locales():
        locale = babel_locale(code)
        for zone in location_zones:
            city = str(get_timezone_location(zone, locale, return_city=True))
            if fold(city) != fold(city_of(zone)):
                found.setdefault(city, []).append(zone)
        for country_code, zones_of in by_country.items():
            country = locale.territories.get(country_code)
            if country:
                found.setdefault(str(country), list(zones_of))
    return [(name, list(dict.fromkeys(zones))) for name, zones in found.items()]


def _load(name: str) -> ZoneInfo:
    return _index().loaded.get(name) or ZoneInfo(name)


def _suggest(folded: str, limit: int = 3) -> list[str]:
    index = _index()
    found: list[str] = []
    matches = process.extract(folded, index.keys, scorer=fuzz.WRatio, limit=limit * 6, score_cutoff=60)
    for _key, _score, pos in matches:
        zone = index.entries[pos].zone
        if zone not in found:
            found.append(zone)
        if len(found) == limit:
            break
    return found


def _offset_zone(sign: str, hours: int, minutes: int, text: str) -> ZoneInfo:
    if minutes == 0 and (hours <= 12 if sign == "-" else hours <= 14):
        if hours == 0:
            return ZoneInfo("UTC")
        # POSIX sign convention: Etc/GMT-9 is nine hours *ahead* of UTC.
        return ZoneInfo(f"Etc/GMT{'-' if sign == '+' else '+'}{hours}")
    wanted = timedelta(hours=hours, minutes=minutes) * (1 if sign == "+" else -1)
    now = datetime.now(UTC)
    matches = [z for z in _index().location_zones if now.astimezone(_load(z)).utcoffset() == wanted][:3]
    typed = inline_code(text)
    raise ZoneError(
        _(
            "{typed} is not a whole-hour offset I can store. Pick a place instead, e.g. {zones}.",
            typed=typed,
            zones=", ".join(matches),
        )
        if matches
        else _("{typed} is not a whole-hour offset I can store. Pick a place instead.", typed=typed),
        matches,
    )


def resolve_zone(text: str) -> ZoneInfo:
    """Resolve an IANA name (any case), a city or country, an unambiguous abbreviation or a `UTC+9` offset.

    Raises `ZoneError` with a friendly message and `suggestions` (IANA names) when it cannot.
    """
    raw = text.strip()
    folded = fold(raw)
    if not folded:
        raise ZoneError(_("Tell me a time zone: a city like `Seoul` or an IANA name like `Asia/Seoul`."))

    if folded in AMBIGUOUS_ABBREVIATIONS:
        meaning, options = AMBIGUOUS_ABBREVIATIONS[folded]
        raise ZoneError(
            _(
                "{typed} is ambiguous ({meaning}). Use a place instead, e.g. {zones}.",
                typed=inline_code(raw),
                meaning=_(meaning),
                zones=", ".join(f"`{o}`" for o in options),
            ),
            list(options),
        )
    if folded in UNAMBIGUOUS_ABBREVIATIONS:
        return _load(UNAMBIGUOUS_ABBREVIATIONS[folded])

    offset = _OFFSET.match(folded.replace(" ", ""))
    if offset and (folded[0] in "+-" or folded.startswith(("utc", "gmt"))):
        sign, hours, minutes = offset.group(1), int(offset.group(2)), int(offset.group(3) or 0)
        return _offset_zone(sign, hours, minutes, raw)

    index = _index()
    if folded in index.all_names:
        return _load(index.all_names[folded])
    places = index.places.get(folded)
    if places and len(places) == 1:
        return _load(places[0])
    if places:
        shown = sorted(places, key=lambda p: p not in POPULAR_ZONES)[:5]
        raise ZoneError(
            _(
                "{typed} has several time zones. Pick one, e.g. {zones}.",
                typed=inline_code(raw),
                zones=", ".join(f"`{p}`" for p in shown),
            ),
            shown,
        )
    suggestions = _suggest(folded)
    said = _("I don't know the time zone {typed}.", typed=inline_code(raw))
    if suggestions:
        said += " " + _("Did you mean {zones}?", zones=", ".join(f"`{z}`" for z in suggestions))
    raise ZoneError(said + " " + _("A city (`Seoul`) or an IANA name (`Asia/Seoul`) works."), suggestions)


def zone_label(shown: str, zone: str, at: datetime) -> str:
    """`Seoul — Asia/Seoul (UTC+09:00)`, at most 100 characters (Discord's choice-name limit)."""
    offset = format_offset(at.astimezone(_load(zone)).utcoffset())
    head = f"{shown} — " if fold(shown) != fold(zone) else ""
    label = f"{head}{zone} ({offset})"
    return label if len(label) <= LABEL_LIMIT else label[: LABEL_LIMIT - 1] + "…"


def _starts_a_word(key: str, part: str) -> bool:
    return key.startswith(part) or f" {part}" in key or f"/{part}" in key


def zone_choices(query: str, limit: int = 25, *, now: datetime | None = None) -> list[tuple[str, str]]:
    """Autocomplete: up to `limit` (label, IANA name) pairs, prefix matches first, then fuzzy ones.

    Offsets in labels are those in force at `now` (default: the current instant).
    """
    at = now or datetime.now(UTC)
    limit = max(1, min(limit, 25))
    index = _index()
    folded = fold(query)
    picked: dict[str, str] = {}  # zone -> shown

    if not folded:
        for zone in POPULAR_ZONES[:limit]:
            picked[zone] = city_of(zone)
    else:
        prefixed = [e for e in index.entries if folded in e.key and _starts_a_word(e.key, folded)]
        prefixed.sort(key=lambda e: (not e.key.startswith(folded), e.key != folded, len(e.key), e.key))
        for entry in prefixed:
            if len(picked) >= limit:
                break
            picked.setdefault(entry.zone, entry.shown)
        if len(picked) < limit and len(folded) >= 2:
            for key, _score, _pos in process.extract(
                folded, index.fuzzy[_is_latin(folded)], scorer=fuzz.WRatio, limit=limit * 3, score_cutoff=75
            ):
                for pos in index.by_key[key]:
                    if len(picked) >= limit:
                        break
                    entry = index.entries[pos]
                    picked.setdefault(entry.zone, entry.shown)
    return [(zone_label(shown, zone, at), zone) for zone, shown in picked.items()]


def warm_up() -> None:
    """Build the index now (e.g. at start-up) instead of on the first autocomplete."""
    _index()
