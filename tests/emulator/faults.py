"""Faults a test can inject into the REST API (rate limits, server errors, slow answers, refusals with
Cloudflare's HTML pages, connections that are accepted and never answered) and into the gateway (a socket
that is accepted and never says HELLO)."""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass, field

# What Cloudflare, in front of discord.com, sends instead of Discord's JSON when it blocks or rate limits an IP
# (abridged from real block pages: an HTML document with the reason in its <title>).
CLOUDFLARE_403 = """<!DOCTYPE html>
<html lang="en-US"><head><title>Access denied | discord.com used Cloudflare to restrict access</title>
<meta charset="UTF-8" /></head><body><div id="cf-wrapper"><h1>Sorry, you have been blocked</h1>
<h2>You are unable to access discord.com</h2><p>Cloudflare Ray ID: 8f1e2d3c4b5a6978</p></div></body></html>
"""
CLOUDFLARE_429 = """<!DOCTYPE html>
<html lang="en-US"><head><title>Error 1015 (Rate limited) | discord.com | Cloudflare</title>
<meta charset="UTF-8" /></head><body><div id="cf-wrapper"><h1>You are being rate limited</h1>
<p>The owner of this website (discord.com) has banned you temporarily from accessing this website.</p>
<p>Cloudflare Ray ID: 8f1e2d3c4b5a6979</p></div></body></html>
"""


@dataclass(slots=True)
class Fault:
    kind: str  # "rate_limit" | "server_error" (any error status) | "delay" | "refuse" | "silence"
    method: str
    pattern: re.Pattern[str]
    remaining: int | None  # None = every matching request
    retry_after: float = 0.0
    global_: bool = False
    status: int = 500
    code: int = 0  # Discord's JSON error code sent with an "error" fault
    message: str = "Internal Server Error"
    seconds: float = 0.0
    body: str = ""  # "refuse": the response body (HTML or JSON text)
    content_type: str = "text/html"
    headers: dict[str, str] = field(default_factory=dict)
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        return self.method in ("*", method) and self.pattern.search(path) is not None


class Faults:
    """Registered faults; each matching request consumes one `count` (None = forever)."""

    def __init__(self) -> None:
        self.active: list[Fault] = []
        # Set when the emulator stops: silenced requests (and a silent gateway) end then, not before.
        self.released = asyncio.Event()
        self.gateway_silent = False  # accept gateway websockets but never send HELLO

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

    def refuse(
        self,
        method: str,
        path_regex: str,
        status: int,
        *,
        html: bool = True,
        retry_after: int | None = None,
        count: int | None = None,
    ) -> Fault:
        """Answer `status` (403 or 429) with Cloudflare's HTML block page (`html`) or Discord-style JSON without
        rate-limit headers, optionally with a Retry-After header; every matching request by default."""
        if html:
            body, content_type = (CLOUDFLARE_429 if status == 429 else CLOUDFLARE_403), "text/html"
        else:
            message = (
                "You are being blocked from accessing our API temporarily due to exceeding our rate limits"
            )
            if status == 403:
                message = "Missing Access"
            body = json.dumps({"message": message, "code": 50001 if status == 403 else 0})
            content_type = "application/json"
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        return self._add(
            Fault(
                "refuse",
                method.upper(),
                re.compile(path_regex),
                count,
                status=status,
                body=body,
                content_type=content_type,
                headers=headers,
            )
        )

    def silence(self, method: str, path_regex: str, count: int | None = None) -> Fault:
        """Accept the request and never answer it (until the emulator stops)."""
        return self._add(Fault("silence", method.upper(), re.compile(path_regex), count))

    def clear(self) -> None:
        self.active.clear()
        self.gateway_silent = False

    def _add(self, fault: Fault) -> Fault:
        self.active.append(fault)
        return fault

    def take(self, method: str, path: str) -> list[Fault]:
        """Faults that apply to this request: at most one delay, then at most one error."""
        taken: list[Fault] = []
        for kinds in (("delay",), ("rate_limit", "server_error", "refuse", "silence")):
            for fault in self.active:
                if fault.kind in kinds and fault.matches(method, path):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    fault.hits += 1
                    taken.append(fault)
                    break
        return taken
