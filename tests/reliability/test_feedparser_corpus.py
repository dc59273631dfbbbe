"""feedparser's own test corpus (2,107 feeds: RSS 0.9x–2.0, RDF, Atom 0.3/1.0, CDF, JSON
Feed; encodings, entities, ill-formed documents) through newswatch: first `parse_feed` on
every document, then all of them served to two real `newswatch run`s (tests/data/feedparser);
and a JSON Feed whose pages land."""

from __future__ import annotations

import json
import re
import tarfile
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import feedparser
import pytest

from pipelines.ingest.feeds import parse_feed
from tests.reliability.newsroom import (
    HTML,
    REPO,
    Answer,
    Site,
    page,
    query,
    run_newswatch,
    serve_site,
    story,
    write_config,
)

CORPUS = REPO / "tests" / "data" / "feedparser" / "corpus.tar.xz"
JSON_FEED_TYPE = {"Content-Type": "application/feed+json"}
_HEADER = re.compile(rb"^Header:\s*([\w-]+):\s*(.*?)\s*$", re.MULTILINE)


def _documents() -> list[tuple[str, bytes, dict[str, str]]]:
    """Each document: its path in the corpus, its bytes, and the HTTP headers its own test
    serves it with (`Header:` lines of its leading comment)."""
    out = []
    with tarfile.open(CORPUS) as tar:
        for member in sorted(tar.getmembers(), key=lambda m: m.name):
            handle = tar.extractfile(member)
            if handle is None:
                continue
            data = handle.read()
            headers = {
                m.group(1).decode(): m.group(2).decode("latin-1")
                for m in _HEADER.finditer(data[:2000])
            }
            out.append((member.name, data, headers))
    return out


DOCUMENTS = _documents()


def _linked(entries: list[dict[str, object]]) -> int:
    return sum(
        bool(e.get("link") or (e.get("links") or [{}])[0].get("href"))  # type: ignore[union-attr,index]
        for e in entries
    )


def test_the_corpus_is_all_there() -> None:
    assert len(DOCUMENTS) == 2107
    assert sum(name.endswith(".json") for name, _, _ in DOCUMENTS) == 1


def test_every_document_parses_and_no_entry_is_dropped_unsaid() -> None:
    """No document raises; every entry with a link that feedparser itself reads becomes an
    item, or the result says why not (a warning or an error)."""
    unsaid: list[str] = []
    for name, data, headers in DOCUMENTS:
        parsed = parse_feed(data, headers, f"http://127.0.0.1:1/{name}")
        assert parsed.error is None or not parsed.items, name
        raw = feedparser.parse(data, response_headers=headers)
        if _linked(raw.entries) > len(parsed.items) and not (parsed.warning or parsed.error):
            unsaid.append(name)
    assert unsaid == []


def test_the_json_feed_is_read() -> None:
    [(_name, data, headers)] = [d for d in DOCUMENTS if d[0].endswith(".json")]
    parsed = parse_feed(data, headers, "http://127.0.0.1:1/feed.json")
    assert parsed.error is None and parsed.title == "My Example Feed"
    assert [i.url for i in parsed.items] == [
        "https://example.org/second-item",
        "https://example.org/initial-post",
    ]


@pytest.fixture
def corpus_site() -> Iterator[Site]:
    with serve_site() as site:
        for name, data, headers in DOCUMENTS:
            if not any(k.lower() == "content-type" for k in headers):
                headers = {**headers, "Content-Type": "application/xml"}
            site.route(f"/{name}", Answer(200, data, headers))
        yield site


@pytest.fixture
def proxy() -> Iterator[Site]:
    """Where every request for another host goes: nothing leaves 127.0.0.1 (the corpus links
    to example.org and real sites). Unrouted, it answers 404; a CONNECT gets 501."""
    with serve_site() as site:
        yield site


def test_a_run_over_the_whole_corpus_reports_each_feed_and_lands_nothing_twice(
    corpus_site: Site, proxy: Site, tmp_path: Path
) -> None:
    """Two runs: each exits cleanly; the feeds that fail are those `parse_feed` refuses, each
    with its reason; every item is landed or left to try again, none twice."""
    urls = [corpus_site.url(f"/{name}") for name, _, _ in DOCUMENTS]
    config = write_config(tmp_path / "cfg", urls)
    db = tmp_path / "data" / "corpus.sqlite"
    proxied = {"HTTP_PROXY": proxy.base, "HTTPS_PROXY": proxy.base, "NO_PROXY": "127.0.0.1"}
    for _ in range(2):
        done = run_newswatch(config, db, timeout=600, extra_env=proxied)
        assert done.code == 0, done.stderr[-2000:]
        assert "Traceback" not in done.stdout + done.stderr
    expected_failing = {
        corpus_site.url(f"/{name}")
        for name, data, headers in DOCUMENTS
        if parse_feed(data, headers, corpus_site.url(f"/{name}")).error is not None
    }
    rows = query(db, "SELECT feed_url, consecutive_failures, last_error FROM feed_state")
    assert len(rows) == len(DOCUMENTS)
    assert {url for url, failures, _ in rows if failures} == expected_failing
    assert all(
        error.startswith(("feed yielded no entries", "feed is too malformed"))
        for _, failures, error in rows
        if failures
    )
    items = {
        item.canonical_url
        for name, data, headers in DOCUMENTS
        for item in parse_feed(data, headers, corpus_site.url(f"/{name}")).items
    }
    kept = query(
        db, "SELECT canonical_url FROM articles UNION ALL SELECT canonical_url FROM pending_entries"
    )
    assert len(kept) == len({url for (url,) in kept})  # nothing twice
    assert {url for (url,) in kept} == items  # and nothing lost: landed, or tried again later
    hosts = {r.headers.get("host") for r in proxy.log}
    assert "example.org" in hosts or "www.example.org" in hosts


def test_a_json_feed_lands_its_articles_once(tmp_path: Path) -> None:
    """A JSON Feed through a real run: its pages land with the feed's dates and authors, and
    the next run lands nothing again."""
    with serve_site() as site:
        site.route("/robots.txt", Answer(404))
        feed = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "JSON desk",
            "items": [
                {
                    "id": f"j{n}",
                    "url": site.url(f"/j{n}"),
                    "title": f"JSON story {n}",
                    "date_published": f"2025-05-1{n}T09:30:00+03:00",
                    "authors": [{"name": f"Author {n}"}],
                }
                for n in (1, 2)
            ],
        }
        site.route("/feed.json", Answer(200, json.dumps(feed).encode(), JSON_FEED_TYPE))
        for n in (1, 2):
            site.route(f"/j{n}", Answer(200, page(f"JSON story {n}", story(n)), HTML))
        config = write_config(tmp_path / "cfg", [site.url("/feed.json")])
        db = tmp_path / "data" / "json.sqlite"
        first = run_newswatch(config, db)
        second = run_newswatch(config, db)
    assert first.code == 0 and second.code == 0, first.stderr + second.stderr
    assert first.summary["articles_landed"] == 2 and second.summary["articles_landed"] == 0
    assert first.summary["feed_errors"] == [] and first.summary["feed_warnings"] == []
    rows = query(db, "SELECT url, extract_status, author, published_at FROM articles ORDER BY url")
    assert [(u, s) for u, s, _, _ in rows] == [(site.url("/j1"), "ok"), (site.url("/j2"), "ok")]
    assert [a for _, _, a, _ in rows] == ["Author 1", "Author 2"]
    assert [p.astimezone(UTC).isoformat() for _, _, _, p in rows] == [
        "2025-05-11T06:30:00+00:00",
        "2025-05-12T06:30:00+00:00",
    ]
