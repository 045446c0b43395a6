"""A tiny bot wired exactly like Clematis is expected to be (env vars, ready marker): tests the
process fixture before the real bot exists, and shows what `python -m bot` must do.

Run as `python -m tests.emulator.minibot`."""

from __future__ import annotations

import asyncio
import logging
import os
import signal

import discord
import yarl
from discord import app_commands

log = logging.getLogger("minibot")


def point_at(api_base: str | None, gateway: str | None) -> None:
    """What the real bot does with DISCORD_API_BASE_URL / DISCORD_GATEWAY_URL."""
    if api_base:
        discord.http.Route.BASE = api_base.rstrip("/") + "/api/v10"
    if gateway:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)


class MiniBot(discord.Client):
    def __init__(self) -> None:
        intents = discord.Intents.default()
        intents.message_content = True
        super().__init__(
            intents=intents,
            guild_ready_timeout=float(os.environ.get("DISCORD_GUILD_READY_TIMEOUT", "2")),
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.tree = app_commands.CommandTree(self)

        @self.tree.command(description="What this bot is")
        async def about(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("Clematis (mini) at your service", ephemeral=True)

        @self.tree.command(description="Answer, then fail")
        async def boom(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("about to fail", ephemeral=True)
            raise RuntimeError("boom on purpose")

    async def setup_hook(self) -> None:
        await self.tree.sync()

    async def on_ready(self) -> None:
        log.info("Clematis is ready: %d guilds", len(self.guilds))

    async def on_message(self, message: discord.Message) -> None:
        if message.content == "!ping" and not message.author.bot:
            await message.channel.send("pong")


async def main() -> None:
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"), format="%(levelname)s %(name)s: %(message)s"
    )
    point_at(os.environ.get("DISCORD_API_BASE_URL"), os.environ.get("DISCORD_GATEWAY_URL"))
    client = MiniBot()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, lambda: asyncio.ensure_future(client.close()))
    async with client:
        await client.start(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    asyncio.run(main())
