"""Text hygiene shared by feeds and pages: declared charsets, control characters, identifiers,
and a plain <p> extraction for pages trafilatura reads as empty."""

from __future__ import annotations

import codecs
import hashlib
import html
import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_ID_CHARS = 512
"""Longer identifiers (a feed's GUID) are stored as a hash of themselves."""
MAX_REPLACED = 16
"""Invalid bytes a declared charset may meet and still be trusted: one or a few bad bytes are
damage (replaced by U+FFFD); more say the declaration is wrong, and the bytes are left to
charset detection."""


def strip_control(text: str) -> str:
    """`text` without control characters other than tab and line breaks (NUL, escape, …)."""
    return _CONTROL.sub("", text)


def capped_id(value: str) -> str:
    """An identifier as stored: itself, or `sha256:<hex>` of itself when it is longer than
    MAX_ID_CHARS or holds control characters (a 1 MB GUID is still one stable key)."""
    if len(value) <= MAX_ID_CHARS and not _CONTROL.search(value):
        return value
    return "sha256:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def decode_declared(content: bytes, charset: str) -> tuple[str, int] | None:
    """`content` decoded with the charset its sender declared, bad bytes replaced, and how
    many were replaced; None if the charset is unknown or the bytes are too far from it (then
    the declaration, not the bytes, is what is wrong)."""
    try:
        name = codecs.lookup(charset.strip().strip("\"'")).name
    except LookupError:
        return None
    if name == "utf-8" and content.startswith(codecs.BOM_UTF8):
        name = "utf-8-sig"
    try:
        return content.decode(name), 0
    except UnicodeDecodeError:
        pass
    except (ValueError, TypeError):
        return None
    text = content.decode(name, "replace")
    replaced = text.count("\ufffd")
    return (text, replaced) if replaced <= MAX_REPLACED else None


FALLBACK_BELOW_CHARS = 200
"""When trafilatura finds less text than this (it gives up on some layouts, such as a page of
thousands of nested elements), the text of the page's <p> elements is used if it is longer."""
_P_TAG = re.compile(r"<(/?)p(?:\s[^>]{0,1000})?>", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]{0,1000}>")
_SPACE = re.compile(r"\s+")
MAX_FALLBACK_SCAN = 2_000_000
"""Characters of a page the <p> fallback reads at most."""


def paragraphs_text(page: bytes | str) -> str:
    """The text of the page's <p> elements, tags removed, one paragraph a line: a simple
    extraction that does not build a tree, so no depth of nesting can defeat it. Reads at
    most MAX_FALLBACK_SCAN characters."""
    text = page if isinstance(page, str) else page.decode("utf-8", "replace")
    text = text[:MAX_FALLBACK_SCAN]
    found = []
    opened: int | None = None
    for m in _P_TAG.finditer(text):  # each <p> runs to the next <p> or </p> (one pass)
        if opened is not None:
            para = _SPACE.sub(" ", html.unescape(_TAG.sub(" ", text[opened : m.start()])))
            if para.strip():
                found.append(para.strip())
        opened = None if m.group(1) else m.end()
    return strip_control("\n".join(found))
