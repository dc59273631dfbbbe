"""The DuckDB store: schema migrations, exactly-once landing and the reads a run needs.

All writes go through this module. The file is opened only for the duration of one short
transaction, so between runs any tool can open it. Another process holding the file makes
`open_store` wait and retry with backoff, then raise `StoreLockedError` with a clear message.
A write that fails for lack of space (full disk, quota, file size limit) is rolled back and
raised as a `StoreError` that says so, names the file and what to do.
Landing is idempotent on every backend: stable keys, batches de-duplicated before insert, rows
inserted only where their key is absent (anti-joins; MERGE for upserts, since a lake has no
primary keys or ON CONFLICT), writers serialised by `pipelines.store.txn`, and feed entries
marked seen in the same transaction that lands their articles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import duckdb
import pyarrow as pa

from pipelines.ingest.identity import article_id as make_article_id
from pipelines.models import Article, Escalation, FeedItem, FeedState, Match, evidence_json
from pipelines.store import pending
from pipelines.store.claims import DEFAULT_QUIET_DAYS, land_claims
from pipelines.store.connection import string_relation, utc_now
from pipelines.store.txn import write_transaction

T = TypeVar("T")


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
    escalation_channels: list[str] = field(default_factory=list)
    """Channels that want escalation alerts (`kinds` includes escalation)."""
    quiet_days: int = DEFAULT_QUIET_DAYS
    """Days without a claim on a (region, action) after which a claim is an escalation again."""
    entry_retry: pending.EntryRetry = field(default_factory=pending.EntryRetry)
    """How entries whose page could not be fetched are tried again (see
    `pipelines.store.pending`): `seen` lists them with the others, and `articles` their
    'fetch_error' articles."""
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
    claims_inserted: int = 0
    escalations: list[Escalation] = field(default_factory=list)
    """Canonical URLs of pages a later run tries again: their extraction timed out, or they
    could not be fetched (see `pipelines.store.pending`)."""


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
    cols = [f for f in Article.__dataclass_fields__ if f != "claims"]
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
    now = utc_now()
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

    def land(con: duckdb.DuckDBPyConnection) -> LandingReport:
        return _land_once(con, batch, articles, seen_rows, match_rows, now)

    return write_transaction(con, land)


def _land_once(
    con: duckdb.DuckDBPyConnection,
    batch: LandingBatch,
    articles: list[Article],
    seen_rows: list[_SeenRow],
    match_rows: list[_MatchRow],
    now: datetime,
) -> LandingReport:
    """One try of `land_batch`, inside its transaction (run again from the start when another
    writer's commit conflicts with it)."""
    timed_out = _defer_timeouts(con, articles, batch.timeout_attempts, now)
    deferred = pending.defer(con, batch.seen, articles, set(timed_out), batch.entry_retry, now)
    deferred |= set(timed_out)
    retry_later = sorted(deferred)
    if deferred:
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
            WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.article_id = n.article_id)
            """
        )
        con.execute(
            """
            INSERT INTO article_sources
            SELECT article_id, feed_url, url, fetched_at FROM _new_articles n
            WHERE feed_url IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM article_sources s
                              WHERE s.article_id = n.article_id AND s.feed_url = n.feed_url)
            """
        )
        con.unregister("_new_articles")
    if seen_rows:
        con.register("_new_seen", _rows_table(seen_rows, _SEEN_SCHEMA))
        con.execute(
            """
            INSERT INTO seen_entries SELECT * FROM _new_seen n
            WHERE NOT EXISTS (SELECT 1 FROM seen_entries s
                              WHERE s.feed_url = n.feed_url AND s.guid = n.guid)
            """
        )
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
        con.execute(
            """
            INSERT INTO matches SELECT * FROM _new_matches n
            WHERE NOT EXISTS (SELECT 1 FROM matches m
                              WHERE m.article_id = n.article_id AND m.topic = n.topic)
            """
        )
        con.unregister("_new_matches")
        alerts_queued = _queue_alerts(con, new_keys, batch.channels, now)
    claimed = land_claims(con, articles, batch.escalation_channels, batch.quiet_days, now)
    alerts_queued += claimed.alerts_queued
    if batch.feed_states:
        _upsert_feed_states(con, batch.feed_states)
    after = _counts(con)
    return LandingReport(
        articles_inserted=after[0] - before[0],
        matches_inserted=after[1] - before[1],
        alerts_queued=alerts_queued,
        seen_inserted=after[2] - before[2],
        new_match_keys=new_keys,
        retry_later=retry_later,
        claims_inserted=claimed.claims_inserted,
        escalations=claimed.escalations,
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
        """
        MERGE INTO extract_retries r
        USING (SELECT unnest(?::VARCHAR[]) AS canonical_url, unnest(?::VARCHAR[]) AS last_error,
                      ?::TIMESTAMPTZ AS last_attempt_at) n
        ON r.canonical_url = n.canonical_url
        WHEN MATCHED THEN UPDATE SET attempts = r.attempts + 1, last_error = n.last_error,
                                     last_attempt_at = n.last_attempt_at
        WHEN NOT MATCHED THEN INSERT VALUES (n.canonical_url, 1, n.last_error, n.last_attempt_at)
        """,
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
        FROM _new_alerts n
        WHERE NOT EXISTS (SELECT 1 FROM alerts a WHERE a.alert_id = n.alert_id)
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
    assignments = ", ".join(f"{c} = n.{c}" for c in cols if c != "feed_url")
    con.execute(
        f"MERGE INTO feed_state f USING (SELECT {', '.join(cols)} FROM _new_states) n "
        "ON f.feed_url = n.feed_url "
        f"WHEN MATCHED THEN UPDATE SET {assignments} "
        f"WHEN NOT MATCHED THEN INSERT ({', '.join(cols)}) "
        f"VALUES ({', '.join('n.' + c for c in cols)})"
    )
    con.unregister("_new_states")
