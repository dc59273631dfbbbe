"""Feed parsing from bytes: RSS, Atom, malformed, mis-encoded, empty and not-a-feed."""

from __future__ import annotations

from pipelines.ingest.feeds import parse_feed

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>T</title>
<item><title>One</title><link>https://news.example/a?utm_source=rss</link><guid>g1</guid>
<pubDate>Fri, 16 May 2025 10:00:00 GMT</pubDate></item>
<item><title>One again</title><link>https://www.news.example/a/</link><guid>g1b</guid></item>
<item><title>Relative</title><link>/b.html</link></item>
<item><title>No link</title></item>
</channel></rss>"""


def test_rss_items_canonical_dedupe_and_relative_links() -> None:
    parsed = parse_feed(RSS, {"content-type": "application/rss+xml"}, "https://news.example/rss")
    assert parsed.error is None and parsed.warning is None
    assert [i.title for i in parsed.items] == ["One", "Relative"]
    first, rel = parsed.items
    assert first.guid == "g1" and first.canonical_url == "https://news.example/a"
    assert first.published_at is not None and first.published_at.isoformat().startswith(
        "2025-05-16T10:00"
    )
    assert rel.url == "https://news.example/b.html" and rel.guid == rel.url


def test_atom_feed() -> None:
    atom = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:x</id>
<updated>2025-06-02T10:00:00Z</updated>
<entry><title>\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd1\x96\xd1\x82</title>
<link href="https://ua.example/x"/><id>urn:1</id><updated>2025-06-02T10:00:00Z</updated></entry>
</feed>"""
    parsed = parse_feed(atom, {}, "https://ua.example/feed")
    assert parsed.items[0].title == "Привіт" and parsed.items[0].guid == "urn:1"


def test_malformed_feed_keeps_recoverable_entries_with_a_warning() -> None:
    broken = RSS.replace(b"</channel></rss>", b"<item><title>Bad & worse</title>")
    parsed = parse_feed(broken, {}, "https://news.example/rss")
    assert parsed.error is None
    assert parsed.warning and parsed.warning.startswith("malformed feed")
    assert len(parsed.items) >= 1


def test_mis_encoded_feed_is_decoded_from_declared_charset() -> None:
    text = """<?xml version="1.0" encoding="windows-1251"?>
<rss version="2.0"><channel><title>Новости</title>
<item><title>Переговоры в Стамбуле</title><link>https://ru.example/1</link></item>
</channel></rss>"""
    parsed = parse_feed(text.encode("cp1251"), {}, "https://ru.example/rss")
    assert parsed.items[0].title == "Переговоры в Стамбуле"


def test_wrong_charset_header_still_yields_entries() -> None:
    text = """<?xml version="1.0" encoding="koi8-r"?>
<rss version="2.0"><channel><title>x</title>
<item><title>Харьков</title><link>https://ru.example/2</link></item></channel></rss>"""
    parsed = parse_feed(
        text.encode("koi8-r"),
        {"content-type": "application/xml; charset=utf-8"},
        "https://ru.example/rss",
    )
    assert len(parsed.items) == 1
    assert parsed.items[0].url == "https://ru.example/2"


def test_html_page_served_as_feed_is_a_clear_error() -> None:
    parsed = parse_feed(
        b"<html><body><h1>Welcome</h1></body></html>",
        {"content-type": "text/html"},
        "https://x.example/feed",
    )
    assert parsed.items == []
    assert parsed.error and "no entries" in parsed.error and "text/html" in parsed.error


def test_empty_body_and_garbage_are_errors() -> None:
    assert parse_feed(b"", {}, "https://x/f").error == "feed returned an empty body"
    garbage = parse_feed(bytes(range(256)) * 10, {}, "https://x/f")
    assert garbage.items == [] and garbage.error


def test_max_items_bounds_the_batch() -> None:
    items = "".join(
        f"<item><title>{i}</title><link>https://n.example/{i}</link></item>" for i in range(50)
    )
    feed = f'<rss version="2.0"><channel><title>x</title>{items}</channel></rss>'.encode()
    assert len(parse_feed(feed, {}, "https://n.example/rss", max_items=10).items) == 10
