"""robots.txt matching as RFC 9309 defines it: `*` and `$` wildcards, longest match wins,
the group named for our product token over `*`. Served by a real server on 127.0.0.1 and read
through the real Fetcher; urllib.robotparser got each of these cases wrong."""

from __future__ import annotations

import asyncio
import re

from pytest_httpserver import HTTPServer

from pipelines.config import FetchSettings
from pipelines.ingest.fetch import Fetcher
from pipelines.models import FetchResult

LOCAL = FetchSettings(allow_private_networks=True, timeout_s=3)

ROBOTS = """\
User-agent: *
Disallow: /*.pdf$
Disallow: /news/
Allow: /news/*/live$
Allow: /archive
Disallow: /archive/private
Disallow: /*?print=
"""

ROBOTS_WITH_OUR_GROUP = (
    ROBOTS
    + """
User-agent: newswatch
Disallow: /wires/
Allow: /wires/public/
"""
)


def _fetch_all(
    server: HTTPServer, paths: list[str], robots: str = ROBOTS
) -> dict[str, FetchResult]:
    server.expect_request("/robots.txt").respond_with_data(robots)
    server.expect_request(re.compile(r"^/(?!robots\.txt).*")).respond_with_data("page")

    async def go() -> list[FetchResult]:
        async with Fetcher(LOCAL) as f:
            return await f.fetch_many([server.url_for(p) for p in paths])

    return dict(zip(paths, asyncio.run(go()), strict=True))


def _blocked(results: dict[str, FetchResult]) -> set[str]:
    for res in results.values():
        assert res.blocked == (res.error == "disallowed by robots.txt")
    return {path for path, res in results.items() if res.blocked}


def test_wildcards_star_and_end_anchor(httpserver: HTTPServer) -> None:
    paths = [
        "/files/report.pdf",  # `/*.pdf$`: disallowed
        "/files/report.pdf?page=2",  # `$` anchors the end: the query makes it another path
        "/files/report.pdfx",
        "/story?print=yes",  # `/*?print=`: `*` spans the path, the query is matched too
        "/story?id=1&print=yes",  # no `?print=` in it
        "/story?id=1",
    ]
    results = _fetch_all(httpserver, paths)
    assert _blocked(results) == {"/files/report.pdf", "/story?print=yes"}
    assert all(results[p].content == b"page" for p in paths if p not in _blocked(results))


def test_longest_match_wins_whatever_the_order(httpserver: HTTPServer) -> None:
    paths = [
        "/news/kyiv/live",  # Allow /news/*/live$ (longer than Disallow /news/)
        "/news/kyiv/live/1",  # the `$` allow does not match: Disallow /news/ wins
        "/news/kyiv",
        "/archive/2025",  # Allow /archive
        "/archive/private/1",  # the longer Disallow, though Allow comes first
    ]
    results = _fetch_all(httpserver, paths)
    assert _blocked(results) == {"/news/kyiv/live/1", "/news/kyiv", "/archive/private/1"}
    requested = {req.path for req, _ in httpserver.log}
    assert "/archive/private/1" not in requested and "/news/kyiv" not in requested
    assert "/news/kyiv/live" in requested


def test_our_product_token_group_replaces_the_star_group(httpserver: HTTPServer) -> None:
    """Our User-Agent is `newswatch/0.1 (...)`: the `newswatch` group applies, and only it."""
    paths = ["/wires/a", "/wires/public/a", "/files/report.pdf", "/news/kyiv"]
    results = _fetch_all(httpserver, paths, ROBOTS_WITH_OUR_GROUP)
    assert _blocked(results) == {"/wires/a"}
