"""Poll feeds: conditional GET with the stored validators, then parse (never on a 304)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from pipelines.config import PollSettings
from pipelines.feeds import parse_feed
from pipelines.fetch import Fetcher
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


async def poll_one(
    fetcher: Fetcher, source: FeedSource, state: FeedState | None, settings: PollSettings
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
    parsed = parse_feed(res.content, res.headers, source.url, settings.max_items_per_feed)
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
) -> list[PollResult]:
    """Poll every source concurrently (the fetcher enforces the limits); input order kept."""
    return list(
        await asyncio.gather(*(poll_one(fetcher, s, states.get(s.url), settings) for s in sources))
    )
