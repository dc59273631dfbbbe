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
    assert parsed.error is None
    assert parsed.warning == "skipped 1 entry without a link to an article page"
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


JSON_FEED = b"""{
  "version": "https://jsonfeed.org/version/1.1",
  "title": "Desk",
  "items": [
    {"id": 7, "url": "https://news.example/a?utm_source=json", "title": "One",
     "summary": "S", "date_published": "2025-05-16T12:00:00+02:00",
     "authors": [{"name": "Olena"}]},
    {"id": "b", "external_url": "/b.html", "content_text": "Body",
     "date_modified": "2025-05-17T08:00:00", "author": {"name": "Old style"}},
    {"id": "c", "title": "No link"},
    {"id": "d", "url": "javascript:alert(1)"},
    "not an object",
    {"id": "e", "url": "https://news.example/e", "date_published": "yesterday",
     "title": 5}
  ]
}"""


def test_a_json_feed_reads_as_an_rss_feed_would() -> None:
    parsed = parse_feed(
        JSON_FEED, {"content-type": "application/feed+json"}, "https://news.example/feed.json"
    )
    assert parsed.error is None and parsed.title == "Desk" and parsed.listed == 5
    one, two, three = parsed.items
    assert one.guid == "7" and one.canonical_url == "https://news.example/a"
    assert one.published_at is not None and one.published_at.isoformat() == (
        "2025-05-16T10:00:00+00:00"
    )
    assert one.author == "Olena" and one.summary == "S"
    assert two.url == "https://news.example/b.html" and two.summary == "Body"
    assert two.author == "Old style" and two.published_at is not None
    assert two.published_at.isoformat() == "2025-05-17T08:00:00+00:00"  # no offset: UTC
    assert three.title == "" and three.published_at is None  # not a string, not a date
    assert parsed.warning == (
        "skipped 1 item that is not a JSON object; skipped 1 entry without a link to an "
        "article page; skipped 1 entry whose link is not a valid http(s) URL"
    )


def test_a_json_feed_is_known_by_its_first_brace_and_reads_in_windows() -> None:
    parsed = parse_feed(JSON_FEED, {}, "https://news.example/feed.json", max_items=2, skip=1)
    assert parsed.offset == 1 and [i.guid for i in parsed.items] == ["b"]
    assert parsed.warning is not None and "the feed lists 5 entries, of which 2-3" in (
        parsed.warning
    )


def test_json_that_is_no_json_feed_says_what_it_is() -> None:
    cases = {
        b'{"items": [{"url": "https://x.example/1"}]}': "its `version` is None",
        b'{"version": "https://jsonfeed.org/version/1.1", "items": {}}': "no `items` list",
        b'{"version": ': "not valid JSON",
        b"[" * 100_000 + b"]" * 100_000: "nested too deeply",
        b"{" + b'"a":{' * 50_000: "nested too deeply",
    }
    for body, says in cases.items():
        parsed = parse_feed(body, {"content-type": "application/json"}, "https://x.example/f")
        assert parsed.items == [] and parsed.error is not None, body[:40]
        assert says in parsed.error and "got application/json" in parsed.error, parsed.error


def test_rss_labelled_as_json_is_read_as_rss() -> None:
    parsed = parse_feed(RSS, {"content-type": "application/json"}, "https://news.example/rss")
    assert [i.title for i in parsed.items] == ["One", "Relative"]


def test_an_id_that_is_no_url_is_not_fetched_as_a_page() -> None:
    """feedparser makes a permalink guid the link of an entry without one; a guid such as
    "g-12" then resolved against the feed's URL, was fetched (404) eight times and landed as
    a fetch error."""
    feed = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>Id only</title><guid>g-12</guid></item>
<item><title>Permalink</title><guid>https://news.example/p</guid></item>
</channel></rss>"""
    parsed = parse_feed(feed, {}, "https://news.example/rss")
    assert [i.url for i in parsed.items] == ["https://news.example/p"]
    assert parsed.warning == "skipped 1 entry without a link to an article page"


def test_a_date_far_ahead_is_no_date() -> None:
    feed = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>Far</title><link>https://news.example/far</link>
<pubDate>Fri, 31 Dec 9999 23:59:59 GMT</pubDate></item>
<item><title>Old</title><link>https://news.example/old</link>
<pubDate>Mon, 01 Jan 1900 00:00:00 GMT</pubDate></item>
</channel></rss>"""
    parsed = parse_feed(feed, {}, "https://news.example/rss")
    far, old = parsed.items
    assert far.published_at is None and old.published_at is not None
    assert parsed.warning is not None and "1 entry dated more than a day ahead" in parsed.warning


def test_links_with_credentials_or_port_zero() -> None:
    """`http://evil@127.0.0.1/…` was fetched and stored with its userinfo; a `:0` port was
    taken as valid and retried."""
    feed = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>A</title><link>http://user:secret@news.example/a</link></item>
<item><title>B</title><link>http://news.example:0/b</link></item>
</channel></rss>"""
    parsed = parse_feed(feed, {}, "https://news.example/rss")
    assert [i.url for i in parsed.items] == ["http://news.example/a"]
    assert parsed.warning == "skipped 1 entry whose link is not a valid http(s) URL"
