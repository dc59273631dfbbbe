"""Demand claims in DuckDB: the table, the views, landing a batch's claims, and the
escalations they cause.

`pipelines.store` runs `MIGRATION_SQL` (its migration list) and calls `land_claims` inside
the landing transaction. An escalation is a (region, action) claimed for the first time, or
again after `quiet_days` without a claim; it is recorded once per (region, action, period) in
`demand_escalation_alerts` and queued on the alert outbox of the channels that want it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa

from pipelines.models import Article, DemandClaim, Escalation
from pipelines.store.txn import write_transaction

ESCALATION_TOPIC = "demand_escalation"
"""The alert outbox's topic for escalation alerts (rate limits count them apart)."""
DEFAULT_QUIET_DAYS = 28

# Periods of each (region, action): a claim more than the quiet period after the previous one
# starts a new period. Dated by the article (published, else fetched).
_PERIODS_SQL = """
CREATE OR REPLACE VIEW demand_claim_periods AS
WITH c AS (
    SELECT d.region, d.action, d.article_id, d.sentence, d.actor,
           coalesce(a.published_at, a.fetched_at) AS seen_at,
           coalesce(a.site_name, f.name, a.feed_url) AS outlet
    FROM demand_claims d
    JOIN articles a USING (article_id)
    LEFT JOIN feed_state f ON f.feed_url = a.feed_url
), gaps AS (
    SELECT *, seen_at - lag(seen_at) OVER w > to_days(
               (SELECT quiet_days FROM demand_settings)) AS gap,
           lag(seen_at) OVER w IS NULL AS first_ever
    FROM c WINDOW w AS (PARTITION BY region, action ORDER BY seen_at, article_id)
)
SELECT *, sum(CASE WHEN first_ever OR gap THEN 1 ELSE 0 END)
          OVER (PARTITION BY region, action ORDER BY seen_at, article_id
                ROWS UNBOUNDED PRECEDING) AS period
FROM gaps;
"""

VIEWS_SQL = (
    _PERIODS_SQL
    + """
CREATE OR REPLACE VIEW demand_regions_weekly AS
SELECT date_trunc('week', p.seen_at) AS week, p.region, p.action,
       count(DISTINCT p.article_id) AS articles, count(DISTINCT p.outlet) AS outlets,
       min(p.seen_at) AS first_seen, max(p.seen_at) AS last_seen
FROM demand_claim_periods p
GROUP BY ALL ORDER BY week, region, action;

CREATE OR REPLACE VIEW demand_escalations AS
SELECT p.region, p.action, p.period, p.period = 1 AS first_ever,
       min(p.seen_at) AS period_start, max(p.seen_at) AS last_seen,
       arg_min(p.article_id, (p.seen_at, p.article_id)) AS article_id,
       arg_min(p.sentence, (p.seen_at, p.article_id)) AS sentence,
       arg_min(p.actor, (p.seen_at, p.article_id)) AS actor,
       count(DISTINCT p.article_id) AS articles, count(DISTINCT p.outlet) AS outlets,
       arg_min(a.title, (p.seen_at, p.article_id)) AS title,
       arg_min(a.url, (p.seen_at, p.article_id)) AS url
FROM demand_claim_periods p JOIN articles a USING (article_id)
GROUP BY p.region, p.action, p.period
ORDER BY period_start, region, action;
"""
)

MIGRATION_SQL = (
    f"""
CREATE TABLE demand_claims (
    article_id VARCHAR NOT NULL,
    region VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    actor VARCHAR NOT NULL,
    sentence VARCHAR NOT NULL,
    field VARCHAR NOT NULL,
    start_char INTEGER NOT NULL,
    end_char INTEGER NOT NULL,
    lang VARCHAR,
    cue VARCHAR,
    rules_version VARCHAR NOT NULL,
    claimed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (article_id, region, action)
);
CREATE TABLE demand_settings (quiet_days INTEGER NOT NULL);
INSERT INTO demand_settings VALUES ({DEFAULT_QUIET_DAYS});
CREATE TABLE demand_escalation_alerts (
    escalation_id VARCHAR PRIMARY KEY,
    region VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    period_start TIMESTAMPTZ NOT NULL,
    article_id VARCHAR NOT NULL,
    sentence VARCHAR NOT NULL,
    actor VARCHAR NOT NULL,
    outlets INTEGER NOT NULL,
    first_ever BOOLEAN NOT NULL,
    detected_at TIMESTAMPTZ NOT NULL
);
ALTER TABLE alerts ADD COLUMN kind VARCHAR DEFAULT 'match';
ALTER TABLE alerts ADD COLUMN escalation_id VARCHAR;
"""
    + VIEWS_SQL
)

