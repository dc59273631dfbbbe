"""Delivering one message to one channel URL: console, newswatch webhooks, or Apprise."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Callable

from pipelines.alerts.messages import Message, _defuse_mentions
from pipelines.alerts.redact import _library_logs_redacted, _redactor, redact
from pipelines.config import ChannelSettings
from pipelines.errors import AlertError

Deliver = Callable[[str, Message], str | None]
"""A channel sender: (channel URL, message) → error text or None."""

CONSOLE_SCHEME = "console://"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x9b]")
"""Terminal control characters (escape sequences) that article text must not send to a console."""
WEBHOOK_PREFIX = "webhook+"
_DATA_SCHEMES = ("json", "jsons", "xml", "xmls", "form", "forms")
"""Apprise channels that post the message as data to a program, not to people in a chat."""
_MARKDOWN_CHATS = ("discord", "mmost", "mmosts", "rocket", "rockets")
"""Services that render Markdown in a plain-text message (Apprise passes the text through):
article text sent there is backslash-escaped, so `[click](http://…)` or `**x**` in a title
stays literal instead of becoming a masked link or formatting."""


def channel_named(channels: dict[str, ChannelSettings], name: str) -> ChannelSettings:
    """The configured channel `name`; raises AlertError naming the ones there are."""
    if name not in channels:
        raise AlertError(f"no channel {name!r}; configured: {', '.join(channels) or 'none'}")
    return channels[name]


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
        # Straight to standard output, not `print`: a Prefect flow with `log_prints` would turn
        # print into a log record, which the CLI keeps quiet.
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
        return None
    clean = _redactor(url)
    with _library_logs_redacted(clean):
        if url.startswith(WEBHOOK_PREFIX):
            error = _deliver_webhook(url, message)
        else:
            error = _deliver_apprise(url, message)
    return None if error is None else clean(error)
