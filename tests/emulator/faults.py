"""Faults a test can inject into the REST API: rate limits, server errors, slow answers."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(slots=True)
class Fault:
    kind: str  # "rate_limit" | "server_error" (any error status) | "delay"
    method: str
    pattern: re.Pattern[str]
    remaining: int | None  # None = every matching request
    retry_after: float = 0.0
    global_: bool = False
    status: int = 500
    code: int = 0  # Discord's JSON error code sent with an "error" fault
    message: str = "Internal Server Error"
    seconds: float = 0.0
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        return self.method in ("*", method) and self.pattern.search(path) is not None


class Faults:
    """Registered faults; each matching request consumes one `count` (None = forever)."""

    def __init__(self) -> None:
        self.active: list[Fault] = []

    def rate_limit(
        self,
        method: str,
        path_regex: str,
        retry_after: float = 0.5,
        count: int | None = 1,
        global_: bool = False,
    ) -> Fault:
        return self._add(
            Fault(
                "rate_limit",
                method.upper(),
                re.compile(path_regex),
                count,
                retry_after=retry_after,
                global_=global_,
            )
        )

    def server_error(self, method: str, path_regex: str, status: int = 500, count: int | None = 1) -> Fault:
        return self.error(
            method, path_regex, status=status, code=0, message="Internal Server Error", count=count
        )

    def error(
        self, method: str, path_regex: str, *, status: int, code: int, message: str, count: int | None = 1
    ) -> Fault:
        """Answer ``count`` matching requests with Discord's error body, e.g. 403 / 50013 "Missing
        Permissions" even though the emulator would have allowed it (a permission lost in between)."""
        return self._add(
            Fault(
                "server_error",
                method.upper(),
                re.compile(path_regex),
                count,
                status=status,
                code=code,
                message=message,
            )
        )

    def delay(self, method: str, path_regex: str, seconds: float, count: int | None = None) -> Fault:
        return self._add(Fault("delay", method.upper(), re.compile(path_regex), count, seconds=seconds))

    def clear(self) -> None:
        self.active.clear()

    def _add(self, fault: Fault) -> Fault:
        self.active.append(fault)
        return fault

    def take(self, method: str, path: str) -> list[Fault]:
        """Faults that apply to this request: at most one delay, then at most one error."""
        taken: list[Fault] = []
        for kinds in (("delay",), ("rate_limit", "server_error")):
            for fault in self.active:
                if fault.kind in kinds and fault.matches(method, path):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    fault.hits += 1
                    taken.append(fault)
                    break
        return taken
