"""robots.txt for article pages: one cached parser per origin, RFC 9309 semantics.

The rules are read by protego, which implements RFC 9309's matching: `*` and `$` in paths,
and the longest matching rule wins (an `Allow` on a tie). A 4xx robots.txt (none published)
allows everything; a 5xx or unreachable one disallows the origin for now (RFC 9309 §2.3.1.4):
its pages are not fetched in this run and stay pending, to be tried again by a later run
(`pipelines.store.pending`), unlike a page robots.txt really disallows.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Literal
from urllib.parse import urlsplit

from protego import Protego

from pipelines.models import FetchResult

ROBOTS_BYTES = 500 * 1024
"""The part of a robots.txt read (RFC 9309 §2.5: at least 500 KiB); the rest is ignored, not a
reason to call the file unreachable and the origin's pages not fetchable for now."""

FetchFn = Callable[[str], Awaitable[FetchResult]]
Verdict = Literal["allowed", "disallowed", "unavailable"]


class RobotsCache:
    def __init__(self, user_agent: str) -> None:
        self.user_agent = user_agent
        self._parsers: dict[str, Protego | Verdict] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._unavailable: dict[str, str] = {}

    async def allowed(self, url: str, fetch: FetchFn) -> bool:
        return await self.verdict(url, fetch) == "allowed"

    async def verdict(self, url: str, fetch: FetchFn) -> Verdict:
        origin = _origin(url)
        lock = self._locks.setdefault(origin, asyncio.Lock())
        async with lock:
            if origin not in self._parsers:
                self._parsers[origin] = await self._load(origin, fetch)
        rules = self._parsers[origin]
        if isinstance(rules, str):
            return rules
        return "allowed" if rules.can_fetch(url, self.user_agent) else "disallowed"

    def why_unavailable(self, url: str) -> str:
        """What reading the robots.txt of `url`'s origin met, when its verdict is
        "unavailable": the HTTP status, or the fetch's error (a name that does not resolve,
        a refused connection, a timeout)."""
        return self._unavailable.get(_origin(url), "unreachable")

    async def _load(self, origin: str, fetch: FetchFn) -> Protego | Verdict:
        result = await fetch(f"{origin}/robots.txt")
        status = result.status_code
        if status is not None and 400 <= status < 500:
            return "allowed"
        if status is None or status >= 500 or result.error is not None:
            self._unavailable[origin] = (
                f"HTTP {status}" if status is not None and status >= 500 else result.error
            ) or "unreachable"
            return "unavailable"
        content = result.content
        if len(content) >= ROBOTS_BYTES:  # cut mid-line, "Disallow: /private/" read "Disallow: /"
            content = content[: content.rfind(b"\n") + 1]
        return Protego.parse(content.decode("utf-8", errors="replace"))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
