"""The invite link: one list of permissions in code, shown in the README, printed by `python -m bot invite`.

Since 23 February 2026 Discord needs Create Events to create scheduled events; the README's old link
(`permissions=404263922688`) lacked it.
"""

from __future__ import annotations

import re
from pathlib import Path

import discord

from bot.permissions import INVITE_PERMISSIONS, invite_permissions, invite_url
from tests.core.test_bot_cli import TOKEN, clean_env, run_bot
from tests.emulator.process import REPO_ROOT
from tests.emulator.server import DEFAULT_TOKEN

LINK = re.compile(
    r"https://discord\.com/oauth2/authorize\?client_id=APP_ID&scope=bot\+applications\.commands"
    r"&permissions=(\d+)"
)


def readme_permissions() -> int:
    links = LINK.findall((REPO_ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(links) == 1, f"the README should show exactly one invite link, found {links}"
    return int(links[0])


def test_the_readme_link_grants_what_the_code_lists() -> None:
    assert readme_permissions() == invite_permissions().value
    assert invite_url("APP_ID").endswith(f"permissions={readme_permissions()}")


def test_the_invite_grants_create_events_and_names_every_permission_in_the_readme() -> None:
    granted = discord.Permissions(readme_permissions())
    assert granted.create_events, "without Create Events, Discord refuses to create scheduled events"
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    for _attribute, shown, _why in INVITE_PERMISSIONS:
        assert shown.split()[0] in readme, f"the README does not name {shown}"
    # It asks for nothing the bot never uses.
    assert not granted.administrator and not granted.manage_guild and not granted.manage_events


async def test_invite_prints_the_link_for_the_tokens_application(tmp_path: Path) -> None:
    # A bot token's first part is the application id in base64 ("MTEy..." is 112345678901234567).
    run = await run_bot("invite", env=clean_env(DISCORD_TOKEN=DEFAULT_TOKEN), cwd=tmp_path)
    assert run.code == 0, run.stderr
    assert run.stdout.strip() == invite_url(112345678901234567)


async def test_invite_prefers_the_configured_application_id(tmp_path: Path) -> None:
    run = await run_bot(
        "invite",
        env=clean_env(DISCORD_TOKEN=TOKEN, DISCORD_APPLICATION_ID="123456789012345678"),
        cwd=tmp_path,
    )
    assert run.code == 0 and "client_id=123456789012345678&" in run.stdout


async def test_invite_without_an_application_id_is_one_friendly_line_and_exit_2(tmp_path: Path) -> None:
    for env in (clean_env(), clean_env(DISCORD_TOKEN="not-a-token"), clean_env(DISCORD_APPLICATION_ID="12")):
        run = await run_bot("invite", env=env, cwd=tmp_path)
        assert run.code == 2, run
        assert run.stdout == "" and len(run.stderr.strip().splitlines()) == 1, run.stderr
        assert "Traceback" not in run.stderr and "APPLICATION_ID" in run.stderr
