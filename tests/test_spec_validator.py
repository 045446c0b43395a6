"""The emulator's request-body checks: Discord's OpenAPI spec plus the limits it leaves out.

Valid bodies are built with discord.py itself where it has a builder, so a false positive on what
the bot really sends shows up here first.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.http import handle_message_parameters

from tests.emulator.spec import (
    SpecNotFound,
    SpecValidator,
    check_discord_limits,
    is_command_name,
    load_default_validator,
)

MESSAGES = "/channels/111/messages"
CALLBACK = "/interactions/222/tok-en/callback"
GUILD_COMMANDS = "/applications/333/guilds/444/commands"


@pytest.fixture(scope="module")
def validator() -> SpecValidator:
    return load_default_validator()


def wire(payload: Any) -> Any:
    """The body as the emulator receives it: JSON on the wire, parsed back."""
    return json.loads(json.dumps(payload))


async def message_payload(*, flags: discord.MessageFlags | None = None) -> dict[str, Any]:
    """What discord.py sends for a message with an embed, two buttons and a select menu."""
    embed = discord.Embed(
        title="Till",
        description="Contestant of Alien Stage",
        colour=0x8E7CC3,
        url="https://example.org/till",
        timestamp=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    embed.add_field(name="Round", value="1").set_footer(text="ALNST").set_author(name="Clematis")
    view = discord.ui.View()
    view.add_item(discord.ui.Button(label="Reveal", custom_id="reveal:1", style=discord.ButtonStyle.danger))
    view.add_item(discord.ui.Button(label="Wiki", url="https://example.org"))
    view.add_item(
        discord.ui.Select(
            custom_id="episode", placeholder="Episode", options=[discord.SelectOption(label="Ep 1")]
        )
    )
    params = handle_message_parameters(
        content="Spoilers ahead",
        embed=embed,
        view=view,
        flags=flags if flags is not None else discord.MessageFlags(),
        allowed_mentions=discord.AllowedMentions(users=[discord.Object(42)]),
        message_reference=discord.MessageReference(message_id=7, channel_id=111).to_dict(),
    )
    return wire(params.payload)


def command_tree_payload() -> list[dict[str, Any]]:
    """What discord.py sends to bulk-overwrite a tree with a subcommand group and a context menu."""
    tree = app_commands.CommandTree(discord.Client(intents=discord.Intents.none()))
    spoilers = app_commands.Group(name="spoilers", description="Spoiler tools")
    horizon = app_commands.Group(name="horizon", description="The server's spoiler horizon", parent=spoilers)

    @horizon.command(name="set", description="Set the horizon")
    @app_commands.describe(episode="Last safe episode", kind="Which story")
    @app_commands.choices(kind=[app_commands.Choice(name="Main", value="main")])
    async def set_horizon(
        interaction: discord.Interaction,
        episode: app_commands.Range[int, 1, 10],
        kind: app_commands.Choice[str],
        note: str | None = None,
    ) -> None: ...

    @spoilers.command(name="progress", description="Your watch progress")
    async def progress(interaction: discord.Interaction, member: discord.Member | None = None) -> None: ...

    @tree.context_menu(name="Report Spoiler")
    async def report(interaction: discord.Interaction, message: discord.Message) -> None: ...

    @tree.command(name="lookup", description="Look up canon")
    @app_commands.default_permissions(manage_messages=True)
    async def lookup(interaction: discord.Interaction, query: str) -> None: ...

    tree.add_command(spoilers)
    return wire([command.to_dict(tree) for command in tree.get_commands()])


def chat_command(**overrides: Any) -> dict[str, Any]:
    return {"name": "lookup", "description": "Look up canon", "type": 1, **overrides}


def button(custom_id: str) -> dict[str, Any]:
    return {"type": 2, "style": 1, "label": "Go", "custom_id": custom_id}


# --- valid bodies pass -----------------------------------------------------------------------------


async def test_message_with_embed_buttons_and_select_passes(validator: SpecValidator) -> None:
    assert validator.validate("POST", MESSAGES, await message_payload()) == []


async def test_webhook_execute_and_followup_edit_pass(validator: SpecValidator) -> None:
    body = await message_payload(flags=discord.MessageFlags(ephemeral=True))
    assert validator.validate("POST", "/webhooks/555/tok-en?wait=true", body) == []
    assert validator.validate("PATCH", "/webhooks/555/tok-en/messages/@original", body) == []


async def test_interaction_message_callback_passes(validator: SpecValidator) -> None:
    body = {"type": 4, "data": await message_payload(flags=discord.MessageFlags(ephemeral=True))}
    assert validator.validate("POST", CALLBACK, body) == []


async def test_interaction_modal_callback_passes(validator: SpecValidator) -> None:
    class Report(discord.ui.Modal, title="Report a spoiler"):
        reason: discord.ui.TextInput[discord.ui.Modal] = discord.ui.TextInput(
            label="Reason", style=discord.TextStyle.long, max_length=500
        )

    body = wire({"type": 9, "data": Report().to_dict()})
    assert validator.validate("POST", CALLBACK, body) == []


def test_bulk_overwrite_with_subcommand_group_and_context_menu_passes(validator: SpecValidator) -> None:
    payload = command_tree_payload()
    assert any(option["type"] == 2 for command in payload for option in command.get("options", []))
    assert validator.validate("PUT", GUILD_COMMANDS, payload) == []
    assert validator.validate("PUT", "/applications/333/commands", payload) == []


def test_scheduled_event_create_passes(validator: SpecValidator) -> None:
    body = {
        "name": "Watch party: episode 1",
        "privacy_level": 2,
        "entity_type": 3,
        "channel_id": None,
        "entity_metadata": {"location": "#watch-party"},
        "scheduled_start_time": "2026-12-01T18:00:00+00:00",
        "scheduled_end_time": "2026-12-01T20:00:00+00:00",
        "description": "Bring snacks",
    }
    assert validator.validate("POST", "/guilds/444/scheduled-events", body) == []


def test_thread_create_passes(validator: SpecValidator) -> None:
    body = {"name": "ep-1-discussion", "auto_archive_duration": 1440, "type": 11, "invitable": False}
    assert validator.validate("POST", "/channels/111/threads", body) == []
    assert validator.validate("POST", "/channels/111/messages/7/threads", {"name": "ep-1"}) == []


def test_bodyless_requests_pass(validator: SpecValidator) -> None:
    assert validator.validate("DELETE", "/channels/111/messages/7", None) == []
    assert validator.validate("PUT", "/channels/111/messages/7/reactions/%F0%9F%8C%B8/@me", None) == []


def test_multipart_payload_json_is_checked_like_json(validator: SpecValidator) -> None:
    body = {"content": "art", "attachments": [{"id": 0, "filename": "till.png"}]}
    assert validator.validate("POST", MESSAGES, body, multipart=True) == []
    problems = validator.validate("POST", MESSAGES, {"content": 1}, multipart=True)
    assert problems == ["POST /channels/111/messages: /content: 1 is not of type string or null"]


# --- routes ----------------------------------------------------------------------------------------


def test_literal_segments_win_over_parameters(validator: SpecValidator) -> None:
    original = validator.match_route("PATCH", "/webhooks/1/abc/messages/@original")
    by_id = validator.match_route("PATCH", "/webhooks/1/abc/messages/99")
    assert original == "/webhooks/{webhook_id}/{webhook_token}/messages/@original"
    assert by_id == "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"


def test_unknown_route_is_a_violation(validator: SpecValidator) -> None:
    assert validator.validate("POST", "/channels/111/sparkles", {}) == [
        "no such route in spec: POST /channels/111/sparkles"
    ]


def test_known_path_with_unknown_method_is_a_violation(validator: SpecValidator) -> None:
    assert validator.validate("PUT", MESSAGES + "?limit=5", {}) == [
        "no such route in spec: PUT /channels/111/messages"
    ]


def test_missing_required_body_is_a_violation(validator: SpecValidator) -> None:
    assert validator.validate("POST", CALLBACK, None) == [
        "POST /interactions/222/tok-en/callback: (body): a JSON body is required"
    ]


# --- invalid bodies fail precisely -----------------------------------------------------------------


def test_wrong_type_names_method_path_pointer_and_reason(validator: SpecValidator) -> None:
    problems = validator.validate("POST", MESSAGES, {"content": "hi", "embeds": [{"title": 5}]})
    assert problems == ["POST /channels/111/messages: /embeds/0/title: 5 is not of type string or null"]


def test_error_inside_a_callback_union_points_into_the_branch_named_by_type(validator: SpecValidator) -> None:
    body = {"type": 4, "data": {"components": [{"type": 1, "components": [{"type": 2, "style": "red"}]}]}}
    problems = validator.validate("POST", CALLBACK, body)
    assert problems == [
        "POST /interactions/222/tok-en/callback: /data/components/0/components/0/style: 'red' is not of type integer"
    ]


def test_unknown_callback_type_is_named(validator: SpecValidator) -> None:
    [problem] = validator.validate("POST", CALLBACK, {"type": 44})
    assert problem.startswith("POST /interactions/222/tok-en/callback: /type: 44 is not one of [")


def test_long_values_are_truncated_in_messages(validator: SpecValidator) -> None:
    [problem] = validator.validate("POST", MESSAGES, {"tts": "x" * 5000})
    assert problem.startswith("POST /channels/111/messages: /tts: 'xxx")
    assert len(problem) < 150


def test_content_over_2000_characters_fails(validator: SpecValidator) -> None:
    problems = validator.validate("POST", MESSAGES, {"content": "x" * 2001})
    assert problems == [
        "POST /channels/111/messages: /content: content is 2001 characters; Discord allows at most 2000"
    ]
    assert validator.validate("POST", MESSAGES, {"content": "x" * 2000}) == []


def test_26_embed_fields_fail(validator: SpecValidator) -> None:
    fields = [{"name": f"f{i}", "value": "v"} for i in range(26)]
    [problem] = validator.validate("POST", MESSAGES, {"embeds": [{"fields": fields}]})
    assert problem.startswith("POST /channels/111/messages: /embeds/0/fields: 26 items, allowed at most 25")


def test_6001_characters_across_embeds_fail(validator: SpecValidator) -> None:
    embeds = [{"description": "x" * 4000}, {"title": "y", "description": "x" * 2000}]
    problems = validator.validate("POST", MESSAGES, {"embeds": embeds})
    assert problems == [
        "POST /channels/111/messages: /embeds: embeds hold 6001 characters in all; Discord allows 6000"
    ]
    embeds[1]["title"] = ""
    assert validator.validate("POST", MESSAGES, {"embeds": embeds}) == []


def test_upper_case_command_name_fails(validator: SpecValidator) -> None:
    problems = validator.validate("PUT", GUILD_COMMANDS, [chat_command(name="Lookup")])
    assert problems == [
        "PUT /applications/333/guilds/444/commands: /0/name: name 'Lookup' must be lower-case"
    ]


def test_six_action_rows_fail(validator: SpecValidator) -> None:
    rows = [{"type": 1, "components": [button(f"b{i}")]} for i in range(6)]
    problems = validator.validate("POST", MESSAGES, {"components": rows})
    assert problems == ["POST /channels/111/messages: /components: 6 action rows; Discord allows at most 5"]


def test_101_character_custom_id_fails_once(validator: SpecValidator) -> None:
    rows = [{"type": 1, "components": [button("c" * 101)]}]
    problems = validator.validate("POST", MESSAGES, {"components": rows})
    assert problems == [
        "POST /channels/111/messages: /components/0/components/0/custom_id: "
        "string of 101 characters, allowed at most 100 (maxLength)"
    ]


def test_26_autocomplete_results_fail(validator: SpecValidator) -> None:
    choices = [{"name": f"Ep {i}", "value": str(i)} for i in range(26)]
    problems = validator.validate("POST", CALLBACK, {"type": 8, "data": {"choices": choices}})
    assert problems == [
        "POST /interactions/222/tok-en/callback: /data/choices: 26 items, allowed at most 25 (maxItems)"
    ]


def test_bad_date_time_fails(validator: SpecValidator) -> None:
    body = {"name": "x", "privacy_level": 2, "entity_type": 3, "entity_metadata": {"location": "here"}}
    problems = validator.validate(
        "POST", "/guilds/444/scheduled-events", {**body, "scheduled_start_time": "soon"}
    )
    assert problems == [
        "POST /guilds/444/scheduled-events: /scheduled_start_time: 'soon' is not a valid date-time"
    ]


# --- Discord's unwritten limits (no spec needed) ---------------------------------------------------


def test_limits_apply_to_nested_subcommand_options() -> None:
    options = [{"name": "Bad Name", "description": "x", "type": 3}]
    subcommand = {"name": "set", "description": "Set", "type": 1, "options": options}
    group = {"name": "horizon", "description": "Horizon", "type": 2, "options": [subcommand]}
    problems = check_discord_limits("PUT", GUILD_COMMANDS, [chat_command(options=[group])])
    assert problems == [
        "PUT /applications/333/guilds/444/commands: /0/options/0/options/0/options/0/name: "
        "name 'Bad Name' must match ^[-_\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$"
    ]


def test_context_menu_names_may_have_spaces_and_capitals_but_no_description() -> None:
    menu = {"name": "Report Spoiler", "type": 3}
    assert check_discord_limits("PUT", GUILD_COMMANDS, [menu]) == []
    problems = check_discord_limits("PUT", GUILD_COMMANDS, [{**menu, "description": "Reports"}])
    assert problems == [
        "PUT /applications/333/guilds/444/commands: /0/description: "
        "user and message commands must have an empty description"
    ]


def test_chat_command_needs_a_1_to_100_character_description() -> None:
    assert check_discord_limits("POST", GUILD_COMMANDS, chat_command(description="")) == [
        "POST /applications/333/guilds/444/commands: /description: description is 0 characters; Discord requires 1-100"
    ]
    patch = "/applications/333/guilds/444/commands/9"
    assert check_discord_limits("PATCH", patch, {"default_member_permissions": "8"}) == []


def test_26_options_and_26_choices_fail() -> None:
    choices = [{"name": str(i), "value": str(i)} for i in range(26)]
    options = [{"name": f"o{i}", "description": "d", "type": 3} for i in range(25)]
    options[0]["choices"] = choices
    too_many = [*options, {"name": "o25", "description": "d", "type": 3}]
    problems = check_discord_limits("POST", GUILD_COMMANDS, chat_command(options=too_many))
    assert problems == [
        "POST /applications/333/guilds/444/commands: /options: 26 options; Discord allows at most 25",
        "POST /applications/333/guilds/444/commands: /options/0/choices: 26 choices; Discord allows at most 25",
    ]


def test_required_option_after_optional_one_fails() -> None:
    options = [
        {"name": "note", "description": "d", "type": 3},
        {"name": "episode", "description": "d", "type": 4, "required": True},
    ]
    problems = check_discord_limits("POST", GUILD_COMMANDS, chat_command(options=options))
    assert problems == [
        "POST /applications/333/guilds/444/commands: /options/1/required: "
        "required options must come before optional ones"
    ]


def test_duplicate_command_names_in_bulk_overwrite_fail() -> None:
    problems = check_discord_limits("PUT", GUILD_COMMANDS, [chat_command(), chat_command()])
    assert problems == ["PUT /applications/333/guilds/444/commands: /1/name: command 'lookup' repeats /0"]


def test_select_menu_fills_its_row_and_buttons_stop_at_five() -> None:
    select = {"type": 3, "custom_id": "pick", "options": [{"label": "a", "value": "a"}]}
    rows = [
        {"type": 1, "components": [select, button("b")]},
        {"type": 1, "components": [button(f"c{i}") for i in range(6)]},
    ]
    problems = check_discord_limits("POST", MESSAGES, {"components": rows})
    assert problems == [
        "POST /channels/111/messages: /components/0/components: a select menu fills its action row, "
        "but this row holds 2",
        "POST /channels/111/messages: /components/1/components: 6 buttons in one action row; "
        "Discord allows at most 5",
    ]


def test_duplicate_custom_ids_in_one_message_fail() -> None:
    rows = [{"type": 1, "components": [button("same"), button("same")]}]
    problems = check_discord_limits("POST", MESSAGES, {"components": rows})
    assert problems == [
        "POST /channels/111/messages: /components/0/components/1/custom_id: "
        "custom_id 'same' repeats /components/0/components/0/custom_id"
    ]


def test_embed_text_limits_apply_in_interaction_callbacks_and_followups() -> None:
    embed = {"footer": {"text": "f" * 2049}, "author": {"name": "a" * 257}}
    callback = check_discord_limits("POST", CALLBACK, {"type": 7, "data": {"embeds": [embed]}})
    assert callback == [
        "POST /interactions/222/tok-en/callback: /data/embeds/0/footer/text: "
        "embed footer text is 2049 characters; Discord allows at most 2048",
        "POST /interactions/222/tok-en/callback: /data/embeds/0/author/name: "
        "embed author name is 257 characters; Discord allows at most 256",
    ]
    assert len(check_discord_limits("POST", "/webhooks/555/tok-en", {"embeds": [embed]})) == 2


def test_components_v2_messages_are_not_held_to_five_rows() -> None:
    texts = [{"type": 10, "content": f"line {i}"} for i in range(8)]
    assert check_discord_limits("POST", MESSAGES, {"flags": 1 << 15, "components": texts}) == []


def test_localised_names_are_held_to_discords_rules() -> None:
    option = {
        "name": "episode",
        "description": "Which episode",
        "type": 3,
        "name_localizations": {"ko": "에피소드", "ja": "Bad Name", "xx": "x"},
        "description_localizations": {"ko": "", "ja": "d" * 101},
    }
    command = chat_command(name_localizations={"ko": "찾기"}, options=[option])
    problems = check_discord_limits("PUT", GUILD_COMMANDS, [command])
    assert [p.split(": ", 2)[1] for p in problems] == [
        "/0/options/0/name_localizations/ja",
        "/0/options/0/name_localizations",
        "/0/options/0/description_localizations/ko",
        "/0/options/0/description_localizations/ja",
    ]


def test_localised_names_must_stay_unique_among_siblings() -> None:
    a = {"name": "show", "description": "Show", "type": 1, "name_localizations": {"ko": "보기"}}
    b = {"name": "list", "description": "List", "type": 1, "name_localizations": {"ko": "보기"}}
    c = {"name": "보기", "description": "Other", "type": 1}  # default name equal to a's Korean
    problems = check_discord_limits("PUT", GUILD_COMMANDS, [chat_command(options=[a, b, c])])
    assert problems == [
        "PUT /applications/333/guilds/444/commands: /0/options/1/name_localizations/ko: '보기' repeats /0/options/0 in ko",
        "PUT /applications/333/guilds/444/commands: /0/options/2/name_localizations/ko: '보기' repeats /0/options/0 in ko",
    ]


def test_command_names_follow_discords_pattern() -> None:
    for good in ("설정", "進捗", "próximo", "आगे", "ตั้งค่า", "support-message", "a" * 32):
        assert is_command_name(good), good
    for bad in ("bad name", "a" * 33, "", "설정!", "tab\t", "emoji🎬"):
        assert not is_command_name(bad), bad


# --- a missing spec ---------------------------------------------------------------------------------


def test_a_missing_spec_stops_the_emulator_instead_of_skipping(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DISCORD_OPENAPI_SPEC", str(tmp_path / "absent.json"))
    load_default_validator.cache_clear()
    try:
        with pytest.raises(SpecNotFound, match="absent.json"):
            load_default_validator()
    finally:
        load_default_validator.cache_clear()
