"""A database that starts refusing writes while the bot runs (here: its disk fills up, for real, on a 4 MiB
tmpfs in a private mount namespace) is logged once, clearly; each server's mod log is told once; members get a
plain answer instead of an error id; the dispatcher does not log a traceback every 5 seconds; and when writes
work again, the recovery is logged and the mod log told. The health endpoint follows along (503, then 200)."""

import asyncio
import contextlib
import errno
import json
import urllib.request
from pathlib import Path

from tests.conftest import assert_clean_exit
from tests.core import host
from tests.emulator import Emulator, actions
from tests.emulator.process import BotProcess

REFUSED = "refuses writes"
RECOVERED = "accepts writes again"
TOLD = "Clematis can't save anything right now"
TOLD_RECOVERED = "Clematis can save again"


async def health(port: int) -> tuple[int, dict]:
    def get() -> tuple[int, dict]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    return await asyncio.to_thread(get)


def fill(folder: Path) -> Path:
    """Write to the bot's own view of `folder` (its mount namespace, through /proc) until the disk is full."""
    filler = folder / "filler"
    with contextlib.suppress(OSError), filler.open("wb") as out:
        while True:
            out.write(b"\0" * 65536)
            out.flush()
    try:
        with filler.open("ab") as out:
            out.write(b"\0" * 65536)
            out.flush()
    except OSError as exc:
        assert exc.errno == errno.ENOSPC, exc
    return filler


async def test_database_refusing_writes_is_logged_once_told_once_and_recovery_logged(
    emulator: Emulator,
) -> None:
    guild = emulator.guild
    mod, mina = emulator.moderator(guild), emulator.member(guild, "Mina")
    port = host.free_port()
    with host.shared_folder() as folder:
        data = folder / "data"
        data.mkdir()
        process = BotProcess(
            emulator,
            data / "c.db",
            {"HEALTH_PORT": str(port)},
            prefix=host.in_private_mount(data, "true"),
        )
        await process.start()
        await actions.slash(
            mod, "spoilers modlog", channel=None, timeout=10.0, options={"channel": guild.channel("mod-log")}
        )
        mod_log = guild.channel("mod-log")
        status, report = await health(port)
        assert status == 200 and report["healthy"], report
        assert (
            report["database"]["writable"] and report["gateway"]["ready"] and report["dispatcher"]["running"]
        )

        assert process.proc is not None
        filler = fill(Path(f"/proc/{process.proc.pid}/root") / data.relative_to("/"))
        first = await mina.slash("progress set", episode="r5")
        assert "can't save anything right now" in first.text and first.ephemeral, first.text
        assert "error id" not in first.text
        await process.wait_for_output(REFUSED)
        told = await emulator.wait_for_message(mod_log, lambda m: TOLD in m.content)
        assert "database or disk is full" in told.content

        second = await mina.slash("progress set", episode="r5")
        assert "can't save anything right now" in second.text
        status, report = await health(port)
        assert status == 503 and not report["healthy"] and not report["database"]["writable"], report
        await asyncio.sleep(6)  # longer than the dispatcher's 5 s retry
        assert process.output.count(REFUSED) == 1, process.output
        assert "dispatcher hit an error" not in process.output
        assert [m.content for m in emulator.bot_messages(mod_log)].count(told.content) == 1

        filler.unlink()
        saved = await mina.slash("progress set", episode="r5")
        assert "can't save" not in saved.text, saved.text
        await process.wait_for_output(RECOVERED)
        await emulator.wait_for_message(mod_log, lambda m: TOLD_RECOVERED in m.content)
        status, report = await health(port)
        assert status == 200 and report["database"]["writable"], report
        assert report["database"]["listening"] is None  # SQLite: no other process to hear from

        assert_clean_exit(process, await process.stop())
