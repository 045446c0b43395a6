"""`.env` holds the bot token: the bot warns at start when other users may read it, and names the fix."""

from pathlib import Path

import pytest

from tests.core.test_bot_cli import TOKEN, clean_env, run_bot


@pytest.mark.parametrize(("mode", "warned"), [(0o644, True), (0o640, True), (0o600, False)])
async def test_dotenv_readable_by_others_is_warned_about(tmp_path: Path, mode: int, warned: bool) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"DISCORD_TOKEN={TOKEN}\nDATABASE_PATH=c.db\n")
    dotenv.chmod(mode)
    run = await run_bot("check", env=clean_env(), cwd=tmp_path)
    assert run.code == 0, run.stderr
    line = f".env can be read by other users (mode {mode:o}) and it holds the bot token: run chmod 600"
    assert (line in run.stderr) is warned, run.stderr
    assert TOKEN not in run.stderr


async def test_bad_health_port_is_one_line_and_exit_2(tmp_path: Path) -> None:
    run = await run_bot("check", env=clean_env(DISCORD_TOKEN=TOKEN, HEALTH_PORT="eighty"), cwd=tmp_path)
    assert run.code == 2 and "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines()[-1].startswith("clematis: HEALTH_PORT must be a TCP port number")
