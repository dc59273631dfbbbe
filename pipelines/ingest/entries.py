"""Feed entries → `FeedItem`s: the one path from an entry, RSS, Atom or JSON Feed, to the
item a run fetches, and the `ParsedFeed` a poll gets back."""

from __future__ import annotations

import hashlib
from calendar import timegm
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

from pipelines.ingest.identity import canonical_url
from pipelines.ingest.text import capped_id, strip_control
from pipelines.models import FeedItem

MAX_NAME_BYTES = 256
"""Names (author, e-mail, …) are cut to this many bytes (`feeds` cuts them before parsing)."""
FUTURE_SLACK = timedelta(days=1)
"""A publication date later than now by more than this is no date (year 9999 would head
every newest-first view for ever); within it, time zones written wrong."""
MAX_URL_CHARS = 16 * 1024
"""A longer entry link is no article's address (an XML feed's text runs are cut there too)."""


@dataclass(slots=True)
class ParsedFeed:
    items: list[FeedItem] = field(default_factory=list)
    title: str | None = None
    warning: str | None = None
    error: str | None = None
    listed: int = 0
    """Entries the document lists: more than were read when it is longer than `max_items`."""
    offset: int = 0
    """Index of the first entry read (`skip`, or 0 when the document has fewer entries)."""


def entry_time(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                return datetime.fromtimestamp(timegm(value), UTC)
            except (OverflowError, ValueError, TypeError):
                continue
    return None


def item_urls(feed_url: str, link: str) -> tuple[str, str] | None:
    """The absolute URL of an entry link and its canonical form; None unless it is a valid
    http(s) URL with a host and a port other than 0 (urllib raises ValueError on e.g. '[' in
    a host or a bad port) of at most MAX_URL_CHARS. Credentials in it (`user:pass@`, a way to
    make `evil@host` look like `evil`) are dropped: a feed never makes newswatch send any."""
    if len(link) > MAX_URL_CHARS:
        return None
    try:
        url = urljoin(feed_url, link.strip())
        parts = urlsplit(url)
        if not url.startswith(("http://", "https://")) or not parts.hostname or parts.port == 0:
            return None
        if parts.username is not None or parts.password is not None:  # never sent on
            url = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
        return url, canonical_url(url)
    except ValueError:
        return None


def feed_items(
    entries: Sequence[Mapping[str, Any]], feed_url: str
) -> tuple[list[FeedItem], list[str]]:
    """The items of feed entries (feedparser's, or `jsonfeed`'s of the same shape): one per
    canonical URL, in the feed's order; and what was skipped, said."""
    items: list[FeedItem] = []
    seen: set[str] = set()
    bad_links = no_link = future = 0
    latest = datetime.now(UTC) + FUTURE_SLACK
    for entry in entries:
        link = entry.get("link") or ""
        if not link and entry.get("links"):
            link = entry["links"][0].get("href", "")
        if entry.get("guidislink") and not link.strip().lower().startswith(("http:", "https:")):
            link = ""  # feedparser's stand-in from an id that is no URL ("g-12"): no page
        if not link:
            no_link += 1
            continue
        urls = item_urls(feed_url, link)
        if urls is None:
            bad_links += 1
            continue
        url, canonical = urls
        if canonical in seen:
            continue
        seen.add(canonical)
        title = strip_control(entry.get("title") or "").strip()[:1000]
        published = entry_time(entry)
        if published is not None and published > latest:
            future += 1
            published = None
        guid = capped_id(
            (entry.get("id") or "").strip()
            or url
            or hashlib.sha256(f"{title}{published}".encode()).hexdigest()
        )
        author = strip_control(entry.get("author") or "").strip()[:MAX_NAME_BYTES] or None
        items.append(
            FeedItem(
                feed_url=feed_url,
                guid=guid,
                url=url,
                canonical_url=canonical,
                title=title,
                summary=strip_control(entry.get("summary") or "")[:2000],
                published_at=published,
                author=author,
            )
        )
    skipped = []
    if no_link:
        skipped.append(f"skipped {_entries(no_link)} without a link to an article page")
    if bad_links:
        skipped.append(f"skipped {_entries(bad_links)} whose link is not a valid http(s) URL")
    if future:
        skipped.append(
            f"{_entries(future)} dated more than a day ahead: read as undated (the page's "
            "own date, or the time it is fetched, stands for it)"
        )
    return items, skipped


def more_listed(listed: int, skip: int, max_items: int) -> str:
    return (
        f"the feed lists {listed:,} entries, of which {skip + 1:,}-{skip + max_items:,} "
        f"were read (poll.max_items_per_feed: {max_items}): the "
        f"{listed - skip - max_items:,} more are read by the next polls while the feed "
        "still lists them"
    )


def _entries(n: int) -> str:
    return "1 entry" if n == 1 else f"{n:,} entries"
