"""Feed bytes → feed items, with feedparser (which is never allowed to fetch anything itself)."""

from __future__ import annotations

import hashlib
from calendar import timegm
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from pipelines.identity import canonical_url
from pipelines.models import FeedItem


@dataclass(slots=True)
class ParsedFeed:
    items: list[FeedItem] = field(default_factory=list)
    title: str | None = None
    warning: str | None = None
    error: str | None = None


def _when(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                return datetime.fromtimestamp(timegm(value), UTC)
            except (OverflowError, ValueError, TypeError):
                continue
    return None


def parse_feed(
    content: bytes, headers: dict[str, str], feed_url: str, max_items: int = 200
) -> ParsedFeed:
    """Parse RSS/Atom bytes. Malformed feeds keep what is recoverable and carry a warning;
    a feed with no usable entry carries an error that says what was received."""
    if not content.strip():
        return ParsedFeed(error="feed returned an empty body")
    lowered = {k.lower(): v for k, v in headers.items()}
    parsed = feedparser.parse(
        content,
        response_headers=lowered,
        resolve_relative_uris=False,
        sanitize_html=False,
    )
    items: list[FeedItem] = []
    seen: set[str] = set()
    for entry in parsed.entries[:max_items]:
        link = entry.get("link") or ""
        if not link and entry.get("links"):
            link = entry["links"][0].get("href", "")
        if not link:
            continue
        url = urljoin(feed_url, link.strip())
        if not url.startswith(("http://", "https://")):
            continue
        canonical = canonical_url(url)
        if canonical in seen:
            continue
        seen.add(canonical)
        title = (entry.get("title") or "").strip()
        published = _when(entry)
        guid = (
            (entry.get("id") or "").strip()
            or url
            or hashlib.sha256(f"{title}{published}".encode()).hexdigest()
        )
        items.append(
            FeedItem(
                feed_url=feed_url,
                guid=guid,
                url=url,
                canonical_url=canonical,
                title=title,
                summary=(entry.get("summary") or "")[:2000],
                published_at=published,
                author=entry.get("author"),
            )
        )
    problem = None
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        problem = f"malformed feed: {type(exc).__name__}: {exc}" if exc else "malformed feed"
    title = parsed.feed.get("title") if parsed.get("feed") else None
    if not items:
        ctype = lowered.get("content-type", "unknown content type")
        reason = problem or "no entries with a link"
        return ParsedFeed(title=title, error=f"feed yielded no entries ({reason}; got {ctype})")
    return ParsedFeed(items=items, title=title, warning=problem)
