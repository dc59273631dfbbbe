"""Page bytes → Article, with trafilatura, in a process pool with a hard per-page timeout.

trafilatura has no timeout of its own and some pathological pages take very long, so each page
runs in a worker under a SIGALRM deadline, and the whole batch under an overall deadline after
which stuck workers are killed. Charset: the declared one (BOM, HTTP, <meta>) when it fits but
for a few bad bytes (replaced), else trafilatura detects it from the bytes (statistics), which
handles cp1251 and KOI8-R. A page trafilatura reads as empty falls back to its <p> text.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pipelines.config import ExtractSettings
from pipelines.ingest.identity import article_id, canonical_url
from pipelines.ingest.text import (
    FALLBACK_BELOW_CHARS,
    decode_declared,
    paragraphs_text,
    strip_control,
)
from pipelines.models import (
    Article,
    ExtractStatus,
    FeedItem,
    FetchResult,
)

if TYPE_CHECKING:
    pass


_HTML_LANG = re.compile(rb"<html[^>]*\blang=[\"']?([A-Za-z]{2,3})", re.IGNORECASE)
_CHARSET = re.compile(r"charset=([\w-]+)", re.IGNORECASE)
TRAFILATURA_OPTIONS: dict[str, Any] = {
    "with_metadata": True,
    "include_comments": False,
    "include_tables": False,
    "favor_precision": True,
}
"""How every page is extracted (bench/bench_e2e.py measures bare trafilatura with the same)."""


class _PageTimeout(BaseException):
    """Raised by the alarm; a BaseException so that trafilatura's own `except Exception`
    blocks cannot swallow it and return a half-extracted page."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise _PageTimeout


_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)


def _decode(content: bytes, content_type: str | None) -> bytes | str:
    """Decode with the charset the page declares (a UTF-8 byte order mark, the HTTP charset,
    else a <meta> charset in its first 4 KB), replacing a few invalid bytes rather than
    letting a guess turn the whole page into another script; without a usable declaration,
    trafilatura detects the charset."""
    declared: str | None = None
    if content.startswith(b"\xef\xbb\xbf"):
        declared = "utf-8"
    elif content.startswith((b"\xff\xfe", b"\xfe\xff")):
        declared = "utf-16"
    elif match := _CHARSET.search(content_type or ""):
        declared = match.group(1)
    elif found := _META_CHARSET.search(content[:4096]):
        declared = found.group(1).decode("ascii")
    decoded = decode_declared(content, declared) if declared else None
    return decoded[0] if decoded is not None else content


def extract_one(content: bytes, url: str, content_type: str | None = None) -> dict[str, Any]:
    """Extract text and metadata from one page. Pure; used in the worker processes."""
    import trafilatura

    decoded = _decode(content, content_type)
    doc = trafilatura.bare_extraction(decoded, url=url, **TRAFILATURA_OPTIONS)
    data = {} if doc is None else doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    if len(data.get("text") or "") < FALLBACK_BELOW_CHARS:
        plain = paragraphs_text(decoded)
        if len(plain) > len(data.get("text") or ""):
            data["text"] = plain
    if not data:
        return {"text": ""}
    lang = data.get("language")
    if not lang:
        found = _HTML_LANG.search(content[:4096])
        lang = found.group(1).decode().lower() if found else None
    return {
        "text": data.get("text") or "",
        "title": data.get("title"),
        "author": data.get("author"),
        "date": data.get("date"),
        "language": lang,
        "sitename": data.get("sitename"),
    }


_MARKUP = re.compile(rb"<(?:!doctype|html|head|body|article|div|p|meta|title)\b", re.IGNORECASE)


def not_markup(content: bytes, content_type: str | None) -> str | None:
    """Why a fetched body is not worth extracting (an image, a PDF, binary data served as an
    article), or None. Decided on the bytes, not the header alone: servers often label HTML
    as text/plain or application/octet-stream."""
    if not content.strip():
        return "the page is empty (the server sent no content): not extracted"
    if _MARKUP.search(content[:4096]):
        return None
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with its byte order mark
        head = content[:8192].decode("utf-16", "replace")
        if _MARKUP.search(head.encode("utf-8", "replace")):
            return None
    kind = (content_type or "unknown").split(";")[0].strip() or "unknown"
    head = content[:8].hex(" ")
    return (
        f"not an HTML page (Content-Type {kind}, no HTML tag in the first 4 KB; starts with "
        f"bytes {head}): not extracted"
    )


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _article(
    item: FeedItem,
    fetched: FetchResult,
    outcome: dict[str, Any],
    settings: ExtractSettings,
    now: datetime,
) -> Article:
    canon = canonical_url(item.url)
    status: ExtractStatus = "ok"
    error: str | None = None
    meta: dict[str, Any] = {}
    if fetched.error is not None:
        status = "blocked" if fetched.blocked else "fetch_error"
        error = fetched.error
    elif "timeout" in outcome:
        status, error = "timeout", outcome["timeout"]
    elif "error" in outcome:
        status, error = "error", outcome["error"]
    else:
        meta = outcome["ok"]
        if len(meta.get("text", "")) < settings.min_text_chars:
            status = "empty"
            error = (
                f"extracted {len(meta.get('text', ''))} characters of text "
                f"(< {settings.min_text_chars}): not an article page, or a layout trafilatura "
                "cannot read"
            )
    text = meta.get("text", "") if status == "ok" else ""
    return Article(
        article_id=article_id(canon),
        url=item.url,
        canonical_url=canon,
        feed_url=item.feed_url,
        guid=item.guid,
        title=strip_control(meta.get("title") or item.title or "").strip(),
        text=text,
        fetched_at=now,
        author=strip_control(meta.get("author") or item.author or "").strip()[:256] or None,
        published_at=item.published_at or _parse_date(meta.get("date")),
        lang=meta.get("language"),
        site_name=meta.get("sitename"),
        content_hash=meta.get("content_hash", "") if text else "",
        simhash=meta.get("simhash", 0) if text else 0,
        extract_status=status,
        extract_error=error,
        claims=tuple(meta.get("claims", ())) if text else (),
    )
