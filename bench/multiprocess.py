"""10,000 servers on 2 processes x 4 shards against the emulator, on PostgreSQL: a burst of reminders due in
the same second, delivered exactly once, first with both processes up and then with one process killed
with SIGKILL a quarter into the burst and started again.

Prints, for each run, reminders delivered once / duplicated / missing (counted in the channels, as
members see them), and the last reminder's delay after due_at against Discord's floor (N requests at 50
a second, which the emulator enforces), measured in the same run.

    CLEMATIS_TEST_DATABASE_URL=postgresql://USER@HOST:PORT/postgres python bench/multiprocess.py
        [--servers 10000] [--reminders 1000] [--sqlite]

The URL names a server where the user may create databases: each run gets a new one, dropped after.
``--sqlite`` runs the same bursts on one shared SQLite file instead, for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import _common  # noqa: F401 - puts the repository on sys.path

if TYPE_CHECKING:
    from tests.shards.burst import Burst


async def one_run(servers: int, reminders: int, *, kill: bool) -> Burst:
    from tests.database import ON_POSTGRES, database_for, drop
    from tests.shards.burst import burst

    with tempfile.TemporaryDirectory() as tmp:
        try:
            return await burst(
                Path(tmp), servers=servers, reminders=reminders, kill=kill, lead=60, timeout=600
            )
        finally:
            if ON_POSTGRES:
                drop(database_for(Path(tmp) / "clematis.sqlite3"))


async def run(servers: int, reminders: int, *, sqlite: bool) -> int:
    engine = "one SQLite file" if sqlite else "PostgreSQL"
    print(f"== {servers:,} servers, 2 processes x shards 0,1 and 2,3 of 4, {engine}")
    failed = False
    for kill in (False, True):
        result = await one_run(servers, reminders, kill=kill)
        label = "SIGKILL mid-burst" if kill else "both processes up"
        print(f"{label:>18}: {result.describe()}")
        failed |= not result.exactly_once
    print("exactly once in both runs" if not failed else "NOT exactly once: see above")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=10_000)
    parser.add_argument("--reminders", type=int, default=1_000)
    parser.add_argument("--sqlite", action="store_true", help="one shared SQLite file instead of PostgreSQL")
    args = parser.parse_args(argv)
    if args.sqlite:
        os.environ.pop("CLEMATIS_TEST_DATABASE_URL", None)  # read by tests.database when first imported
    elif not os.environ.get("CLEMATIS_TEST_DATABASE_URL"):
        print(
            "set CLEMATIS_TEST_DATABASE_URL=postgresql://USER@HOST:PORT/postgres (or pass --sqlite)",
            file=sys.stderr,
        )
        return 2
    return asyncio.run(run(args.servers, args.reminders, sqlite=args.sqlite))


if __name__ == "__main__":
    sys.exit(main())
