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


Stuck = Callable[[], None]
"""Called when a parse in the pool missed its deadline: kills the pool's workers (one of
them is still parsing) so that the pool is started afresh."""


def _span(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


async def _parse(
    content: bytes,
    headers: dict[str, str],
    url: str,
    settings: PollSettings,
    parse_in: ParseIn | None,
    stuck: Stuck | None,
    skip: int = 0,
) -> ParsedFeed:
    """`parse_feed` in a process pool (feedparser's time grows with the entries: thousands of
    new entries would hold up the run's event loop) under a hard deadline, or here without one
    or when the pool has broken or been shut down. Here the input caps of `parse_feed`
    (entries, tags, field sizes) are what bounds the time it takes."""
    max_items = settings.max_items_per_feed
    executor = parse_in() if parse_in is not None else None
    if executor is not None:
        try:
            return await asyncio.wait_for(
                asyncio.get_running_loop().run_in_executor(
                    executor, parse_feed, content, headers, url, max_items, skip
                ),
                settings.parse_timeout_s,
            )
        except TimeoutError:
            if stuck is not None:
                stuck()
            return ParsedFeed(
                error=f"parsing the feed took longer than {settings.parse_timeout_s:g}s "
                "(poll.parse_timeout_s); not read this time"
            )
        except (BrokenProcessPool, RuntimeError):
            pass
    return parse_feed(content, headers, url, max_items, skip)


async def poll_one(
    fetcher: Fetcher,
    source: FeedSource,
    state: FeedState | None,
    settings: PollSettings,
    parse_in: ParseIn | None = None,
    stuck: Stuck | None = None,
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
            if base.retry_after_s:
                base.error += f" (the server asks to wait {_span(base.retry_after_s)}: polled then)"
        return base
    skip = state.entries_offset if state else 0
    parsed = await _parse(res.content, res.headers, source.url, settings, parse_in, stuck, skip)
    base.listed, base.offset = parsed.listed, parsed.offset
    if parsed.error:
        base.error = parsed.error
        return base
    base.status = "ok"  # also a well-formed feed that lists nothing (yet)
    base.items = parsed.items
    base.warning = parsed.warning
    return base


async def poll_feeds(
    fetcher: Fetcher,
    sources: list[FeedSource],
    states: dict[str, FeedState],
    settings: PollSettings,
    parse_in: ParseIn | None = None,
    stuck: Stuck | None = None,
) -> list[PollResult]:
    """Poll every source concurrently (the fetcher enforces the limits); input order kept.
    Feeds are parsed where `parse_in` says (here by default); `stuck` as for `_parse`."""
    return list(
        await asyncio.gather(
            *(poll_one(fetcher, s, states.get(s.url), settings, parse_in, stuck) for s in sources)
        )
    )
