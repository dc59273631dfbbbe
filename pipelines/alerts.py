"""Alert channels and the outbox sender.

Outbox rows are queued by `store.land_batch` in the same transaction as their match. This module
turns pending rows into messages and delivers them: `console://` prints to standard output (the
demo), every other URL goes through Apprise (Slack, Telegram, Discord, Teams, e-mail, json://
webhooks, ...). A failed delivery is retried later with exponential backoff; one channel being
down never blocks the others.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pipelines.config import AlertSettings, ChannelSettings
from pipelines.store import AlertOutcome, PendingAlert

CONSOLE_SCHEME = "console://"
_SECRET_IN_URL = re.compile(r"(://)([^/@\s]+)@|(/)([A-Za-z0-9_\-]{16,})")


@dataclass(frozen=True, slots=True)
class Message:
    title: str
    body: str


def redact(url: str) -> str:
    """Hide credentials and token-like path segments of a channel URL for logs and errors."""
    return _SECRET_IN_URL.sub(
        lambda m: f"{m.group(1)}***@" if m.group(1) else f"{m.group(3)}***", url
    )


def channel_topics(channels: dict[str, ChannelSettings]) -> dict[str, list[str]]:
    """The channel → topics mapping that landing uses to queue outbox rows."""
    return {name: list(ch.topics) for name, ch in channels.items()}


def format_message(alert: PendingAlert) -> Message:
    """A readable alert: topic, title, outlet(s), time, link, evidence snippet, entities."""
    outlet = ", ".join(alert.outlets) or alert.site_name or alert.feed_url or ""
    when = alert.published_at.strftime("%Y-%m-%d %H:%M UTC") if alert.published_at else "unknown"
    snippet = str(alert.evidence.get("snippet", "")).strip()
    entities = ", ".join(str(e) for e in alert.evidence.get("entities", []))
    lines = [
        f"{alert.title}",
        f"Outlet: {outlet}",
        f"Published: {when}",
        f"Link: {alert.url}",
        f"Rule: {alert.rule} (score {alert.score:g})",
    ]
    if snippet:
        lines.append(f"Why: {snippet}")
    if entities:
        lines.append(f"Entities: {entities}")
    return Message(title=f"[newswatch] {alert.topic}: {alert.title}", body="\n".join(lines))


Deliver = Callable[[str, Message], str | None]
"""Sends one message to one channel URL; returns None on success or an error text."""


def deliver(url: str, message: Message) -> str | None:
    """Deliver through Apprise (or print for console://); returns an error text on failure."""
    if url.startswith(CONSOLE_SCHEME):
        print(f"\n🔔 {message.title}\n{message.body}\n", flush=True)
        return None
    import apprise

    errors: list[str] = []

    class _Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                errors.append(record.getMessage())

    handler = _Capture()
    logger = logging.getLogger("apprise")
    logger.addHandler(handler)
    try:
        app = apprise.Apprise()
        if not app.add(url):
            return f"not a valid Apprise URL: {redact(url)}"
        ok = app.notify(title=message.title, body=message.body)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        logger.removeHandler(handler)
    if ok:
        return None
    detail = "; ".join(errors[-2:]) or "the service refused the notification"
    return redact(detail)


def send_pending(
    alerts: Sequence[PendingAlert],
    settings: AlertSettings,
    *,
    now: datetime | None = None,
    deliver_fn: Deliver = deliver,
) -> list[AlertOutcome]:
    """Try each pending alert once; returns outcomes to record in the outbox.

    A channel that fails once in this call is not tried again in the same call (its other
    alerts are rescheduled), so a dead endpoint costs one timeout per run, not one per alert.
    """
    now = now or datetime.now(UTC)
    outcomes: list[AlertOutcome] = []
    down: dict[str, str] = {}
    for alert in alerts:
        channel = settings.channels.get(alert.channel)
        if channel is None:
            outcomes.append(
                AlertOutcome(
                    alert.alert_id,
                    False,
                    f"channel {alert.channel!r} is no longer configured",
                    None,
                    True,
                )
            )
            continue
        error = down.get(alert.channel)
        if error is None:
            error = deliver_fn(channel.url, format_message(alert))
            if error is not None:
                down[alert.channel] = error
        if error is None:
            outcomes.append(AlertOutcome(alert.alert_id, True))
            continue
        attempts = alert.attempts + 1
        give_up = attempts >= settings.max_attempts
        delay = settings.retry_base_s * (2 ** (attempts - 1))
        outcomes.append(
            AlertOutcome(
                alert.alert_id,
                False,
                error,
                None if give_up else now + timedelta(seconds=delay),
                give_up,
            )
        )
    return outcomes