_TS = pa.timestamp("us", tz="UTC")
CLAIM_COLUMNS = (
    "article_id",
    "region",
    "action",
    "actor",
    "sentence",
    "field",
    "start_char",
    "end_char",
    "lang",
    "cue",
    "rules_version",
    "claimed_at",
)


def claims_table(articles: Sequence[Article | _Stub], now: datetime) -> pa.Table:
    """One row per (article, region, action): the first sentence that claims it."""
    rows: dict[tuple[str, str, str], tuple] = {}
    for art in articles:
        for c in art.claims:
            rows.setdefault(
                (art.article_id, c.region, c.action),
                (
                    art.article_id, c.region, c.action, c.actor, c.sentence, c.field,
                    c.start, c.end, c.lang, c.cue, c.rules_version, now,
                ),
            )  # fmt: skip
    columns: list[Sequence[Any]] = (
        list(zip(*rows.values(), strict=True)) if rows else [() for _ in CLAIM_COLUMNS]
    )
    types = {"start_char": pa.int32(), "end_char": pa.int32(), "claimed_at": _TS}
    return pa.table(
        {
            name: pa.array(list(col), type=types.get(name, pa.string()))
            for name, col in zip(CLAIM_COLUMNS, columns, strict=True)
        }
    )


@dataclass(frozen=True, slots=True)
class ClaimLanding:
    claims_inserted: int
    escalations: list[Escalation]
    alerts_queued: int


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


def set_quiet_days(con: duckdb.DuckDBPyConnection, quiet_days: int) -> None:
    con.execute(
        "UPDATE demand_settings SET quiet_days = ? WHERE quiet_days <> ?", [quiet_days, quiet_days]
    )


def land_claims(
    con: duckdb.DuckDBPyConnection,
    articles: Sequence[Article],
    channels: Sequence[str],
    quiet_days: int,
    now: datetime,
) -> ClaimLanding:
    """Inside the caller's transaction: insert the claims of `articles` (those already stored
    are left alone), then record the escalations whose first claim is one of these, and queue
    one alert per escalation and channel in `channels`."""
    table = claims_table(articles, now)
    if not table.num_rows:
        return ClaimLanding(0, [], 0)
    set_quiet_days(con, quiet_days)
    before = _count(con, "SELECT count(*) FROM demand_claims")
    con.register("_new_claims", table)
    try:
        new_articles = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT article_id FROM _new_claims n WHERE NOT EXISTS "
                "(SELECT 1 FROM demand_claims d WHERE d.article_id = n.article_id)"
            ).fetchall()
        ]
        con.execute(
            "INSERT INTO demand_claims SELECT * FROM _new_claims n WHERE NOT EXISTS "
            "(SELECT 1 FROM demand_claims d WHERE d.article_id = n.article_id "
            "AND d.region = n.region AND d.action = n.action)"
        )
    finally:
        con.unregister("_new_claims")
    inserted = _count(con, "SELECT count(*) FROM demand_claims") - before
    escalations = _record_escalations(con, new_articles, quiet_days, now)
    queued = queue_escalation_alerts(con, escalations, channels, now)
    return ClaimLanding(inserted, escalations, queued)


