"""Settings come from the environment once; user mistakes are one clear line."""

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

TOKEN = "MTAxMjM0NTY3ODkw.GabcDE.abcdefghijklmnopqrstuvwxyz0123"


def test_defaults_apply_when_only_the_token_is_set() -> None:
    settings = load_settings({"DISCORD_TOKEN": TOKEN})
    assert settings.database_path == Path("data/clematis.sqlite3")
    assert settings.log_level == "INFO"
    assert settings.dev_guild_id is None
    assert settings.api_base_url is None and settings.gateway_url is None


def test_token_never_appears_in_repr() -> None:
    settings = load_settings({"DISCORD_TOKEN": TOKEN})
    assert TOKEN not in repr(settings)
    assert TOKEN not in str(settings)
    assert "<hidden>" in repr(settings)


def test_settings_are_frozen() -> None:
    settings = load_settings({"DISCORD_TOKEN": TOKEN})
    with pytest.raises(AttributeError):
        settings.log_level = "DEBUG"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({}, ("DISCORD_TOKEN", "discord.com/developers")),
        ({"DISCORD_TOKEN": "  "}, ("DISCORD_TOKEN",)),
        ({"DISCORD_TOKEN": "not-a-token"}, ("DISCORD_TOKEN", "Reset Token")),
        ({"DISCORD_TOKEN": TOKEN, "LOG_LEVEL": "loud"}, ("LOG_LEVEL", "DEBUG")),
        ({"DISCORD_TOKEN": TOKEN, "DEV_GUILD_ID": "abc"}, ("DEV_GUILD_ID", "Copy Server ID")),
        (
            {"DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE_URL": "127.0.0.1:80"},
            ("DISCORD_API_BASE_URL", "http://"),
        ),
        (
            {"DISCORD_TOKEN": TOKEN, "DISCORD_GATEWAY_URL": "http://x/gateway"},
            ("DISCORD_GATEWAY_URL", "ws://"),
        ),
        ({"DISCORD_TOKEN": TOKEN, "CANON_DIR": "/nonexistent/dir"}, ("CANON_DIR",)),
    ],
)
def test_bad_values_name_the_variable_and_the_fix(env: dict[str, str], names: tuple[str, ...]) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(env)
    message = str(info.value)
    assert "\n" not in message
    for name in names:
        assert name in message
    assert TOKEN not in message


def test_urls_and_ids_are_parsed() -> None:
    settings = load_settings(
        {
            "DISCORD_TOKEN": TOKEN,
            "DISCORD_API_BASE_URL": "http://127.0.0.1:8080/",
            "DISCORD_GATEWAY_URL": "ws://127.0.0.1:8080/gateway",
            "DEV_GUILD_ID": "123456789012345678",
            "LOG_LEVEL": "debug",
            "DATABASE_PATH": "/tmp/x/y.sqlite3",
        }
    )
    assert settings.api_base_url == "http://127.0.0.1:8080"
    assert settings.gateway_url == "ws://127.0.0.1:8080/gateway"
    assert settings.dev_guild_id == 123456789012345678
    assert settings.log_level == "DEBUG"
    assert settings.database_path == Path("/tmp/x/y.sqlite3")


def test_token_is_optional_for_offline_commands() -> None:
    assert load_settings({}, require_token=False).token == ""
