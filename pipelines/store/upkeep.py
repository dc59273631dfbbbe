"""Keeping a lake fast: every landing adds small Parquet files (one or more per table it
touches), and a query reads every file of its tables, so files are merged once enough have
gathered. Snapshots older than a day are expired and their files deleted after that, so a
reader's snapshot is never pulled from under it within a day. A DuckDB file needs none of it.
"""

from __future__ import annotations

import duckdb
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from pipelines.store.backend import enforces_keys, quote_ident, quote_literal
from pipelines.store.txn import is_write_conflict

FILES_BEFORE_MERGE = 200
"""Live data files in the lake at which a landing merges them (a five-minute schedule
touching about ten tables gathers that many in a few hours)."""
KEEP_SNAPSHOTS = "1 day"


def live_files(con: duckdb.DuckDBPyConnection) -> int:
    """Data files the lake's current snapshot reads."""
    alias = _current(con)
    row = con.execute(
        f"SELECT count(*) FROM {quote_ident('__ducklake_metadata_' + alias)}.ducklake_data_file "
        "WHERE end_snapshot IS NULL"
    ).fetchone()
    return int(row[0]) if row else 0


def compact(con: duckdb.DuckDBPyConnection) -> None:
    """Write rows inlined in the catalog to files, merge small files, rewrite files with many
    deleted rows, expire old snapshots and delete the files nothing reads any more. Another
    writer's commit makes it try again."""
    name = quote_literal(_current(con))
    older = f"older_than => now() - INTERVAL '{KEEP_SNAPSHOTS}'"
    steps = [
        # rows inlined in the catalog go to files first: rewriting files while a table still
        # had inlined rows failed in DuckLake 1.5.5 ("Failed to read inlined-data aggregates")
        f"CALL ducklake_flush_inlined_data({name})",
        f"CALL ducklake_merge_adjacent_files({name})",
        f"CALL ducklake_rewrite_data_files({name})",
        f"CALL ducklake_merge_adjacent_files({name})",
        f"CALL ducklake_expire_snapshots({name}, {older})",
        f"CALL ducklake_cleanup_old_files({name}, {older})",
    ]
    for sql in steps:
        Retrying(
            retry=retry_if_exception(is_write_conflict),
            stop=stop_after_attempt(10),
            wait=wait_random_exponential(multiplier=0.1, max=2.0),
            reraise=True,
        )(con.execute, sql)


def compact_if_due(con: duckdb.DuckDBPyConnection, threshold: int = FILES_BEFORE_MERGE) -> bool:
    """`compact` when the lake has gathered `threshold` live files; True when it ran."""
    if enforces_keys(con) or live_files(con) < threshold:
        return False
    compact(con)
    return True


def _current(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("SELECT current_database()").fetchone()
    assert row is not None
    return str(row[0])
