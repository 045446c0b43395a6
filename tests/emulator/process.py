"""Run the real bot (`python -m bot`) as a subprocess against an Emulator."""

# Waiting helpers take `timeout=` on purpose: tests read better with a per-call deadline.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path

from tests.database import ON_POSTGRES, database_for

from .server import Emulator

REPO_ROOT = Path(__file__).resolve().parents[2]
READY_MARKER = "Clematis is ready"
_CHAINED = ("The above exception", "During handling of the above", "Traceback (most recent call last)")


class BotStartError(AssertionError):
    pass


class BotProcess:
    """The bot as its users run it: a process reading its settings from the environment."""

    def __init__(
        self,
        emulator: Emulator,
        db_path: Path | str,
        env_extra: dict[str, str] | None = None,
        *,
        module: str = "bot",
        log_level: str = "INFO",
        ready_marker: str = READY_MARKER,
        prefix: list[str] | None = None,
    ) -> None:
        self.emulator = emulator
        self.db_path = Path(db_path)
        self.env_extra = dict(env_extra or {})
        self.module = module
        self.log_level = log_level
        self.ready_marker = ready_marker
        self.prefix = list(prefix or [])  # argv before the interpreter, e.g. runuser or unshare
        self.proc: asyncio.subprocess.Process | None = None
        self.killed = False  # set by kill(): the exit code then says nothing about the bot
        self.expect_errors = False  # a test that provokes tracebacks on purpose sets this
        self._lines: list[str] = []
        self._ready = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None

    @property
    def output(self) -> str:
        """Everything the bot printed (stdout and stderr, interleaved)."""
        return "".join(self._lines)

    @property
    def tracebacks(self) -> list[str]:
        """Every traceback the bot logged (chained ones count once), with the log line before it."""
        lines = self._lines
        found: list[str] = []
        i = 0
        while i < len(lines):
            if not lines[i].startswith("Traceback (most recent call last)"):
                i += 1
                continue
            j, after_exception_line = i + 1, False
            while j < len(lines):
                line = lines[j]
                if line.startswith((" ", "\t")) or line.startswith(_CHAINED):
                    after_exception_line = False
                elif line.strip():
                    if after_exception_line:
                        break
                    after_exception_line = True  # "SomeError: message" ends a traceback
                j += 1
            found.append("".join(lines[max(i - 1, 0) : j]))
            i = j
        return found

    @property
    def db_target(self) -> str:
        """The database the bot uses: its SQLite file, or the PostgreSQL database standing in for that file
        when the tests run on PostgreSQL (tests/database.py)."""
        return database_for(self.db_path)

    @property
    def returncode(self) -> int | None:
        return self.proc.returncode if self.proc is not None else None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DEV_GUILD"))}
        env.update(self.emulator.env())
        env.update(
            {
                "DATABASE_PATH": str(self.db_path),
                "LOG_LEVEL": self.log_level,
                "PYTHONUNBUFFERED": "1",
                # discord.py fires on_ready `guild_ready_timeout` (default 2 s) after the last GUILD_CREATE;
                # the bot should read this to start fast under test.
                "DISCORD_GUILD_READY_TIMEOUT": "0.05",
                "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
            }
        )
        if ON_POSTGRES:
            env["DATABASE_URL"] = self.db_target
        env.update(self.env_extra)
        return env

    async def start(self, timeout: float = 30.0) -> None:
        """Spawn the bot; return once it has its gateway session (READY and every GUILD_CREATE sent) and has
        logged the ready marker. Fails with the bot's output if it exits or times out first."""
        self._lines.clear()
        self._ready.clear()
        self.killed = False
        identifies_before = self.emulator.identifies
        self.proc = await asyncio.create_subprocess_exec(
            *self.prefix,
            sys.executable,
            "-m",
            self.module,
            # Not the repository: the bot reads .env from its working directory, and a developer's own
            # .env there (DEV_GUILD_ID, CANON_DIR...) must not change what the tests run.
            cwd=next(p for p in self.db_path.absolute().parents if p.is_dir()),
            env=self.env(),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        self._reader = asyncio.create_task(self._read())
        self.emulator.output_source = lambda: self.output

        async def ready() -> None:
            await self._ready.wait()
            await self.emulator.wait_until(
                lambda: self.emulator.identifies > identifies_before and bool(self.emulator.ready_sessions()),
                timeout,
                "the bot's gateway session",
            )

        waiter = asyncio.create_task(ready())
        exited = asyncio.create_task(self.proc.wait())
        done, _ = await asyncio.wait({waiter, exited}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if waiter in done and waiter.exception() is None:
            exited.cancel()
            return
        waiter.cancel()
        exited.cancel()
        if exited in done:
            await self._drain()
            raise BotStartError(
                f"the bot exited with code {self.proc.returncode} before it was ready.\n"
                f"Output:\n{self.output}"
            )
        self.kill()
        await self._drain()
        raise BotStartError(
            f"the bot was not ready within {timeout}s (no {self.ready_marker!r} line and/or no "
            f"gateway session).\nOutput:\n{self.output}"
        )

    async def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM, wait for a clean exit (SIGKILL after `timeout`); returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), timeout)
            except TimeoutError:
                self.kill()
                await self.proc.wait()
        await self._drain()
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL: a crash, as far as the bot can tell."""
        if self.proc is not None and self.proc.returncode is None:
            self.killed = True
            self.proc.kill()

    async def wait_for_output(self, text: str, timeout: float = 10.0) -> None:
        await self.emulator.wait_until(lambda: text in self.output, timeout, f"bot output {text!r}")

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        while True:
            line = await self.proc.stdout.readline()
            if not line:
                return
            text = line.decode(errors="replace")
            self._lines.append(text)
            if self.ready_marker in text:
                self._ready.set()
            self.emulator._notify()

    async def _drain(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.proc.wait(), 5)
        if self._reader is not None:
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(self._reader, 5)
