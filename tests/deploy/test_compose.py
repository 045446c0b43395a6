"""deploy/compose.yaml, checked without Docker (none in CI): PostgreSQL with a volume and a health check,
migrations applied once before the bots, two bot processes on disjoint shard ranges that cover every
shard, each waiting for a healthy database, the token and password only from .env, and the README
command that starts it."""

from __future__ import annotations

import re
from typing import Any

import yaml

from bot.shards import parse_shard_ids
from tests.emulator.process import REPO_ROOT

COMPOSE_PATH = REPO_ROOT / "deploy" / "compose.yaml"
COMPOSE: dict[str, Any] = yaml.safe_load(COMPOSE_PATH.read_text(encoding="utf-8"))
SERVICES: dict[str, Any] = COMPOSE["services"]
BOTS = {name: s for name, s in SERVICES.items() if "SHARD_IDS" in (s.get("environment") or {})}
INTERPOLATION = re.compile(r"^\$\{[A-Z_]+:\?[^}]+\}$")  # required: compose refuses to start without it


def env(service: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in (service.get("environment") or {}).items()}


def test_postgres_keeps_its_data_in_a_volume_and_has_a_health_check() -> None:
    postgres = SERVICES["postgres"]
    assert postgres["image"].startswith("postgres:")
    (volume,) = postgres["volumes"]
    name, _, target = volume.partition(":")
    assert target == "/var/lib/postgresql/data" and name in COMPOSE["volumes"]
    check = postgres["healthcheck"]
    assert "pg_isready" in " ".join(check["test"]) and check["retries"] >= 3
    assert postgres["restart"] == "unless-stopped"


def test_two_bot_processes_split_the_shards_between_them() -> None:
    assert len(BOTS) == 2
    counts = {env(s)["SHARD_COUNT"] for s in BOTS.values()}
    assert counts == {"4"}
    ranges = [set(parse_shard_ids(env(s)["SHARD_IDS"])) for s in BOTS.values()]
    assert ranges[0].isdisjoint(ranges[1]) and ranges[0] | ranges[1] == {0, 1, 2, 3}
    for service in BOTS.values():
        assert service["restart"] == "unless-stopped"
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
        assert (COMPOSE_PATH.parent / service["build"]["context"] / "deploy" / "Dockerfile").is_file()


def test_every_bot_waits_for_a_healthy_database_and_for_the_migrations() -> None:
    migrate = SERVICES["migrate"]
    assert migrate["command"] == ["python", "-m", "bot", "migrate"] and migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for service in BOTS.values():
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    for service in (migrate, *BOTS.values()):
        url = env(service)["DATABASE_URL"]
        assert url.startswith("postgresql://") and "@postgres:5432/" in url
        assert not re.search(r"//[^/@]*:[^/@]*@", url), "no password inside DATABASE_URL"


def test_no_secret_is_written_in_the_file() -> None:
    """The token comes from .env (env_file); the password only from .env, through a required variable."""
    for name, service in SERVICES.items():
        for key, value in env(service).items():
            if re.search(r"TOKEN|PASSWORD|SECRET", key):
                assert INTERPOLATION.match(value), f"{name}: {key} must come from .env, not be written here"
    for service in (SERVICES["migrate"], *BOTS.values()):
        assert service["env_file"] == "../.env"
        assert "DISCORD_TOKEN" not in env(service)
    text = COMPOSE_PATH.read_text(encoding="utf-8")
    assert not re.search(r"[MN][A-Za-z\d]{23,}\.[\w-]{6}\.[\w-]{27,}", text), "a Discord token"
    assert "POSTGRES_PASSWORD" not in env(SERVICES["clematis-a"]), "the bot gets it as PGPASSWORD only"


def test_the_readme_starts_it_with_the_env_file() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert "docker compose --env-file .env -f deploy/compose.yaml up -d" in readme
    assert "POSTGRES_PASSWORD" in readme


def test_the_readmes_copy_into_compose_reaches_both_databases() -> None:
    """README's `docker compose run ... migrate-to`: the service exists and has the password, the URL names
    the compose database and user, and the mounted folder is where the image keeps the SQLite file."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(
        r'run --rm --user "\$\(id -u\)" -v "\$PWD/data:(\S+)" \\\n\s+(\S+) python -m bot migrate-to '
        r"postgresql://(\w+)@(\w+):5432/(\w+)",
        readme,
    )
    assert found, "the README's migrate-to command for compose"
    mount, service, user, host, database = found.groups()
    assert service in SERVICES and "PGPASSWORD" in env(SERVICES[service])
    postgres = env(SERVICES["postgres"])
    assert (host, user, database) == ("postgres", postgres["POSTGRES_USER"], postgres["POSTGRES_DB"])
    dockerfile = (REPO_ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    path = re.search(r"DATABASE_PATH=(\S+)", dockerfile)
    assert path and path[1].startswith(mount + "/")
