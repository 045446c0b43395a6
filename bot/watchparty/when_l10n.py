"""Typed times in Korean, Japanese, Spanish and Portuguese, rewritten into the English forms `when` reads.

dateparser knows these languages, but on the forms fans type it is often silently wrong or gives up:
`내일 오후 8시` comes back as 10:00, `amanhã às 20h` as 06:00 the day after, `12月5日 20時` as the year
2112, and `내일 저녁 8시 반`, `明日の夜8時`, `sábado às 8 da noite` or `próximo sábado 20:00` are not read
at all. So each language's words for days, weekdays, parts of the day, clock times, dates and "in N hours"
are rewritten (`토요일 오후 8시` -> `saturday 8pm`) and the result goes through the same grammar as English,
with the same checks: an hour without 오전/오후 (or a.m./p.m.) is confirmed as morning or evening, DST
gaps and overlaps are explained. "Next week's Tuesday" (`다음주 화요일`, `来週の火曜日`) names one day,
so it becomes that date. Text this layer does not change is left to the English grammar and then to
dateparser in the member's language (whose guesses are always confirmed).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, timedelta

Rule = tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]

LANGUAGES = ("ko", "ja", "es", "pt")

_MONTH_NAMES = "january february march april may june july august september october november december".split()
_WEEKDAY_NAMES = "monday tuesday wednesday thursday friday saturday sunday".split()


def language_of(locale: str | None) -> str:
    """`ko`, `ja`, `es`, `pt` or `en` for a Discord locale (`es-419` -> `es`, `pt-BR` -> `pt`)."""
    language = (locale or "en").split("-")[0].lower()
    return language if language in LANGUAGES else "en"


def _week_day(today: date, weekday: int, weeks_ahead: int) -> str:
    """The ISO date of `weekday` (0 = Monday) in the week `weeks_ahead` after this one.

    On a Sunday, weeks that start on Monday and weeks that start on Sunday (as many calendars in Korea
    and Japan show them) disagree about which week is "next": then the member is asked to pick, as for
    "next saturday" in English.
    """
    if weeks_ahead == 1 and today.weekday() == 6:
        return f"next {_WEEKDAY_NAMES[weekday]}"
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=weeks_ahead)
    return (monday + timedelta(days=weekday)).isoformat()


def _in(unit: str) -> Callable[[re.Match[str]], str]:
    return lambda m: f"in {m['n']} {unit}"


def _apply(text: str, rules: list[Rule]) -> str:
    for pattern, replacement in rules:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())


def _clock(hour: str, minute: str | None, part: str | None) -> str:
    """`8`, `30`, `pm` -> `8:30pm`; a 24-hour time (20:00) keeps no am/pm; 12 at night is midnight."""
    h = int(hour)
    text = f"{h}:{int(minute):02d}" if minute is not None else str(h)
    if part == "night" and h == 12 and not minute:
        return "midnight"
    if part and 1 <= h <= 12 and not hour.startswith("0"):
        return text + ("am" if part == "am" else "pm")
    return text


def _mark_first_time(text: str, part: str | None) -> str:
    """`today 9` -> `today 9pm` when a part of the day was said but not next to the hour (a day of the
    month, next to a month name, is not an hour)."""
    if part is None:
        return text
    tokens = text.split()
    days = set()
    for j, token in enumerate(tokens):
        if token in _MONTH_NAMES:
            before = j > 0 and tokens[j - 1].isdigit()
            days.add(j - 1 if before else j + 1)
    for i, token in enumerate(tokens):
        if re.fullmatch(r"\d{1,2}(?::\d{2})?", token) and i not in days:
            hour, _sep, minute = token.partition(":")
            tokens[i] = _clock(hour, minute or None, part)
            break
    return " ".join(tokens)


def _take_part(text: str, words: dict[str, str]) -> tuple[str, str | None]:
    """Remove the first part-of-day word (longest first) and return which half of the day it means."""
    for word in sorted(words, key=len, reverse=True):
        if word in text:
            return text.replace(word, " ", 1), words[word]
    return text, None


# --- Korean ---------------------------------------------------------------------------------------

_KO_WEEKDAYS = {"월": 0, "화": 1, "수": 2, "목": 3, "금": 4, "토": 5, "일": 6}
_KO_PARTS = {"오전": "am", "아침": "am", "새벽": "am", "오후": "pm", "저녁": "pm", "밤": "night", "낮": "pm"}


def _korean(text: str, today: date) -> str:
    text = re.sub(r"오늘\s*밤", "tonight", text)
    text, part = _take_part(text, _KO_PARTS)
    weekday = r"(?P<w>[월화수목금토일])(?:요일)?"
    rules: list[Rule] = [
        (
            re.compile(r"(?P<n>\d+)\s*시간\s*(?P<m>\d+)\s*분\s*(?:후|뒤)"),
            lambda m: f"in {m['n']} hours {m['m']} minutes",
        ),
        (re.compile(r"(?P<n>\d+)\s*시간\s*(?:후|뒤)"), _in("hours")),
        (re.compile(r"(?P<n>\d+)\s*분\s*(?:후|뒤)"), _in("minutes")),
        (re.compile(r"(?P<n>\d+)\s*일\s*(?:후|뒤)"), _in("days")),
        (re.compile(rf"다음\s*주\s*{weekday}"), lambda m: _week_day(today, _KO_WEEKDAYS[m["w"]], 1)),
        (re.compile(rf"(?:이번\s*주|금주)\s*{weekday}"), lambda m: _week_day(today, _KO_WEEKDAYS[m["w"]], 0)),
        (re.compile(r"(?P<w>[월화수목금토일])요일"), lambda m: _WEEKDAY_NAMES[_KO_WEEKDAYS[m["w"]]]),
        (re.compile(r"(?:(?P<y>\d{4})\s*년\s*)?(?P<mo>\d{1,2})\s*월\s*(?P<d>\d{1,2})\s*일"), _month_day),
        (re.compile(r"오늘"), "today"),
        (re.compile(r"내일"), "tomorrow"),
        (re.compile(r"모레"), (today + timedelta(days=2)).isoformat()),
        (re.compile(r"정오"), "noon"),
        (re.compile(r"자정"), "midnight"),
        (re.compile(r"(?P<h>\d{1,2})\s*시\s*(?P<m>\d{1,2})\s*분"), lambda m: _clock(m["h"], m["m"], part)),
        (re.compile(r"(?P<h>\d{1,2})\s*시\s*반"), lambda m: _clock(m["h"], "30", part)),
        (re.compile(r"(?P<h>\d{1,2})\s*시"), lambda m: _clock(m["h"], None, part)),
        (re.compile(r"(?:에|쯤|경|부터)(?=\s|$)"), " "),
    ]
    return _mark_first_time(_apply(text, rules), part) if "시" not in text else _apply(text, rules)


# --- Japanese -------------------------------------------------------------------------------------

_JA_WEEKDAYS = {"月": 0, "火": 1, "水": 2, "木": 3, "金": 4, "土": 5, "日": 6}
_JA_PARTS = {"午前": "am", "朝": "am", "午後": "pm", "夕方": "pm", "夜": "night", "晩": "night"}


def _japanese(text: str, today: date) -> str:
    text = re.sub(r"今夜|今晩", "tonight", text)
    text, part = _take_part(text, _JA_PARTS)
    weekday = r"(?P<w>[月火水木金土日])曜(?:日)?"
    rules: list[Rule] = [
        (
            re.compile(r"(?P<n>\d+)\s*時間\s*(?P<m>\d+)\s*分\s*後"),
            lambda m: f"in {m['n']} hours {m['m']} minutes",
        ),
        (re.compile(r"(?P<n>\d+)\s*時間\s*後"), _in("hours")),
        (re.compile(r"(?P<n>\d+)\s*分\s*後"), _in("minutes")),
        (re.compile(r"(?P<n>\d+)\s*日\s*後"), _in("days")),
        (re.compile(rf"来週\s*の?\s*{weekday}"), lambda m: _week_day(today, _JA_WEEKDAYS[m["w"]], 1)),
        (re.compile(rf"今週\s*の?\s*{weekday}"), lambda m: _week_day(today, _JA_WEEKDAYS[m["w"]], 0)),
        (re.compile(weekday), lambda m: _WEEKDAY_NAMES[_JA_WEEKDAYS[m["w"]]]),
        (re.compile(r"(?:(?P<y>\d{4})\s*年\s*)?(?P<mo>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"), _month_day),
        (re.compile(r"今日|きょう"), "today"),
        (re.compile(r"明後日|あさって"), (today + timedelta(days=2)).isoformat()),
        (re.compile(r"明日|あした|あす"), "tomorrow"),
        (re.compile(r"正午"), "noon"),
        (re.compile(r"(?P<h>\d{1,2})\s*時\s*(?P<m>\d{1,2})\s*分"), lambda m: _clock(m["h"], m["m"], part)),
        (re.compile(r"(?P<h>\d{1,2})\s*時\s*半"), lambda m: _clock(m["h"], "30", part)),
        (re.compile(r"(?P<h>\d{1,2})\s*時"), lambda m: _clock(m["h"], None, part)),
        (re.compile(r"の|に|から|ごろ|頃|開始|スタート"), " "),
    ]
    return _mark_first_time(_apply(text, rules), part) if "時" not in text else _apply(text, rules)


def _month_day(m: re.Match[str]) -> str:
    month = int(m["mo"])
    if not 1 <= month <= 12:
        return m.group(0)
    year = f" {m['y']}" if m["y"] else ""
    return f"{_MONTH_NAMES[month - 1]} {int(m['d'])}{year}"


# --- Spanish and Portuguese ----------------------------------------------------------------------

_ES_MONTHS = (
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre".split()
)
_PT_MONTHS = (
    "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro".split()
)
_ES_WEEKDAYS = "lunes martes miércoles jueves viernes sábado domingo".split()
_PT_WEEKDAYS = "segunda terça quarta quinta sexta sábado domingo".split()


def _words(names: list[str]) -> dict[str, int]:
    """Names with and without accents (people often type `sabado`, `miercoles`)."""
    out: dict[str, int] = {}
    for i, name in enumerate(names):
        out[name] = i
        out["".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))] = i
    return out


def _romance(text: str, today: date, language: str) -> str:
    months = _words(_ES_MONTHS if language == "es" else _PT_MONTHS)
    weekdays = _words(_ES_WEEKDAYS if language == "es" else _PT_WEEKDAYS)
    month = "|".join(sorted(months, key=len, reverse=True))
    weekday = "|".join(sorted(weekdays, key=len, reverse=True))
    if language == "es":
        parts = {
            "de la mañana": "am", "de la manana": "am", "de la madrugada": "am",
            "de la tarde": "pm", "de la noche": "pm", "por la tarde": "pm", "por la noche": "pm",
        }  # fmt: skip
        days = [
            (r"pasado\s+ma[ñn]ana", (today + timedelta(days=2)).isoformat()),
            (r"esta\s+noche", "tonight"),
            (r"hoy", "today"),
            (r"ma[ñn]ana", "tomorrow"),
        ]
        relative = r"(?:en|dentro\s+de)"
        units = {"hora": "hours", "horas": "hours", "minuto": "minutes", "minutos": "minutes", "día": "days",
                 "días": "days", "dia": "days", "dias": "days"}  # fmt: skip
        nxt = r"(?:el\s+)?(?:pr[óo]ximo|siguiente)\s+(?P<w>{w})|(?:el\s+)?(?P<w2>{w})\s+que\s+viene"
        half, noon, midnight = r"y\s+media", r"mediod[íi]a", r"medianoche"
        fillers = r"\b(?:a\s+las|a\s+la|el|las|la|de|del|a|para)\b"
    else:
        parts = {
            "da manhã": "am", "da manha": "am", "da madrugada": "am",
            "da tarde": "pm", "da noite": "pm", "à noite": "pm", "a noite": "pm", "de noite": "pm",
        }  # fmt: skip
        days = [
            (r"depois\s+de\s+amanh[ãa]", (today + timedelta(days=2)).isoformat()),
            (r"hoje\s+(?:à|a)\s+noite", "tonight"),
            (r"hoje", "today"),
            (r"amanh[ãa]", "tomorrow"),
        ]
        relative = r"(?:em|daqui\s+a)"
        units = {"hora": "hours", "horas": "hours", "minuto": "minutes", "minutos": "minutes", "dia": "days",
                 "dias": "days"}  # fmt: skip
        nxt = r"(?:o\s+|no\s+|na\s+)?pr[óo]xim[oa]\s+(?P<w>{w})(?:-feira)?|(?P<w2>{w})(?:-feira)?\s+que\s+vem"
        half, noon, midnight = r"e\s+meia", r"meio-dia|meio\s+dia", r"meia-noite|meia\s+noite"
        fillers = r"\b(?:às|as|à|a|no|na|de|do|da|para)\b"
    unit = "|".join(sorted(units, key=len, reverse=True))

    def next_weekday(m: re.Match[str]) -> str:
        return "next " + _WEEKDAY_NAMES[weekdays[m["w"] or m["w2"]]]

    rules: list[Rule] = [
        (
            re.compile(rf"\b{relative}\s+(?P<n>\d+)\s*(?P<u>{unit})\b"),
            lambda m: f"in {m['n']} {units[m['u']]}",
        ),
        (re.compile(r"\b" + nxt.format(w=weekday) + r"\b"), next_weekday),
        (
            re.compile(rf"\b(?P<d>\d{{1,2}})\s+de\s+(?P<mon>{month})(?:\s+(?:de|del)\s+(?P<y>\d{{4}}))?\b"),
            lambda m: f"{int(m['d'])} {_MONTH_NAMES[months[m['mon']]]}" + (f" {m['y']}" if m["y"] else ""),
        ),
        (re.compile(rf"\b(?P<w>{weekday})(?:-feira)?\b"), lambda m: _WEEKDAY_NAMES[weekdays[m["w"]]]),
        *[(re.compile(rf"\b{pattern}\b"), replacement) for pattern, replacement in days],
        (re.compile(rf"\b(?:{noon})\b"), "noon"),
        (re.compile(rf"\b(?:{midnight})\b"), "midnight"),
        (re.compile(r"\b(?P<h>\d{1,2})\s*h\s*(?P<m>\d{2})\b"), lambda m: f"{m['h']}:{m['m']}"),
        (re.compile(r"\b(?P<h>\d{1,2})\s*h(?:s|oras)?\b"), lambda m: f"{m['h']}:00"),
        (re.compile(rf"\b(?P<h>\d{{1,2}})\s+{half}\b"), lambda m: f"{m['h']}:30"),
        (re.compile(fillers), " "),
    ]
    phrase = "|".join(re.escape(p) for p in sorted(parts, key=len, reverse=True))
    said = re.search(phrase, text)
    part = parts[said.group(0)] if said else None
    # "8 de la noche", "8h da noite", "8:30 da noite": the hour next to the phrase gets am/pm.
    text, marked = re.subn(
        rf"\b(?P<h>\d{{1,2}})(?::(?P<m>\d{{2}})|\s*h\s*(?P<hm>\d{{2}})?)?\s*(?:{phrase})",
        lambda m: _clock(m["h"], m["m"] or m["hm"], part),
        text,
        count=1,
    )
    text = re.sub(phrase, " ", text)
    english = _apply(text, rules)
    return english if marked else _mark_first_time(english, part)


def to_english(text: str, language: str, today: date) -> str:
    """`text` (already lower-cased) rewritten into the English forms; unchanged for English."""
    text = unicodedata.normalize("NFKC", text)  # full-width digits and colons (２０：００)
    if language == "ko":
        return _korean(text, today)
    if language == "ja":
        return _japanese(text, today)
    if language in ("es", "pt"):
        return _romance(text, today, language)
    return text