def _record_escalations(
    con: duckdb.DuckDBPyConnection, new_articles: list[str], quiet_days: int, now: datetime
) -> list[Escalation]:
    """Periods whose first article is new here and that no escalation within the quiet period
    already covers (a claim landed late, dated before an alerted period, moves that period's
    start but is not news again)."""
    if not new_articles:
        return []
    con.register("_claim_articles", pa.table({"article_id": new_articles}))
    try:
        _repoint_unsent(con, quiet_days)
        rows = con.execute(
            """
            SELECT e.region, e.action, e.period_start, e.article_id, e.sentence, e.actor,
                   e.outlets, e.first_ever
            FROM demand_escalations e
            WHERE e.article_id IN (SELECT article_id FROM _claim_articles)
              AND NOT EXISTS (
                  SELECT 1 FROM demand_escalation_alerts x
                  WHERE x.region = e.region AND x.action = e.action
                    AND abs(epoch(x.period_start) - epoch(e.period_start)) < ? * 86400)
            ORDER BY e.period_start, e.region, e.action
            """,
            [quiet_days],
        ).fetchall()
    finally:
        con.unregister("_claim_articles")
    out = [
        Escalation(
            escalation_id=hashlib.sha256(
                f"{r[0]}\x1f{r[1]}\x1f{r[2].isoformat()}".encode()
            ).hexdigest()[:24],
            region=r[0],
            action=r[1],
            period_start=r[2],
            article_id=r[3],
            sentence=r[4],
            actor=r[5],
            outlets=int(r[6]),
            first_ever=bool(r[7]),
        )
        for r in rows
    ]
    for e in out:
        con.execute(
            "INSERT INTO demand_escalation_alerts SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ? "
            "WHERE NOT EXISTS (SELECT 1 FROM demand_escalation_alerts WHERE escalation_id = ?)",
            [
                e.escalation_id, e.region, e.action, e.period_start, e.article_id, e.sentence,
                e.actor, e.outlets, e.first_ever, now, e.escalation_id,
            ],
        )  # fmt: skip
    return out


def _repoint_unsent(con: duckdb.DuckDBPyConnection, quiet_days: int) -> None:
    """An escalation recorded but not yet tried on any channel takes the period's first
    article when an earlier-published one lands now (a backfill lands out of order): the
    alert then names the first article, as `demand_escalations` does. One already tried is
    left as sent."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _repoint AS
        SELECT x.escalation_id, e.article_id, e.sentence, e.actor, e.period_start,
               e.outlets, e.first_ever
        FROM demand_escalation_alerts x
        JOIN demand_escalations e ON e.region = x.region AND e.action = x.action
        WHERE e.article_id IN (SELECT article_id FROM _claim_articles)
          AND e.period_start < x.period_start
          AND abs(epoch(x.period_start) - epoch(e.period_start)) < ? * 86400
          AND NOT EXISTS (SELECT 1 FROM alerts al WHERE al.escalation_id = x.escalation_id
                          AND (al.status <> 'pending' OR al.attempts > 0))
        """,
        [quiet_days],
    )
    try:
        con.execute(
            """
            UPDATE demand_escalation_alerts SET article_id = r.article_id,
                sentence = r.sentence, actor = r.actor, period_start = r.period_start,
                outlets = r.outlets, first_ever = r.first_ever
            FROM _repoint r WHERE demand_escalation_alerts.escalation_id = r.escalation_id
            """
        )
        con.execute(
            """
            UPDATE alerts SET article_id = r.article_id,
                story_id = coalesce(a.story_id, r.article_id)
            FROM _repoint r JOIN articles a ON a.article_id = r.article_id
            WHERE alerts.escalation_id = r.escalation_id
            """
        )
    finally:
        con.execute("DROP TABLE IF EXISTS _repoint")


def queue_escalation_alerts(
    con: duckdb.DuckDBPyConnection,
    escalations: Sequence[Escalation],
    channels: Sequence[str],
    now: datetime,
) -> int:
    """One outbox row per (escalation, channel); the outbox sends it like a match alert."""
    if not escalations or not channels:
        return 0
    before = _count(con, "SELECT count(*) FROM alerts")
    for e in escalations:
        row = con.execute(
            "SELECT coalesce(story_id, article_id) FROM articles WHERE article_id = ?",
            [e.article_id],
        ).fetchone()
        story = row[0] if row else e.article_id
        for channel in channels:
            alert_id = hashlib.sha256(
                f"escalation\x1f{e.escalation_id}\x1f{channel}".encode()
            ).hexdigest()[:24]
            con.execute(
                """
                INSERT INTO alerts (alert_id, article_id, story_id, topic, channel, status,
                                    attempts, created_at, next_attempt_at, kind, escalation_id)
                SELECT ?, ?, ?, ?, ?, 'pending', 0, ?, ?, 'escalation', ?
                WHERE NOT EXISTS (SELECT 1 FROM alerts WHERE alert_id = ?)
                """,
                [alert_id, e.article_id, story, ESCALATION_TOPIC, channel, now, now,
                 e.escalation_id, alert_id],
            )  # fmt: skip
    return _count(con, "SELECT count(*) FROM alerts") - before


