"""JSON Feed (https://jsonfeed.org, versions 1 and 1.1) → entries shaped as feedparser's.

feedparser 6 reads RSS and Atom only; a JSON Feed handed to it fails as "not well-formed
XML". `read_json_feed` turns the document into the entry mappings `feeds.parse_feed` already
reads (`link`, `id`, `title`, `summary`, `author`, `published_parsed`), so both formats share
one path from entry to `FeedItem`. The document is hostile input like any feed: every field
is type-checked, and nesting deep enough to exhaust the parser's recursion is an error, not a
crash.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pipelines.ingest.entries import ParsedFeed, feed_items, more_listed

_SURROGATE = re.compile("[\ud800-\udfff]")
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


@dataclass(slots=True)
class JsonFeed:
    entries: list[dict[str, Any]] = field(default_factory=list)
    title: str | None = None
    error: str | None = None
    """Why the document could not be read as a JSON Feed."""
    warning: str | None = None
    """What was wrong with a document that was read: entries left out, an unknown version."""


def looks_like_json(content: bytes, content_type: str) -> bool:
    """A JSON Feed by its first character (XML never opens with `{`), or by its media type
    (application/feed+json, application/json) unless it opens as markup: a server that
    labels its RSS as JSON is wrong about the label, not the bytes."""
    head = content[:64]
    for bom in _BOMS:
        head = head.removeprefix(bom)
    head = head.lstrip()
    return head.startswith(b"{") or ("json" in content_type.lower() and not head.startswith(b"<"))


def read_json_feed(content: bytes) -> JsonFeed:
    """The entries of a JSON Feed document, each as feedparser would give it."""
    try:
        data = json.loads(content)
    except RecursionError:
        return JsonFeed(error="not a JSON Feed: the JSON is nested too deeply to read")
    except ValueError as exc:  # JSONDecodeError, or bytes in no Unicode encoding
        return JsonFeed(error=f"not valid JSON ({exc})")
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        return JsonFeed(error="a JSON document, but not a JSON Feed: it has no `items` list")
    version = data.get("version")
    if not (isinstance(version, str) and version.startswith("https://jsonfeed.org/version/")):
        return JsonFeed(
            error=f"a JSON document, but not a JSON Feed: its `version` is {_shown(version)}, "
            "not https://jsonfeed.org/version/1.1"
        )
    problems: list[str] = []
    entries = [_entry(item) for item in data["items"] if isinstance(item, dict)]
    malformed = len(data["items"]) - len(entries)
    if malformed:
        problems.append(
            "skipped 1 item that is not a JSON object"
            if malformed == 1
            else f"skipped {malformed:,} items that are not JSON objects"
        )
    title = data.get("title")
    return JsonFeed(
        entries=entries,
        title=title[:1000] if isinstance(title, str) else None,
        warning="; ".join(problems) or None,
    )


def _entry(item: dict[str, Any]) -> dict[str, Any]:
    link = _text(item.get("url")) or _text(item.get("external_url"))
    published = _when(item.get("date_published")) or _when(item.get("date_modified"))
    identifier = item.get("id")
    return {
        "link": link,
        "id": _text(str(identifier)) if isinstance(identifier, str | int) else "",
        "title": _text(item.get("title")),
        "summary": _text(item.get("summary")) or _text(item.get("content_text")),
        "author": _author(item),
        "published_parsed": published.utctimetuple() if published else None,
    }


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _text(value: Any) -> str:
    """A string field; JSON may escape a lone surrogate (\\ud800), which no store can hold."""
    return _SURROGATE.sub("\ufffd", value) if isinstance(value, str) else ""


def _author(item: dict[str, Any]) -> str:
    """The first author's name: `authors` (1.1) or `author` (1.0)."""
    authors = item.get("authors")
    first = authors[0] if isinstance(authors, list) and authors else item.get("author")
    return _text(first.get("name")) if isinstance(first, dict) else ""


def _when(value: Any) -> datetime | None:
    """An RFC 3339 date in UTC (one without an offset is taken as UTC); None when absent or
    unreadable."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):  # not a date; or out of range once in UTC
        return None


def parse_json_feed(
    content: bytes, headers: dict[str, str], feed_url: str, max_items: int, skip: int
) -> ParsedFeed:
    """`feeds.parse_feed` for a JSON Feed: the same window of entries, items and problems."""
    ctype = headers.get("content-type", "unknown content type")
    doc = read_json_feed(content)
    if doc.error is not None:
        return ParsedFeed(error=f"feed yielded no entries ({doc.error}; got {ctype})")
    listed = len(doc.entries)
    skip = skip if skip < listed else 0
    items, skipped = feed_items(doc.entries[skip : skip + max_items], feed_url)
    problems = [doc.warning] if doc.warning else []
    if listed > skip + max_items:
        problems.append(more_listed(listed, skip, max_items))
    problems += skipped
    problem = "; ".join(problems) or None
    if listed and not items:
        return ParsedFeed(
            title=doc.title, error=f"feed yielded no entries ({problem}; got {ctype})"
        )
    return ParsedFeed(items=items, title=doc.title, warning=problem, listed=listed, offset=skip)
