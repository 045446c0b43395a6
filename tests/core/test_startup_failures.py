"""A host's bad day at start-up, through the emulator: a Cloudflare block (HTML 403/429), Discord's JSON 403 and
429, and connections that are accepted and never answered (REST and gateway). Each is one `clematis:` line on
stderr, no traceback, and the exit code the README documents (2 = fix something, 1 = passes, restartable),
well within 30 seconds."""

import time
from pathlib import Path

from tests.core.test_bot_cli import Run, run_bot
from tests.emulator import Emulator
from tests.emulator.process import BotProcess

ME = r"^/users/@me$"


def assert_one_line(run: Run, code: int, *mentions: str) -> str:
    """Exit `code`, exactly one `clematis: ...` line, the last thing on stderr, and no traceback."""
    output = f"exit code {run.code}\nstdout:\n{run.stdout}\nstderr:\n{run.stderr}"
    assert run.code == code, output
    assert "Traceback" not in run.stderr + run.stdout, output
    assert len(run.error_lines) == 1, output
    assert run.stderr.rstrip("\n").splitlines()[-1] == run.error_lines[0], output
    assert "<html" not in run.stderr.lower(), "the HTML page itself must not be printed"
    for text in mentions:
        assert text in run.error_lines[0], run.error_lines[0]
    return run.error_lines[0]


async def start(emulator: Emulator, tmp_path: Path) -> tuple[Run, float]:
    started = time.monotonic()
    run = await run_bot(env=BotProcess(emulator, tmp_path / "c.db").env(), cwd=tmp_path)
    return run, time.monotonic() - started


async def test_cloudflare_403_block_page_is_one_line_and_exit_2(emulator: Emulator, tmp_path: Path) -> None:
    """A blocked IP does not pass by restarting every 10 s: exit 2, which systemd does not restart."""
    emulator.faults.refuse("GET", ME, 403, html=True)
    run, _ = await start(emulator, tmp_path)
    assert_one_line(
        run, 2, "HTTP 403 to GET /api/v10/users/@me", "Cloudflare", "blocked", "restarting will not help"
    )
    assert emulator.identifies == 0


async def test_json_403_at_login_is_one_line_and_exit_2(emulator: Emulator, tmp_path: Path) -> None:
    emulator.faults.refuse("GET", ME, 403, html=False)
    run, _ = await start(emulator, tmp_path)
    assert_one_line(run, 2, "HTTP 403", "Missing Access", "developers/applications")


async def test_cloudflare_429_with_retry_after_is_one_line_and_exit_1(
    emulator: Emulator, tmp_path: Path
) -> None:
    """Cloudflare's 1015 page: a rate limit passes, so exit 1 (restartable) and say how long to wait."""
    emulator.faults.refuse("GET", ME, 429, html=True, retry_after=3600)
    run, _ = await start(emulator, tmp_path)
    assert_one_line(run, 1, "rate limiting this host", "HTTP 429", "Error 1015 (Rate limited)", "wait 3600 s")


async def test_json_429_without_discord_headers_is_one_line_and_exit_1(
    emulator: Emulator, tmp_path: Path
) -> None:
    emulator.faults.refuse("GET", ME, 429, html=False, retry_after=60)
    run, _ = await start(emulator, tmp_path)
    assert_one_line(run, 1, "rate limiting this host", "HTTP 429", "wait 60 s")


async def test_429_that_outlasts_retries_at_sync_is_one_line_and_exit_1(
    emulator: Emulator, tmp_path: Path
) -> None:
    """Discord's own JSON 429s are waited out and retried by discord.py; when they never end, one line."""
    fault = emulator.faults.rate_limit("PUT", r"/commands$", retry_after=0.2, count=None)
    run, _ = await start(emulator, tmp_path)
    assert_one_line(run, 1, "rate limiting this host", "HTTP 429 to PUT")
    assert fault.hits == 5, "discord.py retries a rate-limited request five times in all"


async def test_rest_connection_accepted_and_never_answered_gives_up_within_30_s(
    emulator: Emulator, tmp_path: Path
) -> None:
    emulator.faults.silence("GET", r"^/oauth2/applications/@me$")  # the second request of the login
    run, seconds = await start(emulator, tmp_path)
    assert_one_line(run, 1, "did not answer in time", "accepted and then stayed silent")
    assert seconds < 30, f"gave up after {seconds:.0f} s"


async def test_gateway_accepted_and_silent_gives_up_within_30_s(emulator: Emulator, tmp_path: Path) -> None:
    emulator.faults.gateway_silent = True  # the websocket opens, HELLO never comes
    run, seconds = await start(emulator, tmp_path)
    assert_one_line(run, 1, "gateway", "within 25 s", "DISCORD_GATEWAY_URL")
    assert seconds < 30, f"gave up after {seconds:.0f} s"
    assert emulator.gateway_connects >= 1


async def test_long_rate_limit_while_starting_is_one_line_and_exit_1_not_a_silent_wait(
    emulator: Emulator, tmp_path: Path
) -> None:
    """Discord's JSON 429 asking for two minutes: said at once, not waited out with nothing on screen."""
    emulator.faults.rate_limit("GET", ME, retry_after=120, count=None)
    run, seconds = await start(emulator, tmp_path)
    assert_one_line(run, 1, "rate limiting this host", "wait 120 s")
    assert seconds < 30


async def test_gateway_refusing_the_connection_is_one_line_and_exit_1(
    emulator: Emulator, tmp_path: Path
) -> None:
    env = {**BotProcess(emulator, tmp_path / "c.db").env(), "DISCORD_GATEWAY_URL": "ws://127.0.0.1:9/gateway"}
    started = time.monotonic()
    run = await run_bot(env=env, cwd=tmp_path)
    assert_one_line(run, 1, "could not connect to the Discord gateway at ws://127.0.0.1:9/gateway")
    assert time.monotonic() - started < 30
