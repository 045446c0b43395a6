"""deploy/Dockerfile, checked without Docker (none in CI): dependencies are installed in a layer of their own
before the code is copied, the command that lists them really lists pyproject's dependencies, the image runs as
a non-root user with its data in a volume, and the HEALTHCHECK command, run as written, passes against a
healthy bot and fails when nothing answers. README's `docker run` restarts the container."""

import asyncio
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.conftest import assert_clean_exit
from tests.core import host
from tests.emulator import Emulator
from tests.emulator.process import REPO_ROOT, BotProcess

DOCKERFILE = (REPO_ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
INSTRUCTIONS = [
    " ".join(line.split())
    for line in re.sub(r"\\\n", " ", DOCKERFILE).splitlines()
    if line.strip() and not line.lstrip().startswith("#")
]


def first(prefix: str) -> int:
    return next(i for i, line in enumerate(INSTRUCTIONS) if line.startswith(prefix))


def test_dependencies_are_a_layer_of_their_own_before_the_code() -> None:
    copy_pyproject = first("COPY pyproject.toml")
    install_deps = first("RUN python -c")
    copy_code = first("COPY bot")
    assert copy_pyproject < install_deps < copy_code
    copies_before_install = [line for line in INSTRUCTIONS[:install_deps] if line.startswith("COPY")]
    assert copies_before_install == ["COPY pyproject.toml ./"], (
        "only pyproject.toml may invalidate the deps layer"
    )
    assert "--no-deps" in INSTRUCTIONS[first("RUN pip install")], "the code's install must not touch the deps"


def test_the_dependency_listing_command_lists_pyprojects_dependencies(tmp_path: Path) -> None:
    command = re.search(r'RUN (python -c "[^"]+")', re.sub(r"\\\n", " ", DOCKERFILE))
    assert command, "the RUN that lists the dependencies"
    (tmp_path / "pyproject.toml").write_bytes((REPO_ROOT / "pyproject.toml").read_bytes())
    listed = subprocess.run(
        command[1].replace("python", sys.executable, 1),
        shell=True,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert listed.returncode == 0, listed.stderr
    declared = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert listed.stdout.split() == declared


def test_runs_as_a_non_root_user_with_its_data_in_a_volume() -> None:
    user = INSTRUCTIONS[first("USER ")].split()[1]
    assert user not in ("root", "0")
    assert 'VOLUME ["/app/data"]' in INSTRUCTIONS
    assert "DATABASE_PATH=/app/data/" in DOCKERFILE
    assert first("USER ") < first("CMD ")


def test_readme_docker_run_restarts_the_container() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    runs = re.findall(r"docker run [^\n`]*", readme)
    assert runs and all("--restart unless-stopped" in run for run in runs if " -d " in run), runs


async def healthcheck(port: int) -> int:
    command = INSTRUCTIONS[first("HEALTHCHECK")].split(" CMD ", 1)[1]
    env = {
        **os.environ,
        "HEALTH_PORT": str(port),
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }
    proc = await asyncio.create_subprocess_shell(command, env=env, stdout=-1, stderr=-1)
    await asyncio.wait_for(proc.communicate(), 15)
    assert proc.returncode is not None
    return proc.returncode


async def test_healthcheck_command_passes_on_a_healthy_bot_and_fails_when_nothing_answers(
    emulator: Emulator, tmp_path: Path
) -> None:
    port = host.free_port()
    assert await healthcheck(port) != 0, "nothing listens yet: unhealthy"
    process = BotProcess(emulator, tmp_path / "c.db", {"HEALTH_PORT": str(port)})
    await process.start()
    await emulator.wait_until(lambda: "due-work dispatcher started" in process.output, 10, "the dispatcher")
    assert await healthcheck(port) == 0, process.output
    assert host.listening_addresses(port) == ["127.0.0.1"], (
        "the health endpoint is bound to localhost by default"
    )
    assert_clean_exit(process, await process.stop())
