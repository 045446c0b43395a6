"""README.md's systemd install steps, run as written (extracted from the README, so the doc cannot drift) in a
temporary prefix instead of /opt/clematis, with a fresh system user instead of `clematis`: the service user
creates the virtualenv and installs the bot (from PyPI, like a host would), the data folder and a mode-600
.env exist, `check` passes as that user, and the unit's own ExecStartPre/ExecStart commands start a bot that
gets ready (against the emulator) and writes its database only inside ReadWritePaths. `systemctl` lines run
only where systemd is the init system.

Needs root, useradd/userdel, runuser, git, and a `python3` with venv on the standard PATH; skips otherwise."""

import asyncio
import os
import re
import shlex
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from tests.core import host
from tests.emulator import Emulator
from tests.emulator.process import READY_MARKER, REPO_ROOT

SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
README = REPO_ROOT / "README.md"
SYSTEMD_RUNS = os.path.isdir("/run/systemd/system")


def readme_block(marker: str) -> str:
    """The ```sh block that follows `<!-- marker... -->` in the README."""
    text = README.read_text(encoding="utf-8")
    start = text.index(f"<!-- {marker}")
    found = re.search(r"```sh\n(.*?)```", text[start:], re.DOTALL)
    assert found, f"no sh block after {marker}"
    return found[1]


def localise(script: str, prefix: Path, user: str) -> str:
    """The documented commands with this test's prefix, user and repository."""
    script = script.replace("/opt/clematis", "@PREFIX@")
    script = re.sub(r"^REPO=.*$", f"REPO={shlex.quote(str(REPO_ROOT))}", script, flags=re.MULTILINE)
    script = re.sub(r"(?<![/\w.@-])clematis(?=[:\s]|$)", user, script)
    return script.replace("@PREFIX@", str(prefix))


def unit_value(unit: str, key: str) -> str:
    found = re.search(rf"^{key}=(.*)$", unit, re.MULTILINE)
    assert found, key
    return found[1].strip()


def bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture
def service_user() -> str:
    if os.geteuid() != 0 or not all(
        shutil.which(t) for t in ("useradd", "userdel", "runuser", "setpriv", "git")
    ):
        pytest.skip("needs root with useradd, userdel, runuser, setpriv and git")
    probe = subprocess.run(
        ["python3", "-c", "import venv, ensurepip"], env={"PATH": SYSTEM_PATH}, capture_output=True
    )
    if probe.returncode != 0:
        pytest.skip("no python3 with venv and ensurepip on the standard PATH")
    user = f"clematis-t{os.getpid() % 100000}"
    yield user
    subprocess.run(["userdel", user], capture_output=True)


async def test_readme_systemd_steps_install_a_bot_that_starts_as_the_service_user(
    service_user: str, emulator: Emulator
) -> None:
    user = service_user
    systemd_runs = SYSTEMD_RUNS
    env = {
        "PATH": SYSTEM_PATH,
        "HOME": "/root",
        "LANG": "C.UTF-8",
        # The test's repository may belong to another user than root (CI checkouts): let git clone it.
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "safe.directory",
        "GIT_CONFIG_VALUE_0": "*",
    }
    with host.shared_folder() as root:
        (root / "opt").mkdir(mode=0o755)
        prefix = root / "opt" / "clematis"

        install = bash(localise(readme_block("systemd-install"), prefix, user), root, env)
        assert install.returncode == 0, (
            f"the README's install steps failed:\n{install.stdout}\n{install.stderr}"
        )

        dotenv, data = prefix / ".env", prefix / "data"
        assert dotenv.stat().st_mode & 0o777 == 0o600 and dotenv.owner() == user
        assert data.is_dir() and data.owner() == user and data.stat().st_mode & 0o077 == 0
        assert (prefix / ".venv").owner() == user
        # What the operator does by hand: the token (here, the emulator's, and where to find it).
        with dotenv.open("a", encoding="utf-8") as out:
            for key, value in {**emulator.env(), "DISCORD_GUILD_READY_TIMEOUT": "0.05"}.items():
                out.write(f"{key}={value}\n")

        start_lines = localise(readme_block("systemd-start"), prefix, user).splitlines()
        check = next(line for line in start_lines if " check" in line)
        checked = bash(check, prefix, env)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert (
            "a test write succeeded" in checked.stdout or "will be created on first start" in checked.stdout
        )
        assert "can be read by other users" not in checked.stderr

        unit = localise((prefix / "deploy" / "clematis.service").read_text(encoding="utf-8"), prefix, user)
        assert unit_value(unit, "User") == user
        workdir = Path(unit_value(unit, "WorkingDirectory"))
        writable = Path(unit_value(unit, "ReadWritePaths"))
        assert workdir == prefix and writable == data, "the unit's paths are the ones the steps create"
        pre = bash(f"runuser -u {user} -- {unit_value(unit, 'ExecStartPre')}", workdir, env)
        assert pre.returncode == 0, pre.stdout + pre.stderr

        # As systemd does with User=: the bot itself runs as the user (setpriv execs; runuser would fork).
        proc = await asyncio.create_subprocess_exec(
            "setpriv",
            f"--reuid={user}",
            f"--regid={user}",
            "--init-groups",
            *shlex.split(unit_value(unit, "ExecStart")),
            cwd=workdir,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        assert proc.stdout is not None
        output = ""
        try:
            async with asyncio.timeout(60):
                while READY_MARKER not in output:
                    line = await proc.stdout.readline()
                    assert line, f"the bot exited before it was ready:\n{output}"
                    output += line.decode()
        finally:
            proc.send_signal(signal.SIGTERM)
            rest, _ = await asyncio.wait_for(proc.communicate(), 30)
            output += rest.decode()
        assert proc.returncode == 0, output
        assert "Traceback" not in output, output
        database = data / "clematis.sqlite3"
        assert database.exists() and database.owner() == user, "the database lives in ReadWritePaths"

        if systemd_runs:  # a host with systemd: the remaining documented lines too
            for line in start_lines:
                if line.strip() and " check" not in line:
                    done = bash(line, prefix, env)
                    assert done.returncode == 0, done.stderr
