"""Short-lived read-only connections for the dashboard.

The monitor holds the database file for the few seconds a landing takes. A dashboard request
retries briefly and then gives up with `StoreLockedError` (the page says "updating…" and
tries again), so an open dashboard never delays a landing for longer than one request and a
landing never breaks the dashboard. Nothing is held between requests.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipelines import store
from pipelines.config import StoreSettings

READ_RETRY = StoreSettings(lock_retries=4, lock_retry_base_s=0.05, lock_retry_max_s=0.2)
"""About half a second of retries before a page shows "updating…"."""


@contextmanager
def read_connection(
    path: Path, settings: StoreSettings = READ_RETRY
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection closed on leaving the block; `StoreLockedError` when the
    monitor keeps the file past the retries, `StoreError` when there is no database."""
    with store.open_store(Path(path), read_only=True, settings=settings) as con:
        yield con


def has_relation(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """True when a table or view of that name exists in the current database."""
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = $n AND database_name = "
        "current_database() UNION ALL SELECT count(*) FROM duckdb_views() WHERE view_name = $n "
        "AND database_name = current_database()",
        {"n": name},
    ).fetchall()
    return any(r[0] for r in row)
