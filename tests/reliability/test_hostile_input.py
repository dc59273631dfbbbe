"""Hostile feed and page content through `newswatch run` (issue 18, items 5 and 8, and the
"also seen" list): a feed field feedparser is super-linear on, a UTF-8 feed and page with one
bad byte, NUL bytes in titles and authors, a 1 MB GUID, a page nested 5,000 deep, and a feed
longer than `poll.max_items_per_feed`."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.newsroom import (
    HTML,
    RSS,
    Answer,
    Site,
    page,
    query,
    rss,
    run_newswatch,
    serve_site,
    story,
    write_config,
)

MOJIBAKE = ("Ð", "Ñ", "Đ", "Ń", "Ŕ")
"""Letters a UTF-8 Cyrillic text shows when it is read as a Latin charset."""


@pytest.fixture
def site() -> Iterator[Site]:
    with serve_site() as s:
        s.route("/robots.txt", Answer(404))
        yield s


def item(title: str, link: str, extra: bytes = b"") -> bytes:
    return f"<item><title>{title}</title><link>{link}</link>".encode() + extra + b"</item>"


def channel(*items: bytes) -> bytes:
    return (
        b"<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel><title>Desk</title>"
        + b"".join(items)
        + b"</channel></rss>"
    )


def test_a_feed_with_a_huge_author_is_bounded_and_the_others_go_on(
    site: Site, tmp_path: Path
) -> None:
    huge = item("Slow", site.url("/s1"), b"<author>" + b"a" * 1_000_000 + b"</author>")
    site.route("/slow", Answer(200, channel(huge), RSS))
    site.route("/s1", Answer(200, page("Slow", story(1)), HTML))
    site.route("/feed", Answer(200, rss([{"title": "N", "link": site.url("/n1")}]), RSS))
    site.route("/n1", Answer(200, page("N", story(2)), HTML))
    config = write_config(tmp_path / "cfg", [site.url("/slow"), site.url("/feed")])
    db = tmp_path / "data" / "nw.duckdb"
    try:
        run = run_newswatch(config, db, timeout=120)  # feedparser alone: > 400 s on this author
    except subprocess.TimeoutExpired as exc:
        raise AssertionError("the run was held up by parsing one feed") from exc
    assert run.code == 0, run.stderr
    landed = dict(query(db, "SELECT url, extract_status FROM articles"))
    assert landed == {site.url("/s1"): "ok", site.url("/n1"): "ok"}
    (author,) = query(db, "SELECT max(length(author)) FROM articles")[0]
    assert author <= 256
    assert any("over-long" in w["warning"] for w in run.summary["feed_warnings"])


UKRAINIAN = [
    "Переговори в Стамбулі тривали до вечора",
    "Делегації обмінялися списками полонених",
]


def test_one_bad_byte_does_not_turn_a_utf8_feed_or_page_into_mojibake(
    site: Site, tmp_path: Path
) -> None:
    first = UKRAINIAN[0].encode()
    broken_title = first[:8] + b"\xff" + first[8:]  # one invalid byte, between two letters
    feed = channel(
        b"<item><title>" + broken_title + b"</title><link>" + site.url("/u1").encode() + b"</link>"
        b"</item>",
        item(UKRAINIAN[1], site.url("/u2")),
    )
    site.route("/feed", Answer(200, feed, RSS))
    text = "Сторони домовилися продовжити переговори наступного тижня в Стамбулі. " * 5
    body = page(None, [text, text])  # no <title>: the feed's title is the article's
    bad_page = body.replace("Сторони".encode(), "Сторони".encode()[:6] + b"\xfe", 1)
    site.route("/u1", Answer(200, bad_page, HTML))
    site.route("/u2", Answer(200, body, HTML))
    config = write_config(tmp_path / "cfg", [site.url("/feed")])
    db = tmp_path / "data" / "nw.duckdb"
    run = run_newswatch(config, db)
    assert run.code == 0, run.stderr
    rows = dict(query(db, "SELECT url, title FROM articles WHERE extract_status = 'ok'"))
    texts = [t for (t,) in query(db, "SELECT text FROM articles")]
    assert rows[site.url("/u2")] == UKRAINIAN[1]
    damaged = rows[site.url("/u1")]
    assert damaged.replace("\ufffd", "") == UKRAINIAN[0]  # the bad byte replaced, nothing else
    for shown in [*rows.values(), *texts]:
        assert not any(m in shown for m in MOJIBAKE), shown
    assert all("Стамбулі" in t for t in texts)
    assert any("invalid byte" in w["warning"] for w in run.summary["feed_warnings"])


def test_control_characters_long_guids_deep_pages_and_long_feeds(
    site: Site, tmp_path: Path
) -> None:
    guid = b"<guid>" + b"g" * 1_000_000 + b"</guid>"
    nul = item("Talks\x00 resume\x07", site.url("/c1"), b"<author>Ann\x00 Lee</author>")
    nested_body = (
        b"<html><body>"
        + b"<div>" * 5000
        + b"".join(f"<p>{p}</p>".encode() for p in story(9)[:2])
        + b"</div>" * 5000
        + b"</body></html>"
    )
    site.route(
        "/feed",
        Answer(200, channel(nul, item("Long id", site.url("/g1"), guid)), RSS),
    )
    site.route("/c1", Answer(200, page(None, story(7)), HTML))
    site.route("/g1", Answer(200, page("Long id", story(8)), HTML))
    site.route("/deep-feed", Answer(200, rss([{"title": "Deep", "link": site.url("/d1")}]), RSS))
    site.route("/d1", Answer(200, nested_body, HTML))
    long_feed = rss([{"title": f"L{n}", "link": site.url(f"/l{n}")} for n in range(5)])
    site.route("/long", Answer(200, long_feed, {**RSS, "ETag": '"long"'}))
    for n in range(5):
        site.route(f"/l{n}", Answer(200, page(f"L{n}", story(20 + n)), HTML))
    config = write_config(
        tmp_path / "cfg",
        [site.url("/feed"), site.url("/deep-feed"), site.url("/long")],
        "poll:\n  max_items_per_feed: 2\n",
    )
    db = tmp_path / "data" / "nw.duckdb"

    runs = [run_newswatch(config, db) for _ in range(3)]
    assert [r.code for r in runs] == [0, 0, 0], runs[-1].stderr
    titles = dict(query(db, "SELECT url, title FROM articles"))
    authors = dict(query(db, "SELECT url, author FROM articles"))
    assert titles[site.url("/c1")] == "Talks resume" and authors[site.url("/c1")] == "Ann Lee"
    assert max(len(g) for (g,) in query(db, "SELECT guid FROM seen_entries")) <= 512
    assert len(site.requests("/g1")) == 1  # the hashed GUID is seen: fetched once
    status, text = query(db, "SELECT extract_status, text FROM articles WHERE url LIKE '%/d1'")[0]
    assert status == "ok" and story(9)[0] in text
    # Two entries a run from the long feed: all five landed by the third run, each once.
    landed = [u for (u,) in query(db, "SELECT url FROM articles WHERE url LIKE '%/l_'")]
    assert sorted(landed) == [site.url(f"/l{n}") for n in range(5)]
    warned = [w["warning"] for w in runs[0].summary["feed_warnings"] if "long" in w["feed"]]
    assert warned and "3 more" in warned[0]


def test_gone_lands_at_once_and_the_rest_say_what_happened(site: Site, tmp_path: Path) -> None:
    """A 410 page was tried eight times like a 503; an empty page read "starts with bytes )";
    a feed's 429 said "HTTP 429" whatever wait it asked for."""
    site.route(
        "/feed",
        Answer(
            200,
            rss([{"title": t, "link": site.url(f"/{t}")} for t in ("gone", "busy", "empty")]),
            RSS,
        ),
    )
    site.route("/gone", Answer(410, b"gone"))
    site.route("/busy", Answer(503, b"busy"))
    site.route("/empty", Answer(200, b"", HTML))
    site.route("/limited", Answer(429, b"slow down", {"Retry-After": "7200"}))
    config = write_config(tmp_path / "cfg", [site.url("/feed"), site.url("/limited")])
    db = tmp_path / "data" / "nw.sqlite"
    run = run_newswatch(config, db)
    assert run.code == 0, run.stderr
    landed = dict(query(db, "SELECT url, extract_error FROM articles"))
    assert landed[site.url("/gone")] == "HTTP 410"
    assert landed[site.url("/empty")] == (
        "the page is empty (the server sent no content): not extracted"
    )
    pending = [u for (u,) in query(db, "SELECT url FROM pending_entries")]
    assert pending == [site.url("/busy")]
    [limited] = [e for e in run.summary["feed_errors"] if e["feed"] == site.url("/limited")]
    assert limited["error"] == "HTTP 429 (the server asks to wait 2.0 h: polled then)"


