"""Re-run the current rules over stored articles after a rule change.

Matches the new rules still produce are updated (rule, score, evidence, rules version);
new ones are added; ones no longer produced move to `match_history` with the version that
superseded them. A rematch never queues alerts: those are for news, not for re-labelling.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import duckdb
import pyarrow as pa

from pipelines.models import evidence_json
from pipelines.rules import RuleSet
from pipelines.store.txn import write_transaction

BATCH = 2000
_TS = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True, slots=True)
class RematchReport:
    articles: int
    added: int
    updated: int
    removed: int
    rules_version: str


def rematch(
    con: duckdb.DuckDBPyConnection,
    ruleset: RuleSet,
    since: date | None = None,
    topic: str | None = None,
) -> RematchReport:
    """Rematch articles fetched on or after `since` (all by default), for one topic or all."""
    known = {t.id for t in ruleset.topics}
    if topic is not None and topic not in known:
        from pipelines.errors import RuleError

        raise RuleError(f"unknown topic {topic!r}; the rules define: {', '.join(sorted(known))}")
    where = ["extract_status = 'ok'"]
    params: list[object] = []
    if since is not None:
        where.append("fetched_at >= ?")
        params.append(datetime(since.year, since.month, since.day, tzinfo=UTC))
    cur = con.execute(
        f"SELECT article_id, title, text, lang, published_at FROM articles "
        f"WHERE {' AND '.join(where)} "
        "ORDER BY article_id",
        params,
    )
    now = datetime.now(UTC)
    rows: dict[str, list] = {k: [] for k in ("article_id", "topic", "rule", "score", "evidence")}
    scanned: list[str] = []
    while batch := cur.fetchmany(BATCH):
        for article_id, title, text, lang, published_at in batch:
            scanned.append(article_id)
            for hit in ruleset.match(title or "", text or "", lang, published_at):
                if topic is not None and hit.topic != topic:
                    continue
                rows["article_id"].append(article_id)
                rows["topic"].append(hit.topic)
                rows["rule"].append(hit.rule)
                rows["score"].append(hit.score)
                rows["evidence"].append(evidence_json(hit.evidence))
    fresh = pa.table(
        {
            **rows,
            "rules_version": [ruleset.version] * len(rows["rule"]),
            "matched_at": pa.array([now] * len(rows["rule"]), type=_TS),
        }
    )
    topics = [topic] if topic else sorted(known)
    con.register("_fresh", fresh)
    con.register("_scanned", pa.table({"article_id": scanned}))
    con.register("_topics", pa.table({"topic": topics}))

    def rewrite(con: duckdb.DuckDBPyConnection) -> tuple[int, int, int]:
        gone = """FROM matches m
            WHERE m.article_id IN (SELECT article_id FROM _scanned)
              AND m.topic IN (SELECT topic FROM _topics)
              AND NOT EXISTS (SELECT 1 FROM _fresh f
                              WHERE f.article_id = m.article_id AND f.topic = m.topic)"""
        removed = _count(con, f"SELECT count(*) {gone}")
        con.execute(f"INSERT INTO match_history SELECT m.*, ?, ? {gone}", [now, ruleset.version])
        con.execute(f"DELETE {gone}")
        updated = _count(
            con,
            "SELECT count(*) FROM _fresh f JOIN matches m USING (article_id, topic) "
            "WHERE m.rules_version <> f.rules_version OR m.rule <> f.rule "
            "OR m.score <> f.score",
        )
        con.execute(
            """INSERT INTO match_history
               SELECT m.*, ?, ? FROM matches m JOIN _fresh f USING (article_id, topic)
               WHERE m.rules_version <> f.rules_version OR m.rule <> f.rule
                  OR m.score <> f.score""",
            [now, ruleset.version],
        )
        before = _count(con, "SELECT count(*) FROM matches")
        con.execute(
            """MERGE INTO matches m USING _fresh f
               ON m.article_id = f.article_id AND m.topic = f.topic
               WHEN MATCHED THEN UPDATE SET rule = f.rule, score = f.score,
                   evidence = f.evidence, rules_version = f.rules_version
               WHEN NOT MATCHED THEN INSERT VALUES (f.article_id, f.topic, f.rule, f.score,
                   f.evidence, f.rules_version, f.matched_at)"""
        )
        return removed, updated, _count(con, "SELECT count(*) FROM matches") - before

    try:
        removed, updated, added = write_transaction(con, rewrite)
    finally:
        for name in ("_fresh", "_scanned", "_topics"):
            con.unregister(name)
    return RematchReport(len(scanned), added, updated, removed, ruleset.version)


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0
