"""The DuckDB store: schema migrations, exactly-once landing and the reads a run needs.

All writes go through this module. The file is opened only for the duration of one short
transaction, so between runs any tool can open it. Another process holding the file makes
`open_store` wait and retry with backoff, then raise `StoreLockedError` with a clear message.
A write that fails for lack of space (full disk, quota, file size limit) is rolled back and
raised as a `StoreError` that says so, names the file and what to do.
Landing is idempotent: stable keys, batches de-duplicated before insert, `ON CONFLICT DO NOTHING`
on the keys, and feed entries marked seen in the same transaction that lands their articles.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import random
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pyarrow as pa

from pipelines.config import StoreSettings
from pipelines.errors import StoreError, StoreLockedError
from pipelines.identity import article_id as make_article_id
from pipelines.models import Article, FeedItem, FeedState, Match, evidence_json
from pipelines.views import VIEWS_SQL

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
]

_LOCK_MARKERS = ("Could not set lock", "Conflicting lock", "database is locked")


def _is_lock_error(exc: Exception) -> bool:
    return any(marker in str(exc) for marker in _LOCK_MARKERS)


_NO_SPACE_MARKERS = {
    "No space left on device": "the disk is full",
    "Disk quota exceeded": "the disk quota is used up",
    "File too large": "the file size limit (ulimit -f) is reached",
}


def no_space_error(path: Path, exc: BaseException) -> StoreError | None:
    """A clear StoreError when `exc` is DuckDB failing to write for lack of space, else None."""
    text = str(exc)
    for marker, what in _NO_SPACE_MARKERS.items():
        if marker in text:
            return StoreError(
                f"cannot write the database {path}: {what} ({marker}). The write was rolled "
                "back; everything landed before is intact. Free space where the file lives "
                f"({Path(path).resolve().parent}) or point --db / NEWSWATCH_DB at a disk with "
                "room, then run again: the next run lands what this one could not, once."
            )
    return None


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back without hiding the original error: DuckDB has already ended a transaction
    whose COMMIT failed (for example for lack of space), and ROLLBACK then raises."""
    with contextlib.suppress(duckdb.Error):
        con.execute("ROLLBACK")


ROW_GROUP_ROWS = 2048
"""Rows per DuckDB row group (DuckDB's default: 122,880). A checkpoint rewrites the table's
last, partly filled row group whole (with a primary key on the table, as `articles` has), so
its size bounds the memory of every landing: with the default, that memory grew with the
first 122,880 articles (text included) and a backfill's peak with the size of the database
(bench/bench_backfill.py); with 8,192 rows a landing still peaked ~140 MB above the run's
baseline at the end of each group, with 2,048 ~85 MB throughout, and landing got faster."""

_RESERVED_ALIASES = {"memory", "temp", "system", "main"}


_ATTACH_LOCK = threading.Lock()


def _attach(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """A connection whose default database is the file, attached with our row group size.

    Connections to one file within a process share one DuckDB instance (a named in-memory
    database per file, which attaches the file once), as `duckdb.connect(path)` would share
    its instance; the catalog keeps the file's stem as its name, as it would there too.
    """
    resolved = path.resolve()
    alias = path.stem if path.stem.lower() not in _RESERVED_ALIASES else "newswatch"
    quoted_alias = '"' + alias.replace('"', '""') + '"'
    quoted_path = "'" + str(resolved).replace("'", "''") + "'"
    options = "READ_ONLY" if read_only else f"ROW_GROUP_SIZE {ROW_GROUP_ROWS}"
    instance = hashlib.sha1(str(resolved).encode()).hexdigest()[:20]
    con = duckdb.connect(f":memory:newswatch-{instance}")
    try:
        with _ATTACH_LOCK:
            row = con.execute(
                "SELECT readonly FROM duckdb_databases() WHERE database_name = ?", [alias]
            ).fetchone()
            if row is None:
                con.execute(f"ATTACH {quoted_path} AS {quoted_alias} ({options})")
            elif row[0] and not read_only:
                raise StoreError(
                    f"database {path} is open read-only elsewhere in this process; close that "
                    "connection before writing"
                )
        con.execute(f"USE {quoted_alias}")
    except BaseException:
        con.close()
        raise
    return con


def connect(
    path: Path, *, read_only: bool = False, settings: StoreSettings | None = None
) -> duckdb.DuckDBPyConnection:
    """Open the database, retrying with exponential backoff while another process holds it."""
    settings = settings or StoreSettings()
    path = Path(path)
    if read_only and not path.exists():
        raise StoreError(f"database {path} does not exist yet; run `newswatch run` first")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    delay = settings.lock_retry_base_s
    for attempt in range(settings.lock_retries + 1):
        try:
            return _attach(path, read_only)
        except duckdb.IOException as exc:
            if not _is_lock_error(exc):
                raise no_space_error(path, exc) or StoreError(
                    f"cannot open database {path}: {exc}"
                ) from exc
            if attempt == settings.lock_retries:
                raise StoreLockedError(
                    f"database {path} is locked by another process (tried {attempt + 1} times): "
                    f"{exc}. Close the other program (DuckDB CLI, notebook) or wait for the "
                    "running flow to finish, then run again; nothing was written."
                ) from exc
            time.sleep(min(delay, settings.lock_retry_max_s) * (0.5 + random.random()))
            delay *= 2
    raise AssertionError("unreachable")


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply pending migrations in order; returns the schema version now in force."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
        "applied_at TIMESTAMPTZ NOT NULL)"
    )
    row = con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
    current = int(row[0]) if row else 0
    for version, script in enumerate(MIGRATIONS, start=1):
        if version <= current:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(script)
            con.execute("INSERT INTO schema_version VALUES (?, ?)", [version, _now()])
            con.execute("COMMIT")
        except Exception:
            rollback(con)
            raise
        current = version
    return current


