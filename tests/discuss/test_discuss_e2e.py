"""/discuss through the emulator: one thread per episode, reopened, recreated, forums, gated threads.

Each test gets its own server (the bot receives it as a new GUILD_CREATE), so tests sharing one bot
process cannot see each other's threads.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from itertools import count

import pytest
import pytest_asyncio

from bot.spoilers import visible_text
from tests.content_warnings.world import World, start_world
from tests.emulator import Channel, ChannelType, Guild, Permission
from tests.emulator.permissions import BOT_DEFAULT

pytestmark = pytest.mark.asyncio(loop_scope="module")
_guilds = count(1)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    async for w in start_world(tmp_path_factory.mktemp("discuss")):
        yield w


@pytest.fixture(autouse=True)
def no_violations(world: World) -> Iterator[None]:
    yield
    assert world.emulator.violations == [], world.emulator.violations


def new_server(
    world: World, *, forum: bool = False, gated: bool = False, configured: bool = True
) -> tuple[Guild, Channel]:
    guild = world.emulator.add_guild(f"Server {next(_guilds)}", channels=["general"], roles=["Moderator"])
    channel = (
        guild.add_forum("discussion", tags=["Theory", "Episode 5", "Spoilers"])
        if forum
        else guild.add_text_channel("episode-talk")
    )
    if configured:
        world.sql(
            "INSERT INTO guild_spoiler_settings (guild_id, discussion_channel, gated_threads) VALUES (?, ?, ?)",
            (guild.id, channel.id, int(gated)),
        )
    return guild, channel


def threads_in(guild: Guild, parent: Channel) -> list[Channel]:
    return [t for t in guild.threads if t.parent_id == parent.id and not t.deleted]


def thread_creations(world: World, parent: Channel) -> int:
    return sum(
        1
        for r in world.emulator.requests
        if r.method == "POST" and r.path == f"/channels/{parent.id}/threads"
    )


async def test_without_a_discussion_channel_moderators_are_told_the_command(world: World) -> None:
    guild, _ = new_server(world, configured=False)
    reply = await world.emulator.member(guild, "Mina").slash("discuss", episode="r5")
    assert reply.ephemeral and "spoilers discussion-channel" in reply.text


async def test_a_text_channel_thread_opens_with_premise_card_and_rule(world: World) -> None:
    guild, talk = new_server(world)
    mina = world.emulator.member(guild, "Mina")
    reply = await mina.slash("discuss", episode="r5")
    (thread,) = threads_in(guild, talk)
    assert thread.name == "ROUND 5 — Ruler of My Heart (spoilers)"
    assert thread.type == ChannelType.PUBLIC_THREAD
    assert reply.ephemeral and thread.mention in reply.text
    assert "don't know how far you've watched" in reply.text

    opening = (await world.emulator.wait_for_message(thread)).embeds[0]
    assert "Spoilers up to and including" in opening["description"]
    values = "\n".join(f["value"] for f in opening["fields"])
    assert "||Graphic violence||" in values and "Graphic" not in visible_text(values)
    rows = world.sql("SELECT thread_id FROM discussion_threads WHERE guild_id = ?", (guild.id,))
    assert [r["thread_id"] for r in rows] == [thread.id]


async def test_members_who_have_watched_get_no_warning_about_progress(world: World) -> None:
    guild, _ = new_server(world)
    jun = world.emulator.member(guild, "Jun")
    world.sql(
        "INSERT INTO member_progress (user_id, track, episode_id) VALUES (?, 'main', 'final')", (jun.id,)
    )
    reply = await jun.slash("discuss", episode="r5")
    assert "Heads up" not in reply.text
    behind = world.emulator.member(guild, "Behind")
    world.sql(
        "INSERT INTO member_progress (user_id, track, episode_id) VALUES (?, 'main', 'r2')", (behind.id,)
    )
    assert "haven't watched" in (await behind.slash("discuss", episode="r5")).text


async def test_concurrent_calls_create_exactly_one_thread(world: World) -> None:
    guild, talk = new_server(world)
    members = [world.emulator.member(guild, f"Fan {i}") for i in range(5)]
    replies = await asyncio.gather(*(m.slash("discuss", episode="r1") for m in members))
    (thread,) = threads_in(guild, talk)
    assert thread_creations(world, talk) == 1
    assert all(thread.mention in r.text for r in replies)
    assert len(world.emulator.messages_in(thread)) == 1


async def test_an_archived_thread_is_reopened(world: World) -> None:
    guild, talk = new_server(world)
    mina = world.emulator.member(guild, "Mina")
    await mina.slash("discuss", episode="r3")
    (thread,) = threads_in(guild, talk)
    thread.archived = True
    reply = await mina.slash("discuss", episode="r3")
    assert "reopened" in reply.text and thread.mention in reply.text
    assert not thread.archived and thread_creations(world, talk) == 1
    assert any(
        r.method == "PATCH" and r.path == f"/channels/{thread.id}" and r.json == {"archived": False}
        for r in world.emulator.requests
    )


async def test_a_deleted_thread_is_recreated(world: World) -> None:
    guild, talk = new_server(world)
    mina = world.emulator.member(guild, "Mina")
    await mina.slash("discuss", episode="top3")
    (old,) = threads_in(guild, talk)
    old.deleted = True  # gone while the bot was not looking: fetching it answers 404
    reply = await mina.slash("discuss", episode="top3")
    (new,) = threads_in(guild, talk)
    assert new.id != old.id and new.mention in reply.text
    rows = world.sql("SELECT thread_id FROM discussion_threads WHERE guild_id = ?", (guild.id,))
    assert [r["thread_id"] for r in rows] == [new.id]


async def test_deleting_a_thread_forgets_it(world: World) -> None:
    guild, talk = new_server(world)
    await world.emulator.member(guild, "Mina").slash("discuss", episode="r6")
    (thread,) = threads_in(guild, talk)
    guild.delete_channel(thread)

    def forgotten() -> bool:
        return not world.sql("SELECT 1 FROM discussion_threads WHERE thread_id = ?", (thread.id,))

    await world.emulator.wait_until(forgotten, 5, "the deleted thread's row to go")


async def test_a_forum_post_gets_the_episode_tag(world: World) -> None:
    guild, forum = new_server(world, forum=True)
    mina = world.emulator.member(guild, "Mina")
    reply = await mina.slash("discuss", episode="r5")
    (post,) = threads_in(guild, forum)
    assert post.applied_tags == [forum.tag_id("Episode 5"), forum.tag_id("Spoilers")]
    assert post.mention in reply.text
    starter = world.emulator.messages_in(post)[0]
    assert "||Graphic violence||" in "\n".join(f["value"] for f in starter.embeds[0]["fields"])

    await mina.slash("discuss", episode="r1")
    other = next(t for t in threads_in(guild, forum) if t.id != post.id)
    assert other.applied_tags == [forum.tag_id("Spoilers")]


async def test_gated_thread_admits_a_member_who_has_watched(world: World) -> None:
    guild, talk = new_server(world, gated=True)
    mina = world.emulator.member(guild, "Mina")
    reply = await mina.slash("discuss", episode="r6")
    (thread,) = threads_in(guild, talk)
    assert thread.type == ChannelType.PRIVATE_THREAD and not thread.invitable
    assert mina.id not in thread.thread_member_ids
    assert reply.ephemeral and "||" in "\n".join(f["value"] for f in reply.embed["fields"])
    button = reply.buttons[0]
    assert button["label"] == "I've watched it"
    assert re.fullmatch(rf"discuss:watched:{guild.id}:r6", button["custom_id"])

    clicked = await mina.click(reply, "I've watched it")
    await clicked.wait_for(lambda r: "You're in" in r.text)
    assert mina.id in thread.thread_member_ids
    assert "marked" in clicked.text
    rows = world.sql(
        "SELECT episode_id FROM member_progress WHERE user_id = ? AND track = 'main'", (mina.id,)
    )
    assert [r["episode_id"] for r in rows] == ["r6"]


async def test_the_watched_button_survives_a_restart(world: World) -> None:
    guild, talk = new_server(world, gated=True)
    mina = world.emulator.member(guild, "Mina")
    reply = await mina.slash("discuss", episode="all-in")
    await world.bot.stop()
    await world.bot.start()
    clicked = await mina.click(reply, "I've watched it")
    await clicked.wait_for(lambda r: "You're in" in r.text)
    (thread,) = threads_in(guild, talk)
    assert mina.id in thread.thread_member_ids


async def test_a_missing_permission_is_named(world: World) -> None:
    guild, talk = new_server(world)
    guild.set_bot_permissions(BOT_DEFAULT & ~Permission.CREATE_PUBLIC_THREADS)
    reply = await world.emulator.member(guild, "Mina").slash("discuss", episode="r5")
    assert "Create Public Threads" in reply.text and threads_in(guild, talk) == []

    gated, gated_talk = new_server(world, gated=True)
    gated.set_bot_permissions(BOT_DEFAULT & ~Permission.MANAGE_THREADS)
    reply = await world.emulator.member(gated, "Jun").slash("discuss", episode="r5")
    assert "Manage Threads" in reply.text and threads_in(gated, gated_talk) == []
