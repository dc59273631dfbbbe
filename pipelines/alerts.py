"""Alert channels and the outbox sender.

Outbox rows are queued by `store.land_batch` in the same transaction as their match, one per
(story, topic, channel). This module turns pending rows into messages and delivers them:

- `console://` prints to standard output (the demo);
- `webhook+https://host/path` (or `webhook+http://`) POSTs newswatch's own versioned JSON
  payload (see docs/ALERTS.md) with the alert id as `Idempotency-Key`;
- every other URL goes through Apprise (Slack, Telegram, Discord, Teams, e-mail, json://, …).

A failed delivery is retried later with exponential backoff; a channel that fails is not tried
again in the same pass, so a dead endpoint costs one timeout per run and never blocks the other
channels. Sending is planned (`plan_deliveries`), the planned alerts are claimed in the outbox
(`pipelines.outbox`), then sent (`run_deliveries`): what happens to an alert whose sender died
between sending and recording is decided there, per channel.
"""

from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

from pipelines.config import AlertSettings, ChannelSettings
from pipelines.store import AlertOutcome, PendingAlert

CONSOLE_SCHEME = "console://"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x9b]")
"""Terminal control characters (escape sequences) that article text must not send to a console."""
WEBHOOK_PREFIX = "webhook+"
PAYLOAD_SCHEMA_VERSION = 1
_URL_IN_TEXT = re.compile(r"\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>]*[^\s'\"<>.,:;!?)\]]")
_HOST_PORT = re.compile(
    r"(\[[0-9A-Fa-f:.]+\]|localhost|[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+)(:\d{1,5})?"
)
_MENTION = re.compile(r"<@|@(?=(?:everyone|here|channel|all)\b)", re.IGNORECASE)
_DATA_SCHEMES = ("json", "jsons", "xml", "xmls", "form", "forms")
"""Apprise channels that post the message as data to a program, not to people in a chat."""
_MARKDOWN_CHATS = ("discord", "mmost", "mmosts", "rocket", "rockets")
"""Services that render Markdown in a plain-text message (Apprise passes the text through):
article text sent there is backslash-escaped, so `[click](http://…)` or `**x**` in a title
stays literal instead of becoming a masked link or formatting."""
_TOKEN_IN_TEXT = re.compile(
    r"\d{5,}:[A-Za-z0-9_\-]{20,}"  # Telegram-style bot tokens
    r"|(?<!//)(?<=/)[A-Za-z0-9_\-.~:%]{16,}"  # long token-like path segments outside URLs
)


@dataclass(frozen=True, slots=True)
class Message:
    title: str
    body: str
    payload: dict[str, Any]


def _redact_url(url: str) -> str:
    """A channel URL with only what identifies the service left: the scheme, a real host
    name and port, and query keys.

    Channel URLs carry their secrets in every other part: user and password, a token as
    the "host" (Telegram's `tgram://BOT_TOKEN/CHAT`, Slack's `slack://T/B/TOKEN`), path
    segments (webhook tokens, ntfy topics), query values (`?token=`, `?+X-Token=`) and the
    fragment.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return f"{url.split('://', 1)[0]}://***"
    userinfo, _, host = parts.netloc.rpartition("@")
    netloc = ("***@" if userinfo else "") + (host if _HOST_PORT.fullmatch(host) else "***")
    path = "/".join("***" if seg else "" for seg in parts.path.split("/"))
    query = "&".join(
        f"{pair.partition('=')[0]}=***" if "=" in pair else "***"
        for pair in parts.query.split("&")
        if pair
    )
    return (
        f"{parts.scheme}://{netloc}{path}"
        + (f"?{query}" if query else "")
        + ("#***" if parts.fragment else "")
    )


def redact(text: str) -> str:
    """Hide the secrets of channel URLs inside any text: every URL is reduced to its
    service (see `_redact_url`), and token-shaped words elsewhere are masked."""
    return _TOKEN_IN_TEXT.sub("***", _URL_IN_TEXT.sub(lambda m: _redact_url(m.group(0)), text))


def _secrets_of(url: str) -> list[str]:
    """The parts of one channel URL that `_redact_url` hides, as they may appear in a
    library's message (raw or percent-decoded), longest first; short ones are left to
    `redact` so that ordinary words in error texts survive."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return [url]
    userinfo, _, host = parts.netloc.rpartition("@")
    found = [*userinfo.split(":"), *parts.path.split("/"), parts.fragment]
    found += [pair.partition("=")[2] for pair in parts.query.split("&")]
    if not _HOST_PORT.fullmatch(host):
        found.append(host)
    variants = {v for part in found for v in (part, unquote(part)) if len(v) >= 6}
    return sorted(variants, key=len, reverse=True)


def _redactor(url: str) -> Callable[[str], str]:
    """Masks this channel URL's own secrets wherever they appear, then applies `redact`."""
    secrets = _secrets_of(url)

    def clean(text: str) -> str:
        for secret in secrets:
            text = text.replace(secret, "***")
        return redact(text)

    return clean


_CHANNEL_LOGGERS = ("apprise", "httpx", "urllib3.connectionpool")
"""Libraries that log request URLs (at INFO and DEBUG) while a channel is used."""


