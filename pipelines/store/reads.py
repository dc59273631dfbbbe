"""The reads a run needs before it lands: feed states and which entries are new."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from pipelines.models import FeedItem, FeedState


def load_feed_states(con: duckdb.DuckDBPyConnection) -> dict[str, FeedState]:
    cols = [f.name for f in FeedState.__dataclass_fields__.values()]
    rows = con.execute(f"SELECT {', '.join(cols)} FROM feed_state").fetchall()
    return {row[0]: FeedState(**dict(zip(cols, row, strict=True))) for row in rows}


def items_table(items: Sequence[FeedItem]) -> pa.Table:
    """Feed items as a table to register: their place `i` in `items`, feed, GUID and URLs."""
    return pa.table(
        {
            "i": list(range(len(items))),
            "feed_url": [it.feed_url for it in items],
            "guid": [it.guid for it in items],
            "canonical_url": [it.canonical_url for it in items],
            "url": [it.url for it in items],
        }
    )


def unseen_items(
    con: duckdb.DuckDBPyConnection, items: Sequence[FeedItem], now: datetime | None = None
) -> list[FeedItem]:
    """Feed items whose GUID (for their feed) and canonical URL were never seen before, and
    that are not waiting for a later attempt (`pipelines.store.pending`).

    Also de-duplicates within the batch: the first item for a canonical URL wins.
    """
    if not items:
        return []
    con.register("_batch_items", items_table(items))
    try:
        rows = con.execute(
            """
            SELECT b.i FROM _batch_items b
            WHERE NOT EXISTS (SELECT 1 FROM seen_entries s
                              WHERE s.feed_url = b.feed_url AND s.guid = b.guid)
              AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.canonical_url = b.canonical_url)
              AND NOT EXISTS (SELECT 1 FROM pending_entries p
                              WHERE p.canonical_url = b.canonical_url AND p.next_attempt_at > ?)
            ORDER BY b.i
            """,
            [now or datetime.now(UTC)],
        ).fetchall()
    finally:
        con.unregister("_batch_items")
    fresh: list[FeedItem] = []
    urls: set[str] = set()
    for (i,) in rows:
        item = items[i]
        if item.canonical_url not in urls:
            urls.add(item.canonical_url)
            fresh.append(item)
    return fresh
