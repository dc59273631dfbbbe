"""Feed bytes → feed items, with feedparser (which is never allowed to fetch anything itself);
a JSON Feed goes to `jsonfeed` instead, and entries of both become items in `entries`.

Feeds are hostile input. Before feedparser sees a byte, `parse_feed`:

- decodes the body to UTF-8 once: with the declared charset (BOM, HTTP header, XML
  declaration) when it fits but for a few invalid bytes, which are replaced (a guess would turn
  a whole Cyrillic feed into mojibake for one bad byte); else by feedparser's own rules,
  preferring UTF-8 when the declared legacy charset is wrong and the bytes are valid UTF-8;
- removes every DOCTYPE declaration in the prolog, so no parser ever expands an entity the feed
  declares (billion laughs, quadratic blowup) or resolves an external one (XXE, external DTD).
  feedparser alone is not enough: its lenient fallback parser re-expands the entities that it
  considers "safe", which lets one 50 KB entity referenced 50,000 times allocate gigabytes;
- cuts name fields (author, e-mail, …) at MAX_NAME_BYTES and any other run of text at
  MAX_RUN_BYTES: feedparser's author parsing is super-linear (a 64 KB author took 82 s);
- cuts the document after the window of `max_items` entries it reads and closes the open
  elements, so a 5 MB feed with 100,000 entries costs what its first entries cost (the next
  polls read the next windows, see `FeedState.entries_offset`);
- cuts what remains at MAX_TAGS pieces of markup: feedparser spends 40-70 µs per element, so
  100,000 nested or sibling elements in one entry would otherwise cost seconds to minutes.
"""

from __future__ import annotations

import codecs
import re
import xml.parsers.expat
from typing import Any

import feedparser
from feedparser.encodings import convert_to_utf8

from pipelines.ingest.entries import MAX_NAME_BYTES, ParsedFeed, feed_items, more_listed
from pipelines.ingest.jsonfeed import looks_like_json, parse_json_feed
from pipelines.ingest.text import decode_declared

_UTF8_HEADERS = {"content-type": "application/xml; charset=utf-8"}
_XML_DECLARATION = re.compile(rb"^<\?xml[^>]*?>")
_ENTRY_TAGS = frozenset({"item", "entry"})
_ENTRY_END = re.compile(rb"</(?:[\w.-]+:)?(?:item|entry)\s*>", re.IGNORECASE)
# In a DOCTYPE: a quote, a bracket, the closing '>', a comment or a processing instruction.
_DOCTYPE_TOKEN = re.compile(rb"[\"'\[\]>]|<!--|<\?")
_CLOSERS = {b"<!--": b"-->", b"<?": b"?>"}
_WORD = re.compile(rb"\w")
_DOCTYPE_OPEN = re.compile(rb"<!doctype", re.IGNORECASE)
_MARKUP = re.compile(rb"<(?:!\[CDATA\[|!--|[^\s<])")
_SECTION_END = {b"<![CDATA[": b"]]>", b"<!--": b"-->"}
MAX_TAGS = 50_000
_HTML = re.compile(rb"<(?:!doctype\s+html|html[\s>])", re.IGNORECASE)
DTD_IGNORED = (
    "the feed declares a DTD (<!DOCTYPE … [ … ]>); it was ignored: newswatch never expands "
    "entities a feed declares nor fetches external ones"
)


