"""Alert channels and the outbox sender.

Outbox rows are queued by `store.land_batch` in the same transaction as their match, one per
(story, topic, channel). This module turns pending rows into messages and delivers them:

- `console://` prints to standard output (the demo);
- `webhook+https://host/path` (or `webhook+http://`) POSTs newswatch's own versioned JSON
  payload (see docs/ALERTS.md) with the alert id as `Idempotency-Key`;
- every other URL goes through Apprise (Slack, Telegram, Discord, Teams, e-mail, json://, …).

A failed delivery is retried later with exponential backoff; a channel that fails is not tried
again in the same pass, so a dead endpoint costs one timeout per run and never blocks the other
channels. Sending is planned (`plan_deliveries`), the planned alerts are claimed in the
outbox (`pipelines.alerts.outbox`), then sent (`run_deliveries`): what happens to an alert
whose sender died between sending and recording is decided there, per channel.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pipelines.alerts.channels import Deliver, deliver
from pipelines.alerts.messages import Message, digest_message, format_message
from pipelines.config import AlertSettings
from pipelines.store import AlertOutcome, PendingAlert


def _retry(
    alert: PendingAlert,
    error: str,
    settings: AlertSettings,
    now: datetime,
) -> AlertOutcome:
    attempts = alert.attempts + 1
    give_up = attempts >= settings.max_attempts
    delay = settings.retry_base_s * (2 ** (attempts - 1))
    return AlertOutcome(
        alert.alert_id, False, error, None if give_up else now + timedelta(seconds=delay), give_up
    )


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message to send: a single alert, or a digest of several for one channel."""

    channel: str
    url: str
    alerts: tuple[PendingAlert, ...]
    digest: bool = False

    def message(self) -> Message:
        if self.digest:
            return digest_message(self.channel, self.alerts)
        return format_message(self.alerts[0])


def plan_deliveries(
    alerts: Sequence[PendingAlert],
    settings: AlertSettings,
    *,
    now: datetime | None = None,
    sent_last_hour: dict[tuple[str, str], int] | None = None,
) -> tuple[list[Delivery], list[AlertOutcome]]:
    """Decide what to send now: the deliveries, and the outcomes of alerts not sent now.

    `sent_last_hour` counts alerts already sent per (channel, topic) in the past hour, for the
    per-topic rate limit: alerts over the limit are deferred (not dropped) to the next hour.
    Channels in digest mode send one message for all their due alerts once the oldest has
    waited `digest_minutes`. Alerts for a channel no longer configured are given up.
    """
    now = now or datetime.now(UTC)
    counts = defaultdict(int, sent_last_hour or {})
    outcomes: list[AlertOutcome] = []
    deliveries: list[Delivery] = []
    by_channel: dict[str, list[PendingAlert]] = defaultdict(list)
    for alert in alerts:
        by_channel[alert.channel].append(alert)
    for name, queued in by_channel.items():
        channel = settings.channels.get(name)
        if channel is None:
            outcomes += [
                AlertOutcome(
                    a.alert_id, False, f"channel {name!r} is no longer configured", None, True
                )
                for a in queued
            ]
            continue
        ready: list[PendingAlert] = []
        for alert in queued:
            key = (name, alert.topic)
            if channel.max_per_hour and counts[key] >= channel.max_per_hour:
                outcomes.append(
                    AlertOutcome(
                        alert.alert_id, False, None, now + timedelta(hours=1), False, deferred=True
                    )
                )
                continue
            counts[key] += 1
            ready.append(alert)
        if not ready:
            continue
        if channel.digest_minutes:
            oldest = min(a.created_at for a in ready)
            if now - oldest >= timedelta(minutes=channel.digest_minutes):
                deliveries.append(Delivery(name, channel.url, tuple(ready), digest=True))
            continue
        deliveries += [Delivery(name, channel.url, (a,)) for a in ready]
    return deliveries, outcomes


def run_deliveries(
    deliveries: Sequence[Delivery],
    settings: AlertSettings,
    *,
    now: datetime | None = None,
    deliver_fn: Deliver = deliver,
) -> list[AlertOutcome]:
    """Send each delivery once, in order. After a channel fails, its remaining deliveries in
    this pass get the same error without being tried, so a dead endpoint costs one timeout."""
    now = now or datetime.now(UTC)
    down: dict[str, str] = {}
    outcomes: list[AlertOutcome] = []
    for d in deliveries:
        error = down.get(d.channel) or deliver_fn(d.url, d.message())
        if error is not None:
            down[d.channel] = error
        outcomes += delivery_outcomes(d, error, settings, now)
    return outcomes


def delivery_outcomes(
    delivery: Delivery, error: str | None, settings: AlertSettings, now: datetime
) -> list[AlertOutcome]:
    """The outcome of each alert of a delivery that was sent (`error` None) or failed."""
    if error is None:
        return [AlertOutcome(a.alert_id, True) for a in delivery.alerts]
    return [_retry(a, error, settings, now) for a in delivery.alerts]


def send_pending(
    alerts: Sequence[PendingAlert],
    settings: AlertSettings,
    *,
    now: datetime | None = None,
    sent_last_hour: dict[tuple[str, str], int] | None = None,
    deliver_fn: Deliver = deliver,
) -> list[AlertOutcome]:
    """Plan and send in one step (no outbox claims: for tests and one-off use)."""
    now = now or datetime.now(UTC)
    deliveries, outcomes = plan_deliveries(alerts, settings, now=now, sent_last_hour=sent_last_hour)
    return outcomes + run_deliveries(deliveries, settings, now=now, deliver_fn=deliver_fn)
