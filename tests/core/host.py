"""Real hosts for start-up tests: an unprivileged user (the tests run as root, and root ignores permission
bits), a private read-only or size-limited mount (a mount namespace), the immutable flag. Each helper says
when this machine cannot provide it, so a test skips with the reason instead of pretending."""

from __future__ import annotations

import contextlib
import os
import shutil
import site
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from tests.emulator.process import REPO_ROOT

UNPRIVILEGED = "nobody"


def _runs(argv: list[str], env: dict[str, str] | None = None) -> bool:
    try:
        return subprocess.run(argv, env=env, capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def pythonpath() -> str:
    """The repository, then this interpreter's packages (so that another 3.x binary finds the same ones)."""
    return os.pathsep.join([str(REPO_ROOT), *site.getsitepackages()])


@cache
def unprivileged_python() -> str | None:
    """A Python that `nobody` can run and that imports the bot; None when this machine has none."""
    if os.geteuid() != 0 or shutil.which("runuser") is None:
        return None
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": pythonpath()}
    for candidate in (sys.executable, shutil.which("python3"), "/usr/bin/python3"):
        if candidate and _runs(
            ["runuser", "-u", UNPRIVILEGED, "--", candidate, "-c", "import bot.__main__, discord, aiosqlite"],
            env,
        ):
            return candidate
    return None


def as_unprivileged() -> list[str]:
    """argv prefix: run the rest as `nobody` with a Python it can use."""
    python = unprivileged_python()
    if python is None:
        import pytest

        pytest.skip(f"no Python that user {UNPRIVILEGED} can run here (needs root, runuser, a readable tree)")
    return ["runuser", "-u", UNPRIVILEGED, "--", python]


@cache
def _namespace_prefix() -> tuple[str, ...] | None:
    """`unshare` arguments that give a private mount namespace where tmpfs can be mounted: as root (-m), or
    else in a user namespace (-rm). None when neither works (e.g. a container without the privilege)."""
    if shutil.which("unshare") is None:
        return None
    for prefix in (
        ("unshare", "-m", "--propagation", "private"),
        ("unshare", "-rm", "--propagation", "private"),
    ):
        with tempfile.TemporaryDirectory() as folder:
            if _runs([*prefix, "sh", "-c", f'mount -t tmpfs -o size=1m tmpfs "{folder}"']):
                return prefix
    return None


def in_private_mount(folder: Path, setup: str) -> list[str]:
    """argv prefix: in a private mount namespace, mount a 4 MiB tmpfs on `folder`, run the shell `setup` (which
    may fill it, remount it read-only...), then exec the rest (a Python and its arguments). The mount is invisible outside the
    process and vanishes with it."""
    prefix = _namespace_prefix()
    if prefix is None:
        import pytest

        pytest.skip("cannot create a private mount namespace here (unshare -m / -rm refused)")
    script = f'set -e; mount -t tmpfs -o size=4m tmpfs "{folder}"; {setup}; exec "$@"'
    return [*prefix, "sh", "-c", script, "sh"]


@contextlib.contextmanager
def shared_folder() -> Iterator[Path]:
    """A fresh folder under /tmp that `nobody` can enter (pytest's tmp_path is root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="clematis-host-", dir="/tmp"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for path in [folder, *folder.rglob("*")]:
            with contextlib.suppress(OSError):
                if not path.is_symlink():
                    subprocess.run(["chattr", "-i", str(path)], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def chown_to_unprivileged(*paths: Path) -> None:
    for path in paths:
        shutil.chown(path, UNPRIVILEGED)


def make_immutable(path: Path) -> None:
    """`chattr +i`: even root cannot write the file (needs CAP_LINUX_IMMUTABLE and a file system with the flag)."""
    if shutil.which("chattr") is None or not _runs(["chattr", "+i", str(path)]):
        import pytest

        pytest.skip("chattr +i is not possible here (no CAP_LINUX_IMMUTABLE, or the file system lacks it)")


def free_port() -> int:
    """A TCP port nothing listens on now (for HEALTH_PORT)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listening_addresses(port: int) -> list[str]:
    """The IPv4 addresses a socket on this machine listens on `port` with (from /proc/net/tcp)."""
    found = []
    with open("/proc/net/tcp", encoding="ascii") as table:
        for line in list(table)[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.append(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return found
