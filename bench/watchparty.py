"""Benchmark: watch parties through the emulator.

Run: ``PYTHONPATH=. python bench/watchparty.py [--members N] [--validate]``

RSVP storm (``rsvp_storm``): the real bot runs as a process (``python -m bot``) against the emulator in
this process. N members click Going on one party's announcement at once. Measured:

- click-to-answer per click: from the emulator dispatching INTERACTION_CREATE to it receiving the
  bot's interaction callback (both stamped by the emulator, so waiting in this process adds nothing);
- whether every click was acknowledged (within Discord's 3 s), each member counted once (database), and
  the final counts exact (database and the announcement);
- how many times the announcement was edited (coalescing: at most about one edit a second).

Baseline, same run and same bot: the same N members run ``/timezone show`` at once (a read and an
ephemeral answer, no write), so the ratio isolates what an RSVP click costs under the same load.
Request bodies are checked against Discord's limits; pass ``--validate`` to also check them against
the OpenAPI schema (emulator work that slows both sides).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.conftest import build_community  # noqa: E402
from tests.emulator import Emulator, Member, Message, Reply, actions  # noqa: E402
from tests.emulator.interactions import InteractionType  # noqa: E402
from tests.emulator.process import BotProcess  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile: a value that was actually measured."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


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


# Members act without each waiting for its own answer (a thousand waiters, each woken by every change in
# the emulator, would cost this process more than the bot's work): dispatch all, then wait once.


def click_now(member: Member, message: Message, label: str) -> Reply:
    source, component = actions._source(message, lambda c: c.get("label") == label, label)  # noqa: SLF001
    data = {"custom_id": component["custom_id"], "component_type": 2, "id": component.get("id")}
    return actions._start(  # noqa: SLF001
        member, source.channel, InteractionType.MESSAGE_COMPONENT, data, label, source_message=source
    )


def slash_now(member: Member, path: str) -> Reply:
    channel = member.guild.first_text_channel
    command, sub_words, leaf = actions._find_command(member, path, channel)  # noqa: SLF001
    data = actions._command_data(command, actions._nest(command, sub_words, []), {})  # noqa: SLF001
    return actions._start(member, channel, InteractionType.APPLICATION_COMMAND, data, path)  # noqa: SLF001


async def storm(
    emulator: Emulator, members: list[Member], act: Callable[[Member], Reply]
) -> tuple[list[Reply], float]:
    started = time.perf_counter()
    replies = [act(member) for member in members]
    done = 0

    def settled(reply: Reply) -> bool:  # answered, or past Discord's deadline without an acknowledgement
        return reply.complete() or (
            reply.callback_type is None
            and time.monotonic() - reply.created > emulator.interaction_ack_timeout + 1
        )

    def all_settled() -> bool:
        nonlocal done
        while done < len(replies) and settled(replies[done]):
            done += 1
        return done == len(replies)

    await emulator.wait_until(all_settled, 120, "every answer")
    return replies, time.perf_counter() - started


def report(name: str, times: list[float], count: int) -> None:
    if not times:
        print(f"  {name:<34} none of {count}")
        return
    print(
        f"  {name:<34} {len(times):>5}/{count:<5} p50 {percentile(times, 50) * 1000:8.1f} ms   "
        f"p99 {percentile(times, 99) * 1000:8.1f} ms   max {max(times) * 1000:8.1f} ms"
    )


def field(message: Message, name: str) -> str:
    return next(f["value"] for f in message.embeds[0]["fields"] if f["name"] == name)


async def rsvp_storm(members: int = 1000, *, validate: bool = False) -> dict[str, Any]:
    """N members click Going at once on one party. Prints the figures and returns them."""
    emulator = Emulator(validate_spec=validate)
    build_community(emulator)
    await emulator.start()
    with tempfile.TemporaryDirectory() as folder:
        process = BotProcess(emulator, Path(folder) / "bench.db")
        await process.start()
        try:
            return await _storm(emulator, process, members)
        finally:
            await process.stop()
            await emulator.stop()


async def _storm(emulator: Emulator, process: BotProcess, count: int) -> dict[str, Any]:
    guild = emulator.guild
    host = emulator.member(guild, "Host")
    await host.slash("timezone set", zone="Asia/Seoul")
    await host.slash("watchparty schedule", episode="r1", when="in 3 hours", title="Storm")
    shown = next(m for m in emulator.bot_messages() if not m.ephemeral and m.embeds)
    fans = [emulator.member(guild, f"Fan {i}") for i in range(count)]
    await asyncio.sleep(0.5)  # let the bot take in the member-add events before the storm

    print(f"\nRSVP storm: {count} members click Going at once on one party")
    base_replies, base_wall = await storm(emulator, fans, lambda fan: slash_now(fan, "timezone show"))
    _base_acks, base_times = answer_times(emulator, base_replies)
    report("baseline /timezone show: answer", base_times, count)

    edits_before = sum(
        1 for r in emulator.requests if r.method == "PATCH" and r.path.endswith(f"/{shown.id}")
    )
    replies, wall = await storm(emulator, fans, lambda fan: click_now(fan, shown, "Going"))
    acks, times = answer_times(emulator, replies)
    report("click Going: acknowledged", acks, count)
    report("click Going: answered", times, count)
    deferred = sum(1 for r in replies if r.callback_type == 5)
    print(f"  wall: baseline {base_wall:.2f} s, clicks {wall:.2f} s; clicks deferred under load: {deferred}")

    late_ack = [v for v in emulator.violations if "acknowledged after" in v]
    unanswered = sum(1 for r in replies if r.callback_type is None)
    answered = sum(1 for r in replies if r.ephemeral and r.text.startswith("You're going"))
    with contextlib.suppress(AssertionError):  # a wrong final count is reported below, not raised
        await emulator.wait_until(lambda: field(shown, "Going") == str(count + 1), 10, "the final count")
    await asyncio.sleep(1.5)  # any edit still on its way lands now
    edits = (
        sum(1 for r in emulator.requests if r.method == "PATCH" and r.path.endswith(f"/{shown.id}"))
        - edits_before
    )
    with sqlite3.connect(process.db_path) as conn:
        rows, distinct, going = conn.execute(
            "SELECT count(*), count(DISTINCT user_id), sum(status = 'going') FROM party_rsvps"
        ).fetchone()
    shown_going = field(shown, "Going")
    exact = rows == distinct == going == count + 1 and shown_going == str(count + 1)
    ratio = percentile(times, 99) / percentile(base_times, 99)
    print(
        f"  answered 'You're going': {answered}/{count}; acknowledged late (> 3 s): {len(late_ack)}; "
        f"never acknowledged: {unanswered}"
    )
    print(
        f"  database: {rows} rows, {distinct} members, {going} going (host + {count}); announcement shows {shown_going}"
    )
    print(
        f"  counts exact: {'yes' if exact else 'NO'}; announcement edits: {edits} in {wall:.2f} s of clicks"
    )
    print(f"  click p99 vs baseline p99: {ratio:.2f}x")
    if process.tracebacks:
        print("  the bot logged tracebacks:\n" + "\n".join(process.tracebacks[:3]))
    return {
        "members": count,
        "answered": answered,
        "late_acks": len(late_ack),
        "ack_p99_ms": percentile(acks, 99) * 1000,
        "deferred": deferred,
        "p50_ms": percentile(times, 50) * 1000,
        "p99_ms": percentile(times, 99) * 1000,
        "baseline_p99_ms": percentile(base_times, 99) * 1000,
        "p99_ratio": ratio,
        "edits": edits,
        "exact": exact,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=1000, help="members clicking at once (default 1000)")
    parser.add_argument(
        "--validate", action="store_true", help="also check bodies against the OpenAPI schema"
    )
    args = parser.parse_args(argv)
    result = asyncio.run(rsvp_storm(args.members, validate=args.validate))
    return 0 if result["exact"] and result["answered"] == args.members else 1


if __name__ == "__main__":
    raise SystemExit(main())
