"""A database Clematis cannot write is one line and exit code 2, from `python -m bot check` and from the bot
itself, before anything is sent to Discord, and never a hang (the SQLite worker thread is closed on every
failure path).

What each case really exercises (the tests run as root, which ignores permission bits):
- folder and file permissions: the bot runs as the unprivileged user `nobody` (runuser), so the kernel refuses
  for real (EACCES);
- an immutable file: `chattr +i`, which even root cannot write (EPERM);
- a read-only mount: a tmpfs mounted, filled, then remounted read-only in a private mount namespace
  (unshare), which the kernel refuses with EROFS.
Cases this machine cannot provide are skipped with the reason (see tests/core/host.py).
"""

import asyncio
import os
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.core import host
from tests.core.test_bot_cli import TOKEN, Run, clean_env, make_database
from tests.core.test_startup_failures import assert_one_line
from tests.emulator import Emulator
from tests.emulator.process import BotProcess


async def run_cmd(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[Run, float]:
    """Run `argv`; fail the test if it has not ended within 30 s (the hang this file is about)."""
    started = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        *argv, cwd=cwd, env=env, stdin=asyncio.subprocess.DEVNULL, stdout=-1, stderr=-1
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), 30)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise AssertionError(f"{argv} was still running after 30 s") from None
    assert proc.returncode is not None
    return Run(proc.returncode, out.decode(), err.decode()), time.monotonic() - started


@pytest.fixture
async def folder() -> AsyncIterator[Path]:
    with host.shared_folder() as path:
        yield path


async def prepare(case: str, folder: Path) -> tuple[list[str], Path, str]:
    """(argv up to `-m bot`, DATABASE_PATH, what the one line must say) for one unwritable setup."""
    if case == "folder-not-creatable":
        (folder / "root-only").mkdir(mode=0o755)
        return host.as_unprivileged(), folder / "root-only" / "data" / "c.db", "not writable by user nobody"
    if case == "folder-not-writable":
        (folder / "data").mkdir(mode=0o755)  # exists and belongs to root: nobody can create a file in it
        return host.as_unprivileged(), folder / "data" / "c.db", "not writable by user nobody"
    if case == "read-only-file":
        prefix = host.as_unprivileged()
        data = folder / "data"
        data.mkdir()
        await make_database(data / "c.db")
        (data / "c.db").chmod(0o444)
        host.chown_to_unprivileged(data, data / "c.db")  # the folder is nobody's: only the file refuses
        return prefix, data / "c.db", "read-only for user nobody"
    if case == "immutable-file":
        await make_database(folder / "c.db")
        host.make_immutable(folder / "c.db")
        return [sys.executable], folder / "c.db", "read-only for user root"
    if case == "read-only-mount":
        await make_database(folder / "source.db")
        mount = folder / "mnt"
        mount.mkdir()
        setup = f'cp "{folder}/source.db" "{mount}/c.db"; mount -o remount,ro "{mount}"'
        return [*host.in_private_mount(mount, setup), sys.executable], mount / "c.db", "read-only file system"
    if case == "read-only-mount-no-database":
        mount = folder / "mnt"
        mount.mkdir()
        return (
            [*host.in_private_mount(mount, f'mount -o remount,ro "{mount}"'), sys.executable],
            mount / "c.db",
            "read-only file system",
        )
    raise AssertionError(case)


CASES = [
    "folder-not-creatable",
    "folder-not-writable",
    "read-only-file",
    "immutable-file",
    "read-only-mount",
    "read-only-mount-no-database",
]


def env_for(base: dict[str, str], db: Path) -> dict[str, str]:
    return {**base, "DATABASE_PATH": str(db), "PYTHONPATH": host.pythonpath()}


@pytest.mark.parametrize("case", CASES)
async def test_check_says_the_database_cannot_be_written_in_one_line_exit_2(case: str, folder: Path) -> None:
    prefix, db, says = await prepare(case, folder)
    run, seconds = await run_cmd(
        [*prefix, "-m", "bot", "check"], env_for(clean_env(DISCORD_TOKEN=TOKEN), db), folder
    )
    line = assert_one_line(run, 2, f"the database {db} (DATABASE_PATH) cannot be written", says)
    assert "DATABASE_PATH" in line and run.stdout == ""
    assert seconds < 30


@pytest.mark.parametrize("case", CASES)
async def test_bot_says_the_database_cannot_be_written_in_one_line_exit_2_before_discord(
    case: str, folder: Path, emulator: Emulator
) -> None:
    prefix, db, says = await prepare(case, folder)
    run, seconds = await run_cmd([*prefix, "-m", "bot"], env_for(BotProcess(emulator, db).env(), db), folder)
    assert_one_line(run, 2, f"the database {db} (DATABASE_PATH) cannot be written", says)
    assert emulator.requests == [], "nothing is sent to Discord before the database works"
    assert seconds < 30


async def test_check_probes_a_writable_database_and_reports_it(folder: Path) -> None:
    """The good case still passes, and `check` says it wrote (a probe that changes nothing)."""
    db = folder / "c.db"
    await make_database(db)
    before = db.stat().st_mtime_ns, os.stat(db).st_size
    run, _ = await run_cmd(
        [sys.executable, "-m", "bot", "check"], env_for(clean_env(DISCORD_TOKEN=TOKEN), db), folder
    )
    assert run.code == 0, run.stderr
    assert "a test write succeeded" in run.stdout
    assert before[1] == db.stat().st_size
