"""A corpus of hostile and broken feeds, generated as bytes (nothing large is kept in git).

`build_corpus` returns name → HostileFeed(content, headers, expect). Generation is
deterministic (seeded garbage) and fast: the largest entries (a 5 MB feed with 100,000 items,
100,000 nested elements, a quadratic-blowup entity) are built by joining repeated bytes.

The XXE entries point at two canaries the caller controls: a local file and a URL on a loopback
server. A parser that resolved them would put the canary text into an item, and the server
would log a request.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

XML_DECL = b'<?xml version="1.0" encoding="utf-8"?>\n'
RSS_TYPE = {"content-type": "application/rss+xml; charset=utf-8"}


@dataclass(frozen=True, slots=True)
class Expect:
    """What parse_feed must make of an entry.

    items: the exact number of items; 0 means the feed must carry an `error` instead.
    says: case-insensitive fragments the error (no items) or warning (items) must contain;
          empty means a clean parse: no warning at all.
    first_title: the first item's title, when the corpus entry pins it.
    within_s: a tighter wall-time bound than the general deadline, for entries whose cost must
          not grow with their size (only the first max_items entries may be read).
    """

    items: int
    says: tuple[str, ...] = ()
    first_title: str | None = None
    within_s: float | None = None


@dataclass(frozen=True, slots=True)
class HostileFeed:
    content: bytes
    headers: dict[str, str]
    expect: Expect


def item(n: int, title: bytes | None = None, extra: bytes = b"") -> bytes:
    shown = title if title is not None else b"Story %d" % n
    return b"<item><title>%s</title><link>https://hostile.example/%d</link>%s</item>" % (
        shown,
        n,
        extra,
    )


def rss(*items: bytes, prolog: bytes = XML_DECL, title: bytes = b"Hostile") -> bytes:
    return (
        prolog
        + b'<rss version="2.0"><channel><title>'
        + title
        + b"</title>"
        + b"".join(items)
        + b"</channel></rss>"
    )


def _billion_laughs(levels: int = 10, fanout: int = 10) -> bytes:
    """Each entity refers `fanout` times to the previous one: 10 levels x 10 = 10**10 'lol's."""
    decls = [b'<!ENTITY lol0 "lol">']
    for level in range(1, levels):
        decls.append(b'<!ENTITY lol%d "%s">' % (level, b"&lol%d;" % (level - 1) * fanout))
    return b"\n".join(decls)


def _entities_doc(decls: bytes, reference: bytes, *, one_line: bool = False) -> bytes:
    sep = b"" if one_line else b"\n"
    doctype = b"<!DOCTYPE rss [" + sep + decls + sep + b"]>"
    return rss(item(1, reference), prolog=XML_DECL.rstrip() + sep + doctype + sep)


def _utf16(text: bytes) -> bytes:
    return text.replace(b'encoding="utf-8"', b'encoding="utf-16"').decode().encode("utf-16")


def build_corpus(canary_url: str, canary_file: str) -> dict[str, HostileFeed]:
    """Every hostile entry. canary_url: an http:// URL on a loopback server that must never
    be requested; canary_file: a local path whose content must never appear in an item."""
    rng = random.Random(9)
    dtd = "the feed declares a DTD"
    undefined = "undefined entity"
    too_many_tags = "more than 50,000 tags"
    laughs = _billion_laughs()
    quadratic_value = b"A" * 50_000
    quadratic = _entities_doc(b'<!ENTITY a "' + quadratic_value + b'">', b"&a;" * 50_000)
    full = rss(item(1), item(2), item(3))
    cyrillic = "Переговоры в Стамбуле"
    cyr_feed = rss(item(1, cyrillic.encode()))
    passwd = b"file:///etc/passwd"
    local = b"file://" + canary_file.encode()
    remote = canary_url.encode()
    entries: dict[str, HostileFeed] = {
        "truncated_rss": HostileFeed(
            full[: full.index(b"Story 3") + 3], RSS_TYPE, Expect(2, ("malformed",))
        ),
        "truncated_in_prolog": HostileFeed(
            XML_DECL + b"<rss vers", RSS_TYPE, Expect(0, ("no entries",))
        ),
        "cp1251_declared_utf8": HostileFeed(
            cyr_feed.decode().encode("cp1251"),
            {},
            Expect(1, ("declares utf-8 but its bytes are cp1251",), cyrillic),
        ),
        "utf8_declared_cp1251": HostileFeed(
            cyr_feed.replace(b'encoding="utf-8"', b'encoding="windows-1251"'),
            {},
            Expect(1, ("declares windows-1251", "utf-8"), cyrillic),
        ),
        "utf8_served_as_latin1": HostileFeed(
            cyr_feed,
            {"content-type": "text/xml; charset=iso-8859-1"},
            Expect(1, ("declares iso-8859-1",), cyrillic),
        ),
        "encoding_name_with_nul": HostileFeed(
            cyr_feed.replace(b'encoding="utf-8"', b'encoding="utf\x00-8"'),
            {},
            Expect(1, ("unusable character encoding",), cyrillic),
        ),
        "encoding_name_not_utf8": HostileFeed(
            cyr_feed.replace(b'encoding="utf-8"', b'encoding="\xff\xfe"'),
            {},
            Expect(1, ("unusable character encoding",), cyrillic),
        ),
        "charset_undefined_header": HostileFeed(
            cyr_feed,
            {"content-type": "application/rss+xml; charset=undefined"},
            Expect(1, ("unusable character encoding",), cyrillic),
        ),
        "stray_end_tag_inside_link": HostileFeed(
            full.replace(b"https://hostile.example/3", b"https://host</item>ile.example/3"),
            RSS_TYPE,
            Expect(0, ("too malformed to parse",)),
        ),
        "bare_ampersands": HostileFeed(
            rss(item(1, b"Tom & Jerry"), item(2, extra=b"<description>a && b</description>")),
            RSS_TYPE,
            Expect(2, ("malformed",), "Tom & Jerry"),
        ),
        "undefined_entities": HostileFeed(
            rss(item(1, b"Caf&eacute;&nbsp;talks"), item(2, b"&bogus; entity")),
            RSS_TYPE,
            Expect(2, (undefined,)),
        ),
        "billion_laughs": HostileFeed(
            _entities_doc(laughs, b"&lol9;"), RSS_TYPE, Expect(1, (dtd, undefined))
        ),
        "billion_laughs_one_line": HostileFeed(
            _entities_doc(laughs.replace(b"\n", b""), b"&lol9;", one_line=True),
            RSS_TYPE,
            Expect(1, (dtd,)),
        ),
        "billion_laughs_utf16": HostileFeed(
            _utf16(_entities_doc(laughs, b"&lol9;")), {}, Expect(1, (dtd,))
        ),
        "billion_laughs_lowercase_doctype_after_junk": HostileFeed(
            _entities_doc(laughs, b"&lol9;").replace(b"<!DOCTYPE", b"junk <!-- c --> <!doctype"),
            RSS_TYPE,
            Expect(1, (dtd,)),
        ),
        "quadratic_blowup": HostileFeed(quadratic, RSS_TYPE, Expect(1, (dtd, undefined))),
        "quadratic_blowup_markup_in_value": HostileFeed(
            quadratic.replace(b'"' + quadratic_value, b'"<b>x</b>' + quadratic_value[:20_000]),
            RSS_TYPE,
            Expect(1, (dtd,)),
        ),
        "xxe_etc_passwd": HostileFeed(
            _entities_doc(b'<!ENTITY xxe SYSTEM "' + passwd + b'">', b"&xxe;"),
            RSS_TYPE,
            Expect(1, (dtd, undefined)),
        ),
        "xxe_local_file_one_line": HostileFeed(
            _entities_doc(b'<!ENTITY xxe SYSTEM "' + local + b'">', b"&xxe;", one_line=True),
            RSS_TYPE,
            Expect(1, (dtd,)),
        ),
        "xxe_http": HostileFeed(
            _entities_doc(b'<!ENTITY xxe SYSTEM "' + remote + b'/entity">', b"&xxe;"),
            RSS_TYPE,
            Expect(1, (dtd,)),
        ),
        "xxe_http_one_line": HostileFeed(
            _entities_doc(
                b'<!ENTITY xxe SYSTEM "' + remote + b'/entity1">', b"&xxe;", one_line=True
            ),
            RSS_TYPE,
            Expect(1, (dtd,)),
        ),
        "xxe_in_attribute_atom": HostileFeed(
            XML_DECL
            + b'<!DOCTYPE feed [<!ENTITY xxe SYSTEM "'
            + remote
            + b'/attr">]>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>'
            + b'<entry><title>&xxe;</title><link href="https://hostile.example/a"/>'
            + b"<id>urn:1</id><summary>&xxe;</summary></entry></feed>",
            {"content-type": "application/atom+xml"},
            Expect(1, (dtd,)),
        ),
        "parameter_entity": HostileFeed(
            _entities_doc(b'<!ENTITY % ext SYSTEM "' + remote + b'/evil.dtd">\n%ext;', b"&leak;"),
            RSS_TYPE,
            Expect(1, (dtd, undefined)),
        ),
        "external_dtd": HostileFeed(
            rss(
                item(1, b"&leak;"),
                prolog=XML_DECL + b'<!DOCTYPE rss SYSTEM "' + remote + b'/external.dtd">\n',
            ),
            RSS_TYPE,
            Expect(1, (undefined,)),
        ),
        "xinclude_and_stylesheet": HostileFeed(
            rss(
                item(
                    1,
                    extra=b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="'
                    + passwd
                    + b'" parse="text"/>',
                ),
                prolog=XML_DECL
                + b'<?xml-stylesheet type="text/xsl" href="'
                + remote
                + b'/style.xsl"?>\n',
            ),
            RSS_TYPE,
            Expect(1),
        ),
        "unterminated_doctype": HostileFeed(
            rss(item(1), prolog=XML_DECL + b'<!DOCTYPE rss [<!ENTITY a "'),
            RSS_TYPE,
            Expect(0, (dtd,)),
        ),
        "html_page": HostileFeed(
            b"<!DOCTYPE html><html><head><title>Welcome</title></head><body>"
            + b"<h1>Subscribe</h1><p>Tom &amp; Jerry &copy; 2025</p>" * 200
            + b"</body></html>",
            {"content-type": "text/html; charset=utf-8"},
            Expect(0, ("no entries", "an HTML page", "text/html")),
        ),
        "json_as_feed": HostileFeed(
            b'{"items": [{"title": "x", "url": "https://hostile.example/1"}]}',
            {"content-type": "application/json"},
            Expect(0, ("no entries", "application/json")),
        ),
        "empty_200": HostileFeed(b"", RSS_TYPE, Expect(0, ("empty body",))),
        "whitespace_200": HostileFeed(b" \r\n\t " * 100, RSS_TYPE, Expect(0, ("empty body",))),
        "binary_garbage": HostileFeed(
            rng.randbytes(64 * 1024),
            {"content-type": "application/octet-stream"},
            Expect(0, ("no entries",)),
        ),
        "nul_bytes_inside": HostileFeed(
            rss(item(1, b"Nul\x00byte"), item(2)), RSS_TYPE, Expect(2, ("malformed",))
        ),
        "huge_100k_items": HostileFeed(
            rss(*(b"<item><link>https://n.example/%d</link></item>" % n for n in range(100_000))),
            RSS_TYPE,
            Expect(200, ("100,000 entries", "more are read by the next polls"), within_s=2.0),
        ),
        "huge_100k_items_malformed": HostileFeed(
            rss(
                *(b"<item><link>https://n.example/%d</link></item>" % n for n in range(100_000)),
                title=b"Tom & Jerry",
            ),
            RSS_TYPE,
            Expect(200, ("malformed", "100,000 entries"), within_s=2.0),
        ),
        "char_refs_to_no_character": HostileFeed(  # failed the whole feed
            rss(
                item(1, title=b"Bad &#xD800; &#55296; &#x110000; &#x11111111111111111;"),
                item(2, title=b"&#99999999999999999999999; &#x" + b"0" * 20_000),
            ),
            RSS_TYPE,
            Expect(2, ("5 character reference(s) to no unicode character",)),
        ),
        "json_feed_lone_surrogates": HostileFeed(
            b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "\\ud800",'
            b' "url": "https://hostile.example/1", "title": "A \\udfff title"}]}',
            {"content-type": "application/feed+json"},
            Expect(1, (), first_title="A \ufffd title"),
        ),
        "runs_just_under_the_cut": HostileFeed(  # the cut's regex was quadratic: 66 s
            rss(
                *(
                    item(n, extra=b"<description>" + b"y" * 16_384 + b"</description>")
                    for n in range(290)
                )
            ),
            RSS_TYPE,
            Expect(200, ("290 entries",), within_s=3.0),
        ),
        "deeply_nested": HostileFeed(
            rss(item(1, extra=b"<a>" * 100_000 + b"</a>" * 100_000)),
            RSS_TYPE,
            Expect(1, (too_many_tags,)),
        ),
        "deeply_nested_unclosed": HostileFeed(
            rss(item(1, extra=b"<a>" * 100_000)), RSS_TYPE, Expect(1, (too_many_tags,))
        ),
        "deeply_nested_then_300_items": HostileFeed(
            rss(item(0, extra=b"<a>" * 100_000 + b"</a>" * 100_000), *map(item, range(1, 300))),
            RSS_TYPE,
            Expect(1, (too_many_tags,)),
        ),
        "400k_sibling_elements": HostileFeed(
            rss(item(1, extra=b"<x/>" * 400_000), item(2)), RSS_TYPE, Expect(1, (too_many_tags,))
        ),
        "400k_comments_and_cdata": HostileFeed(
            rss(item(1, extra=b"<!----><![CDATA[]]>" * 200_000), item(2)),
            RSS_TYPE,
            Expect(1, (too_many_tags,)),
        ),
        "cdata_full_of_markup": HostileFeed(
            rss(
                item(
                    1,
                    extra=b"<description><![CDATA[" + b"<p>x</p>" * 100_000 + b"]]></description>",
                )
            ),
            RSS_TYPE,
            Expect(1),
        ),
        "dtd_hidden_in_prolog_comment": HostileFeed(
            quadratic.replace(b"<!DOCTYPE", b"<!--\n<!DOCTYPE").replace(
                b"]>\n<rss", b"]>\n-->\n<rss"
            ),
            RSS_TYPE,
            Expect(1, (dtd,)),
        ),
        "dtd_hidden_in_prolog_pi": HostileFeed(
            quadratic.replace(b"<!DOCTYPE", b"<?pi\n<!DOCTYPE").replace(
                b"]>\n<rss", b"]>\n?>\n<rss"
            ),
            RSS_TYPE,
            Expect(1, (dtd,)),
        ),
    }
    return entries
