"""The optional HTTP health endpoint (``HEALTH_PORT``): gateway state, database writability and dispatcher lag
as JSON, with HTTP 200 when all is well and 503 otherwise. Docker's HEALTHCHECK asks it.

It runs in the bot's own event loop on aiohttp's web server (aiohttp comes with discord.py), bound to
127.0.0.1 unless ``HEALTH_HOST`` says otherwise, and answers ``GET /health`` only.
"""

from __future__ import annotations

import logging
import math
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from bot.client import Clematis

log = logging.getLogger(__name__)

PROBE_EVERY = (
    10.0  # seconds between real write probes (a health check every second must not write every time)
)
LAG_LIMIT = 300.0  # due work overdue this long (seconds) makes the bot unhealthy


class HealthServer:
    def __init__(self, bot: Clematis, host: str, port: int) -> None:
        self.bot = bot
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None
        self._probed_at = -PROBE_EVERY

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/health", self._handle)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        log.info("health endpoint listening on http://%s:%d/health", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        report = await self.report()
        return web.json_response(report, status=200 if report["healthy"] else 503)

    async def report(self) -> dict[str, Any]:
        bot = self.bot
        # Connected only when every shard this process runs is: one shard down means its servers get no answers.
        running = bot.shards
        shards = {
            str(shard_id): {
                "connected": shard_id in running and not running[shard_id].is_closed(),
                "latency_ms": _ms(running[shard_id].latency) if shard_id in running else None,
            }
            for shard_id in (sorted(bot.shards_held.ids) if bot.shard_count else ())
        }
        gateway = {
            "connected": bool(shards)
            and all(shard["connected"] for shard in shards.values())
            and not bot.is_closed(),
            "ready": bot.is_ready(),
            "latency_ms": _ms(bot.latency),
            "servers": len(bot.guilds),
            "shards": shards,
        }
        database = await self._database()
        # PostgreSQL: whether this process hears other processes' changes now (None on SQLite). Informational:
        # the listener reconnects by itself and then reads everything again.
        hub = bot.invalidations
        database["listening"] = hub.listening if hub.shared else None
        dispatcher = await self._dispatcher()
        healthy = (
            not bot.closing
            and gateway["connected"]
            and gateway["ready"]
            and database["writable"]
            and dispatcher["running"]
            and dispatcher["lag_seconds"] is not None
            and dispatcher["lag_seconds"] <= LAG_LIMIT
        )
        return {
            "healthy": bool(healthy),
            "closing": bot.closing,
            "gateway": gateway,
            "database": database,
            "dispatcher": dispatcher,
        }

    async def _database(self) -> dict[str, Any]:
        db = self.bot.db
        if not db.is_open:
            return {"writable": False, "reason": "the database is closed"}
        now = time.monotonic()
        if now - self._probed_at >= PROBE_EVERY:
            self._probed_at = now
            try:
                await db.probe_write()
            except Exception as exc:  # not a refusal SQLite names: still not a database that works
                return {"writable": False, "reason": f"{type(exc).__name__}: {exc}"}
        return {"writable": db.writable, "reason": db.refused_reason}

    async def _dispatcher(self) -> dict[str, Any]:
        cog = self.bot.get_cog("WatchPartyReminders")
        dispatcher = getattr(cog, "dispatcher", None)
        if dispatcher is None:
            return {"running": False, "lag_seconds": None, "delivered": 0}
        lag: float | None
        try:
            lag = round(await dispatcher.lag(datetime.now(UTC)), 3)
        except Exception as exc:  # the database cannot be read: no lag to report, and not healthy
            log.debug("could not measure the dispatcher's lag: %s", exc)
            lag = None
        return {"running": dispatcher.running, "lag_seconds": lag, "delivered": dispatcher.delivered}


def _ms(latency: float) -> int | None:
    """Seconds as whole milliseconds; NaN or infinity (no heartbeat answered yet) as None."""
    return round(latency * 1000) if math.isfinite(latency) else None
