"""Poll feeds: conditional GET with the stored validators, then parse (never on a 304)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from pipelines.config import PollSettings
from pipelines.ingest.feeds import ParsedFeed, parse_feed
from pipelines.ingest.fetch import Fetcher
from pipelines.models import FeedSource, FeedState, PollResult


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


ParseIn = Callable[[], Executor | None]
"""Where to parse a feed that has arrived: a process pool, or None for here. Asked per feed,
as the pool may come up while the feeds are being downloaded."""


async def _parse(
    content: bytes, headers: dict[str, str], url: str, max_items: int, parse_in: ParseIn | None
) -> ParsedFeed:
    """`parse_feed` in a process pool (feedparser's time grows with the entries: thousands of new
    entries would hold up the run's event loop), or here without one or when the
    pool has broken or been shut down."""
    executor = parse_in() if parse_in is not None else None
    if executor is not None:
        try:
            return await asyncio.get_running_loop().run_in_executor(
                executor, parse_feed, content, headers, url, max_items
            )
        except (BrokenProcessPool, RuntimeError):
            pass
    return parse_feed(content, headers, url, max_items)


async def poll_one(
    fetcher: Fetcher,
    source: FeedSource,
    state: FeedState | None,
    settings: PollSettings,
    parse_in: ParseIn | None = None,
) -> PollResult:
    res = await fetcher.fetch(
        source.url,
        etag=state.etag if state else None,
        last_modified=state.last_modified if state else None,
    )
    base = PollResult(
        feed_url=source.url,
        status="error",
        http_status=res.status_code,
        etag=res.headers.get("etag") or (state.etag if state else None),
        last_modified=res.headers.get("last-modified") or (state.last_modified if state else None),
        elapsed_s=res.elapsed_s,
    )
    if res.status_code == 304:
        base.status = "not_modified"
        return base
    if res.error is not None:
        base.error = res.error
        if res.status_code in (429, 503):
            base.retry_after_s = parse_retry_after(res.headers.get("retry-after"))
        return base
    parsed = await _parse(
        res.content, res.headers, source.url, settings.max_items_per_feed, parse_in
    )
    if parsed.error:
        base.error = parsed.error
        return base
    base.status = "ok"
    base.items = parsed.items
    base.warning = parsed.warning
    return base


async def poll_feeds(
    fetcher: Fetcher,
    sources: list[FeedSource],
    states: dict[str, FeedState],
    settings: PollSettings,
    parse_in: ParseIn | None = None,
) -> list[PollResult]:
    """Poll every source concurrently (the fetcher enforces the limits); input order kept.
    Feeds are parsed where `parse_in` says (here by default)."""
    return list(
        await asyncio.gather(
            *(poll_one(fetcher, s, states.get(s.url), settings, parse_in) for s in sources)
        )
    )
