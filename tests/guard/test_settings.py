"""/spoilers: moderators only, every change logged with who made it, and matching follows at once."""

from __future__ import annotations

import pytest

from tests.emulator import CommandHidden, Emulator
from tests.emulator import actions as member_actions
from tests.guard.conftest import configured_server, modlog_texts, run, settle, wait_deleted

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_members_cannot_see_the_spoilers_commands(emulator: Emulator) -> None:
    guild, _ = await configured_server(emulator)
    mina = emulator.member(guild, "Mina")
    for command, options in [("spoilers settings", {}), ("spoilers action", {"action": "flag"})]:
        with pytest.raises(CommandHidden):
            await mina.slash(command, **options)


async def test_a_member_shown_the_command_is_still_refused(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server can show a command to everyone (Server Settings → Integrations); the check at run time
    still refuses members without Manage Server."""
    guild, _ = await configured_server(emulator)
    mina = emulator.member(guild, "Mina")
    monkeypatch.setattr(member_actions, "_visible", lambda *args: None)
    refused = await mina.slash("spoilers action", action="flag")
    assert refused.ephemeral and "Manage Server" in refused.text
    refused = await mina.slash("spoilers rule add", episode="r6", phrase="till cries")
    assert "Manage Server" in refused.text
    assert not any("flag" in t or "till cries" in t for t in modlog_texts(emulator, guild))


async def test_a_moderator_rule_matches_at_once_and_stops_when_removed(emulator: Emulator) -> None:
    guild, mod = await configured_server(emulator)
    mina = emulator.member(guild, "Mina")
    general = guild.channel("general")
    added = await mod.slash("spoilers rule add", episode="r5", phrase="Mizi wins everything")
    assert added.ephemeral and "ROUND 5" in added.text
    assert any(
        mod.mention in t and "mizi wins everything" in t.lower() for t in modlog_texts(emulator, guild)
    )
    caught = await mina.say(general, "MIZI WINS EVERYTHING lol")
    await wait_deleted(emulator, caught)
    listed = await mod.slash("spoilers rule list")
    assert "||`Mizi wins everything`||" in listed.text and "ROUND 5" in listed.text  # not public here yet
    choices = await mod.autocomplete("spoilers rule remove", "rule", "mizi")
    assert [c["name"] for c in choices] == ["Mizi wins everything → ROUND 5: Ruler of My Heart"]
    removed = await mod.slash("spoilers rule remove", rule=choices[0]["value"])
    assert "removed" in removed.text
    kept = await mina.say(general, "mizi wins everything")
    await settle(emulator, mina, general)
    assert not kept.deleted


async def test_a_moderator_rule_with_exceptions_and_endings(emulator: Emulator) -> None:
    guild, mod = await configured_server(emulator)
    mina = emulator.member(guild, "Mina")
    general = guild.channel("general")
    refused = await mod.slash("spoilers rule add", episode="final", phrase="루카 죽", **{"except": "hyuna"})
    assert refused.ephemeral and "exception can't work" in refused.text
    refused = await mod.slash("spoilers rule add", episode="final", phrase="luka falls", endings="ed")
    assert "endings can't work" in refused.text and "Hangul" in refused.text
    added = await mod.slash(
        "spoilers rule add",
        episode="final",
        phrase="루카 죽",
        endings="었, 어, 음",
        **{"except": "죽이, 죽겠"},
    )
    assert added.ephemeral and "루카 죽 · unless 죽이, 죽겠 · endings 었, 어, 음" in added.text
    listed = await mod.slash("spoilers rule list")
    assert "루카 죽 · unless 죽이, 죽겠 · endings 었, 어, 음" in listed.text
    slang = await mina.say(general, "루카 죽이게 잘생겼다")
    tired = await mina.say(general, "루카 죽겠다 ㅋㅋ")
    no_ending = await mina.say(general, "루카 죽 좋아해")
    await settle(emulator, mina, general)
    assert not (slang.deleted or tired.deleted or no_ending.deleted)
    caught = await mina.say(general, "헐 루카 죽었어")
    await wait_deleted(emulator, caught)
    again = await mod.slash("spoilers rule add", episode="final", phrase="루카  죽")
    assert "already has that rule" in again.text and "remove it first" in again.text


@pytest.mark.parametrize(
    ("phrase", "reason"),
    [
        ("Ivan", "name on its own"),
        ("ivan's", "name on its own"),
        ("Ivan Till", "name on its own"),
        ("이반이", "name on its own"),
        ("ROUND 6", "episode's name"),
        ("!!! ***", "no letters or digits"),
        ("ab", "too short"),
    ],
)
async def test_rules_that_would_flag_ordinary_chat_are_refused(
    emulator: Emulator, phrase: str, reason: str
) -> None:
    guild, mod = await configured_server(emulator)
    refused = await mod.slash("spoilers rule add", episode="r6", phrase=phrase)
    assert refused.ephemeral and reason in refused.text
    listed = await mod.slash("spoilers rule list")
    assert "no rules of its own" in listed.text


async def test_a_canon_phrase_is_not_added_twice(emulator: Emulator) -> None:
    guild, mod = await configured_server(emulator)
    refused = await mod.slash("spoilers rule add", episode="r6", phrase="Ivan  DIES")
    assert "canon pack already" in refused.text
    await mod.slash("spoilers rule add", episode="r6", phrase="ivan cries")
    again = await mod.slash("spoilers rule add", episode="r6", phrase="Ivan cries!")
    assert "already has that rule" in again.text


async def test_a_typed_episode_name_is_understood_or_answered_with_suggestions(emulator: Emulator) -> None:
    guild, mod = await configured_server(emulator)
    typo = await mod.slash("spoilers rule add", episode="rond 6", phrase="till cries")
    assert "added spoiler rule" in typo.text and "ROUND 6" in typo.text
    unsure = await mod.slash("spoilers rule add", episode="round", phrase="till cries a lot")
    assert unsure.ephemeral and "Did you mean" in unsure.text and "**ROUND 6: Cure**" in unsure.text
    unknown = await mod.slash("spoilers rule add", episode="xyzzy", phrase="till cries a lot")
    assert "I don't know an episode" in unknown.text


async def test_the_allow_list_masks_rules_at_once(emulator: Emulator) -> None:
    guild, mod = await configured_server(emulator)
    mina = emulator.member(guild, "Mina")
    general = guild.channel("general")
    await mod.slash("spoilers allow add", phrase="ivan is dead tired")
    kept = await mina.say(general, "ivan is dead tired after that practice lol")  # not a death
    still = await mina.say(general, "ivan is dead tired and then ivan dies")
    await wait_deleted(emulator, still)
    await settle(emulator, mina, general)
    assert not kept.deleted
    listed = await mod.slash("spoilers allow list")
    assert "ivan is dead tired" in listed.text
    choices = await mod.autocomplete("spoilers allow remove", "phrase", "tired")
    await mod.slash("spoilers allow remove", phrase=choices[0]["value"])
    caught = await mina.say(general, "ivan is dead tired")
    await wait_deleted(emulator, caught)
    log = modlog_texts(emulator, guild)
    assert any(mod.mention in t and "allowed the phrase" in t for t in log)
    assert any(mod.mention in t and "stopped allowing" in t for t in log)


async def test_the_public_horizon_moves_with_the_moderators(emulator: Emulator) -> None:
    guild, mod = await configured_server(emulator)
    mina = emulator.member(guild, "Mina")
    general = guild.channel("general")
    choices = await mod.autocomplete("spoilers horizon", "episode", "", track="comics")
    assert [c["value"] for c in choices] == ["scars", "remember-everything", "traces"]
    answer = await mod.slash("spoilers horizon", episode="r6")
    assert "up to **ROUND 6: Cure**" in answer.text
    kept = await mina.say(general, "ivan dies, we can talk about it now")
    await settle(emulator, mina, general, "till was shot")  # FINAL is still a spoiler
    assert not kept.deleted
    await mod.slash("spoilers horizon", track="main")
    caught = await mina.say(general, "ivan dies")
    await wait_deleted(emulator, caught)
    log = modlog_texts(emulator, guild)
    assert any(mod.mention in t and "ROUND 6" in t for t in log)
    assert any(mod.mention in t and "nothing on Main story public" in t for t in log)


async def test_a_webcomic_horizon_says_what_it_implies(emulator: Emulator) -> None:
    guild, mod = await configured_server(emulator)
    answer = await mod.slash("spoilers horizon", episode="scars")
    assert "Webcomics: up to **Scars**" in answer.text
    assert "Main story: up to **KARMA**" in answer.text  # Scars builds on the whole main story


async def test_settings_show_everything_in_one_embed(emulator: Emulator) -> None:
    guild, mod = await configured_server(emulator, action="repost")
    await run(mod, "spoilers channel add", channel=guild.channel("spoilers"))
    await run(mod, "spoilers discussion-channel", channel=guild.channel("discussion"))
    await mod.slash("spoilers gated", enabled=True)
    await mod.slash("spoilers window", days=14)
    await mod.slash("spoilers exempt add", role=guild.role("Moderator"))
    shown = await mod.slash("spoilers settings")
    text = shown.text
    assert shown.ephemeral
    for expected in [
        "**Repost**",
        "14 days",
        guild.channel("spoilers").mention,
        guild.channel("discussion").mention,
        "gated: on",
        guild.role("Moderator").mention,
        guild.channel("mod-log").mention,
        "Main story: nothing public → **KARMA** (window)",
    ]:
        assert expected in text, (expected, text)
    await mod.slash("spoilers window", days=0)
    assert "Release window\noff" in (await mod.slash("spoilers settings")).text
    log = modlog_texts(emulator, guild)
    for change in ["repost", "spoiler", "discussion channel", "gated", "release window", "exempted"]:
        assert any(mod.mention in t and change in t for t in log), change


async def test_choosing_repost_without_manage_webhooks_warns_at_once(emulator: Emulator) -> None:
    from tests.emulator import Permission
    from tests.emulator.permissions import BOT_DEFAULT

    guild, mod = await configured_server(emulator)
    guild.set_bot_permissions(BOT_DEFAULT & ~Permission.MANAGE_WEBHOOKS)
    answer = await mod.slash("spoilers action", action="repost")
    assert "missing **Manage Webhooks**" in answer.text


async def test_a_mod_log_the_bot_cannot_post_in_is_refused(emulator: Emulator) -> None:
    from tests.emulator import Permission

    guild, mod = await configured_server(emulator, modlog=False)
    hidden = guild.add_text_channel("secret-log")
    guild.set_overwrite(hidden, guild.bot_role, deny=Permission.SEND_MESSAGES)
    refused = await run(mod, "spoilers modlog", channel=hidden)
    assert "Send Messages" in refused.text


async def test_every_removal_is_logged_with_who_made_it(emulator: Emulator) -> None:
    guild, mod = await configured_server(emulator)
    spoilers, staff = guild.channel("spoilers"), guild.add_role("Staff")
    await run(mod, "spoilers channel add", channel=spoilers)
    await mod.slash("spoilers exempt add", role=staff)
    await mod.slash("spoilers rule add", episode="r6", phrase="till cries for ivan")
    before = len(modlog_texts(emulator, guild))
    await run(mod, "spoilers channel remove", channel=spoilers)
    await mod.slash("spoilers exempt remove", role=staff)
    await mod.slash("spoilers rule remove", rule="till cries for ivan")
    await run(mod, "spoilers discussion-channel")
    await run(mod, "spoilers modlog")
    added = modlog_texts(emulator, guild)[before:]
    assert len(added) == 5 and all(t.startswith(f"🛠️ {mod.mention} ") for t in added), added
    for change in ["stopped allowing spoilers", "stopped exempting", "removed spoiler rule", "unset", "off"]:
        assert any(change in t for t in added), change


async def test_moderator_autocomplete_answers_nothing_to_members_the_command_was_opened_to(
    emulator: Emulator,
) -> None:
    """A server's own rules are spoilers: an admin who opens /spoilers to a role (Integrations settings)
    must not let that role read them through autocomplete, since the command itself still refuses them."""
    guild, mod = await configured_server(emulator)
    await mod.slash("spoilers rule add", episode="r5", phrase="Mizi wins everything")
    await mod.slash("spoilers allow add", phrase="till the end")
    helpers = guild.add_role("Helpers")
    mina = emulator.member(guild, "Mina", roles=[helpers])
    guild.open_command("spoilers", helpers)
    assert await mina.autocomplete("spoilers rule remove", "rule", "") == []
    assert await mina.autocomplete("spoilers rule remove", "rule", "mizi") == []
    assert await mina.autocomplete("spoilers allow remove", "phrase", "till") == []
    assert await mina.autocomplete("spoilers rule add", "episode", "round") == []
    assert await mina.autocomplete("spoilers horizon", "episode", "round") == []
    refused = await mina.slash("spoilers rule remove", rule="Mizi wins everything")
    assert "Manage Server" in refused.text
    assert [c["name"] for c in await mod.autocomplete("spoilers rule remove", "rule", "")] == [
        "Mizi wins everything → ROUND 5: Ruler of My Heart"
    ]
    assert await mod.autocomplete("spoilers allow remove", "phrase", "till") != []


async def test_the_rule_list_tags_only_phrases_of_episodes_not_public_yet(emulator: Emulator) -> None:
    guild, mod = await configured_server(emulator)
    await mod.slash("spoilers rule add", episode="r1", phrase="sua cries a lot")
    await mod.slash("spoilers rule add", episode="r6", phrase="the cure is real")
    listed = await mod.slash("spoilers rule list")
    assert "||`sua cries a lot`||" in listed.text and "||`the cure is real`||" in listed.text
    await mod.slash("spoilers horizon", episode="r1")
    listed = await mod.slash("spoilers rule list")
    assert "• `sua cries a lot`" in listed.text and "||`the cure is real`||" in listed.text