def escalations_by_id(con: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> dict[str, Escalation]:
    if not ids:
        return {}
    rows = con.execute(
        "SELECT escalation_id, region, action, period_start, article_id, sentence, actor, "
        "outlets, first_ever FROM demand_escalation_alerts WHERE escalation_id IN "
        "(SELECT unnest(?::VARCHAR[]))",
        [list(ids)],
    ).fetchall()
    return {
        r[0]: Escalation(
            escalation_id=r[0],
            region=r[1],
            action=r[2],
            period_start=r[3],
            article_id=r[4],
            sentence=r[5],
            actor=r[6],
            outlets=int(r[7]),
            first_ever=bool(r[8]),
        )
        for r in rows
    }


@dataclass(frozen=True, slots=True)
class ClaimsRematch:
    articles: int
    added: int
    removed: int
    kept: int
    rules_version: str


def rematch_claims(
    con: duckdb.DuckDBPyConnection,
    read: Callable[[list[str], str, str, str | None], Sequence[DemandClaim]],
    rules_version: str,
    since: datetime | None = None,
) -> ClaimsRematch:
    """Read the claims of stored articles again (after a change of rules, gazetteer or
    claims.yaml) with `read(topics matched, title, text, lang)`; store what changed. Claims no
    longer read are deleted, new ones added, kept ones take the new sentence and version. No
    alert is queued: an escalation is news only when its first article lands."""
    where, params = "a.extract_status = 'ok'", []
    if since is not None:
        where += " AND a.fetched_at >= ?"
        params.append(since)
    cur = con.execute(
        f"""SELECT a.article_id, a.title, a.text, a.lang,
                   list(m.topic) FILTER (WHERE m.topic IS NOT NULL)
            FROM articles a LEFT JOIN matches m USING (article_id)
            WHERE {where} GROUP BY ALL ORDER BY a.article_id""",
        params,
    )
    now = datetime.now(UTC)
    scanned: list[str] = []
    fresh: list[Article | _Stub] = []
    while rows := cur.fetchmany(2000):
        for article_id, title, text, lang, topics in rows:
            scanned.append(article_id)
            claims = tuple(read(list(topics or []), title or "", text or "", lang))
            if claims:
                fresh.append(_Stub(article_id, claims))
    con.register("_fresh_claims", claims_table(fresh, now))
    con.register("_scanned", pa.table({"article_id": pa.array(scanned, pa.string())}))

    def rewrite(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
        gone = """FROM demand_claims d
            WHERE d.article_id IN (SELECT article_id FROM _scanned)
              AND NOT EXISTS (SELECT 1 FROM _fresh_claims f WHERE f.article_id = d.article_id
                              AND f.region = d.region AND f.action = d.action)"""
        removed = _count(con, f"SELECT count(*) {gone}")
        con.execute(f"DELETE {gone}")
        before = _count(con, "SELECT count(*) FROM demand_claims")
        con.execute(
            """MERGE INTO demand_claims d USING _fresh_claims f
               ON d.article_id = f.article_id AND d.region = f.region AND d.action = f.action
               WHEN MATCHED THEN UPDATE SET actor = f.actor, sentence = f.sentence,
                   field = f.field, start_char = f.start_char, end_char = f.end_char,
                   lang = f.lang, cue = f.cue, rules_version = f.rules_version
               WHEN NOT MATCHED THEN INSERT VALUES (f.article_id, f.region, f.action, f.actor,
                   f.sentence, f.field, f.start_char, f.end_char, f.lang, f.cue,
                   f.rules_version, f.claimed_at)"""
        )
        return removed, _count(con, "SELECT count(*) FROM demand_claims") - before

    try:
        removed, added = write_transaction(con, rewrite)
    finally:
        con.unregister("_fresh_claims")
        con.unregister("_scanned")
    kept = sum(len({(c.region, c.action) for c in a.claims}) for a in fresh) - added
    return ClaimsRematch(len(scanned), added, removed, kept, rules_version)


@dataclass(frozen=True, slots=True)
class _Stub:
    """What `claims_table` reads of an article."""

    article_id: str
    claims: tuple[DemandClaim, ...]
