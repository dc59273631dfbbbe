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

from pipelines.models import FeedItem
from pipelines.store.reads import items_table
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
    Returns how many entries were recorded; takes no write transaction when there are none."""
    if not items:
        return 0
    con.register("_entries", items_table(items))
    try:
        if not con.execute(f"SELECT count(*) FROM ({_FOUND})").fetchone()[0]:  # type: ignore[index]
            return 0

        def record(con: duckdb.DuckDBPyConnection) -> int:
            con.execute(f"CREATE OR REPLACE TEMP TABLE _found AS {_FOUND}")
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
                                  WHERE s.article_id = f.article_id AND s.feed_url = f.feed_url)
                """,
                [now],
            )
            row = con.execute("SELECT count(*) FROM _found").fetchone()
            con.execute("DROP TABLE _found")
            return int(row[0]) if row else 0

        return write_transaction(con, record)
    finally:
        con.unregister("_entries")
