"""Every feed an article came from: an entry whose page has landed already, under another
feed's entry or another GUID, is recorded as a source of that article.

`reads.unseen_items` leaves such an entry out (its page is not fetched twice); it used to
vanish there, so `article_sources` named only the first feed that listed an article, and the
second feed's entry was read again at every poll.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import duckdb
import pyarrow as pa

from pipelines.models import FeedItem
from pipelines.store.txn import write_transaction

_FOUND = """
SELECT e.feed_url, e.guid, e.canonical_url, a.article_id, e.url
FROM _entries e JOIN articles a ON a.canonical_url = e.canonical_url
WHERE NOT EXISTS (SELECT 1 FROM seen_entries s WHERE s.feed_url = e.feed_url AND s.guid = e.guid)
QUALIFY row_number() OVER (PARTITION BY e.feed_url, e.guid ORDER BY e.i) = 1
"""


def record_other_sources(
    con: duckdb.DuckDBPyConnection, items: Sequence[FeedItem], now: datetime
) -> int:
    """Record the entries among `items` whose page has landed already and whose entry is
    not seen yet: the entry as seen, its feed as a source of the article (once per feed).
    Returns how many entries were recorded; writes nothing when there are none."""
    if not items:
        return 0
    entries = pa.table(
        {
            "i": list(range(len(items))),
            "feed_url": [it.feed_url for it in items],
            "guid": [it.guid for it in items],
            "canonical_url": [it.canonical_url for it in items],
            "url": [it.url for it in items],
        }
    )
    con.register("_entries", entries)
    try:
        if not con.execute(f"SELECT count(*) FROM ({_FOUND})").fetchone()[0]:  # type: ignore[index]
            return 0

        def record(con: duckdb.DuckDBPyConnection) -> int:
            found = con.execute(_FOUND).fetchall()
            if not found:
                return 0
            rows = pa.table(
                {
                    "feed_url": [r[0] for r in found],
                    "guid": [r[1] for r in found],
                    "canonical_url": [r[2] for r in found],
                    "article_id": [r[3] for r in found],
                    "url": [r[4] for r in found],
                }
            )
            con.register("_found", rows)
            try:
                con.execute(
                    "INSERT INTO seen_entries SELECT feed_url, guid, canonical_url, article_id, ? "
                    "FROM _found",
                    [now],
                )
                con.execute(
                    """
                    INSERT INTO article_sources
                    SELECT DISTINCT ON (article_id, feed_url) article_id, feed_url, url, ?
                    FROM _found f
                    WHERE NOT EXISTS (SELECT 1 FROM article_sources s
                                      WHERE s.article_id = f.article_id
                                        AND s.feed_url = f.feed_url)
                    """,
                    [now],
                )
            finally:
                con.unregister("_found")
            return len(found)

        return write_transaction(con, record)
    finally:
        con.unregister("_entries")
