"""How many upcoming watch parties a member and a server may have, and who may host.

Each party counts once, and every party of a weekly series counts: each is its own announcement and
its own Discord scheduled event, and Discord allows at most 100 uncompleted events per server. A party
counts until it ends (scheduled, not cancelled, not over). The server's limit defaults to 50, leaving
room for the server's own events; a member's to 12, one full weekly series. Moderators are not held to
the member limit or the host role, but are to the server's limit.

The count and the insert happen in one write transaction (``enforce_quota`` is called inside it), so
concurrent requests can never overshoot a limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.db import Database, Handle, Row
from bot.db.notify import SETTINGS, invalidations
from bot.errors import UserError
from bot.i18n import N_, _
from bot.watchparty.due import to_db_time

DEFAULT_MEMBER_LIMIT = 12
DEFAULT_SERVER_LIMIT = 50
LIMIT_MAX = 100  # Discord's cap on a server's uncompleted scheduled events

MEMBER_LIMIT_REACHED = N_(
    "You already host {active} upcoming watch parties here and this server allows {limit} per member, "
    "so I can't add {adding} more. Cancel one with `/watchparty cancel`, or ask a moderator to raise the "
    "limit with `/watchparty-admin limits`."
)
SERVER_LIMIT_REACHED = N_(
    "This server already has {active} upcoming watch parties and allows {limit}, so I can't add "
    "{adding} more. A moderator can raise the limit with `/watchparty-admin limits` (Discord allows at "
    "most 100 events per server)."
)
SERIES_HINT = N_("At most {room} more would fit: try `count: {room}`.")
HOST_ROLE_NEEDED = N_("Only members with the {role} role (and moderators) can host watch parties here.")

_ACTIVE = "SELECT count(*) FROM watch_parties WHERE guild_id = ? AND status = 'scheduled' AND ends_at > ?"


@dataclass(frozen=True, slots=True)
class PartyLimits:
    member: int = DEFAULT_MEMBER_LIMIT
    server: int = DEFAULT_SERVER_LIMIT
    host_role_id: int | None = None


@dataclass(frozen=True, slots=True)
class Quota:
    """Whose parties are being added: a moderator is not held to the member limit."""

    moderator: bool = False


class QuotaExceeded(UserError):
    """Adding the parties would pass a limit; the message says which, and what to do."""


def _limits(row: Row | tuple | None) -> PartyLimits:
    if row is None:
        return PartyLimits()
    member, server, role = row
    return PartyLimits(member or DEFAULT_MEMBER_LIMIT, server or DEFAULT_SERVER_LIMIT, role)


_LIMITS = (
    "SELECT member_party_limit, server_party_limit, host_role_id FROM guild_party_settings WHERE guild_id = ?"
)


async def party_limits(db: Database, guild_id: int) -> PartyLimits:
    return _limits(await db.fetchone(_LIMITS, (guild_id,)))


async def set_party_limits(
    db: Database, guild_id: int, *, member: int | None = None, server: int | None = None
) -> PartyLimits:
    """Change the limits given (the others stay); returns the limits now in force."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO guild_party_settings (guild_id, member_party_limit, server_party_limit) "
            "VALUES (?, ?, ?) ON CONFLICT(guild_id) DO UPDATE SET "
            "member_party_limit = coalesce(excluded.member_party_limit, guild_party_settings.member_party_limit), "
            "server_party_limit = coalesce(excluded.server_party_limit, guild_party_settings.server_party_limit)",
            (guild_id, member, server),
        )
        limits = _limits(await conn.fetchone(_LIMITS, (guild_id,)))
    invalidations(db).notify(SETTINGS, guild_id)  # other processes holding the server read them again
    return limits


async def set_host_role(db: Database, guild_id: int, role_id: int | None) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO guild_party_settings (guild_id, host_role_id) VALUES (?, ?) "
            "ON CONFLICT(guild_id) DO UPDATE SET host_role_id = excluded.host_role_id",
            (guild_id, role_id),
        )
    invalidations(db).notify(SETTINGS, guild_id)


async def active_parties(conn: Handle, guild_id: int, *, now: datetime, host_id: int | None = None) -> int:
    sql, params = _ACTIVE, [guild_id, to_db_time(now)]
    if host_id is not None:
        sql, params = sql + " AND host_id = ?", [*params, host_id]
    row = await conn.fetchone(sql, params)
    return int(row[0]) if row else 0


async def enforce_quota(
    conn: Handle, guild_id: int, host_id: int, adding: int, quota: Quota, *, now: datetime
) -> None:
    """Raise QuotaExceeded if ``adding`` more parties by ``host_id`` would pass a limit. Call it inside
    the transaction that inserts them (which then holds the server's quota lock until it commits)."""
    await conn.lock(f"party-quota:{guild_id}")
    limits = _limits(await conn.fetchone(_LIMITS, (guild_id,)))
    checks = [(await active_parties(conn, guild_id, now=now), limits.server, SERVER_LIMIT_REACHED)]
    if not quota.moderator:
        mine = await active_parties(conn, guild_id, now=now, host_id=host_id)
        checks.insert(0, (mine, limits.member, MEMBER_LIMIT_REACHED))
    for active, limit, template in checks:
        if active + adding > limit:
            message = _(template, active=active, limit=limit, adding=adding)
            room = limit - active
            if adding > 1 and room > 0:
                message += " " + _(SERIES_HINT, room=room)
            raise QuotaExceeded(message)


async def check_quota(
    db: Database, guild_id: int, host_id: int, adding: int, quota: Quota, *, now: datetime
) -> None:
    """``enforce_quota`` outside an insert: an early answer before asking the member anything more."""
    async with db.transaction() as conn:
        await enforce_quota(conn, guild_id, host_id, adding, quota, now=now)
