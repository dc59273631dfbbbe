"""Feed entries not landed yet: kept in `pending_entries` until their page lands.

An entry whose page could not be fetched (an HTTP or network error, a robots.txt that could not
be read) or whose extraction timed out is not marked seen. Its feed may answer 304 from then
on, or drop the entry from its first page, so it is kept here with the feed item itself and
tried again by every run that polls its feed once `next_attempt_at` has come, whatever the feed
answered. A page that cannot be fetched waits `retry_base_s` after its first failure, doubling
per failure up to `retry_max_s`; after `attempts` failures it lands with its error
(`extract_status` 'fetch_error') and is seen. Rows are written and deleted in the landing
transaction of their batch, so a crash loses none and lands none twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
import pyarrow as pa

from pipelines.models import Article, FeedItem


@dataclass(frozen=True, slots=True)
class EntryRetry:
    """How a page that could not be fetched is tried again (see the module docstring)."""

    attempts: int = 8
    retry_base_s: float = 300.0
    retry_max_s: float = 24 * 3600.0

    def delay_s(self, failures: int) -> float:
        return min(self.retry_max_s, self.retry_base_s * 2 ** max(0, failures - 1))


_TS = pa.timestamp("us", tz="UTC")
_ROWS = pa.schema(
    [
        ("canonical_url", pa.string()),
        ("feed_url", pa.string()),
        ("guid", pa.string()),
        ("url", pa.string()),
        ("title", pa.string()),
        ("summary", pa.string()),
        ("published_at", _TS),
        ("author", pa.string()),
        ("failed", pa.int32()),
        ("last_error", pa.string()),
        ("now", _TS),
        ("next_at", _TS),
    ]
)


def _rows(items: Sequence[tuple[FeedItem, int, str | None, datetime]], now: datetime) -> pa.Table:
    cols: dict[str, list[object]] = {name: [] for name in _ROWS.names}
    for item, failed, error, next_at in items:
        for name in ("canonical_url", "feed_url", "guid", "url", "title", "summary"):
            cols[name].append(getattr(item, name))
        cols["published_at"].append(item.published_at)
        cols["author"].append(item.author)
        cols["failed"].append(failed)
        cols["last_error"].append(error)
        cols["now"].append(now)
        cols["next_at"].append(next_at)
    return pa.table(cols, schema=_ROWS)


GONE = "HTTP 410"
"""A page its server says is gone for good: landed as a fetch error at once, not tried again."""


def defer(
    con: duckdb.DuckDBPyConnection,
    entries: Sequence[FeedItem],
    articles: Sequence[Article],
    timed_out: set[str],
    policy: EntryRetry,
    now: datetime,
) -> set[str]:
    """Record this run's attempt for every entry whose page failed to arrive or timed out
    (by canonical URL in `timed_out`), inside the caller's transaction; return the canonical
    URLs to hold back (not land, not mark seen) now. Entries landed now leave the table."""
    by_url = {it.canonical_url: it for it in entries}
    failed = {
        a.canonical_url: a.extract_error
        for a in articles
        if a.extract_status == "fetch_error"
        and a.canonical_url in by_url
        and not (a.extract_error or "").startswith(GONE)
    }
    counted = dict(
        con.execute(
            "SELECT canonical_url, attempts FROM pending_entries "
            "WHERE list_contains(?, canonical_url)",
            [list(failed)],
        ).fetchall()
        if failed
        else []
    )
    held = {url for url in failed if counted.get(url, 0) + 1 < policy.attempts}
    held |= {url for url in timed_out if url in by_url}
    landed = [a.canonical_url for a in articles if a.canonical_url not in held]
    if landed:
        con.execute("DELETE FROM pending_entries WHERE list_contains(?, canonical_url)", [landed])
    if held:
        rows = []
        for url in sorted(held):
            tries = counted.get(url, 0) + 1 if url in failed else 0
            next_at = now + timedelta(seconds=policy.delay_s(tries)) if tries else now
            rows.append((by_url[url], 1 if url in failed else 0, failed.get(url), next_at))
        con.register("_pending_rows", _rows(rows, now))
        try:
            con.execute(
                """
                MERGE INTO pending_entries p
                USING (SELECT canonical_url, feed_url, guid, url, title, summary, published_at,
                              author, failed, last_error, now, next_at FROM _pending_rows) n
                ON p.canonical_url = n.canonical_url
                WHEN MATCHED THEN UPDATE SET
                    attempts = p.attempts + n.failed,
                    last_error = coalesce(n.last_error, p.last_error),
                    next_attempt_at = n.next_at
                WHEN NOT MATCHED THEN INSERT VALUES (
                    n.canonical_url, n.feed_url, n.guid, n.url, n.title, n.summary,
                    n.published_at, n.author, n.failed, n.last_error, n.now, n.next_at)
                """
            )
        finally:
            con.unregister("_pending_rows")
    return held


def due(con: duckdb.DuckDBPyConnection, feed_urls: Sequence[str], now: datetime) -> list[FeedItem]:
    """The pending entries of these feeds whose next attempt has come, oldest first (not
    those whose article has landed meanwhile, from another feed)."""
    if not feed_urls:
        return []
    rows = con.execute(
        "SELECT feed_url, guid, url, canonical_url, title, summary, published_at, author "
        "FROM pending_entries p WHERE list_contains(?, feed_url) AND next_attempt_at <= ? "
        "AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.canonical_url = p.canonical_url) "
        "ORDER BY first_failed_at, canonical_url",
        [list(feed_urls), now],
    ).fetchall()
    return [
        FeedItem(
            feed_url=r[0],
            guid=r[1],
            url=r[2],
            canonical_url=r[3],
            title=r[4] or "",
            summary=r[5] or "",
            published_at=r[6],
            author=r[7],
        )
        for r in rows
    ]
