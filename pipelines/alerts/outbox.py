"""Outbox claims: each alert is claimed before it is handed to a channel, so it goes out once.

Sending happens outside any database transaction (a slow channel must not hold the file), which
leaves two windows where an alert could go out twice:

- two runs draining the outbox at the same time: each claims an alert (one delivery at a time,
  just before handing it over) in a transaction, and skips alerts another live sender holds;
- a sender that dies after the channel accepted a message but before the outcome was recorded:
  the next run finds the alert still pending with an abandoned claim. The outcome is unknown,
  so the channel's policy decides (`ChannelSettings.resend_interrupted`): send again (at least
  once; the default for webhook+ channels, whose Idempotency-Key lets the receiver drop the
  duplicate, and for the console), or hold the alert as 'uncertain' (at most once; the default
  for the others) for a person to resend with `newswatch alerts retry`.

As the sender records each outcome before claiming the next delivery, a dead sender leaves
at most the one delivery it was handing over claimed; the alerts it never reached carry no
claim and are simply sent by the next run.

A claim is abandoned when its owner is a dead process on this host (known at once) or when it
is older than `AlertSettings.claim_ttl_s` (a sender on another host). Claims are released after
the outcomes are recorded; a claim left on an alert that is no longer pending is dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import duckdb

from pipelines.alerts import CONSOLE_SCHEME, WEBHOOK_PREFIX, Delivery
from pipelines.config import AlertSettings, ChannelSettings
from pipelines.store.leases import owner_is_dead
from pipelines.store.txn import write_transaction

UNCERTAIN = "uncertain"


def resends_interrupted(channel: ChannelSettings | None) -> bool:
    """Whether an alert whose delivery was interrupted is sent again on this channel."""
    if channel is None:
        return False
    if channel.resend_interrupted is not None:
        return channel.resend_interrupted
    # console: what a dead process printed is gone with it, printing again costs nothing.
    return channel.url.startswith((WEBHOOK_PREFIX, CONSOLE_SCHEME))


@dataclass(slots=True)
class ClaimReport:
    """What a sender may deliver, and what it found left behind by others."""

    deliveries: list[Delivery] = field(default_factory=list)
    resent_after_interruption: list[str] = field(default_factory=list)
    held_uncertain: list[str] = field(default_factory=list)
    in_flight_elsewhere: list[str] = field(default_factory=list)


def claim(
    con: duckdb.DuckDBPyConnection,
    deliveries: Sequence[Delivery],
    owner: str,
    settings: AlertSettings,
    now: datetime,
) -> ClaimReport:
    """Claim the alerts of `deliveries` for `owner` in one transaction; returns the deliveries
    cut down to the alerts this owner now holds (a digest keeps its claimed alerts)."""
    report = ClaimReport()
    ids = [a.alert_id for d in deliveries for a in d.alerts]
    if not ids:
        return report
    expired_before = now - timedelta(seconds=settings.claim_ttl_s)

    def attempt(con: duckdb.DuckDBPyConnection) -> tuple[ClaimReport, set[str]]:
        report = ClaimReport()
        held = {
            alert_id: (other, claimed_at)
            for alert_id, other, claimed_at in con.execute(
                "SELECT c.alert_id, c.owner, c.claimed_at FROM alert_claims c "
                "WHERE list_contains(?, c.alert_id)",
                [ids],
            ).fetchall()
        }
        mine: set[str] = set()
        uncertain: list[tuple[str, str]] = []
        for d in deliveries:
            for alert in d.alerts:
                claimant = held.get(alert.alert_id)
                if claimant is None or claimant[0] == owner:
                    mine.add(alert.alert_id)
                    continue
                other, claimed_at = claimant
                if not (owner_is_dead(other) or claimed_at < expired_before):
                    report.in_flight_elsewhere.append(alert.alert_id)
                elif resends_interrupted(settings.channels.get(d.channel)):
                    mine.add(alert.alert_id)
                    report.resent_after_interruption.append(alert.alert_id)
                else:
                    uncertain.append((alert.alert_id, _interrupted_note(other, claimed_at)))
                    report.held_uncertain.append(alert.alert_id)
        if uncertain:
            con.executemany(
                f"UPDATE alerts SET status = '{UNCERTAIN}', last_error = ? "
                "WHERE alert_id = ? AND status = 'pending'",
                [(note, alert_id) for alert_id, note in uncertain],
            )
            con.execute(
                "DELETE FROM alert_claims WHERE list_contains(?, alert_id)",
                [[alert_id for alert_id, _ in uncertain]],
            )
        if mine:
            claimed = sorted(mine)
            con.execute("DELETE FROM alert_claims WHERE list_contains(?, alert_id)", [claimed])
            con.execute(
                "INSERT INTO alert_claims SELECT unnest(?::VARCHAR[]), ?, ?", [claimed, owner, now]
            )
        return report, mine

    report, mine = write_transaction(con, attempt)
    for d in deliveries:
        kept = tuple(a for a in d.alerts if a.alert_id in mine)
        if kept:
            report.deliveries.append(Delivery(d.channel, d.url, kept, d.digest))
    return report


def _interrupted_note(owner: str, claimed_at: datetime) -> str:
    return (
        f"outcome unknown: the sender ({owner}) stopped after claiming this alert at "
        f"{claimed_at.isoformat(timespec='seconds')} and before recording the result; not "
        "resent, to avoid a duplicate. Check the channel, then `newswatch alerts retry` to "
        "send it again."
    )


def release(con: duckdb.DuckDBPyConnection, owner: str) -> None:
    """Drop this owner's claims, and any claim on an alert that is no longer pending."""

    def drop(con: duckdb.DuckDBPyConnection) -> None:
        con.execute("DELETE FROM alert_claims WHERE owner = ?", [owner])
        con.execute(
            "DELETE FROM alert_claims WHERE alert_id IN "
            "(SELECT alert_id FROM alerts WHERE status <> 'pending')"
        )

    write_transaction(con, drop)


def retry(
    con: duckdb.DuckDBPyConnection, alert_ids: Sequence[str], now: datetime, *, every: bool
) -> list[str]:
    """Put uncertain or given-up alerts back in the queue (all of them with `every`); returns
    their ids. Their attempt counts restart, so they get the full retry budget again."""

    def attempt(con: duckdb.DuckDBPyConnection) -> list[str]:
        query = f"SELECT alert_id FROM alerts WHERE status IN ('{UNCERTAIN}', 'failed')"
        params: list[object] = []
        if not every:
            query += " AND list_contains(?, alert_id)"
            params.append(list(alert_ids))
        ids = [r[0] for r in con.execute(query + " ORDER BY created_at", params).fetchall()]
        if ids:
            con.execute(
                "UPDATE alerts SET status = 'pending', attempts = 0, next_attempt_at = ? "
                "WHERE list_contains(?, alert_id)",
                [now, ids],
            )
            con.execute("DELETE FROM alert_claims WHERE list_contains(?, alert_id)", [ids])
        return ids

    return write_transaction(con, attempt)
