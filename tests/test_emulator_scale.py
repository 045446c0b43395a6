"""The emulator tells the truth about scale: recommended shards, 4011 above 2,500 guilds per session,
shard validation and routing on IDENTIFY, and Discord's global rate limit of 50 requests a second."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest
import yarl

from tests.emulator import Emulator
from tests.emulator.snowflakes import shard_of


class RawSession:
    """A bare gateway connection: what a shard sees, frame by frame."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.events: list[tuple[str, dict[str, Any]]] = []

    async def identify(self, emulator: Emulator, **extra: Any) -> None:
        await self.ws.send_json(
            {
                "op": 2,
                "d": {
                    "token": emulator.token,
                    "intents": (1 << 0) | (1 << 9) | (1 << 12) | (1 << 15),
                    **extra,
                },
            }
        )

    async def read_until(self, event: str, timeout: float = 5.0) -> dict[str, Any]:  # noqa: ASYNC109
        """Collect dispatches until `event` arrives; fail if the socket closes first."""
        deadline = time.monotonic() + timeout
        while True:
            msg = await asyncio.wait_for(self.ws.receive(), deadline - time.monotonic())
            if msg.type != aiohttp.WSMsgType.TEXT:
                raise AssertionError(
                    f"socket ended ({msg.type}, close code {self.ws.close_code}) before {event}"
                )
            frame = msg.json()
            if frame.get("op") == 0:
                self.events.append((frame["t"], frame["d"]))
                if frame["t"] == event:
                    return frame["d"]

    async def close_code(self, timeout: float = 5.0) -> int | None:  # noqa: ASYNC109
        while True:
            msg = await asyncio.wait_for(self.ws.receive(), timeout)
            if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
                return self.ws.close_code

    def names(self, event: str) -> list[str]:
        return [d.get("content") or d.get("name") or "" for t, d in self.events if t == event]


@contextlib.asynccontextmanager
async def raw_gateway(emulator: Emulator) -> AsyncIterator[RawSession]:
    async with aiohttp.ClientSession() as http, http.ws_connect(emulator.gateway_url) as ws:
        hello = await ws.receive_json()
        assert hello["op"] == 10
        yield RawSession(ws)


def lightweight_guilds(emulator: Emulator, n: int) -> None:
    for i in range(n):
        emulator.add_guild(f"Server {i}", channels=("general",))


async def gateway_bot(emulator: Emulator) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http:
        async with http.get(
            f"{emulator.api_url}/gateway/bot", headers={"Authorization": f"Bot {emulator.token}"}
        ) as response:
            assert response.status == 200
            return await response.json()


# ---------------------------------------------------------------------------------------------- shards


@pytest.mark.parametrize(("guilds", "shards"), [(0, 1), (1, 1), (1000, 1), (1001, 2), (2600, 3)])
async def test_gateway_bot_recommends_one_shard_per_thousand_guilds(guilds: int, shards: int) -> None:
    async with Emulator(validate_spec=False) as emulator:
        lightweight_guilds(emulator, guilds)
        emulator.max_concurrency = 16
        data = await gateway_bot(emulator)
    assert data["shards"] == shards
    assert data["url"] == emulator.gateway_url
    limit = data["session_start_limit"]
    assert limit["max_concurrency"] == 16 and limit["total"] >= limit["remaining"] > 0
    assert limit["reset_after"] > 0


async def test_unsharded_identify_above_2500_guilds_is_closed_with_4011() -> None:
    async with Emulator(validate_spec=False) as emulator:
        lightweight_guilds(emulator, 2501)
        async with raw_gateway(emulator) as gw:
            await gw.identify(emulator)
            assert await gw.close_code() == 4011
        async with raw_gateway(emulator) as gw:  # [0, 1] is unsharded too
            await gw.identify(emulator, shard=[0, 1])
            assert await gw.close_code() == 4011
        assert emulator.sessions == []


async def test_unsharded_identify_at_2500_guilds_is_accepted() -> None:
    async with Emulator(validate_spec=False) as emulator:
        lightweight_guilds(emulator, 2500)
        async with raw_gateway(emulator) as gw:
            await gw.identify(emulator)
            ready = await gw.read_until("READY")
            assert len(ready["guilds"]) == 2500


