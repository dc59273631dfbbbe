"""Nothing lost, ever (issue 18, items 1-4): entries whose page could not be fetched are retried
whether or not their feed changed; an unreachable robots.txt means "not now", not "never"; an
empty feed is healthy; validators are kept for failed feeds. Each through `newswatch run` against
a real server on 127.0.0.1, several runs on one database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.newsroom import (
    HTML,
    RSS,
    Answer,
    Request,
    Site,
    page,
    query,
    rss,
    run_newswatch,
    serve_site,
    story,
    write_config,
)

RETRY_NOW = "poll:\n  entry_retry_base_s: 0\n  entry_retry_attempts: {attempts}\n"


@pytest.fixture
def site() -> Iterator[Site]:
    with serve_site() as s:
        s.route("/robots.txt", Answer(404))
        yield s


def conditional_feed(body: bytes, etag: str) -> object:
    """A feed that answers 304 to a request carrying its ETag."""

    def answer(request: Request) -> Answer:
        if request.headers.get("if-none-match") == etag:
            return Answer(304, headers={"ETag": etag})
        return Answer(200, body, {**RSS, "ETag": etag})

    return answer


def articles(db: Path) -> dict[str, tuple[str, int]]:
    """canonical URL path → (extract_status, how many rows)."""
    rows = query(db, "SELECT url, extract_status, count(*) OVER (PARTITION BY url) FROM articles")
    return {url.rsplit("/", 1)[-1]: (status, n) for url, status, n in rows}


def test_a_page_that_failed_is_retried_while_its_feed_answers_304(
    site: Site, tmp_path: Path
) -> None:
    items = [{"title": f"Story {n}", "link": site.url(f"/a{n}")} for n in (1, 2)]
    site.route("/feed", conditional_feed(rss(items), '"v1"'))
    site.route("/a1", Answer(503), Answer(200, page("Story 1", story(1)), HTML))
    site.route("/a2", Answer(503))  # never recovers: lands with its error after 2 attempts
    config = write_config(tmp_path / "cfg", [site.url("/feed")], RETRY_NOW.format(attempts=2))
    db = tmp_path / "data" / "nw.sqlite"

    first = run_newswatch(config, db)
    assert first.code == 0, first.stderr
    assert articles(db) == {}
    second = run_newswatch(config, db)
    assert second.code == 0, second.stderr
    assert second.summary["feeds_not_modified"] == 1  # the feed did not change …
    assert articles(db) == {"a1": ("ok", 1), "a2": ("fetch_error", 1)}  # … yet both were tried
    third = run_newswatch(config, db)
    assert third.code == 0, third.stderr
    assert len(site.requests("/a1")) == 2 and len(site.requests("/a2")) == 2
    assert articles(db) == {"a1": ("ok", 1), "a2": ("fetch_error", 1)}


def test_pending_entries_wait_for_their_backoff(site: Site, tmp_path: Path) -> None:
    site.route("/feed", conditional_feed(rss([{"title": "S", "link": site.url("/a")}]), '"v"'))
    site.route("/a", Answer(503), Answer(200, page("S", story(3)), HTML))
    config = write_config(
        tmp_path / "cfg",
        [site.url("/feed")],
        "poll:\n  entry_retry_base_s: 3600\n  entry_retry_attempts: 5\n",
    )
    db = tmp_path / "data" / "nw.sqlite"
    for _ in range(2):
        assert run_newswatch(config, db).code == 0
    assert len(site.requests("/a")) == 1  # not due again for an hour
    assert query(db, "SELECT attempts FROM pending_entries") == [(1,)]


def test_unreachable_robots_txt_delays_the_page_and_a_real_disallow_blocks_it(
    site: Site, tmp_path: Path
) -> None:
    site.route("/robots.txt", Answer(503), Answer(404))
    items = [{"title": "Talks", "link": site.url("/a")}]
    site.route("/feed", conditional_feed(rss(items), '"r1"'))
    site.route("/a", Answer(200, page("Talks", story(4)), HTML))
    config = write_config(tmp_path / "cfg", [site.url("/feed")], RETRY_NOW.format(attempts=5))
    db = tmp_path / "data" / "nw.sqlite"

    assert run_newswatch(config, db).code == 0
    assert site.requests("/a") == [] and articles(db) == {}  # not fetched, not given up
    assert run_newswatch(config, db).code == 0  # robots.txt now 404; the feed answers 304
    assert articles(db) == {"a": ("ok", 1)}

    with serve_site() as other:
        other.route("/robots.txt", Answer(200, b"User-agent: *\nDisallow: /private\n"))
        other.route("/feed", Answer(200, rss([{"title": "P", "link": other.url("/private")}]), RSS))
        config2 = write_config(
            tmp_path / "cfg2", [other.url("/feed")], RETRY_NOW.format(attempts=5)
        )
        db2 = tmp_path / "data2" / "nw.sqlite"
        assert run_newswatch(config2, db2).code == 0
        assert articles(db2) == {"private": ("blocked", 1)}
        assert other.requests("/private") == []


def test_an_empty_feed_is_healthy_and_keeps_its_etag(site: Site, tmp_path: Path) -> None:
    site.route("/feed", conditional_feed(rss([]), '"empty-1"'))
    config = write_config(tmp_path / "cfg", [site.url("/feed")])
    db = tmp_path / "data" / "nw.sqlite"
    for _ in range(2):
        run = run_newswatch(config, db)
        assert run.code == 0, run.stderr
        assert run.summary["feeds_failed"] == 0
    state = query(db, "SELECT etag, consecutive_failures, disabled, last_status FROM feed_state")
    assert state == [('"empty-1"', 0, False, "not_modified")]
    assert site.requests("/feed")[1].headers.get("if-none-match") == '"empty-1"'


def test_validators_are_kept_for_a_feed_that_failed(site: Site, tmp_path: Path) -> None:
    good = rss([{"title": "G", "link": site.url("/g")}])
    site.route("/good", Answer(200, good, RSS))
    site.route("/g", Answer(200, page("G", story(5)), HTML))
    broken = b"<html><body>Not a feed at all</body></html>"
    validators = {"ETag": '"b1"', "Last-Modified": "Fri, 16 May 2025 10:00:00 GMT"}
    site.route("/broken", Answer(200, broken, {**HTML, **validators}))
    config = write_config(tmp_path / "cfg", [site.url("/good"), site.url("/broken")])
    db = tmp_path / "data" / "nw.sqlite"
    for _ in range(2):
        run = run_newswatch(config, db)
        assert run.code == 0, run.stderr
        assert run.summary["feeds_failed"] == 1
    again = site.requests("/broken")[1].headers
    assert again.get("if-none-match") == '"b1"'
    assert again.get("if-modified-since") == validators["Last-Modified"]
