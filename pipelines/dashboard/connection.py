"""Short-lived read-only connections for the dashboard.

The monitor holds the database file for the few seconds a landing takes. A dashboard request
retries briefly and then gives up with `StoreLockedError` (the page says "updating…" and
tries again), so an open dashboard never delays a landing for longer than one request and a
landing never breaks the dashboard. Nothing is held between requests.

The dashboard's process never writes, so it opens the file with a plain read-only
`duckdb.connect` (connections of concurrent requests share one DuckDB instance while any is
open); the store's shared-instance attach exists for processes that also write. One thread
per connection: the dashboard's queries are small, and the monitor needs the cores more.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipelines.errors import StoreError, StoreLockedError

LOCK_RETRIES = 4
LOCK_RETRY_BASE_S = 0.05
"""About half a second of retries in all before a page shows "updating…"."""


@contextmanager
def read_connection(
    path: Path, retries: int = LOCK_RETRIES, base_delay_s: float = LOCK_RETRY_BASE_S
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection closed on leaving the block; `StoreLockedError` when the
    monitor keeps the file past the retries, `StoreError` when there is no database."""
    path = Path(path)
    if not path.exists():
        raise StoreError(f"database {path} does not exist; run `newswatch run` first")
    delay = base_delay_s
    for attempt in range(retries + 1):
        try:
            con = duckdb.connect(str(path), read_only=True, config={"threads": 1})
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise StoreError(f"cannot open database {path}: {exc}") from exc
            if attempt == retries:
                raise StoreLockedError(
                    f"database {path} is being written by another process; try again"
                ) from exc
            time.sleep(delay * (0.5 + random.random()))
            delay *= 2
    try:
        yield con
    finally:
        con.close()


def has_relation(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """True when a table or view of that name exists in the current database."""
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = $n AND database_name = "
        "current_database() UNION ALL SELECT count(*) FROM duckdb_views() WHERE view_name = $n "
        "AND database_name = current_database()",
        {"n": name},
    ).fetchall()
    return any(r[0] for r in row)


def file_state(path: Path) -> tuple[int, ...]:
    """Sizes and modification times of the database file and its write-ahead log: every
    committed write changes one of them, so equal states mean equal contents."""
    state: list[int] = []
    for file in (Path(path), Path(f"{path}.wal")):
        try:
            info = file.stat()
        except FileNotFoundError:
            state += [-1, -1]
        else:
            state += [info.st_size, info.st_mtime_ns]
    return tuple(state)