def _to_utf8(content: bytes, headers: dict[str, str]) -> tuple[bytes, str | None]:
    """Decode as feedparser would, returning UTF-8 bytes (with a matching XML declaration)
    and the encoding problem met, if any."""
    declared = _declared_charset(content, headers)
    if declared is not None:
        decoded = decode_declared(content, declared)
        if decoded is None and _known(declared) and (found := _detected(content)) is not None:
            text, used = found
            return (
                _utf8_document(text),
                f"the feed declares {declared} but its bytes are {used}; read as {used}",
            )
        if decoded is not None and decoded[1]:
            text, bad = decoded
            return _utf8_document(text), (
                f"the feed declares {declared} but holds {bad} invalid byte sequence(s); they "
                "were replaced by U+FFFD (the rest kept as declared)"
            )
    result: dict[str, Any] = {}
    try:
        data = convert_to_utf8(headers, content, result)
    except (UnicodeError, ValueError) as exc:
        # feedparser fails on an encoding name that is not UTF-8, holds a NUL byte or names
        # the 'undefined' codec, in the XML declaration or the Content-Type header.
        return (
            _utf8_document(content.decode("utf-8", "replace")),
            f"the feed names an unusable character encoding ({exc}); read as UTF-8",
        )
    problem = result.get("bozo_exception")
    used = str(result.get("encoding") or "").lower().replace("_", "-")
    if not used.startswith("utf") and not content.isascii():
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            # Text in a legacy charset is almost never valid UTF-8 by accident: the declaration
            # is what is wrong (a server default, a copied template), not the bytes.
            data = convert_to_utf8(_UTF8_HEADERS, content, {})
            return data, f"the feed declares {used} but its bytes are UTF-8; read as UTF-8"
    return data, f"{type(problem).__name__}: {problem}" if problem else None


_HTTP_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"^<\?xml[^>]*?encoding\s*=\s*[\"']([\w.:-]+)[\"']")


def _utf8_document(text: str) -> bytes:
    """Decoded feed text as the UTF-8 document feedparser reads: its own XML declaration
    (and byte order mark) replaced by one that says UTF-8."""
    return b"<?xml version='1.0' encoding='utf-8'?>\n" + _XML_DECLARATION.sub(
        b"", text.lstrip("\ufeff").encode("utf-8")
    )


def _detected(content: bytes) -> tuple[str, str] | None:
    """The text of a feed whose declared charset does not fit its bytes at all, in the
    charset its bytes show (charset-normalizer's reading), and that charset's name; None when
    none fits. feedparser alone fell back to windows-1252, which turned a cp1251 feed
    declared as UTF-8 into «Ïåðåãîâîðû»."""
    import charset_normalizer

    best = charset_normalizer.from_bytes(content[:262_144]).best()
    if best is None:
        return None
    try:
        return content.decode(best.encoding), codecs.lookup(best.encoding).name
    except (UnicodeDecodeError, LookupError):
        return None


def _known(charset: str) -> bool:
    """A charset Python can decode text with (not `undefined`, which refuses every byte):
    else feedparser's reading says it is unusable."""
    try:
        b"a".decode(codecs.lookup(charset.strip().strip("\"'")).name)
    except (LookupError, UnicodeError):
        return False
    return True


def _declared_charset(content: bytes, headers: dict[str, str]) -> str | None:
    """The charset the feed declares for itself: a UTF-8 byte order mark, else the HTTP
    Content-Type charset, else the XML declaration's encoding. (UTF-16 and UTF-32 are left to
    feedparser, which reads their byte order marks.)"""
    if content.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    if found := _HTTP_CHARSET.search(headers.get("content-type", "")):
        return found.group(1)
    if found := _XML_ENCODING.match(content.lstrip()[:512]):
        return found.group(1).decode("ascii")
    return None


# Elements whose text feedparser scans with a regex whose cost grows faster than its length
# (the author's e-mail address: 16 KB took 2 s, 64 KB 82 s), and long runs of plain text
# anywhere, are cut before parsing (`_capped_fields`).
MAX_RUN_BYTES = 16 * 1024
_NAME_TEXT = re.compile(
    rb"(<(?:[\w.-]+:)?(?:author|creator|name|email|managingEditor|webMaster|contributor|"
    rb"publisher)\b[^>]{0,512}>)([^<]{%d,})" % (MAX_NAME_BYTES + 1)
)
_LONG_RUN = re.compile(rb"(?<![^<>\"'\]])[^<>\"'\]]{%d,}" % (MAX_RUN_BYTES + 1))
"""A run longer than MAX_RUN_BYTES, matched only from the run's first character: tried at
every character of a run a little shorter than the bound, the repeat scanned to the run's
end each time (a 4.8 MB feed of 16 KB descriptions took a minute)."""


