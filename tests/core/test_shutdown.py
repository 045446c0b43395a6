"""SIGTERM first stops taking interactions, before anything is unloaded: interactions that arrive while the bot
shuts down are told, privately, that it is restarting (autocomplete gets no choices), commands already running
finish and answer, and nothing logs a CommandNotFound traceback. Then cogs unload, the dispatcher stops and the
database closes, as before."""

import asyncio
import signal
from pathlib import Path

from tests.conftest import assert_clean_exit
from tests.emulator import Emulator
from tests.emulator.process import BotProcess

CALLBACK = r"/interactions/\d+/[^/]+/callback$"
RESTARTING = "Clematis is restarting, try again in a moment."


async def test_interactions_during_shutdown_are_told_to_retry_and_running_ones_finish(
    emulator: Emulator, tmp_path: Path
) -> None:
    process = BotProcess(emulator, tmp_path / "c.db")
    await process.start()
    mina = emulator.member(emulator.guild, "Mina")

    # A command that is still answering when SIGTERM comes (its answer takes 2 s to reach Discord).
    emulator.faults.delay("POST", CALLBACK, seconds=2.0, count=1)
    running = asyncio.create_task(mina.slash("about"))
    await emulator.wait_until(
        lambda: any(r.path.endswith("/callback") for r in emulator.requests), 5, "the first answer"
    )
    assert process.proc is not None
    process.proc.send_signal(signal.SIGTERM)
    await process.wait_for_output("no longer taking interactions")

    late = await mina.slash("help")
    assert late.ephemeral and late.text == RESTARTING
    assert await mina.autocomplete("progress set", "episode", "round") == []
    assert "Version" in (await running).text, "a command already running still answers"

    assert_clean_exit(process, await process.stop())
    assert "CommandNotFound" not in process.output
    log = process.output
    assert log.index("no longer taking interactions") < log.index("Clematis has shut down")