async def test_a_shard_holding_more_than_2500_guilds_is_closed_with_4011() -> None:
    async with Emulator(validate_spec=False) as emulator:
        for i in range(2501):
            emulator.add_guild(f"Server {i}", shard=(1, 2))
        async with raw_gateway(emulator) as gw:
            await gw.identify(emulator, shard=[0, 2])  # shard 0 holds none of them
            assert (await gw.read_until("READY"))["guilds"] == []
        async with raw_gateway(emulator) as gw:
            await gw.identify(emulator, shard=[1, 2])
            assert await gw.close_code() == 4011


@pytest.mark.parametrize("shard", [[2, 2], [-1, 2], [0, 0], [1], "0,1", [0, True], [0.0, 2]])
async def test_an_invalid_shard_is_closed_with_4010(shard: object) -> None:
    async with Emulator(validate_spec=False) as emulator, raw_gateway(emulator) as gw:
        await gw.identify(emulator, shard=shard)
        assert await gw.close_code() == 4010


async def test_each_shard_receives_only_its_guilds_events_and_dms_go_to_shard_zero() -> None:
    async with Emulator(validate_spec=False) as emulator:
        emulator.max_concurrency = 2  # both shards identify at once, each in its own bucket
        on_zero = emulator.add_guild("Zero", shard=(0, 2))
        on_one = emulator.add_guild("One", shard=(1, 2))
        assert (shard_of(on_zero.id, 2), shard_of(on_one.id, 2)) == (0, 1)
        async with raw_gateway(emulator) as gw0, raw_gateway(emulator) as gw1:
            await gw0.identify(emulator, shard=[0, 2])
            await gw1.identify(emulator, shard=[1, 2])
            ready0, ready1 = await gw0.read_until("READY"), await gw1.read_until("READY")
            assert ready0["shard"] == [0, 2] and ready1["shard"] == [1, 2]
            assert [g["id"] for g in ready0["guilds"]] == [str(on_zero.id)]
            assert [g["id"] for g in ready1["guilds"]] == [str(on_one.id)]
            await gw0.read_until("GUILD_CREATE")
            await gw1.read_until("GUILD_CREATE")
            await emulator.wait_until(lambda: len(emulator.ready_sessions()) == 2, what="both shards")

            mina = emulator.member(on_one, "Mina")
            await mina.say(on_one.channel("general"), "hello from shard one")
            await mina.say(on_zero.channel("general"), "hello from shard zero")
            await mina.dm("hello in DMs")
            later = emulator.add_guild("Later", shard=(1, 2))

            await gw1.read_until("GUILD_CREATE")
            await gw0.read_until("MESSAGE_CREATE")
            await gw0.read_until("MESSAGE_CREATE")
            await emulator.wait_until(lambda: emulator.sessions[1].seq >= 4, what="shard 1's events")
            await asyncio.sleep(0.1)  # anything misrouted would have arrived by now
            assert gw0.names("MESSAGE_CREATE") == ["hello from shard zero", "hello in DMs"]
            assert gw1.names("MESSAGE_CREATE") == ["hello from shard one"]
            assert gw1.names("GUILD_CREATE")[-1] == later.name
            assert "Later" not in gw0.names("GUILD_CREATE")
            assert [t for t, _ in gw1.events].count("GUILD_MEMBER_ADD") == 0  # no GUILD_MEMBERS intent


def test_guilds_for_a_scale_world_are_built_quickly() -> None:
    emulator = Emulator(validate_spec=False)
    started = time.perf_counter()
    lightweight_guilds(emulator, 2600)
    assert time.perf_counter() - started < 5  # typically well under a second
    counts = [sum(1 for g in emulator.guilds if shard_of(g, 3) == s) for s in range(3)]
    assert sum(counts) == 2600


# ---------------------------------------------------------------------------------------------- global limit