def _cut(run: bytes, size: int) -> bytes:
    """The first `size` bytes of a run of text, not ending inside a UTF-8 character or an
    entity reference."""
    cut = run[:size]
    while cut and 0x80 <= cut[-1] < 0xC0:
        cut = cut[:-1]
    if cut and cut[-1] >= 0xC0:
        cut = cut[:-1]
    amp = cut.rfind(b"&", max(0, len(cut) - 12))
    if amp >= 0 and b";" not in cut[amp:]:
        cut = cut[:amp]
    return cut


def _capped_fields(data: bytes) -> tuple[bytes, int]:
    """The document with name-like elements' text cut to MAX_NAME_BYTES and any other run of
    plain characters (text, attribute values, CDATA; never markup) to MAX_RUN_BYTES, and how
    many cuts were made. Bounds what feedparser spends on a field, whatever its size."""
    cut = 0

    def name(m: re.Match[bytes]) -> bytes:
        nonlocal cut
        cut += 1
        return m.group(1) + _cut(m.group(2), MAX_NAME_BYTES)

    def run(m: re.Match[bytes]) -> bytes:
        nonlocal cut
        cut += 1
        return _cut(m.group(0), MAX_RUN_BYTES)

    data = _LONG_RUN.sub(run, data)
    data = _NAME_TEXT.sub(name, data)
    return data, cut


_CHAR_REF = re.compile(rb"&#(?:[xX]0*+([0-9a-fA-F]+)|0*+([0-9]+));")


def _valid_char_refs(data: bytes) -> tuple[bytes, int]:
    """The document with each numeric character reference to no character (a surrogate, or
    past U+10FFFF) turned into one to U+FFFD, and how many: feedparser turned one such
    reference in one title into a UnicodeEncodeError that failed the whole feed."""
    if b"&#" not in data:
        return data, 0
    bad = 0

    def fixed(m: re.Match[bytes]) -> bytes:
        nonlocal bad
        digits = m.group(1) or m.group(2)
        code = 0x110000 if len(digits) > 7 else int(digits, 16 if m.group(1) else 10)
        if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
            bad += 1
            return b"&#xFFFD;"
        return m.group(0)

    return _CHAR_REF.sub(fixed, data), bad


def _doctype_end(data: bytes, start: int) -> tuple[int, bool]:
    """End of the DOCTYPE declaration whose keyword ends at `start`, and whether it has a
    non-empty internal subset. An unterminated DOCTYPE runs to the end of the data."""
    in_subset = False
    subset_start = declares = 0
    pos = start
    while (m := _DOCTYPE_TOKEN.search(data, pos)) is not None:
        token, pos = m.group(), m.end()
        if token in (b'"', b"'"):
            close = data.find(token, pos)
            pos = len(data) if close < 0 else close + 1
        elif token in (b"<!--", b"<?"):
            closer = _CLOSERS[token]
            close = data.find(closer, pos)
            pos = len(data) if close < 0 else close + len(closer)
        elif token == b"[" and not in_subset:
            in_subset, subset_start = True, pos
        elif token == b"]" and in_subset:
            in_subset = False
            declares = declares or bool(data[subset_start : m.start()].strip())
        elif token == b">" and not in_subset:
            return pos, bool(declares)
    return len(data), True


