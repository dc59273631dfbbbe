"""Write transactions that keep every key unique on any backend, and retry when another
writer got there first.

A DuckDB file enforces primary keys and lets one process write at a time. A lake has no
primary keys, and two processes may write at once: each writer's "insert what is not there
yet" (anti-join, MERGE) sees only its own snapshot, so two writers landing the same article
at once would both insert it. So every write transaction on a lake first updates the single
row of `store_writer`: of two concurrent transactions, the second to commit then conflicts
(DuckLake refuses two deletes of one row; its SQLite catalog refuses a commit from a stale
snapshot) and is rolled back; `write_transaction` runs it again from the start, on a snapshot
that now holds the first one's rows. The writes themselves are short, so retries are cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import duckdb
from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_random_exponential

from pipelines.store.backend import enforces_keys
from pipelines.store.connection import no_space_error, rollback

T = TypeVar("T")

_RETRY_MARKERS = ("database is locked", "Transaction conflict", "Failed to commit DuckLake")
RETRY_FOR_S = 120.0
"""How long a write keeps trying while other writers win: long enough for a big landing of
another process to commit, short enough that a stuck catalog ends in a clear error."""


def is_write_conflict(exc: BaseException) -> bool:
    """Another transaction committed something this one contradicts; trying again helps."""
    if no_space_error(Path("."), exc) is not None:
        return False
    if isinstance(exc, duckdb.TransactionException):
        return True
    return isinstance(exc, duckdb.Error) and any(m in str(exc) for m in _RETRY_MARKERS)


def serialise_writers(con: duckdb.DuckDBPyConnection) -> None:
    """Within an open transaction on a lake, make it conflict with any concurrent writer."""
    if not enforces_keys(con):
        con.execute("UPDATE store_writer SET writes = writes + 1")


def write_transaction(
    con: duckdb.DuckDBPyConnection,
    work: Callable[[duckdb.DuckDBPyConnection], T],
    *,
    retry_for_s: float = RETRY_FOR_S,
) -> T:
    """Run `work(con)` in one transaction, serialised with other writers; run it again from
    the start while it conflicts with another writer's commit. `work` must be repeatable: it
    reads what it needs inside the transaction."""

    def attempt() -> T:
        con.execute("BEGIN TRANSACTION")
        try:
            serialise_writers(con)
            result = work(con)
            con.execute("COMMIT")
        except BaseException:
            rollback(con)
            raise
        return result

    return Retrying(
        retry=retry_if_exception(is_write_conflict),
        stop=stop_after_delay(retry_for_s),
        wait=wait_random_exponential(multiplier=0.05, max=2.0),
        reraise=True,
    )(attempt)
