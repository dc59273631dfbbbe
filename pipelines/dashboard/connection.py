"""Read-only connections for the dashboard.

On a lake (the default store) readers take no lock: the dashboard keeps one connection per
process, attached with the analyst's read line (`Backend.reader_sql`), and each request
reads the latest snapshot through its own cursor.

On a DuckDB file the monitor holds the file for the few seconds a landing takes. A request
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
from functools import cache
from pathlib import Path

import duckdb

from pipelines.errors import StoreError, StoreLockedError
from pipelines.store.backend import load_extension, parse_location, quote_ident

LOCK_RETRIES = 4
LOCK_RETRY_BASE_S = 0.05
"""About half a second of retries in all before a page shows "updating…"."""


@contextmanager
def read_connection(
    path: Path, retries: int = LOCK_RETRIES, base_delay_s: float = LOCK_RETRY_BASE_S
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection closed on leaving the block; `StoreLockedError` when the
    monitor keeps the file past the retries, `StoreError` when there is no database."""
    backend = parse_location(path)
    if not backend.exists():
        raise StoreError(f"{backend.describe()} does not exist; run `newswatch run` first")
    backend.check()
    if not backend.enforces_keys:
        cursor = _lake_reader(backend.location).cursor()
        try:
            cursor.execute(f"USE {quote_ident(backend.alias)}")
            yield cursor
        finally:
            cursor.close()
        return
    path = Path(path)
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


@cache
def _lake_reader(location: str) -> duckdb.DuckDBPyConnection:
    """This process's one connection to a lake, opened as an analyst opens it."""
    backend = parse_location(location)
    con = duckdb.connect(config={"threads": 1})
    for name in ("sqlite_scanner", "ducklake"):
        load_extension(con, name)
    con.execute(backend.reader_sql())
    return con


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
    """Sizes and modification times of the database file (a lake's catalog) and its
    write-ahead log: every committed write changes one of them, so equal states mean equal
    contents."""
    local = parse_location(path).local_path() or Path(path)
    state: list[int] = []
    for file in (local, Path(f"{local}.wal"), Path(f"{local}-wal")):
        try:
            info = file.stat()
        except FileNotFoundError:
            state += [-1, -1]
        else:
            state += [info.st_size, info.st_mtime_ns]
    return tuple(state)
