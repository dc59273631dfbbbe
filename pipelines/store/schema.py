"""Every migration of the store, in order, and opening the store with its schema up to date.

Tables and views are created here and nowhere else; `migrate` applies what a database lacks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import duckdb
from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_random_exponential

from pipelines.config import StoreSettings
from pipelines.store.backend import enforces_keys
from pipelines.store.claims import MIGRATION_SQL as CLAIMS_MIGRATION_SQL
from pipelines.store.connection import LockWait, connect, no_space_error, rollback, utc_now
from pipelines.store.txn import is_write_conflict
from pipelines.store.views import LATEST_MATCHES_SQL, VIEWS_SQL

T = TypeVar("T")

MIGRATIONS: list[str] = [
    # 1: the first schema
    """
    CREATE TABLE articles (
        article_id VARCHAR PRIMARY KEY,
        url VARCHAR NOT NULL,
        canonical_url VARCHAR NOT NULL,
        feed_url VARCHAR,
        guid VARCHAR,
        title VARCHAR,
        text VARCHAR,
        author VARCHAR,
        published_at TIMESTAMPTZ,
        fetched_at TIMESTAMPTZ NOT NULL,
        lang VARCHAR,
        site_name VARCHAR,
        content_hash VARCHAR,
        simhash BIGINT,
        story_id VARCHAR,
        extract_status VARCHAR NOT NULL,
        extract_error VARCHAR
    );
    CREATE TABLE article_sources (
        article_id VARCHAR NOT NULL,
        feed_url VARCHAR NOT NULL,
        url VARCHAR NOT NULL,
        first_seen_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (article_id, feed_url)
    );
    CREATE TABLE seen_entries (
        feed_url VARCHAR NOT NULL,
        guid VARCHAR NOT NULL,
        canonical_url VARCHAR NOT NULL,
        article_id VARCHAR NOT NULL,
        first_seen_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (feed_url, guid)
    );
    CREATE TABLE matches (
        article_id VARCHAR NOT NULL,
        topic VARCHAR NOT NULL,
        rule VARCHAR NOT NULL,
        score DOUBLE NOT NULL,
        evidence JSON,
        rules_version VARCHAR NOT NULL,
        matched_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (article_id, topic)
    );
    CREATE TABLE alerts (
        alert_id VARCHAR PRIMARY KEY,
        article_id VARCHAR NOT NULL,
        story_id VARCHAR NOT NULL,
        topic VARCHAR NOT NULL,
        channel VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error VARCHAR,
        created_at TIMESTAMPTZ NOT NULL,
        next_attempt_at TIMESTAMPTZ,
        sent_at TIMESTAMPTZ
    );
    CREATE TABLE feed_state (
        feed_url VARCHAR PRIMARY KEY,
        name VARCHAR,
        etag VARCHAR,
        last_modified VARCHAR,
        last_polled_at TIMESTAMPTZ,
        next_poll_at TIMESTAMPTZ,
        poll_interval_s DOUBLE,
        last_status VARCHAR,
        last_http_status INTEGER,
        last_error VARCHAR,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        disabled BOOLEAN NOT NULL DEFAULT false,
        disabled_reason VARCHAR,
        items_seen BIGINT NOT NULL DEFAULT 0,
        last_new_item_at TIMESTAMPTZ
    );
    CREATE TABLE runs (
        run_id VARCHAR PRIMARY KEY,
        started_at TIMESTAMPTZ NOT NULL,
        finished_at TIMESTAMPTZ,
        summary JSON
    );
    """,
    # 2: match history (what `rematch` superseded) and the documented views
    """
    CREATE TABLE match_history (
        article_id VARCHAR NOT NULL,
        topic VARCHAR NOT NULL,
        rule VARCHAR NOT NULL,
        score DOUBLE NOT NULL,
        evidence JSON,
        rules_version VARCHAR NOT NULL,
        matched_at TIMESTAMPTZ NOT NULL,
        superseded_at TIMESTAMPTZ NOT NULL,
        superseded_by VARCHAR NOT NULL
    );
    """
    + VIEWS_SQL,
    # 3: pages whose extraction timed out, tried again by later runs up to a limit
    """
    CREATE TABLE extract_retries (
        canonical_url VARCHAR PRIMARY KEY,
        attempts INTEGER NOT NULL,
        last_error VARCHAR,
        last_attempt_at TIMESTAMPTZ NOT NULL
    );
    """,
    # 4: feed leases (two runs never poll one feed) and outbox claims (no alert sent twice);
    # IF NOT EXISTS: before this migration the modules using them created them on demand
    """
    CREATE TABLE IF NOT EXISTS feed_leases (
        feed_url VARCHAR PRIMARY KEY,
        owner VARCHAR NOT NULL,
        leased_until TIMESTAMPTZ NOT NULL
    );
    CREATE TABLE IF NOT EXISTS alert_claims (
        alert_id VARCHAR PRIMARY KEY,
        owner VARCHAR NOT NULL,
        claimed_at TIMESTAMPTZ NOT NULL
    );
    """,
    # 5: demand claims, their views, escalations and escalation alerts (store/claims.py)
    CLAIMS_MIGRATION_SQL,
    # 6: entries not landed yet, tried again whether or not their feed changed (pending.py),
    # and the window of entries a poll of a long feed reads
    """
    CREATE TABLE IF NOT EXISTS pending_entries (
        canonical_url VARCHAR PRIMARY KEY,
        feed_url VARCHAR NOT NULL,
        guid VARCHAR NOT NULL,
        url VARCHAR NOT NULL,
        title VARCHAR,
        summary VARCHAR,
        published_at TIMESTAMPTZ,
        author VARCHAR,
        attempts INTEGER NOT NULL,
        last_error VARCHAR,
        first_failed_at TIMESTAMPTZ NOT NULL,
        next_attempt_at TIMESTAMPTZ NOT NULL
    );
    ALTER TABLE feed_state ADD COLUMN IF NOT EXISTS entries_offset INTEGER DEFAULT 0;
    """,
    # 7: publish → alert latency: each alert's timeline, and its p50/p95 per feed and topic.
    # first seen = when the run that found the entry fetched its page (articles.fetched_at,
    # right after the poll); landed = when the landing transaction queued the alert.
    """
    CREATE OR REPLACE VIEW alert_timeline AS
    SELECT al.alert_id, al.topic, al.channel, al.status,
           a.feed_url, coalesce(f.name, a.feed_url) AS feed, a.title, a.url,
           a.published_at, a.fetched_at AS first_seen_at, al.created_at AS landed_at,
           al.sent_at AS alerted_at,
           epoch(a.fetched_at) - epoch(a.published_at) AS publish_to_seen_s,
           epoch(al.created_at) - epoch(a.fetched_at) AS seen_to_landed_s,
           epoch(al.sent_at) - epoch(al.created_at) AS landed_to_alerted_s,
           epoch(al.sent_at) - epoch(a.published_at) AS publish_to_alert_s
    FROM alerts al
    JOIN articles a USING (article_id)
    LEFT JOIN feed_state f ON f.feed_url = a.feed_url;

    CREATE OR REPLACE VIEW alert_latency AS
    SELECT feed, feed_url, topic, count(*) AS alerts,
           quantile_cont(publish_to_alert_s, 0.5) AS publish_to_alert_p50_s,
           quantile_cont(publish_to_alert_s, 0.95) AS publish_to_alert_p95_s,
           quantile_cont(epoch(alerted_at) - epoch(first_seen_at), 0.5) AS seen_to_alert_p50_s,
           quantile_cont(epoch(alerted_at) - epoch(first_seen_at), 0.95) AS seen_to_alert_p95_s,
           max(alerted_at) AS last_alerted_at
    FROM alert_timeline
    WHERE alerted_at IS NOT NULL
    GROUP BY ALL
    ORDER BY feed, topic;
    """,
    # 8: one row every write transaction updates first, so that on a lake (no primary keys)
    # two concurrent writers conflict and one retries after the other's rows are visible
    # (pipelines.store.txn); on a DuckDB file the file lock already serialises them
    """
    CREATE TABLE IF NOT EXISTS store_writer (writes BIGINT NOT NULL);
    INSERT INTO store_writer SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM store_writer);
    """,
    # 9: latest_matches orders a landing's matches by publication (a backfill's matches all
    # share one matched_at, and came out in no useful order)
    LATEST_MATCHES_SQL,
]


_PRIMARY_KEY_CLAUSE = re.compile(r",\s*PRIMARY KEY\s*\([^)]*\)", re.IGNORECASE)
_PRIMARY_KEY_WORDS = re.compile(r"\s+PRIMARY KEY\b", re.IGNORECASE)


def for_backend(script: str, enforces_keys: bool) -> str:
    """A migration as this backend takes it: a lake has no primary keys, so they are dropped
    (every write keeps the keys unique by itself: anti-joins and MERGE under `store_writer`)."""
    if enforces_keys:
        return script
    return _PRIMARY_KEY_WORDS.sub("", _PRIMARY_KEY_CLAUSE.sub("", script))


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply pending migrations in order; returns the schema version now in force.

    Several workers may start at once on a new lake: a migration another one committed in the
    meantime fails here (its tables exist, or DuckLake refuses the second creation), and the
    whole is tried again from the version now recorded."""
    return Retrying(
        retry=retry_if_exception(_lost_migration_race),
        stop=stop_after_delay(60),
        wait=wait_random_exponential(multiplier=0.05, max=1.0),
        reraise=True,
    )(_migrate, con)


