"""Shared by the end-to-end benchmarks: percentiles, a process's memory, interaction answer times (emulator
clocks), and the repository on sys.path.

Importing this module puts the repository root on ``sys.path`` so ``python bench/<name>.py`` works
without ``PYTHONPATH`` (the emulator lives in ``tests/``, which ``pip install`` does not install).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.emulator import Emulator, Reply

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by the nearest-rank method: a value that was actually measured."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil(n * q / 100), at least 1
    return ordered[int(rank) - 1]


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak RSS) of a live process, in KiB, from /proc/<pid>/status."""
    fields: dict[str, int] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0])
    return fields


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def answer_times(emulator: Emulator, replies: list[Reply]) -> tuple[list[float], list[float]]:
    """Per reply, seconds from dispatch to the acknowledgement and to the answer itself (the same
    request unless the bot deferred; then the edit of the deferred message). Emulator clocks on both ends."""
    by_id = {str(reply.id): reply for reply in replies}
    by_token = {reply.token: reply for reply in replies}
    acked: dict[int, float] = {}
    answered: dict[int, float] = {}
    for request in emulator.requests:
        if request.method == "POST" and (
            match := re.fullmatch(r"/interactions/(\d+)/[^/]+/callback", request.path)
        ):
            reply = by_id.get(match.group(1))
            if reply is not None and reply.id not in acked:
                acked[reply.id] = request.time
                if (request.json or {}).get("type") == 4:
                    answered[reply.id] = request.time
        elif match := re.fullmatch(r"/webhooks/\d+/([^/]+)(?:/messages/@original)?", request.path):
            reply = by_token.get(match.group(1))
            if reply is not None and request.method in ("POST", "PATCH"):
                answered.setdefault(reply.id, request.time)
    acks = [acked[r.id] - r.created_wall for r in replies if r.id in acked]
    answers = [answered[r.id] - r.created_wall for r in replies if r.id in answered]
    return acks, answers
