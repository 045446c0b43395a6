"""Why a delivery ended as it did: recorded in English (the log and the database read the same), shown
to moderators in their language (``/watchparty-admin status``).

A reason is one of the catalogue templates below, filled with its values when recorded. ``shown`` reads a
recorded reason back against the templates (longest first), and renders the matching template in the
current language with the same values, themselves shown the same way (a reason may quote another, or a
fixed phrase such as "a DM"). Text that matches no template (a reason recorded by an older version, a
fixed reason marked with ``N_`` where it is recorded) goes through the catalogue as it is.
"""

from __future__ import annotations

import re
import string
from functools import cache

from bot.i18n import N_, _

NOT_SENT = N_("not sent: due {due}, it was too late by {now}")
NOT_SENT_AFTER_FAILURE = N_(
    "not sent: due {due}, it was too late by {now} (the last attempt failed: {reason})"
)
SENT_LATE = N_("sent {late} late")
UNKNOWN_KIND = N_("unknown kind of due work {kind}")
CONNECTION = N_("connection problem: {error}")
DMS_CLOSED = N_("the member's DMs are closed (not retried; no party DMs for {days} days)")
GONE = N_("{where} no longer exists ({detail})")
NO_ACCESS = N_("missing access or permission in {where} ({detail})")
REFUSED_MESSAGE = N_("Discord refused the message ({detail})")
ANSWERED = N_("Discord answered {detail}")
ANSWERED_TO = N_("Discord answered {status} to {what}")
REFUSED = N_("Discord refused {what} ({detail})")
GAVE_UP = N_("gave up after {attempts} attempts: {reason}")
NO_ANSWER = N_("no answer from Discord within {seconds} s")
UNEXPECTED = N_("unexpected error: {error}")
LATE_MINUTES = N_("{n} min")
LATE_HOURS = N_("{n} h")
LATE_HOURS_MINUTES = N_("{hours} h {minutes} min")
A_DM = N_("a DM")
ANNOUNCEMENT_EDIT = N_("the announcement edit")
EVENT_DELETE = N_("deleting the Discord event")

TEMPLATES = (
    NOT_SENT,
    NOT_SENT_AFTER_FAILURE,
    SENT_LATE,
    UNKNOWN_KIND,
    CONNECTION,
    DMS_CLOSED,
    GONE,
    NO_ACCESS,
    REFUSED_MESSAGE,
    ANSWERED,
    ANSWERED_TO,
    REFUSED,
    GAVE_UP,
    NO_ANSWER,
    UNEXPECTED,
    LATE_MINUTES,
    LATE_HOURS,
    LATE_HOURS_MINUTES,
)


def recorded(template: str, **values: object) -> str:
    """The reason as it is stored and logged: the English template, filled."""
    return template.format(**values)


@cache
def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    patterns = []
    for template in sorted(TEMPLATES, key=len, reverse=True):
        regex = "".join(
            re.escape(literal) + (f"(?P<{field}>.+?)" if field else "")
            for literal, field, _spec, _conv in string.Formatter().parse(template)
        )
        patterns.append((template, re.compile(regex, re.DOTALL)))
    return patterns


def shown(reason: str | None) -> str:
    """A recorded reason in the current language."""
    if not reason:
        return ""
    for template, pattern in _patterns():
        match = pattern.fullmatch(reason)
        if match:
            return _(template, **{name: shown(value) for name, value in match.groupdict().items()})
    return _(reason)
