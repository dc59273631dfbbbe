"""What an alert says: the message text, newswatch's JSON payload, digests."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pipelines.config import ChannelSettings
from pipelines.models import Escalation
from pipelines.store import PendingAlert

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x9b]")
"""Terminal control characters (escape sequences) that article text must not send to a console."""
PAYLOAD_SCHEMA_VERSION = 1
_MENTION = re.compile(r"<@|@(?=(?:everyone|here|channel|all)\b)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Message:
    title: str
    body: str
    payload: dict[str, Any]


def channel_topics(channels: dict[str, ChannelSettings]) -> dict[str, list[str]]:
    """The channel → topics mapping that landing uses to queue match alerts (channels whose
    `kinds` include match)."""
    return {name: list(ch.topics) for name, ch in channels.items() if "match" in ch.kinds}


def escalation_channels(channels: dict[str, ChannelSettings]) -> list[str]:
    """The channels that get escalation alerts (`kinds` includes escalation)."""
    return [name for name, ch in channels.items() if "escalation" in ch.kinds]


ACTION_WORDS = {
    "withdraw": "Ukraine to withdraw",
    "recognise": "recognise as Russian / cede",
    "seize_threat": "threat to seize",
    "buffer_zone": "buffer zone",
    "other": "other claim",
}


def _article(alert: PendingAlert) -> dict[str, Any]:
    """The article an alert is about, as both payloads (match and escalation) carry it."""
    return {
        "id": alert.article_id,
        "title": alert.title,
        "url": alert.url,
        "outlet": alert.site_name or alert.feed_url,
        "published_at": alert.published_at.isoformat() if alert.published_at else None,
    }


def _escalation_payload(alert: PendingAlert, e: Escalation) -> dict[str, Any]:
    return {
        "schema_version": PAYLOAD_SCHEMA_VERSION,
        "alert_id": alert.alert_id,
        "kind": "escalation",
        "topic": alert.topic,
        "region": e.region,
        "action": e.action,
        "actor": e.actor,
        "first_ever": e.first_ever,
        "period_start": e.period_start.isoformat(),
        "sentence": e.sentence,
        "outlets_count": e.outlets,
        "article": _article(alert),
    }


def _escalation_message(alert: PendingAlert, e: Escalation) -> Message:
    novelty = "first time" if e.first_ever else "again after a quiet period"
    lines = [
        f"{e.region} — {ACTION_WORDS.get(e.action, e.action)} ({novelty}, since "
        f"{e.period_start:%Y-%m-%d})",
        f"Who: {e.actor}",
        f"Sentence: {e.sentence.strip()}",
        f"First article: {alert.title}",
        f"Outlets with this demand since {e.period_start:%Y-%m-%d}: {e.outlets}",
        f"Link: {alert.url}",
    ]
    return Message(
        f"[newswatch] escalation: {e.region} / {e.action}",
        "\n".join(lines),
        _escalation_payload(alert, e),
    )


def payload(alert: PendingAlert) -> dict[str, Any]:
    """The documented, versioned JSON body of one alert (webhook channels, events)."""
    if alert.escalation is not None:
        return _escalation_payload(alert, alert.escalation)
    return {
        "schema_version": PAYLOAD_SCHEMA_VERSION,
        "alert_id": alert.alert_id,
        "topic": alert.topic,
        "article": _article(alert),
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


def without_title(snippet: str, title: str | None) -> str:
    """The snippet without the headline it starts with, if it does.

    Extracted article text usually starts with the headline, so a snippet from its start
    repeats the alert's title (a paragraph mark ¶ after it). Hit marks ([ ]) in the headline
    are skipped while comparing; a snippet that is only the headline stays whole."""
    if not title:
        return snippet
    wanted = " ".join(title.split())
    matched = 0
    pos = 0
    while pos < len(snippet) and matched < len(wanted):
        char = snippet[pos]
        if char in "[]":
            pos += 1
            continue
        if char != wanted[matched]:
            return snippet
        matched += 1
        pos += 1
    while pos < len(snippet) and snippet[pos] == "]":
        pos += 1
    rest = snippet[pos:].lstrip(" .:–—-¶")
    dropped = snippet[:pos]
    if (
        matched < len(wanted)
        or not rest
        or snippet[pos : pos + 1] not in ("", " ")
        or dropped.count("[") != dropped.count("]")
    ):
        return snippet
    return rest


def format_message(alert: PendingAlert) -> Message:
    """A readable alert: the title (the message's title, not repeated in its body), outlet(s),
    time, link, rule, the evidence snippet (without the headline) and entities; for an
    escalation: region, action, who, the sentence, the first article, the outlets count."""
    if alert.escalation is not None:
        return _escalation_message(alert, alert.escalation)
    outlet = ", ".join(alert.outlets) or alert.site_name or alert.feed_url or ""
    when = alert.published_at.strftime("%Y-%m-%d %H:%M UTC") if alert.published_at else "unknown"
    snippet = without_title(str(alert.evidence.get("snippet", "")).strip(), alert.title)
    entities = ", ".join(str(e) for e in alert.evidence.get("entities", []))
    lines = [
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
    noun = "alerts" if any(a.escalation for a in alerts) else "matches"
    return Message(
        f"[newswatch] {len(alerts)} new {noun} ({', '.join(topics)})",
        body,
        {
            "schema_version": PAYLOAD_SCHEMA_VERSION,
            "digest": True,
            "channel": channel,
            "alerts": [m.payload for m in parts],
        },
    )


"""Sends one message to one channel URL; returns None on success or an error text."""


def _defuse_mentions(text: str) -> str:
    """Article text must not ping a whole chat: `@everyone`, `@here`, `@channel`, `@all`
    and Discord's `<@id>` get a zero-width space after their `@` (or `<`), which the services
    do not read as a mention and readers do not see. (Discord and Mattermost read mentions in
    plain text.)"""
    return _MENTION.sub(lambda m: "<\u200b@" if m.group(0) == "<@" else "@\u200b", text)
