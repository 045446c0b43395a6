"""The global pace: background requests stay under Discord's 50 a second; answers to members never wait."""

from __future__ import annotations

import asyncio

import pytest

from bot import pacing
from bot.pacing import GlobalPace, background


class Clock:
    """Time passes only when someone waits."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def test_background_requests_stay_under_the_limit_in_every_window(clock: Clock) -> None:
    pace = GlobalPace(clock=clock, sleep=clock.sleep)
    sent: list[float] = []
    with background():
        for _ in range(300):
            await pace.before_request()
            sent.append(clock.now)
    allowed = pacing.GLOBAL_LIMIT - pacing.RESERVE
    assert all(later - first >= pacing.WINDOW for first, later in zip(sent, sent[allowed:], strict=False))
    assert sent[-1] - sent[0] <= 300 / allowed * pacing.WINDOW  # and no slower than that


async def test_requests_answering_members_use_the_whole_limit_and_background_work_waits(clock: Clock) -> None:
    pace = GlobalPace(clock=clock, sleep=clock.sleep)
    for _ in range(pacing.GLOBAL_LIMIT):  # a storm of work for members: the whole second's budget at once
        await pace.before_request()
    assert clock.now == 1000.0
    with background():
        await pace.before_request()
    assert clock.now >= 1000.0 + pacing.WINDOW  # background work waited for that window to pass
    sent: list[float] = []
    for _ in range(3 * pacing.GLOBAL_LIMIT):  # more than the limit: they wait too, never past it
        await pace.before_request()
        sent.append(clock.now)
    assert all(b - a >= pacing.WINDOW for a, b in zip(sent, sent[pacing.GLOBAL_LIMIT :], strict=False))


async def test_background_requests_go_out_in_the_order_they_asked(clock: Clock) -> None:
    pace = GlobalPace(per_second=5, clock=clock, sleep=clock.sleep)
    order: list[int] = []

    async def one(i: int) -> None:
        with background():
            await pace.before_request()
        order.append(i)

    await asyncio.gather(*(one(i) for i in range(20)))
    assert order == list(range(20))


def test_processes_on_part_of_the_shards_share_the_limit() -> None:
    pace = GlobalPace()
    pace.share(2, 4)
    assert pace.per_second == 25
    pace.share(4, 4)
    assert pace.per_second == pacing.GLOBAL_LIMIT
