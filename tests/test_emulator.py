"""The emulator speaks enough Discord for a real discord.py client: log in, sync, answer, survive faults."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import discord
import pytest
import yarl
from discord import app_commands

from tests.emulator import CommandHidden, Emulator, Permission
from tests.emulator.process import BotProcess


class Client(discord.Client):
    def __init__(self, *, intents: discord.Intents | None = None) -> None:
        if intents is None:
            intents = discord.Intents.default()
            intents.message_content = True
            intents.members = True
        super().__init__(
            intents=intents, guild_ready_timeout=0.05, allowed_mentions=discord.AllowedMentions.none()
        )
        self.tree = app_commands.CommandTree(self)
        self.seen: list[discord.Message] = []

    async def setup_hook(self) -> None:
        await self.tree.sync()

    async def on_message(self, message: discord.Message) -> None:
        self.seen.append(message)


@pytest.fixture
def pointed(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """discord.py aimed at the emulator, as the bot does with DISCORD_API_BASE_URL/DISCORD_GATEWAY_URL."""
    monkeypatch.setattr(discord.http.Route, "BASE", emulator.api_url)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(emulator.gateway_url))
    return emulator


@contextlib.asynccontextmanager
async def running(client: Client, emulator: Emulator) -> AsyncIterator[Client]:
    task = asyncio.create_task(client.start(emulator.token))
    await emulator.wait_until(lambda: client.is_ready() or task.done(), 10, "the client to be ready")
    if task.done():
        task.result()
    try:
        yield client
    finally:
        await client.close()
        with contextlib.suppress(Exception):
            await task


def command(client: Client, fn: Callable[..., object], **kwargs: object) -> None:
    client.tree.command(**kwargs)(fn)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------- login


async def test_client_logs_in_and_receives_the_guild_with_channels_roles_and_itself(
    pointed: Emulator,
) -> None:
    async with running(Client(), pointed) as client:
        guild = client.get_guild(pointed.guild.id)
        assert guild is not None
        assert {c.name for c in guild.channels} >= {
            "general",
            "spoilers",
            "mod-log",
            "discussion",
            "Watch Party",
        }
        assert isinstance(guild.get_channel(pointed.guild.channel("discussion").id), discord.ForumChannel)
        assert discord.utils.get(guild.roles, name="Moderator") is not None
        assert guild.me.guild_permissions.manage_messages
        assert client.application_id == pointed.application_id
        assert (await client.application_info()).owner.id == pointed.owner.id


async def test_wrong_token_is_refused(pointed: Emulator) -> None:
    client = Client()
    with pytest.raises(discord.LoginFailure):
        await client.login("not-the-token")
    await client.close()


async def test_commands_synced_by_the_client_are_stored_with_ids(pointed: Emulator) -> None:
    client = Client()

    async def about(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("hi")

    command(client, about, description="About the bot")
    async with running(client, pointed):
        names = [c["name"] for c in pointed.commands_for(pointed.guild)]
        assert names == ["about"]
        assert int(pointed.commands_for(None)[0]["id"]) > 0
        assert pointed.command_syncs == 1


# ---------------------------------------------------------------------------------------------- interactions


async def test_slash_command_reply_is_captured_with_ephemeral_flag(pointed: Emulator) -> None:
    client = Client()

    async def about(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            embed=discord.Embed(title="Clematis", description="spoiler-safe"), ephemeral=True
        )

    command(client, about, description="About the bot")
    async with running(client, pointed):
        mina = pointed.member(pointed.guild, "Mina")
        reply = await mina.slash("about")
        assert reply.ephemeral
        assert "spoiler-safe" in reply.text
        assert pointed.messages_in(pointed.guild.first_text_channel) == []  # ephemeral: not in the channel


async def test_subcommand_options_are_resolved_and_typed(pointed: Emulator) -> None:
    client = Client()
    group = app_commands.Group(name="spoilers", description="Spoiler tools")
    rule = app_commands.Group(name="rule", description="Rules", parent=group)

    @rule.command(name="add", description="Add a rule")
    async def add(
        interaction: discord.Interaction,
        episode: str,
        phrase: str,
        where: discord.TextChannel,
        weight: int = 1,
    ) -> None:
        await interaction.response.send_message(f"{episode}|{phrase}|{where.name}|{weight}")

    client.tree.add_command(group)
    async with running(client, pointed):
        mod = pointed.moderator(pointed.guild)
        reply = await mod.slash(
            "spoilers rule add",
            episode="r5",
            phrase="Ivan",
            where=pointed.guild.channel("spoilers"),
            weight=3,
        )
        assert reply.content == "r5|Ivan|spoilers|3"
        assert not reply.ephemeral
        with pytest.raises(AssertionError, match="required option 'phrase' missing"):
            await mod.slash("spoilers rule add", episode="r5", where=pointed.guild.channel("spoilers"))


async def test_command_hidden_by_default_member_permissions(pointed: Emulator) -> None:
    client = Client()

    @app_commands.default_permissions(manage_messages=True)
    async def purge(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("purged")

    command(client, purge, description="Moderators only")
    async with running(client, pointed):
        with pytest.raises(CommandHidden):
            await pointed.member(pointed.guild, "Mina").slash("purge")
        assert (await pointed.moderator(pointed.guild).slash("purge")).content == "purged"


async def test_deferred_reply_waits_for_the_followup(pointed: Emulator) -> None:
    client = Client()

    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await asyncio.sleep(0.2)
        await interaction.followup.send("done thinking")

    command(client, slow, description="Takes a while")
    async with running(client, pointed):
        reply = await pointed.member(pointed.guild).slash("slow")
        assert reply.deferred
        assert reply.text == "done thinking"
        assert (
            len(pointed.messages_in(pointed.guild.first_text_channel)) == 1
        )  # the thinking message, replaced


async def test_buttons_and_modals_round_trip(pointed: Emulator) -> None:
    client = Client()

    class Note(discord.ui.Modal, title="Leave a note"):
        note: discord.ui.TextInput[Note] = discord.ui.TextInput(label="Note", custom_id="note")

        async def on_submit(self, interaction: discord.Interaction) -> None:
            await interaction.response.send_message(f"noted: {self.note.value}", ephemeral=True)

    class Rsvp(discord.ui.View):
        @discord.ui.button(label="Going", custom_id="rsvp:going")
        async def going(self, interaction: discord.Interaction, button: discord.ui.Button[Rsvp]) -> None:
            await interaction.response.edit_message(content="1 going", view=self)

        @discord.ui.button(label="Note", custom_id="rsvp:note")
        async def note(self, interaction: discord.Interaction, button: discord.ui.Button[Rsvp]) -> None:
            await interaction.response.send_modal(Note())

    async def party(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Watch party Friday", view=Rsvp())

    command(client, party, description="Announce a party")
    async with running(client, pointed):
        mina = pointed.member(pointed.guild, "Mina")
        reply = await mina.slash("party")
        clicked = await mina.click(reply, "Going")
        assert clicked.message is reply.message
        assert reply.message is not None and reply.message.content == "1 going"
        opened = await mina.click(reply, "Note")
        assert opened.modal is not None and opened.modal["title"] == "Leave a note"
        submitted = await mina.submit_modal(opened, {"note": "bring snacks"})
        assert submitted.text == "noted: bring snacks"


async def test_autocomplete_returns_the_bots_choices(pointed: Emulator) -> None:
    client = Client()
    names = ["Ivan", "Till", "Mizi", "Sua", "Luka", "Hyuna"]

    async def complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=n, value=n.lower()) for n in names if current.lower() in n.lower()]

    @app_commands.autocomplete(name=complete)
    async def character(interaction: discord.Interaction, name: str) -> None:
        await interaction.response.send_message(name)

    command(client, character, description="Look up a character")
    async with running(client, pointed):
        choices = await pointed.member(pointed.guild).autocomplete("character", "name", "iv")
        assert choices == [{"name": "Ivan", "value": "ivan"}]


async def test_context_menu_gets_the_target_message(pointed: Emulator) -> None:
    client = Client()

    @app_commands.context_menu(name="Report spoiler")
    async def report(interaction: discord.Interaction, message: discord.Message) -> None:
        await interaction.response.send_message(f"reported: {message.content}", ephemeral=True)

    client.tree.add_command(report)
    async with running(client, pointed):
        mina = pointed.member(pointed.guild, "Mina")
        said = await mina.say(pointed.guild.channel("general"), "Ivan dies in r5")
        reply = await mina.context_menu("Report spoiler", said)
        assert reply.text == "reported: Ivan dies in r5"


async def test_late_acknowledgement_is_a_violation(pointed: Emulator) -> None:
    pointed.interaction_ack_timeout = 0.2
    client = Client()

    async def sleepy(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.4)
        with contextlib.suppress(discord.NotFound):
            await interaction.response.send_message("too late")

    command(client, sleepy, description="Too slow")
    async with running(client, pointed):
        with pytest.raises(AssertionError, match="did not give an answer"):
            await pointed.member(pointed.guild).slash("sleepy", timeout=1.0)
    assert any("acknowledged after" in v for v in pointed.violations)
    pointed.violations.clear()


# ---------------------------------------------------------------------------------------------- messages


async def test_member_messages_reach_the_client_and_bot_replies_are_recorded(pointed: Emulator) -> None:
    client = Client()

    async def on_message(message: discord.Message) -> None:
        if message.content == "!ping":
            await message.reply("pong")

    client.on_message = on_message  # type: ignore[method-assign]
    async with running(client, pointed):
        general = pointed.guild.channel("general")
        said = await pointed.member(pointed.guild, "Mina").say(general, "!ping")
        answer = await pointed.wait_for_message(general)
        assert answer.text == "pong"
        assert answer.referenced_message is said
        assert not answer.pings  # allowed_mentions none: replying did not ping Mina


async def test_without_message_content_intent_content_is_blank(pointed: Emulator) -> None:
    client = Client(intents=discord.Intents.default())
    async with running(client, pointed):
        await pointed.member(pointed.guild).say(pointed.guild.channel("general"), "secret words")
        await pointed.wait_until(lambda: bool(client.seen), 5, "the message")
        assert client.seen[0].content == ""


async def test_missing_manage_messages_makes_delete_forbidden(pointed: Emulator) -> None:
    async with running(Client(), pointed) as client:
        guild = pointed.guild
        said = await pointed.member(guild).say(guild.channel("general"), "hello")
        guild.set_bot_permissions(Permission.VIEW_CHANNEL | Permission.SEND_MESSAGES)
        channel = client.get_channel(guild.channel("general").id)
        assert isinstance(channel, discord.TextChannel)
        await pointed.wait_until(
            lambda: not channel.permissions_for(channel.guild.me).manage_messages, 5, "the role update"
        )
        with pytest.raises(discord.Forbidden) as caught:
            await channel.get_partial_message(said.id).delete()
        assert caught.value.code == 50013
        assert not said.deleted


async def test_enforced_nonce_returns_the_existing_message(pointed: Emulator) -> None:
    async with running(Client(), pointed) as client:
        channel = client.get_channel(pointed.guild.channel("general").id)
        assert isinstance(channel, discord.TextChannel)
        first = await channel.send("once", nonce=12345)
        http = client.http
        again = await http.send_message(
            channel.id, params=discord.http.handle_message_parameters(content="once", nonce=12345)
        )
        assert int(again["id"]) == first.id
        assert len(pointed.messages_in(pointed.guild.channel("general"))) == 1


async def test_files_are_uploaded_as_attachments(pointed: Emulator) -> None:
    async with running(Client(), pointed) as client:
        channel = client.get_channel(pointed.guild.channel("general").id)
        assert isinstance(channel, discord.TextChannel)
        import io

        sent = await channel.send("calendar", file=discord.File(io.BytesIO(b"BEGIN:VCALENDAR"), "party.ics"))
        message = pointed.messages[sent.id]
        assert [a.filename for a in message.attachments] == ["party.ics"]
        assert message.attachments[0].data == b"BEGIN:VCALENDAR"
        assert await sent.attachments[0].read() == b"BEGIN:VCALENDAR"


async def test_dm_to_member_with_closed_dms_is_refused(pointed: Emulator) -> None:
    async with running(Client(), pointed) as client:
        closed = pointed.member(pointed.guild, "Private", dms_closed=True)
        user = await client.fetch_user(closed.id)
        with pytest.raises(discord.Forbidden) as caught:
            await user.send("hello")
        assert caught.value.code == 50007


# ---------------------------------------------------------------------------------------------- threads, webhooks, events


async def test_forum_post_with_tags_and_thread_lock(pointed: Emulator) -> None:
    async with running(Client(), pointed) as client:
        forum = client.get_channel(pointed.guild.channel("discussion").id)
        assert isinstance(forum, discord.ForumChannel)
        tag = discord.utils.get(forum.available_tags, name="Theory")
        assert tag is not None
        post = await forum.create_thread(name="Who is Ivan?", content="Discuss", applied_tags=[tag])
        thread = pointed.channels[post.thread.id]
        assert thread.applied_tags == [tag.id]
        assert pointed.messages[thread.id].content == "Discuss"
        await post.thread.edit(locked=True, archived=True)
        assert thread.locked and thread.archived
        thread.deleted = True
        with pytest.raises(discord.NotFound):
            await client.fetch_channel(thread.id)


async def test_webhook_posts_into_a_thread_and_waits(pointed: Emulator) -> None:
    async with running(Client(), pointed) as client:
        channel = client.get_channel(pointed.guild.channel("general").id)
        assert isinstance(channel, discord.TextChannel)
        hook = await channel.create_webhook(name="Clematis relay")
        thread = await channel.create_thread(name="watch party", type=discord.ChannelType.public_thread)
        sent = await hook.send("relayed", username="Till", thread=thread, wait=True)
        message = pointed.messages[sent.id]
        assert message.channel.id == thread.id and message.webhook_id == hook.id
        assert message.author.username == "Till"


async def test_scheduled_event_limit_answers_30038(pointed: Emulator) -> None:
    pointed.scheduled_event_limit = 1
    async with running(Client(), pointed) as client:
        guild = client.get_guild(pointed.guild.id)
        assert guild is not None
        start = datetime.now(UTC) + timedelta(days=1)
        kwargs = {
            "start_time": start,
            "end_time": start + timedelta(hours=2),
            "location": "Online",
            "entity_type": discord.EntityType.external,
            "privacy_level": discord.PrivacyLevel.guild_only,
        }
        event = await guild.create_scheduled_event(name="Rewatch r1", **kwargs)  # type: ignore[call-overload]
        assert pointed.guild.scheduled_events[event.id]["name"] == "Rewatch r1"
        with pytest.raises(discord.HTTPException) as caught:
            await guild.create_scheduled_event(name="Rewatch r2", **kwargs)  # type: ignore[call-overload]
        assert caught.value.code == 30038


# ---------------------------------------------------------------------------------------------- faults


async def test_client_resumes_after_the_gateway_drops_and_gets_missed_events(pointed: Emulator) -> None:
    async with running(Client(), pointed) as client:
        await pointed.drop_gateway()
        missed = await pointed.member(pointed.guild).say(
            pointed.guild.channel("general"), "while you were away"
        )
        await pointed.wait_for_resume()
        await pointed.wait_until(
            lambda: any(m.id == missed.id for m in client.seen), 5, "the replayed message"
        )
        assert pointed.resumes == 1
        assert pointed.identifies == 1


async def test_rate_limited_request_is_retried(pointed: Emulator) -> None:
    pointed.faults.rate_limit("POST", r"/channels/\d+/messages$", retry_after=0.1)
    async with running(Client(), pointed) as client:
        channel = client.get_channel(pointed.guild.channel("general").id)
        assert isinstance(channel, discord.TextChannel)
        await channel.send("eventually")
        statuses = [r.status for r in pointed.requests if r.method == "POST" and r.path.endswith("/messages")]
        assert statuses == [429, 200]


async def test_server_error_is_retried(pointed: Emulator) -> None:
    pointed.faults.server_error("GET", r"/channels/\d+$", status=502)
    async with running(Client(), pointed) as client:
        fetched = await client.fetch_channel(pointed.guild.channel("general").id)
        assert fetched.id == pointed.guild.channel("general").id
        assert [r.status for r in pointed.requests if r.path.startswith("/channels/")] == [502, 200]


async def test_unknown_route_answers_404_and_is_recorded(pointed: Emulator) -> None:
    async with running(Client(), pointed) as client:
        with pytest.raises(discord.NotFound):
            await client.http.request(
                discord.http.Route("GET", "/guilds/{guild_id}/bans", guild_id=pointed.guild.id)
            )
    assert pointed.unknown_routes == [f"GET /guilds/{pointed.guild.id}/bans"]
    assert any("unknown route" in v for v in pointed.violations)
    pointed.violations.clear()


async def test_body_breaking_discord_limits_is_a_violation(pointed: Emulator) -> None:
    async with running(Client(), pointed) as client:
        with pytest.raises(discord.HTTPException):
            await client.http.send_message(
                pointed.guild.channel("general").id,
                params=discord.http.handle_message_parameters(content="x" * 2001),
            )
    assert pointed.violations and "2001" in pointed.violations[0]
    pointed.violations.clear()


# ---------------------------------------------------------------------------------------------- scale and process


def test_a_thousand_guilds_are_built_quickly() -> None:
    emulator = Emulator(validate_spec=False)
    guilds = emulator.add_guilds(1000, channels=50, roles=20)
    assert len(guilds) == 1000 and len(emulator.channels) == 50_000
    assert len(guilds[-1].payload()["roles"]) == 22  # @everyone, the bot's role, 20 more


async def test_bot_process_starts_answers_and_stops(emulator: Emulator, tmp_path: Path) -> None:
    process = BotProcess(emulator, tmp_path / "mini.db", module="tests.emulator.minibot")
    await process.start()
    try:
        reply = await emulator.member(emulator.guild).slash("about")
        assert reply.ephemeral and "at your service" in reply.text
    finally:
        code = await process.stop()
    assert code == 0, process.output
    assert "Clematis is ready" in process.output
    assert process.tracebacks == []


async def test_bot_process_collects_tracebacks(emulator: Emulator, tmp_path: Path) -> None:
    process = BotProcess(emulator, tmp_path / "mini.db", module="tests.emulator.minibot")
    await process.start()
    try:
        await emulator.member(emulator.guild).slash("boom")
        await process.wait_for_output("boom on purpose")
    finally:
        await process.stop()
    assert len(process.tracebacks) == 1
    assert "RuntimeError: boom on purpose" in process.tracebacks[0]


async def test_member_forum_post_and_departure_reach_the_client(pointed: Emulator) -> None:
    async with running(Client(), pointed) as client:
        guild = pointed.guild
        cached = client.get_guild(guild.id)
        assert cached is not None
        mina = pointed.member(guild, "Mina")
        await pointed.wait_until(lambda: cached.get_member(mina.id) is not None, 5, "the join")
        post = await mina.start_thread(
            guild.channel("discussion"), "Till theory", content="hear me out", tags=["Theory"]
        )
        await pointed.wait_until(lambda: client.get_channel(post.id) is not None, 5, "the post")
        thread = client.get_channel(post.id)
        assert isinstance(thread, discord.Thread) and thread.owner_id == mina.id
        assert [t.name for t in thread.applied_tags] == ["Theory"]
        assert any(m.content == "hear me out" for m in client.seen)
        guild.remove_member(mina)
        await pointed.wait_until(lambda: cached.get_member(mina.id) is None, 5, "the departure")


async def test_paths_outside_the_api_are_unknown_routes_too(pointed: Emulator) -> None:
    import aiohttp

    async with (
        aiohttp.ClientSession() as session,
        session.get(pointed.base_url + "/api/v9/users/@me") as resp,
    ):
        assert resp.status == 404
    assert pointed.unknown_routes == ["GET /api/v9/users/@me"]
    pointed.violations.clear()


async def test_select_then_deferred_update_edit_is_awaitable(pointed: Emulator) -> None:
    client = Client()

    class Pick(discord.ui.View):
        @discord.ui.select(
            custom_id="episode", options=[discord.SelectOption(label=e, value=e) for e in ("r1", "r5")]
        )
        async def episode(self, interaction: discord.Interaction, select: discord.ui.Select[Pick]) -> None:
            await interaction.response.defer()
            await interaction.edit_original_response(content=f"up to {select.values[0]}", view=None)

    async def progress(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Where are you?", view=Pick(), ephemeral=True)

    command(client, progress, description="Set progress")
    async with running(client, pointed):
        mina = pointed.member(pointed.guild)
        reply = await mina.slash("progress")
        with pytest.raises(AssertionError, match="has no option 'r9'"):
            await mina.select(reply, "episode", ["r9"])
        picked = await mina.select(reply, "episode", ["r5"])
        assert picked.callback_type == 6
        await picked.wait_for(lambda r: r.content == "up to r5", timeout=5)
        assert reply.message is not None and reply.message.components == []


async def test_attachment_and_user_options_and_user_context_menu(pointed: Emulator) -> None:
    client = Client()

    async def check(interaction: discord.Interaction, image: discord.Attachment, who: discord.Member) -> None:
        data = await image.read()
        await interaction.response.send_message(f"{image.filename}:{len(data)}:{who.display_name}")

    @app_commands.context_menu(name="Progress")
    async def user_progress(interaction: discord.Interaction, member: discord.Member) -> None:
        await interaction.response.send_message(f"{member.display_name} is at r3", ephemeral=True)

    command(client, check, description="Check an image")
    client.tree.add_command(user_progress)
    async with running(client, pointed):
        mina = pointed.member(pointed.guild, "Mina")
        till = pointed.member(pointed.guild, "Till")
        reply = await mina.slash("check", image=("art.png", b"\x89PNG...."), who=till)
        assert reply.content == "art.png:8:Till"
        assert (await mina.context_menu("Progress", till)).text == "Till is at r3"


async def test_direct_messages_both_ways(pointed: Emulator) -> None:
    client = Client()

    async def on_message(message: discord.Message) -> None:
        if isinstance(message.channel, discord.DMChannel) and not message.author.bot:
            await message.channel.send(f"you said {message.content}")

    async def about(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"in guild: {interaction.guild is not None}")

    client.on_message = on_message  # type: ignore[method-assign]
    command(client, about, description="About")
    async with running(client, pointed):
        mina = pointed.member(pointed.guild, "Mina")
        await mina.dm("hello")
        dm = pointed.dm_channel(mina.user)
        assert (await pointed.wait_for_message(dm)).text == "you said hello"
        assert (await mina.slash("about", channel=dm)).text == "in guild: False"


async def test_bot_moderation_calls(pointed: Emulator) -> None:
    guild = pointed.guild
    # Clematis's invite asks for no Pin Messages (it pins nothing); this client needs it to pin.
    guild.set_role_permissions(guild.bot_role, guild.bot_role.permissions | Permission.PIN_MESSAGES)
    async with running(Client(), pointed) as client:
        general = guild.channel("general")
        mina = pointed.member(guild, "Mina")
        said = [await mina.say(general, f"message {i}") for i in range(3)]
        channel = client.get_channel(general.id)
        assert isinstance(channel, discord.TextChannel)
        history = [m async for m in channel.history(limit=2, before=discord.Object(said[2].id))]
        assert [m.id for m in history] == [said[1].id, said[0].id]
        partial = channel.get_partial_message(said[0].id)
        await partial.add_reaction("🌸")
        await partial.pin()
        assert said[0].reactions == {"🌸": [pointed.bot_user.id]} and said[0].pinned
        thread = await partial.create_thread(name="about message 0")
        assert thread.id == said[0].id and pointed.channels[thread.id].is_thread
        await channel.delete_messages([discord.Object(said[1].id), discord.Object(said[2].id)])
        assert said[1].deleted and said[2].deleted and not said[0].deleted


async def test_scheduled_events_can_be_edited_and_cancelled(pointed: Emulator) -> None:
    async with running(Client(), pointed) as client:
        guild = client.get_guild(pointed.guild.id)
        assert guild is not None
        voice = guild.get_channel(pointed.guild.channel("Watch Party").id)
        assert isinstance(voice, discord.VoiceChannel)
        start = datetime.now(UTC) + timedelta(hours=3)
        event = await guild.create_scheduled_event(
            name="Episode 6 party",
            start_time=start,
            channel=voice,
            privacy_level=discord.PrivacyLevel.guild_only,
        )
        event = await event.edit(name="Episode 6 watch party")
        assert pointed.guild.scheduled_events[event.id]["name"] == "Episode 6 watch party"
        await event.cancel()
        assert pointed.guild.scheduled_events[event.id]["status"] == 4
        with pytest.raises(discord.HTTPException):
            await guild.create_scheduled_event(
                name="Too late",
                start_time=datetime.now(UTC) - timedelta(hours=1),
                channel=voice,
                privacy_level=discord.PrivacyLevel.guild_only,
            )


# ----------------------------------------------------------------- permissions since February 2026


def _external_event(start: datetime) -> dict[str, object]:
    return {
        "start_time": start,
        "end_time": start + timedelta(hours=2),
        "location": "Online",
        "entity_type": discord.EntityType.external,
        "privacy_level": discord.PrivacyLevel.guild_only,
    }


async def test_creating_an_event_needs_create_events_and_manage_events_alone_is_refused(
    pointed: Emulator,
) -> None:
    base = Permission.VIEW_CHANNEL | Permission.SEND_MESSAGES
    pointed.guild.set_bot_permissions(base | Permission.MANAGE_EVENTS)
    async with running(Client(), pointed) as client:
        guild = client.get_guild(pointed.guild.id)
        assert guild is not None
        kwargs = _external_event(datetime.now(UTC) + timedelta(days=1))
        with pytest.raises(discord.Forbidden):
            await guild.create_scheduled_event(name="Manage only", **kwargs)  # type: ignore[call-overload]
        assert not pointed.guild.scheduled_events
        pointed.guild.set_bot_permissions(base | Permission.CREATE_EVENTS)
        event = await guild.create_scheduled_event(name="Create", **kwargs)  # type: ignore[call-overload]
        # Create Events lets the creator edit and delete its own events, and nobody else's.
        await event.edit(name="Created and renamed")
        assert pointed.guild.scheduled_events[event.id]["name"] == "Created and renamed"
        theirs = dict(pointed.guild.scheduled_events[event.id], id=str(pointed.ids.next()), creator_id="1")
        pointed.guild.scheduled_events[int(theirs["id"])] = theirs
        with pytest.raises(discord.Forbidden):
            await client.http.delete_scheduled_event(guild.id, theirs["id"])
        pointed.guild.set_bot_permissions(base | Permission.MANAGE_EVENTS)
        await client.http.delete_scheduled_event(guild.id, theirs["id"])
        await event.delete()
        assert not pointed.guild.scheduled_events


async def test_pinning_needs_pin_messages_and_manage_messages_alone_is_refused(pointed: Emulator) -> None:
    base = Permission.VIEW_CHANNEL | Permission.SEND_MESSAGES | Permission.READ_MESSAGE_HISTORY
    pointed.guild.set_bot_permissions(base | Permission.MANAGE_MESSAGES)
    async with running(Client(), pointed) as client:
        channel = client.get_channel(pointed.guild.first_text_channel.id)
        assert isinstance(channel, discord.TextChannel)
        message = await channel.send("pin me")
        with pytest.raises(discord.Forbidden):
            await message.pin()
        pointed.guild.set_bot_permissions(base | Permission.PIN_MESSAGES)
        await message.pin()
        assert pointed.messages[message.id].pinned


def test_the_bot_role_gets_what_the_readme_invite_grants(tmp_path: Path) -> None:
    from tests.emulator.permissions import BOT_DEFAULT, readme_invite_permissions

    readme = tmp_path / "README.md"
    readme.write_text(
        "https://discord.com/oauth2/authorize?client_id=APP_ID&scope=bot&permissions=404263922688\n"
    )
    old = readme_invite_permissions(readme)
    assert old & Permission.MANAGE_EVENTS and not old & Permission.CREATE_EVENTS
    assert BOT_DEFAULT == readme_invite_permissions()