@contextmanager
def open_store(
    path: Path, *, read_only: bool = False, settings: StoreSettings | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open, migrate (when writable) and always close the database.

    A write inside the block that fails for lack of space is re-raised as a clear StoreError.
    """
    con = connect(path, read_only=read_only, settings=settings)
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


@contextmanager
def string_relation(
    con: duckdb.DuckDBPyConnection, name: str, values: Iterable[str]
) -> Iterator[str]:
    """`values` as a one-column relation `name(value)` within the block.

    A Python list passed as a query parameter costs DuckDB's Python client a failed
    `import pandas` per element when pandas is not installed (~0.06 ms each: 0.3 s for 5,000
    feed URLs, 25 ms for a landing of 400 articles); an Arrow table goes over in one piece."""
    con.register(name, pa.table({"value": pa.array(list(values), pa.string())}))
    try:
        yield name
    finally:
        con.unregister(name)


def _now() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------------------------------------
# Reads a run needs


def load_feed_states(con: duckdb.DuckDBPyConnection) -> dict[str, FeedState]:
    cols = [f.name for f in FeedState.__dataclass_fields__.values()]
    rows = con.execute(f"SELECT {', '.join(cols)} FROM feed_state").fetchall()
    return {row[0]: FeedState(**dict(zip(cols, row, strict=True))) for row in rows}


def unseen_items(con: duckdb.DuckDBPyConnection, items: Sequence[FeedItem]) -> list[FeedItem]:
    """Feed items whose GUID (for their feed) and canonical URL were never seen before.

    Also de-duplicates within the batch: the first item for a canonical URL wins.
    """
    if not items:
        return []
    batch = pa.table(
        {
            "i": list(range(len(items))),
            "feed_url": [it.feed_url for it in items],
            "guid": [it.guid for it in items],
            "canonical_url": [it.canonical_url for it in items],
        }
    )
    con.register("_batch_items", batch)
    try:
        rows = con.execute(
            """
            SELECT b.i FROM _batch_items b
            WHERE NOT EXISTS (SELECT 1 FROM seen_entries s
                              WHERE s.feed_url = b.feed_url AND s.guid = b.guid)
              AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.canonical_url = b.canonical_url)
            ORDER BY b.i
            """
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


# ---------------------------------------------------------------------------------------------
# Landing


@dataclass(slots=True)
class OutboxRow:
    alert_id: str
    article_id: str
    story_id: str
    topic: str
    channel: str


@dataclass(slots=True)
class LandingBatch:
    """Everything one run writes, landed together in one transaction."""

    articles: list[Article] = field(default_factory=list)
    seen: list[FeedItem] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)
    feed_states: list[FeedState] = field(default_factory=list)
    channels: dict[str, list[str]] = field(default_factory=dict)
    """channel name -> topics it wants (empty list = all topics): outbox rows are derived."""
    timeout_attempts: int = 1
    """Extraction attempts a page that times out gets (over successive runs) before it lands
    with status 'timeout'; until then neither it nor its feed entries are landed, so the
    entries stay unseen and the next run fetches and extracts the page again."""


@dataclass(frozen=True, slots=True)
class LandingReport:
    articles_inserted: int
    matches_inserted: int
    alerts_queued: int
    seen_inserted: int
    new_match_keys: list[tuple[str, str]]
    retry_later: list[str] = field(default_factory=list)
    """Canonical URLs of pages whose extraction timed out and that a later run tries again."""


def _dedupe(rows: Sequence[T], key: Any) -> list[T]:
    seen: set[Any] = set()
    out = []
    for row in rows:
        k = key(row)
        if k not in seen:
            seen.add(k)
            out.append(row)
    return out


def _articles_table(articles: Sequence[Article]) -> pa.Table:
    cols = [f for f in Article.__dataclass_fields__]
    data: dict[str, list[Any]] = {c: [] for c in cols}
    for art in articles:
        for c in cols:
            data[c].append(getattr(art, c))
    schema = pa.schema(
        [
            (
                c,
                pa.int64()
                if c == "simhash"
                else pa.timestamp("us", tz="UTC")
                if c in ("fetched_at", "published_at")
                else pa.string(),
            )
            for c in cols
        ]
    )
    return pa.table(data, schema=schema)


def _rows_table(rows: Sequence[Any], schema: pa.Schema) -> pa.Table:
    data = {name: [getattr(r, name) for r in rows] for name in schema.names}
    return pa.table(data, schema=schema)


_TS = pa.timestamp("us", tz="UTC")
_SEEN_SCHEMA = pa.schema(
    [
        ("feed_url", pa.string()),
        ("guid", pa.string()),
        ("canonical_url", pa.string()),
        ("article_id", pa.string()),
        ("first_seen_at", _TS),
    ]
)
_MATCH_SCHEMA = pa.schema(
    [
        ("article_id", pa.string()),
        ("topic", pa.string()),
        ("rule", pa.string()),
        ("score", pa.float64()),
        ("evidence", pa.string()),
        ("rules_version", pa.string()),
        ("matched_at", _TS),
    ]
)


@dataclass(slots=True)
class _SeenRow:
    feed_url: str
    guid: str
    canonical_url: str
    article_id: str
    first_seen_at: datetime


@dataclass(slots=True)
class _MatchRow:
    article_id: str
    topic: str
    rule: str
    score: float
    evidence: str
    rules_version: str
    matched_at: datetime


def land_batch(con: duckdb.DuckDBPyConnection, batch: LandingBatch) -> LandingReport:
    """Land one run's results in a single transaction, exactly once.

    Articles are keyed by article_id (from the canonical URL), matches by (article, topic),
    seen entries by (feed, guid), alerts by (story, topic, channel). Rows already present are
    left untouched, so landing the same batch twice changes nothing. Alerts are queued only
    for matches that are new in this transaction, and one story (syndicated under several
    URLs) is queued once per topic and channel.
    """
    now = _now()
    articles = _dedupe(batch.articles, lambda a: a.article_id)
    matches = _dedupe(batch.matches, lambda m: (m.article_id, m.topic))
    seen_rows = _dedupe(
        [
            _SeenRow(it.feed_url, it.guid, it.canonical_url, make_article_id(it.canonical_url), now)
            for it in batch.seen
        ],
        lambda r: (r.feed_url, r.guid),
    )
    match_rows = [
        _MatchRow(
            m.article_id,
            m.topic,
            m.rule,
            m.score,
            evidence_json(m.evidence),
            m.rules_version,
            m.matched_at,
        )
        for m in matches
    ]
    con.execute("BEGIN TRANSACTION")
    try:
        retry_later = _defer_timeouts(con, articles, batch.timeout_attempts, now)
        if retry_later:
            deferred = set(retry_later)
            articles = [a for a in articles if a.canonical_url not in deferred]
            seen_rows = [r for r in seen_rows if r.canonical_url not in deferred]
            kept = {a.article_id for a in articles}
            match_rows = [r for r in match_rows if r.article_id in kept]
        before = _counts(con)
        if articles:
            con.register("_new_articles", _articles_table(articles))
            con.execute("CREATE OR REPLACE TEMP TABLE _story AS " + _STORY_SQL)
            con.execute(
                """
                INSERT INTO articles BY NAME
                SELECT n.* REPLACE (coalesce(s.story_id, n.article_id) AS story_id)
                FROM _new_articles n LEFT JOIN _story s USING (article_id)
                ON CONFLICT DO NOTHING
                """
            )
            con.execute(
                """
                INSERT INTO article_sources
                SELECT article_id, feed_url, url, fetched_at FROM _new_articles
                WHERE feed_url IS NOT NULL
                ON CONFLICT DO NOTHING
                """
            )
            con.unregister("_new_articles")
        if seen_rows:
            con.register("_new_seen", _rows_table(seen_rows, _SEEN_SCHEMA))
            con.execute("INSERT INTO seen_entries SELECT * FROM _new_seen ON CONFLICT DO NOTHING")
            con.unregister("_new_seen")
        new_keys: list[tuple[str, str]] = []
        alerts_queued = 0
        if match_rows:
            con.register("_new_matches", _rows_table(match_rows, _MATCH_SCHEMA))
            new_keys = [
                (r[0], r[1])
                for r in con.execute(
                    """
                    SELECT n.article_id, n.topic FROM _new_matches n
                    WHERE NOT EXISTS (SELECT 1 FROM matches m
                                      WHERE m.article_id = n.article_id AND m.topic = n.topic)
                    """
                ).fetchall()
            ]
            con.execute("INSERT INTO matches SELECT * FROM _new_matches ON CONFLICT DO NOTHING")
            con.unregister("_new_matches")
            alerts_queued = _queue_alerts(con, new_keys, batch.channels, now)
        if batch.feed_states:
            _upsert_feed_states(con, batch.feed_states)
        after = _counts(con)
        con.execute("COMMIT")
    except Exception:
        rollback(con)
        raise
    return LandingReport(
        articles_inserted=after[0] - before[0],
        matches_inserted=after[1] - before[1],
        alerts_queued=alerts_queued,
        seen_inserted=after[2] - before[2],
        new_match_keys=new_keys,
        retry_later=retry_later,
    )


def _defer_timeouts(
    con: duckdb.DuckDBPyConnection, articles: Sequence[Article], attempts: int, now: datetime
) -> list[str]:
    """Count this attempt for every page whose extraction timed out; return the canonical URLs
    that have attempts left (not landed now). Pages landed otherwise drop their count.

    A timeout is often the machine being busy rather than the page, so it is worth another
    try; a page that times out every time lands after `attempts` tries, so it does not cost
    every run a worker for the whole timeout.
    """
    timed_out = [a for a in articles if a.extract_status == "timeout"]
    landed = [a.canonical_url for a in articles if a.extract_status != "timeout"]
    if landed:
        with string_relation(con, "_landed_urls", landed):
            con.execute(
                "DELETE FROM extract_retries "
                "WHERE canonical_url IN (SELECT value FROM _landed_urls)"
            )
    if not timed_out:
        return []
    con.execute(
        "INSERT INTO extract_retries SELECT unnest(?::VARCHAR[]), 1, unnest(?::VARCHAR[]), ? "
        "ON CONFLICT (canonical_url) DO UPDATE "
        "SET attempts = extract_retries.attempts + 1, last_error = excluded.last_error, "
        "last_attempt_at = excluded.last_attempt_at",
        [[a.canonical_url for a in timed_out], [a.extract_error for a in timed_out], now],
    )
    rows = con.execute(
        "SELECT canonical_url, attempts FROM extract_retries "
        "WHERE canonical_url IN (SELECT unnest(?))",
        [[a.canonical_url for a in timed_out]],
    ).fetchall()
    tries = dict(rows)
    retry = [a.canonical_url for a in timed_out if tries.get(a.canonical_url, attempts) < attempts]
    given_up = sorted({a.canonical_url for a in timed_out} - set(retry))
    if given_up:
        con.execute(
            "DELETE FROM extract_retries WHERE canonical_url IN (SELECT unnest(?))", [given_up]
        )
    return retry


# A new article joins the story of an existing (or earlier-in-batch) article with the same
# content hash, else of one whose SimHash differs in at most 6 bits (recent articles only).
# Near-duplicate candidates are found by LSH banding: two 64-bit signatures within 6 bits
# agree exactly on at least two of their eight bytes, so an equi-join on (band, value) finds
# every candidate pair without comparing all pairs.
_STORY_SQL = """
WITH new_bands AS (
    SELECT n.article_id, n.simhash, n.fetched_at, b.i AS band,
           (n.simhash >> (8 * b.i)) & 255 AS value
    FROM _new_articles n, range(8) b(i)
    WHERE n.extract_status = 'ok' AND n.simhash <> 0
),
old_bands AS (
    SELECT a.article_id, a.story_id, a.simhash, a.fetched_at, b.i AS band,
           (a.simhash >> (8 * b.i)) & 255 AS value
    FROM articles a, range(8) b(i)
    WHERE a.extract_status = 'ok' AND a.simhash <> 0
      AND a.fetched_at > (SELECT min(fetched_at) FROM _new_articles) - INTERVAL 14 DAY
),
candidates AS (
    SELECT n.article_id, a.story_id AS story_id, 0 AS rank_kind, a.fetched_at AS t
    FROM _new_articles n JOIN articles a
      ON a.content_hash = n.content_hash AND n.extract_status = 'ok' AND a.extract_status = 'ok'
    UNION ALL
    SELECT DISTINCT n.article_id, o.story_id, 1, o.fetched_at
    FROM new_bands n JOIN old_bands o USING (band, value)
    WHERE bit_count(xor(o.simhash, n.simhash)) <= 6
    UNION ALL
    SELECT n.article_id, p.article_id, 2, p.fetched_at
    FROM _new_articles n JOIN _new_articles p
      ON p.content_hash = n.content_hash AND p.article_id < n.article_id
     AND n.extract_status = 'ok' AND p.extract_status = 'ok'
    UNION ALL
    SELECT DISTINCT n.article_id, p.article_id, 2, p.fetched_at
    FROM new_bands n JOIN new_bands p USING (band, value)
    WHERE p.article_id < n.article_id AND bit_count(xor(p.simhash, n.simhash)) <= 6
)
SELECT article_id, arg_min(story_id, (rank_kind, t, story_id)) AS story_id
FROM candidates GROUP BY article_id
"""


def _counts(con: duckdb.DuckDBPyConnection) -> tuple[int, int, int]:
    row = con.execute(
        "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM matches), "
        "(SELECT count(*) FROM seen_entries)"
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def _queue_alerts(
    con: duckdb.DuckDBPyConnection,
    new_keys: list[tuple[str, str]],
    channels: dict[str, list[str]],
    now: datetime,
) -> int:
    """Queue one outbox row per (story, topic, channel) for new matches."""
    if not new_keys or not channels:
        return 0
    import hashlib

    with string_relation(con, "_new_match_articles", (k[0] for k in new_keys)):
        story_of = dict(
            con.execute(
                "SELECT article_id, story_id FROM articles "
                "WHERE article_id IN (SELECT value FROM _new_match_articles)"
            ).fetchall()
        )
    rows: list[OutboxRow] = []
    for article_id, topic in new_keys:
        story = story_of.get(article_id) or article_id
        for channel, topics in channels.items():
            if topics and topic not in topics:
                continue
            key = hashlib.sha256(f"{story}\x1f{topic}\x1f{channel}".encode()).hexdigest()[:24]
            rows.append(OutboxRow(key, article_id, story, topic, channel))
    rows = _dedupe(rows, lambda r: r.alert_id)
    if not rows:
        return 0
    before = con.execute("SELECT count(*) FROM alerts").fetchone()
    table = pa.table(
        {
            "alert_id": [r.alert_id for r in rows],
            "article_id": [r.article_id for r in rows],
            "story_id": [r.story_id for r in rows],
            "topic": [r.topic for r in rows],
            "channel": [r.channel for r in rows],
        }
    )
    con.register("_new_alerts", table)
    con.execute(
        """
        INSERT INTO alerts (alert_id, article_id, story_id, topic, channel, status, attempts,
                            created_at, next_attempt_at)
        SELECT alert_id, article_id, story_id, topic, channel, 'pending', 0, ?, ?
        FROM _new_alerts ON CONFLICT DO NOTHING
        """,
        [now, now],
    )
    con.unregister("_new_alerts")
    after = con.execute("SELECT count(*) FROM alerts").fetchone()
    assert before is not None and after is not None
    return int(after[0]) - int(before[0])


def _upsert_feed_states(con: duckdb.DuckDBPyConnection, states: Sequence[FeedState]) -> None:
    states = list({s.feed_url: s for s in states}.values())
    cols = list(FeedState.__dataclass_fields__)
    data = {c: [asdict(s)[c] for s in states] for c in cols}
    con.register("_new_states", pa.table(data))
    assignments = ", ".join(f"{c} = excluded.{c}" for c in cols if c != "feed_url")
    con.execute(
        f"INSERT INTO feed_state ({', '.join(cols)}) "
        f"SELECT {', '.join(cols)} FROM _new_states "
        f"ON CONFLICT (feed_url) DO UPDATE SET {assignments}"
    )
    con.unregister("_new_states")


# ---------------------------------------------------------------------------------------------
# Alerts outbox


@dataclass(frozen=True, slots=True)
class PendingAlert:
    alert_id: str
    article_id: str
    story_id: str
    topic: str
    channel: str
    attempts: int
    title: str
    url: str
    site_name: str | None
    feed_url: str | None
    published_at: datetime | None
    rule: str
    score: float
    evidence: dict[str, Any]
    outlets: list[str]
    created_at: datetime


def pending_alerts(
    con: duckdb.DuckDBPyConnection, now: datetime | None = None
) -> list[PendingAlert]:
    """Alerts waiting to be sent whose next attempt is due, with what a message needs."""
    now = now or _now()
    rows = con.execute(
        """
        SELECT al.alert_id, al.article_id, al.story_id, al.topic, al.channel, al.attempts,
               a.title, a.url, a.site_name, a.feed_url, a.published_at,
               m.rule, m.score, m.evidence,
               (SELECT list(DISTINCT coalesce(s.site_name, s.feed_url) ORDER BY
                            coalesce(s.site_name, s.feed_url))
                FROM articles s WHERE s.story_id = al.story_id) AS outlets,
               al.created_at
        FROM alerts al
        JOIN articles a USING (article_id)
        JOIN matches m ON m.article_id = al.article_id AND m.topic = al.topic
        WHERE al.status = 'pending' AND (al.next_attempt_at IS NULL OR al.next_attempt_at <= ?)
        ORDER BY al.created_at, al.alert_id
        """,
        [now],
    ).fetchall()
    return [
        PendingAlert(
            alert_id=r[0],
            article_id=r[1],
            story_id=r[2],
            topic=r[3],
            channel=r[4],
            attempts=r[5],
            title=r[6] or "",
            url=r[7],
            site_name=r[8],
            feed_url=r[9],
            published_at=r[10],
            rule=r[11],
            score=r[12],
            evidence=json.loads(r[13]) if r[13] else {},
            outlets=[o for o in (r[14] or []) if o],
            created_at=r[15],
        )
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class AlertOutcome:
    alert_id: str
    ok: bool
    error: str | None = None
    next_attempt_at: datetime | None = None
    give_up: bool = False
    deferred: bool = False
    """Held back by a rate limit: rescheduled without counting an attempt."""


def record_alert_outcomes(con: duckdb.DuckDBPyConnection, outcomes: Sequence[AlertOutcome]) -> None:
    """Mark alerts sent, or count a failed attempt and schedule the retry, in one transaction."""
    if not outcomes:
        return
    now = _now()
    table = pa.table(
        {
            "alert_id": [o.alert_id for o in outcomes],
            "status": [
                "sent" if o.ok else ("failed" if o.give_up else "pending") for o in outcomes
            ],
            "error": [o.error for o in outcomes],
            "next_attempt_at": pa.array([o.next_attempt_at for o in outcomes], type=_TS),
            "sent_at": pa.array([now if o.ok else None for o in outcomes], type=_TS),
            "counted": [0 if o.deferred else 1 for o in outcomes],
        }
    )
    con.register("_outcomes", table)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            """
            UPDATE alerts SET status = o.status, attempts = alerts.attempts + o.counted,
                   last_error = coalesce(o.error, alerts.last_error),
                   next_attempt_at = o.next_attempt_at, sent_at = o.sent_at
            FROM _outcomes o WHERE alerts.alert_id = o.alert_id AND alerts.status = 'pending'
            """
        )
        con.execute("COMMIT")
    except Exception:
        rollback(con)
        raise
    finally:
        con.unregister("_outcomes")


def sent_last_hour(
    con: duckdb.DuckDBPyConnection, now: datetime | None = None
) -> dict[tuple[str, str], int]:
    """Alerts sent per (channel, topic) in the hour before `now`, for rate limits."""
    now = now or _now()
    rows = con.execute(
        "SELECT channel, topic, count(*) FROM alerts WHERE status = 'sent' "
        "AND sent_at > ? - INTERVAL 1 HOUR GROUP BY ALL",
        [now],
    ).fetchall()
    return {(r[0], r[1]): int(r[2]) for r in rows}


def record_run(
    con: duckdb.DuckDBPyConnection, run_id: str, started_at: datetime, summary: dict[str, Any]
) -> None:
    con.execute(
        "INSERT INTO runs VALUES (?, ?, ?, ?) ON CONFLICT (run_id) DO UPDATE SET "
        "finished_at = excluded.finished_at, summary = excluded.summary",
        [run_id, started_at, _now(), json.dumps(summary, ensure_ascii=False, default=str)],
    )
