"""robots.txt for article pages: one cached parser per origin, RFC 9309 semantics.

A 4xx robots.txt (none published) allows everything; a 5xx or unreachable one disallows the
origin for this run (RFC 9309 §2.3.1.4), and is retried on the next run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from pipelines.models import FetchResult

FetchFn = Callable[[str], Awaitable[FetchResult]]


class RobotsCache:
    def __init__(self, user_agent: str) -> None:
        self.user_agent = user_agent
        self._parsers: dict[str, RobotFileParser | bool] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def allowed(self, url: str, fetch: FetchFn) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        lock = self._locks.setdefault(origin, asyncio.Lock())
        async with lock:
            if origin not in self._parsers:
                self._parsers[origin] = await self._load(origin, fetch)
        rules = self._parsers[origin]
        if isinstance(rules, bool):
            return rules
        return rules.can_fetch(self.user_agent, url)

    async def _load(self, origin: str, fetch: FetchFn) -> RobotFileParser | bool:
        result = await fetch(f"{origin}/robots.txt")
        status = result.status_code
        if result.error is not None and status is None:
            return False
        if status is not None and 400 <= status < 500:
            return True
        if status is None or status >= 500:
            return False
        parser = RobotFileParser()
        parser.parse(result.content.decode("utf-8", errors="replace").splitlines())
        return parser
