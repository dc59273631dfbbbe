"""Keeping channel secrets out of errors, summaries and library logs."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import unquote, urlsplit

_URL_IN_TEXT = re.compile(r"\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>]*[^\s'\"<>.,:;!?)\]]")
_HOST_PORT = re.compile(
    r"(\[[0-9A-Fa-f:.]+\]|localhost|[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+)(:\d{1,5})?"
)
_TOKEN_IN_TEXT = re.compile(
    r"\d{5,}:[A-Za-z0-9_\-]{20,}"  # Telegram-style bot tokens
    r"|(?<!//)(?<=/)[A-Za-z0-9_\-.~:%]{16,}"  # long token-like path segments outside URLs
)


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
