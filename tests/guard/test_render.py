"""What members and moderators read about horizons and progress."""

from __future__ import annotations

from datetime import timedelta

from bot.canon.horizon import Horizon, horizon_through
from bot.canon.loader import load_pack
from bot.guard.render import horizon_lines, pages, progress_lines
from bot.horizon import server_public_horizon

PACK = load_pack()


def test_progress_lines_say_how_far_along_each_track() -> None:
    assert progress_lines(PACK, horizon_through(PACK, "scars")) == [
        "Main story: up to **KARMA** (12 of 12)",  # the comics build on the whole main story
        "Webcomics: up to **Scars** (1 of 3)",
        "Zombie Stage: nothing yet",
    ]


def test_horizon_lines_show_what_the_release_window_added() -> None:
    karma = PACK.episode("karma").release_date
    assert karma is not None
    chosen = horizon_through(PACK, "r3")
    effective = server_public_horizon(PACK, chosen, 30, karma + timedelta(days=30))
    assert horizon_lines(PACK, chosen, effective)[0] == (
        "Main story: up to **ROUND 3: Black Sorrow** → up to **KARMA** with the release window"
    )
    assert horizon_lines(PACK, Horizon(), Horizon())[0] == "Main story: nothing public"


def test_pages_never_split_a_line_and_respect_the_limit() -> None:
    lines = [f"• rule {i} " + "x" * (i % 90) for i in range(400)]
    packed = pages(lines, limit=1000)
    assert all(len(page) <= 1000 for page in packed)
    assert [line for page in packed for line in page.split("\n")] == lines
