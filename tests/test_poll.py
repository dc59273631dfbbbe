"""Polling real feeds on a loopback server: 304s, Retry-After, broken feeds."""

from __future__ import annotations

import asyncio
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipelines.config import FetchSettings, PollSettings
from pipelines.extract import forkserver_context
from pipelines.ingest.fetch import Fetcher
from pipelines.ingest.poll import parse_retry_after, poll_feeds
from pipelines.models import FeedSource, FeedState

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>a</title><link>https://n.example/a</link></item></channel></rss>"""


def poll(sources: list[FeedSource], states: dict[str, FeedState] | None = None):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        async with Fetcher(FetchSettings(allow_private_networks=True, timeout_s=3)) as f:
            return await poll_feeds(f, sources, states or {}, PollSettings())

    return asyncio.run(go())


def test_poll_ok_then_304_with_stored_etag(httpserver: HTTPServer) -> None:
    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"e1"':
            return Response(status=304)
        return Response(RSS, headers={"ETag": '"e1"', "Content-Type": "application/rss+xml"})

    httpserver.expect_request("/rss").respond_with_handler(handler)
    src = FeedSource(httpserver.url_for("/rss"), "N")
    (first,) = poll([src])
    assert first.status == "ok" and len(first.items) == 1 and first.etag == '"e1"'
    (second,) = poll([src], {src.url: FeedState(src.url, etag=first.etag)})
    assert second.status == "not_modified" and second.items == [] and second.etag == '"e1"'


def test_retry_after_on_429_and_503(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/busy").respond_with_data(
        "", status=429, headers={"Retry-After": "120"}
    )
    later = format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    httpserver.expect_request("/down").respond_with_data(
        "", status=503, headers={"Retry-After": later}
    )
    busy, down = poll(
        [FeedSource(httpserver.url_for("/busy"), "B"), FeedSource(httpserver.url_for("/down"), "D")]
    )
    assert busy.status == "error" and busy.retry_after_s == 120 and busy.http_status == 429
    assert down.retry_after_s is not None and 3500 < down.retry_after_s <= 3600


def test_broken_feeds_are_errors_with_messages(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/html").respond_with_data(
        "<html><p>hi</p></html>", content_type="text/html"
    )
    httpserver.expect_request("/empty").respond_with_data("")
    httpserver.expect_request("/404").respond_with_data("nope", status=404)
    html, empty, missing = poll(
        [FeedSource(httpserver.url_for(p), p) for p in ("/html", "/empty", "/404")]
    )
    assert html.status == "error" and "no entries" in (html.error or "")
    assert empty.status == "error" and "empty body" in (empty.error or "")
    assert missing.status == "error" and missing.error == "HTTP 404"


def test_parse_retry_after_forms() -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    assert parse_retry_after("30") == 30
    assert parse_retry_after("Wed, 01 Jan 2025 00:10:00 GMT", now) == 600
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


class CountingPool(ProcessPoolExecutor):
    """A real process pool that counts what it is given."""

    def __init__(self) -> None:
        super().__init__(max_workers=1, mp_context=forkserver_context())
        self.submitted: list[str] = []

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def,override]
        self.submitted.append(fn.__name__)
        return super().submit(fn, *args, **kwargs)


def test_feeds_are_parsed_in_the_worker_pool_with_the_same_result(httpserver: HTTPServer) -> None:
    """The run parses feeds in its extraction workers (`monitor.poll`); the entries are the
    same as parsed here, a 304 is not sent there, and a pool that is gone is no failure."""
    big = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        + b"".join(
            b"<item><title>story %d</title><link>https://n.example/s/%d?utm_source=x</link>"
            b"<pubDate>Fri, 16 May 2025 10:%02d:00 GMT</pubDate></item>" % (i, i, i % 60)
            for i in range(150)
        )
        + b"</channel></rss>"
    )
    httpserver.expect_request("/big").respond_with_data(big, content_type="application/rss+xml")
    httpserver.expect_request("/same").respond_with_data("", status=304)
    sources = [FeedSource(httpserver.url_for(p), p) for p in ("/big", "/same")]
    states = {sources[1].url: FeedState(sources[1].url, etag='"x"')}

    async def go(parse_in):  # type: ignore[no-untyped-def]
        async with Fetcher(FetchSettings(allow_private_networks=True, timeout_s=10)) as f:
            return await poll_feeds(f, sources, states, PollSettings(), parse_in)

    here = asyncio.run(go(None))
    with CountingPool() as pool:
        there = asyncio.run(go(lambda: pool))
    assert pool.submitted == ["parse_feed"]  # the big feed only, not the 304
    assert len(here[0].items) == 150 and here[1].status == "not_modified"
    assert [(r.status, r.items, r.warning) for r in there] == [
        (r.status, r.items, r.warning) for r in here
    ]
    gone = CountingPool()
    gone.shutdown()
    fallback = asyncio.run(go(lambda: gone))
    assert gone.submitted == ["parse_feed"] and fallback[0].items == here[0].items


def test_a_parse_past_its_deadline_fails_the_feed_and_frees_the_pool(
    httpserver: HTTPServer,
) -> None:
    """A feed parsed in the pool gets `poll.parse_timeout_s`; past it the feed fails with a
    clear error, the pool is reported stuck (the run kills it), and the other feeds go on."""
    entries = b"".join(
        b"<item><title>story %d</title><link>https://n.example/s/%d</link>"
        b"<author>%s</author></item>" % (i, i, b"name" * 60)
        for i in range(200)
    )
    slow = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
    httpserver.expect_request("/slow").respond_with_data(
        slow + entries + b"</channel></rss>", content_type="application/rss+xml"
    )
    httpserver.expect_request("/same").respond_with_data("", status=304)
    sources = [FeedSource(httpserver.url_for(p), p) for p in ("/slow", "/same")]
    states = {sources[1].url: FeedState(sources[1].url, etag='"x"')}
    stuck: list[bool] = []

    async def go(pool: ProcessPoolExecutor):  # type: ignore[no-untyped-def]
        pool.submit(int).result()  # the worker is up: only the parse counts against the deadline
        async with Fetcher(FetchSettings(allow_private_networks=True, timeout_s=10)) as f:
            return await poll_feeds(
                f,
                sources,
                states,
                PollSettings(parse_timeout_s=0.002),
                lambda: pool,
                lambda: stuck.append(True),
            )

    with ProcessPoolExecutor(1, mp_context=forkserver_context()) as pool:
        slow_feed, same = asyncio.run(go(pool))
    assert slow_feed.status == "error" and "longer than 0.002s" in (slow_feed.error or "")
    assert "poll.parse_timeout_s" in (slow_feed.error or "")
    assert stuck == [True] and same.status == "not_modified"
