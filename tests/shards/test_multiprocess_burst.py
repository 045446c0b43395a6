"""Two bot processes on shards 0,1 and 2,3 of 4, one database (PostgreSQL in CI's PostgreSQL pass), a burst
of reminders due in the same second, and one process killed with SIGKILL a quarter into the burst and
started again: every reminder reaches its channel exactly once. The small version of
bench/multiprocess.py (10,000 servers)."""

from __future__ import annotations

from pathlib import Path

from tests.shards.burst import burst


async def test_every_reminder_is_delivered_once_though_a_process_is_killed_mid_burst(tmp_path: Path) -> None:
    result = await burst(tmp_path, servers=400, reminders=120, kill=True)
    assert result.killed_after_due is not None, "the kill landed before the burst"
    assert (result.delivered, result.duplicates, result.missing) == (120, 0, 0), result.describe()
    assert set(result.statuses) <= {"delivered", "late"}, result.describe()
    assert sum(result.statuses.values()) == 120
    assert result.posts >= 120  # a send cut by the kill is repeated with its nonce, never shown twice
    assert "Traceback" not in "".join(result.outputs[1:]), result.outputs[1:]