def _strip_doctypes(data: bytes) -> tuple[bytes, bool]:
    """Blank out the DOCTYPE declarations before the root element; True if one declared
    anything.

    The root element is the first `<` followed by a word character outside a comment, a
    processing instruction or a DOCTYPE. feedparser's own prolog regexes also find DOCTYPE and
    ENTITY lines *inside* comments and processing instructions, so those are blanked too when
    they hold one. Blanks are single spaces, so no new declaration can form from the pieces.
    """
    kept: list[bytes] = []
    copied = pos = 0
    declared = False
    while (lt := data.find(b"<", pos)) >= 0:
        if opener := next((o for o in _CLOSERS if data.startswith(o, lt)), None):
            close = data.find(_CLOSERS[opener], lt + len(opener))
            end = len(data) if close < 0 else close + len(_CLOSERS[opener])
            blank = declares = _DOCTYPE_OPEN.search(data, lt, end) is not None
        elif _DOCTYPE_OPEN.match(data, lt):
            end, declares = _doctype_end(data, lt + len(b"<!doctype"))
            blank = True
        elif _WORD.match(data, lt + 1):
            break
        else:
            pos = lt + 1
            continue
        if blank:
            kept += [data[copied:lt], b" "]
            copied = end
            declared = declared or declares
        pos = end
    kept.append(data[copied:])
    return b"".join(kept), declared


_ENTRY_END_OR_SECTION = re.compile(
    rb"<!\[CDATA\[|<!--|</(?:[\w.-]+:)?(?:item|entry)\s*>", re.IGNORECASE
)


def _count_entries(data: bytes) -> int:
    """How many entries the document lists: closing entry tags outside CDATA sections and
    comments (which may hold any text). One pass, whatever the document."""
    count = pos = 0
    while (m := _ENTRY_END_OR_SECTION.search(data, pos)) is not None:
        closer = _SECTION_END.get(m.group().upper())
        if closer is None:
            count += 1
            pos = m.end()
            continue
        close = data.find(closer, m.end())
        if close < 0:
            break
        pos = close + len(closer)
    return count


def _is_entry(name: str) -> bool:
    return name.rsplit(":", 1)[-1].lower() in _ENTRY_TAGS


class _Enough(Exception):
    def __init__(self, offset: int, open_elements: list[str]) -> None:
        super().__init__(offset)
        self.offset = offset
        self.open_elements = open_elements


def _first_entries(data: bytes, max_items: int) -> bytes:
    """The document cut right after its `max_items`-th entry, open elements closed.

    Well-formed UTF-8 documents are cut by expat (exact: CDATA and comments are skipped) and
    stay well-formed; a malformed one is cut after the `max_items`-th closing entry tag, which
    the lenient parser accepts. Documents with fewer entries come back unchanged.
    """
    ends = [m.end() for _, m in zip(range(max_items + 1), _ENTRY_END.finditer(data), strict=False)]
    if len(ends) <= max_items:
        return data
    cut = ends[max_items - 1]
    stack: list[str] = []
    done = inside = 0

    def start(name: str, _attrs: Any) -> None:
        nonlocal inside
        if done >= max_items:
            raise _Enough(parser.CurrentByteIndex, stack)
        stack.append(name)
        inside += _is_entry(name)

    def end(name: str) -> None:
        nonlocal done, inside
        if done >= max_items:
            raise _Enough(parser.CurrentByteIndex, stack)
        stack.pop()
        if _is_entry(name):
            inside -= 1
            done += not inside

    parser = xml.parsers.expat.ParserCreate("utf-8")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except _Enough as enough:
        closing = "".join(f"</{name}>" for name in reversed(enough.open_elements))
        return data[: enough.offset] + closing.encode("utf-8")
    except xml.parsers.expat.ExpatError:
        return data[:cut]
    return data


