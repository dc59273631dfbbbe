"""Alerts: `messages` (what an alert says), `channels` (delivering one message), `send`
(planning and sending the due outbox rows), `outbox` (claims, so no alert goes out twice),
`redact` (secrets kept out of every error and log)."""

from pipelines.alerts.channels import CONSOLE_SCHEME, WEBHOOK_PREFIX, channel_named, deliver
from pipelines.alerts.messages import (
    Message,
    channel_topics,
    escalation_channels,
    format_message,
    payload,
)
from pipelines.alerts.redact import redact
from pipelines.alerts.send import Delivery, plan_deliveries, run_deliveries, send_pending

__all__ = [
    "CONSOLE_SCHEME",
    "WEBHOOK_PREFIX",
    "Delivery",
    "Message",
    "channel_named",
    "channel_topics",
    "deliver",
    "escalation_channels",
    "format_message",
    "payload",
    "plan_deliveries",
    "redact",
    "run_deliveries",
    "send_pending",
]