class _RedactRecords(logging.Filter):
    def __init__(self, clean: Callable[[str], str]) -> None:
        super().__init__()
        self.clean = clean

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self.clean(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


@contextmanager
def _library_logs_redacted(clean: Callable[[str], str]) -> Iterator[None]:
    """While one channel is used, what its libraries log goes through `clean` first."""
    redactor = _RedactRecords(clean)
    loggers = [logging.getLogger(name) for name in _CHANNEL_LOGGERS]
    for logger in loggers:
        logger.addFilter(redactor)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(redactor)


def channel_topics(channels: dict[str, ChannelSettings]) -> dict[str, list[str]]:
    """The channel → topics mapping that landing uses to queue outbox rows."""
    return {name: list(ch.topics) for name, ch in channels.items()}


def payload(alert: PendingAlert) -> dict[str, Any]:
    """The documented, versioned JSON body of one alert (webhook channels, events)."""
    return {
        "schema_version": PAYLOAD_SCHEMA_VERSION,
        "alert_id": alert.alert_id,
        "topic": alert.topic,
        "article": {
            "id": alert.article_id,
            "title": alert.title,
            "url": alert.url,
            "outlet": alert.site_name or alert.feed_url,
            "published_at": alert.published_at.isoformat() if alert.published_at else None,
        },
        "story_id": alert.story_id,
        "outlets": alert.outlets,
        "rule": alert.rule,
        "score": alert.score,
        "snippet": alert.evidence.get("snippet", ""),
        "hits": [
            {k: h.get(k) for k in ("term", "query", "field", "entity")}
            for h in alert.evidence.get("hits", [])
        ],
        "entities": alert.evidence.get("entities", []),
    }


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
    return Message(f"[newswatch] {alert.topic}: {alert.title}", "\n".join(lines), payload(alert))


def digest_message(channel: str, alerts: Sequence[PendingAlert]) -> Message:
    """One message for several alerts (digest mode)."""
    parts = [format_message(a) for a in alerts]
    topics = sorted({a.topic for a in alerts})
    body = "\n\n".join(f"• {m.title}\n{m.body}" for m in parts)
    return Message(
        f"[newswatch] {len(alerts)} new matches ({', '.join(topics)})",
        body,
        {
            "schema_version": PAYLOAD_SCHEMA_VERSION,
            "digest": True,
            "channel": channel,
            "alerts": [m.payload for m in parts],
        },
    )


Deliver = Callable[[str, Message], str | None]
"""Sends one message to one channel URL; returns None on success or an error text."""


def _deliver_webhook(url: str, message: Message) -> str | None:
    import httpx

    target = url[len(WEBHOOK_PREFIX) :]
    key = message.payload.get("alert_id") or ",".join(
        a["alert_id"] for a in message.payload.get("alerts", [])
    )
    try:
        resp = httpx.post(
            target,
            content=json.dumps(message.payload, ensure_ascii=False).encode("utf-8"),
            headers={
                "Content-Type": "application/json",
                "Idempotency-Key": key,
                "User-Agent": "newswatch-alerts/1",
            },
            timeout=15,
        )
    except httpx.HTTPError as exc:
        return redact(f"{type(exc).__name__}: {exc}")
    if resp.status_code >= 300:
        return f"webhook answered HTTP {resp.status_code}"
    return None


def _defuse_mentions(text: str) -> str:
    """Article text must not ping a whole chat: `@everyone`, `@here`, `@channel`, `@all`
    and Discord's `<@id>` get a zero-width space after their `@` (or `<`), which the services
    do not read as a mention and readers do not see. (Discord and Mattermost read mentions in
    plain text.)"""
    return _MENTION.sub(lambda m: "<\u200b@" if m.group(0) == "<@" else "@\u200b", text)


def _deliver_apprise(url: str, message: Message) -> str | None:
    """Send through Apprise. The message is declared plain text, so Apprise escapes it for
    each service's own format (HTML for Telegram and e-mail, Slack's `&lt;` entities with
    mrkdwn off): article text can never become markup, links or `<!channel>` pings there.
    """
    import apprise
    from apprise import NotifyFormat

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
        scheme = url.partition("://")[0].lower()
        title, body = message.title, message.body
        if scheme in _MARKDOWN_CHATS:
            from apprise.conversion import text_to_markdown

            title, body = text_to_markdown(title), text_to_markdown(body)
        if scheme not in _DATA_SCHEMES:
            title, body = _defuse_mentions(title), _defuse_mentions(body)
        ok = app.notify(title=title, body=body, body_format=NotifyFormat.TEXT)
    except Exception as exc:
        return redact(f"{type(exc).__name__}: {exc}")
    finally:
        logger.removeHandler(handler)
    if ok:
        return None
    return redact("; ".join(errors[-2:]) or "the service refused the notification")


def deliver(url: str, message: Message) -> str | None:
    """Deliver one message to one channel URL; returns an error text (secrets redacted).

    The channel's secrets are also kept out of what the HTTP and notification libraries log
    meanwhile (request URLs, connection errors)."""
    if url.startswith(CONSOLE_SCHEME):
        text = _CONTROL.sub("", f"\n🔔 {message.title}\n{message.body}\n")
        print(text, flush=True)
        return None
    clean = _redactor(url)
    with _library_logs_redacted(clean):
        if url.startswith(WEBHOOK_PREFIX):
            error = _deliver_webhook(url, message)
        else:
            error = _deliver_apprise(url, message)
    return None if error is None else clean(error)


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
        if error is None:
            outcomes += [AlertOutcome(a.alert_id, True) for a in d.alerts]
        else:
            down[d.channel] = error
            outcomes += [_retry(a, error, settings, now) for a in d.alerts]
    return outcomes


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
