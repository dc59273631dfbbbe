"""The "Operations" page: feed health, recent runs with their figures, alerts not yet sent."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

RUNS_SHOWN = 20
ALERTS_SHOWN = 50


@dataclass(frozen=True, slots=True)
class FeedRow:
    name: str
    feed_url: str
    health: str
    """healthy, quiet (nothing new for a week), failing or disabled: the feed_health view."""
    last_status: str | None
    last_http_status: int | None
    problem: str | None
    consecutive_failures: int
    items_seen: int
    last_polled_at: datetime | None
    next_poll_at: datetime | None


@dataclass(frozen=True, slots=True)
class RunRow:
    run_id: str
    started_at: datetime
    finished_at: datetime | None
    feeds_polled: int
    feeds_failed: int
    new_entries: int
    articles_landed: int
    new_matches: int
    alerts_sent: int
    alerts_failed: int
    flow_run_id: str | None

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


@dataclass(frozen=True, slots=True)
class AlertRow:
    alert_id: str
    article_id: str
    title: str
    topic: str
    channel: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime | None


@dataclass(frozen=True, slots=True)
class Operations:
    feeds: tuple[FeedRow, ...]
    health_counts: dict[str, int]
    runs: tuple[RunRow, ...]
    alerts: tuple[AlertRow, ...]
    alert_counts: dict[str, int]
    """Alerts per status (pending, failed, sent), over the whole outbox."""


def operations(con: duckdb.DuckDBPyConnection) -> Operations:
    feeds = tuple(
        FeedRow(
            name=r[0] or r[1],
            feed_url=r[1],
            health=r[2],
            last_status=r[3],
            last_http_status=r[4],
            problem=r[5],
            consecutive_failures=int(r[6] or 0),
            items_seen=int(r[7] or 0),
            last_polled_at=r[8],
            next_poll_at=r[9],
        )
        for r in con.execute(
            """
            SELECT name, feed_url, health, last_status, last_http_status,
                   coalesce(disabled_reason, last_error), consecutive_failures, items_seen,
                   last_polled_at, next_poll_at
            FROM feed_health
            ORDER BY CASE health WHEN 'failing' THEN 0 WHEN 'disabled' THEN 1
                                 WHEN 'quiet' THEN 2 ELSE 3 END, name
            """
        ).fetchall()
    )
    counts: dict[str, int] = {}
    for f in feeds:
        counts[f.health] = counts.get(f.health, 0) + 1
    runs = tuple(
        _run(r)
        for r in con.execute(
            "SELECT run_id, started_at, finished_at, summary FROM runs "
            "ORDER BY started_at DESC LIMIT $n",
            {"n": RUNS_SHOWN},
        ).fetchall()
    )
    alerts = tuple(
        AlertRow(
            alert_id=r[0],
            article_id=r[1],
            title=r[2] or "(no title)",
            topic=r[3],
            channel=r[4],
            status=r[5],
            attempts=int(r[6]),
            last_error=r[7],
            created_at=r[8],
            next_attempt_at=r[9],
        )
        for r in con.execute(
            """
            WITH unsent AS (
                SELECT * FROM alerts WHERE status <> 'sent'
                ORDER BY status = 'failed' DESC, created_at DESC LIMIT $n
            )
            SELECT al.alert_id, al.article_id, a.title, al.topic, al.channel, al.status,
                   al.attempts, al.last_error, al.created_at, al.next_attempt_at
            FROM unsent al LEFT JOIN articles a USING (article_id)
            ORDER BY al.status = 'failed' DESC, al.created_at DESC
            """,
            {"n": ALERTS_SHOWN},
        ).fetchall()
    )
    alert_counts = dict(
        con.execute("SELECT status, count(*) FROM alerts GROUP BY ALL ORDER BY 1").fetchall()
    )
    return Operations(feeds, counts, runs, alerts, alert_counts)


_PREFECT_RUN_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
"""A run is recorded under its Prefect flow-run id (a UUID written with dashes) when Prefect
ran it, and under a plain hex id when it ran without a Prefect API."""


def _number(summary: dict[str, Any], key: str) -> int:
    value = summary.get(key)
    return int(value) if isinstance(value, int | float) else 0


def _run(row: tuple[Any, ...]) -> RunRow:
    try:
        summary = json.loads(row[3]) if row[3] else {}
    except json.JSONDecodeError:
        summary = {}
    if not isinstance(summary, dict):
        summary = {}
    match_counts = summary.get("new_match_counts")
    new_matches = (
        sum(int(v) for v in match_counts.values() if isinstance(v, int | float))
        if isinstance(match_counts, dict)
        else 0
    )
    return RunRow(
        run_id=row[0],
        started_at=row[1],
        finished_at=row[2],
        feeds_polled=_number(summary, "feeds_polled"),
        feeds_failed=_number(summary, "feeds_failed"),
        new_entries=_number(summary, "new_entries"),
        articles_landed=_number(summary, "articles_landed"),
        new_matches=new_matches,
        alerts_sent=_number(summary, "alerts_sent"),
        alerts_failed=_number(summary, "alerts_failed"),
        flow_run_id=row[0] if _PREFECT_RUN_ID.fullmatch(row[0]) else None,
    )