async def test_the_global_rate_limit_answers_429_past_50_requests_a_second() -> None:
    async with Emulator(validate_spec=False) as emulator, aiohttp.ClientSession() as http:
        auth = {"Authorization": f"Bot {emulator.token}"}

        async def get(path: str, headers: dict[str, str]) -> aiohttp.ClientResponse:
            async with http.get(f"{emulator.api_url}{path}", headers=headers) as response:
                await response.read()
                return response

        started = time.monotonic()
        responses = await asyncio.gather(*(get("/users/@me", auth) for _ in range(60)))
        limited = [r for r in responses if r.status == 429]
        if time.monotonic() - started < 0.9:  # all 60 inside one second: exactly 10 over the limit
            assert len(limited) == 10
        assert limited and emulator.global_rate_limited == len(limited)
        first = limited[0]
        body = await first.json()
        assert body["global"] is True and 0 < body["retry_after"] <= 1
        assert first.headers["X-RateLimit-Global"] == "true"
        assert first.headers["X-RateLimit-Scope"] == "global"
        assert int(first.headers["Retry-After"]) >= 1

        # Interaction endpoints are not bound to the global limit: the callback is answered on its merits.
        async with http.post(
            f"{emulator.api_url}/interactions/1/not-a-token/callback", json={"type": 1}
        ) as callback:
            assert callback.status == 404 and (await callback.json())["code"] == 10062

        await asyncio.sleep(body["retry_after"] + 0.05)
        assert (await get("/users/@me", auth)).status == 200


async def test_a_discord_py_client_over_the_global_limit_waits_and_succeeds(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(discord.http.Route, "BASE", emulator.api_url)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(emulator.gateway_url))
    client = discord.Client(intents=discord.Intents.none())
    await client.login(emulator.token)
    try:
        channel = emulator.guild.channel("general")
        started = time.monotonic()
        await asyncio.gather(*(client.http.send_message(channel.id, params=_content(i)) for i in range(70)))
        elapsed = time.monotonic() - started
    finally:
        await client.close()
    assert len(emulator.messages_in(channel)) == 70
    assert emulator.global_rate_limited > 0 and elapsed >= 0.2
    window = sorted(r.time for r in emulator.requests if r.status != 429)
    assert all(b - a >= 1.0 - 0.01 for a, b in zip(window, window[50:], strict=False))


def _content(i: int) -> discord.http.MultipartParameters:
    return discord.http.handle_message_parameters(content=f"message {i}")


# ------------------------------------------------------------------------------------ IDENTIFY buckets


async def next_op(gw: RawSession, timeout: float = 5.0) -> dict[str, Any]:  # noqa: ASYNC109
    """The next frame that is not a dispatch."""
    while True:
        msg = await asyncio.wait_for(gw.ws.receive(), timeout)
        assert msg.type == aiohttp.WSMsgType.TEXT, f"socket ended ({msg.type}, code {gw.ws.close_code})"
        frame = msg.json()
        if frame.get("op") != 0:
            return frame
        gw.events.append((frame["t"], frame["d"]))


async def test_a_second_identify_in_one_bucket_within_5_s_is_invalidated_and_accepted_later() -> None:
    async with Emulator(validate_spec=False) as emulator:
        emulator.add_guild("Zero", shard=(0, 2))
        emulator.add_guild("One", shard=(1, 2))
        assert emulator.max_concurrency == 1 and emulator.identify_interval == 5.0  # Discord's defaults
        async with raw_gateway(emulator) as gw0, raw_gateway(emulator) as gw1:
            await gw0.identify(emulator, shard=[0, 2])
            await gw0.read_until("READY")
            started = time.monotonic()
            await gw1.identify(emulator, shard=[1, 2])  # bucket 1 % 1 = 0, like shard 0
            assert await next_op(gw1) == {"op": 9, "d": False}
            assert (emulator.identifies, emulator.identifies_refused) == (1, 1)
            assert len(emulator.sessions) == 1
            emulator.identify_interval = 0.5  # (not to wait the full 5 s here)
            await asyncio.sleep(max(0.0, started + 0.5 - time.monotonic()))
            await gw1.identify(emulator, shard=[1, 2])
            ready = await gw1.read_until("READY")
            assert ready["shard"] == [1, 2] and emulator.identifies == 2


async def test_shards_in_different_buckets_identify_at_once_and_a_full_bucket_is_refused() -> None:
    async with Emulator(validate_spec=False) as emulator:
        emulator.max_concurrency = 2
        lightweight_guilds(emulator, 6)
        async with raw_gateway(emulator) as gw0, raw_gateway(emulator) as gw1, raw_gateway(emulator) as gw2:
            await gw0.identify(emulator, shard=[0, 3])
            await gw1.identify(emulator, shard=[1, 3])  # bucket 1: free
            await gw2.identify(emulator, shard=[2, 3])  # bucket 0 again, at once
            await gw0.read_until("READY")
            await gw1.read_until("READY")
            assert await next_op(gw2) == {"op": 9, "d": False}
            assert emulator.identifies == 2 and emulator.identifies_refused == 1