def test_every_feed_that_lists_an_article_is_a_source_of_it(
    site: Site, tmp_path: Path, store_suffix: str
) -> None:
    """The same link in two feeds: the article lands once, and both feeds become its
    sources (the second feed's entry used to vanish, read again at every poll)."""
    shared = site.url("/shared")
    site.route("/a", Answer(200, rss([{"title": "Shared", "link": shared, "guid": "a-1"}]), RSS))
    site.route(
        "/b",
        Answer(
            200, rss([{"title": "Shared", "link": shared + "?utm_source=b", "guid": "b-9"}]), RSS
        ),
    )
    site.route("/shared", Answer(200, page("Shared", story(5)), HTML))
    config = write_config(tmp_path / "cfg", [site.url("/a"), site.url("/b")])
    db = tmp_path / "data" / f"nw{store_suffix}"
    for _ in range(3):
        run = run_newswatch(config, db)
        assert run.code == 0, run.stderr
    assert query(db, "SELECT count(*) FROM articles") == [(1,)]
    sources = sorted(f for (f,) in query(db, "SELECT feed_url FROM article_sources"))
    assert sources == [site.url("/a"), site.url("/b")]
    seen = sorted(query(db, "SELECT feed_url, guid FROM seen_entries"))
    assert seen == [(site.url("/a"), "a-1"), (site.url("/b"), "b-9")]
    assert len(site.requests("/shared")) == 1