def _lost_migration_race(exc: BaseException) -> bool:
    return is_write_conflict(exc) or (
        isinstance(exc, duckdb.CatalogException) and "already exists" in str(exc)
    )


def _migrate(con: duckdb.DuckDBPyConnection) -> int:
    """All pending migrations in one transaction: on a lake every commit is a round of catalog
    writes, so a new store costs one commit, not one per migration."""
    keys = enforces_keys(con)
    con.execute(
        for_backend(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
            "applied_at TIMESTAMPTZ NOT NULL)",
            keys,
        )
    )
    row = con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
    current = int(row[0]) if row else 0
    if current >= len(MIGRATIONS):
        return current
    con.execute("BEGIN TRANSACTION")
    try:
        for version, script in enumerate(MIGRATIONS, start=1):
            if version <= current:
                continue
            con.execute(for_backend(script, keys))
            con.execute("INSERT INTO schema_version VALUES (?, ?)", [version, utc_now()])
        con.execute("COMMIT")
    except Exception:
        rollback(con)
        raise
    return len(MIGRATIONS)


@contextmanager
def open_store(
    path: Path,
    *,
    read_only: bool = False,
    settings: StoreSettings | None = None,
    on_wait: LockWait | None = None,
    max_wait_s: float | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open (see `connect`), migrate (when writable) and always close the database.

    A write inside the block that fails for lack of space is re-raised as a clear StoreError.
    """
    con = connect(
        path, read_only=read_only, settings=settings, on_wait=on_wait, max_wait_s=max_wait_s
    )
    try:
        if not read_only:
            migrate(con)
        yield con
    except duckdb.Error as exc:
        clear = no_space_error(path, exc)
        if clear is None:
            raise
        raise clear from exc
    finally:
        con.close()
