"""The alerts outbox as the sender reads and updates it: what is due, what happened."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import duckdb
import pyarrow as pa

from pipelines.models import (
    AlertOutcome,
    PendingAlert,
)
from pipelines.store.claims import escalations_by_id
from pipelines.store.connection import utc_now
from pipelines.store.landing import _TS
from pipelines.store.txn import write_transaction


def pending_alerts(
    con: duckdb.DuckDBPyConnection, now: datetime | None = None
) -> list[PendingAlert]:
    """Alerts waiting to be sent whose next attempt is due, with what a message needs."""
    now = now or utc_now()
    rows = con.execute(
        """
        SELECT al.alert_id, al.article_id, al.story_id, al.topic, al.channel, al.attempts,
               a.title, a.url, a.site_name, a.feed_url, a.published_at,
               m.rule, m.score, m.evidence,
               (SELECT list(DISTINCT coalesce(s.site_name, s.feed_url) ORDER BY
                            coalesce(s.site_name, s.feed_url))
                FROM articles s WHERE s.story_id = al.story_id) AS outlets,
               al.created_at, al.escalation_id
        FROM alerts al
        JOIN articles a USING (article_id)
        LEFT JOIN matches m ON m.article_id = al.article_id AND m.topic = al.topic
        WHERE al.status = 'pending' AND (al.next_attempt_at IS NULL OR al.next_attempt_at <= ?)
          AND (m.article_id IS NOT NULL OR al.kind = 'escalation')
        ORDER BY date_trunc('hour', al.created_at), coalesce(a.published_at, a.fetched_at),
                 al.article_id, al.kind = 'escalation', al.created_at, al.alert_id
        """,
        [now],
    ).fetchall()
    escalations = escalations_by_id(con, [r[16] for r in rows if r[16]])
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
            rule=r[11] or "",
            score=r[12] or 0.0,
            evidence=json.loads(r[13]) if r[13] else {},
            outlets=[o for o in (r[14] or []) if o],
            created_at=r[15],
            escalation=escalations.get(r[16]) if r[16] else None,
        )
        for r in rows
    ]


def record_alert_outcomes(con: duckdb.DuckDBPyConnection, outcomes: Sequence[AlertOutcome]) -> None:
    """Mark alerts sent, or count a failed attempt and schedule the retry, in one transaction."""
    if not outcomes:
        return
    now = utc_now()
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
    try:
        write_transaction(con, _apply_outcomes)
    finally:
        con.unregister("_outcomes")


def _apply_outcomes(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
            UPDATE alerts SET status = o.status, attempts = alerts.attempts + o.counted,
                   last_error = coalesce(o.error, alerts.last_error),
                   next_attempt_at = o.next_attempt_at, sent_at = o.sent_at
            FROM _outcomes o WHERE alerts.alert_id = o.alert_id AND alerts.status = 'pending'
            """
    )


def sent_last_hour(
    con: duckdb.DuckDBPyConnection, now: datetime | None = None
) -> dict[tuple[str, str], int]:
    """Alerts sent per (channel, topic) in the hour before `now`, for rate limits."""
    now = now or utc_now()
    rows = con.execute(
        "SELECT channel, topic, count(*) FROM alerts WHERE status = 'sent' "
        "AND sent_at > ? - INTERVAL 1 HOUR GROUP BY ALL",
        [now],
    ).fetchall()
    return {(r[0], r[1]): int(r[2]) for r in rows}
