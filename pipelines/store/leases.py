"""Feed leases: several monitor runs (or workers) share the feeds without polling one twice.

A run claims its due feeds in one short transaction: it drops expired leases, reads the feed
states, keeps the due feeds nobody else holds, and writes a lease (owner, expiry) for each.
After landing (which moves each polled feed's `next_poll_at` forward) it releases its leases.

Why this is enough: a second run either claims while the first holds the lease (the feed is
skipped) or after the first released it, and the release comes after the landing, so by then
the feed is no longer due. A crashed run's leases are taken over at once when its process
is known dead (same host), else they expire after `ttl_s`; its feeds, whose
`next_poll_at` never moved, are due again. DuckDB makes the claim atomic: across processes the
file lock serialises writers (open_store retries), and within one process two transactions that
touch the same lease conflict and the loser retries.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

import duckdb
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from pipelines.config import Config
from pipelines.errors import StoreError
from pipelines.ingest.schedule import due_feeds
from pipelines.models import FeedSource, FeedState
from pipelines.store import (
    load_feed_states,
    no_space_error,
    open_store,
    string_relation,
)
from pipelines.store.txn import write_transaction

DEFAULT_TTL_S = 900.0


def local_owner(run_id: str) -> str:
    """A lease owner that names this host and process, so a crashed run's leases can be
    taken over at once on the same host instead of after the TTL."""
    return f"{socket.gethostname()}/{os.getpid()}/{run_id}"


def owner_is_dead(owner: str) -> bool:
    """True when the owner is a process of this host that no longer exists."""
    parts = owner.split("/", 2)
    if len(parts) != 3 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@dataclass(slots=True)
class Claim:
    """What a run may poll: its due feeds, the states they were planned from, the due feeds
    it skipped because another run holds them, and when it was planned (the time the feeds'
    next polls are counted from, so they stay on the cadence of the schedule)."""

    owner: str
    due: list[FeedSource]
    states: dict[str, FeedState]
    at: datetime
    held_elsewhere: list[str] = field(default_factory=list)


_T = TypeVar("_T")
_CONFLICTS = (duckdb.TransactionException, duckdb.CatalogException)


def _on_conflict(db_path: Path, what: str, attempt: Callable[[], _T]) -> _T:
    """Run `attempt`, again while a concurrent transaction in this process touched the same
    rows (up to 20 tries, waits doubling from 0.05 s to 1 s). A failed COMMIT for lack of
    space is no conflict: it ends at once with the store's clear error."""

    def is_conflict(exc: BaseException) -> bool:
        return isinstance(exc, _CONFLICTS) and no_space_error(db_path, exc) is None

    try:
        return Retrying(
            retry=retry_if_exception(is_conflict),
            stop=stop_after_attempt(20),
            wait=wait_exponential(multiplier=0.05, max=1.0),
            reraise=True,
        )(attempt)
    except _CONFLICTS as exc:
        full = no_space_error(db_path, exc)
        if full is not None:
            raise full from exc
        raise StoreError(f"could not {what} in {db_path}: {exc}") from exc


def claim_due_feeds(
    db_path: Path,
    config: Config,
    owner: str,
    now: datetime,
    force_all: bool = False,
    ttl_s: float = DEFAULT_TTL_S,
) -> Claim:
    """Claim the due feeds no other run holds (all enabled ones with force_all)."""
    with open_store(db_path, settings=config.settings.store) as con:
        return _on_conflict(
            db_path,
            "claim feeds",
            lambda: _claim(con, config, owner, now, force_all=force_all, ttl_s=ttl_s),
        )


def _claim(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    owner: str,
    now: datetime,
    *,
    force_all: bool,
    ttl_s: float,
) -> Claim:
    """`claim_due_feeds` in one transaction (run again while it conflicts with another's)."""

    def attempt(con: duckdb.DuckDBPyConnection) -> Claim:
        con.execute("DELETE FROM feed_leases WHERE leased_until <= ?", [now])
        owners = con.execute("SELECT DISTINCT owner FROM feed_leases").fetchall()
        for (dead,) in owners:
            if owner_is_dead(dead):
                con.execute("DELETE FROM feed_leases WHERE owner = ?", [dead])
        held = {
            url
            for (url,) in con.execute(
                "SELECT feed_url FROM feed_leases WHERE owner <> ?", [owner]
            ).fetchall()
        }
        states = load_feed_states(con)
        candidates = due_feeds(
            config.feeds,
            states,
            now,
            force_all=force_all,
            slack_s=config.settings.poll.due_slack_s,
        )
        mine = [f for f in candidates if f.url not in held]
        until = now + timedelta(seconds=ttl_s)
        if mine:  # one statement: executemany is slow for thousands of feeds
            with string_relation(con, "_claimed", (f.url for f in mine)):
                con.execute(
                    "MERGE INTO feed_leases l USING (SELECT value AS feed_url, ?::VARCHAR AS "
                    "owner, ?::TIMESTAMPTZ AS leased_until FROM _claimed) n "
                    "ON l.feed_url = n.feed_url "
                    "WHEN MATCHED THEN UPDATE SET owner = n.owner, leased_until = n.leased_until "
                    "WHEN NOT MATCHED THEN INSERT VALUES (n.feed_url, n.owner, n.leased_until)",
                    [owner, until],
                )
        skipped = sorted(f.url for f in candidates if f.url in held)
        return Claim(owner, mine, states, now, skipped)

    return write_transaction(con, attempt)


def release_feeds(db_path: Path, config: Config, owner: str) -> int:
    """Drop this run's leases; returns how many there were."""
    with open_store(db_path, settings=config.settings.store) as con:
        return release_leases(con, db_path, owner)


def release_leases(con: duckdb.DuckDBPyConnection, db_path: Path, owner: str) -> int:
    """`release_feeds` on an open store (the landing's own connection, see
    `pipelines.run.steps.land_and_hold_feeds`)."""

    def release(con: duckdb.DuckDBPyConnection) -> int:
        row = con.execute("SELECT count(*) FROM feed_leases WHERE owner = ?", [owner]).fetchone()
        con.execute("DELETE FROM feed_leases WHERE owner = ?", [owner])
        return int(row[0]) if row else 0

    return _on_conflict(db_path, "release feed leases", lambda: write_transaction(con, release))


def renew_leases(con: duckdb.DuckDBPyConnection, owner: str, now: datetime, ttl_s: float) -> None:
    """Extend this run's leases (a long backfill lands in several batches and must keep its
    feeds until the last one)."""
    write_transaction(
        con,
        lambda con: con.execute(
            "UPDATE feed_leases SET leased_until = ? WHERE owner = ?",
            [now + timedelta(seconds=ttl_s), owner],
        ),
    )