def _within_tag_budget(data: bytes) -> tuple[bytes, str | None]:
    """The document cut before its first piece of markup past MAX_TAGS (tags, comments and
    CDATA sections each count one; CDATA content is skipped), and a warning if it was cut."""
    pos = 0
    for _ in range(MAX_TAGS):
        m = _MARKUP.search(data, pos)
        if m is None:
            return data, None
        pos = m.end()
        if closer := _SECTION_END.get(m.group()):
            close = data.find(closer, pos)
            if close < 0:
                return data, None
            pos = close + len(closer)
    m = _MARKUP.search(data, pos)
    if m is None:
        return data, None
    return data[: m.start()], f"the feed has more than {MAX_TAGS:,} tags; the rest was not read"


def parse_feed(
    content: bytes, headers: dict[str, str], feed_url: str, max_items: int = 200, skip: int = 0
) -> ParsedFeed:
    """Parse RSS/Atom bytes: the `max_items` entries after the first `skip`. Malformed feeds
    keep what is recoverable and carry a warning; a feed with no usable entry carries an error
    that says what was received; a feed that lists more entries than were read says so."""
    if not content.strip():
        return ParsedFeed(error="feed returned an empty body")
    lowered = {k.lower(): v for k, v in headers.items()}
    if looks_like_json(content, lowered.get("content-type", "")):
        return parse_json_feed(content, lowered, feed_url, max_items, skip)
    text, encoding_problem = _to_utf8(content, lowered)
    data, declared_dtd = _strip_doctypes(text)
    data, capped = _capped_fields(data)
    data, bad_refs = _valid_char_refs(data)
    listed = _count_entries(data)
    skip = skip if skip < listed else 0
    data, over_budget = _within_tag_budget(_first_entries(data, skip + max_items))
    try:
        parsed = feedparser.parse(
            data,
            response_headers={**lowered, **_UTF8_HEADERS},
            resolve_relative_uris=False,
            sanitize_html=False,
        )
    except Exception as exc:  # feedparser's lenient parser trips on some broken markup
        return ParsedFeed(
            error=f"feed is too malformed to parse (feedparser failed: {type(exc).__name__}: "
            f"{exc}); check it with a feed validator such as https://validator.w3.org/feed/"
        )
    if not parsed.entries[skip : skip + max_items]:
        skip = 0  # fewer entries than counted (a broken document): read from the top
    items, skipped = feed_items(parsed.entries[skip : skip + max_items], feed_url)
    problems = [DTD_IGNORED] if declared_dtd else []
    if listed > skip + max_items:
        problems.append(more_listed(listed, skip, max_items))
    if capped:
        problems.append(
            f"over-long fields were cut before parsing (names to {MAX_NAME_BYTES} bytes, "
            f"other text to {MAX_RUN_BYTES // 1024} KB)"
        )
    if bad_refs:
        problems.append(
            f"{bad_refs} character reference(s) to no Unicode character (a lone surrogate "
            "such as &#xD800;, or past U+10FFFF) were read as U+FFFD"
        )
    if over_budget:
        problems.append(over_budget)
    if parsed.get("bozo"):
        bozo = parsed.get("bozo_exception")
        problems.append(
            f"malformed feed: {type(bozo).__name__}: {bozo}" if bozo else "malformed feed"
        )
    elif encoding_problem:
        problems.append(f"malformed feed: {encoding_problem}")
    problems += skipped
    problem = "; ".join(problems) or None
    title = parsed.feed.get("title") if parsed.get("feed") else None
    if not parsed.entries and parsed.get("version") and not parsed.get("bozo"):
        # A well-formed RSS or Atom document that lists nothing (yet): a healthy feed.
        return ParsedFeed(title=title, warning=problem, listed=listed, offset=skip)
    if not items:
        ctype = lowered.get("content-type", "unknown content type")
        reason = problem or "no entries with a link"
        if _HTML.search(text, 0, 4096):
            reason = f"an HTML page, not RSS or Atom: check the feed URL; {reason}"
        return ParsedFeed(title=title, error=f"feed yielded no entries ({reason}; got {ctype})")
    return ParsedFeed(items=items, title=title, warning=problem, listed=listed, offset=skip)
