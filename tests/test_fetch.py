"""Fetching against real servers on 127.0.0.1: conditional GET, limits, guard, robots.txt."""

from __future__ import annotations

import asyncio
import gzip
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipelines.config import FetchSettings
from pipelines.ingest.fetch import Fetcher

LOCAL = FetchSettings(allow_private_networks=True, timeout_s=3, max_bytes=200_000)


def fetch(url: str, settings: FetchSettings = LOCAL, **kw: object):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        async with Fetcher(settings) as f:
            return await f.fetch(url, **kw)  # type: ignore[arg-type]

    return asyncio.run(go())


def test_conditional_get_returns_304_without_body(httpserver: HTTPServer) -> None:
    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        return Response("<rss/>", headers={"ETag": '"v1"', "Last-Modified": "Mon, 19 May 2025"})

    httpserver.expect_request("/feed").respond_with_handler(handler)
    first = fetch(httpserver.url_for("/feed"))
    assert first.status_code == 200 and first.content == b"<rss/>"
    assert first.headers["etag"] == '"v1"'
    second = fetch(httpserver.url_for("/feed"), etag='"v1"')
    assert second.status_code == 304 and second.content == b"" and second.error is None


def test_http_error_is_reported_not_raised(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/gone").respond_with_data("no", status=410)
    res = fetch(httpserver.url_for("/gone"))
    assert res.status_code == 410 and res.error == "HTTP 410"


def test_connection_refused_is_reported() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    res = fetch(f"http://127.0.0.1:{port}/x")
    assert res.status_code is None
    assert res.error == "connection refused by 127.0.0.1: nothing listens on that port"


@pytest.mark.parametrize("settings", [LOCAL, FetchSettings(timeout_s=3)])
def test_a_name_that_does_not_resolve_reads_the_same_with_or_without_the_guard(
    settings: FetchSettings,
) -> None:
    """With `allow_private_networks` (the demo's config) it read "ConnectError: [Errno -2]
    Name or service not known", with the SSRF guard "cannot resolve host …"."""
    res = fetch("http://no-such-host.invalid/feed.xml", settings)
    assert res.status_code is None and res.error is not None
    assert res.error.startswith("cannot resolve host 'no-such-host.invalid': "), res.error


@pytest.mark.parametrize("settings", [LOCAL, FetchSettings(timeout_s=3)])
def test_url_httpx_cannot_parse_is_reported_not_raised(settings: FetchSettings) -> None:
    """A leading zero in an IPv4 octet: the resolver reads it, httpx refuses the URL."""
    res = fetch("http://93.184.216.034/x", settings)
    assert res.status_code is None and res.content == b""
    assert res.error and "InvalidURL" in res.error


def test_huge_page_is_cut_at_the_cap(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/huge").respond_with_data(b"x" * 1_000_000)
    res = fetch(httpserver.url_for("/huge"))
    assert res.content == b"" and res.error and "larger than 200000 bytes" in res.error


def test_gzip_bomb_stops_at_the_cap(httpserver: HTTPServer) -> None:
    bomb = gzip.compress(b"\0" * 200_000_000, compresslevel=9)
    assert len(bomb) < 300_000
    httpserver.expect_request("/bomb").respond_with_data(
        bomb, headers={"Content-Encoding": "gzip", "Content-Type": "text/html"}
    )
    res = fetch(httpserver.url_for("/bomb"))
    assert res.content == b"" and res.error and "larger than" in res.error


def test_redirects_are_bounded(httpserver: HTTPServer) -> None:
    for i in range(10):
        httpserver.expect_request(f"/r{i}").respond_with_data(
            "", status=302, headers={"Location": f"/r{i + 1}"}
        )
    res = fetch(
        httpserver.url_for("/r0"), FetchSettings(allow_private_networks=True, max_redirects=3)
    )
    assert res.error == "more than 3 redirects"


def test_redirect_is_followed(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": "/new"}
    )
    httpserver.expect_request("/new").respond_with_data("hello")
    res = fetch(httpserver.url_for("/old"))
    assert res.content == b"hello" and res.final_url.endswith("/new")


class _Drip(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        try:
            for _ in range(600):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.05)
        except (BrokenPipeError, ConnectionResetError):
            return


@pytest.fixture
def drip_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Drip)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_slow_drip_is_cut_by_the_overall_deadline(drip_server: str) -> None:
    started = time.monotonic()
    res = fetch(drip_server, FetchSettings(allow_private_networks=True, timeout_s=1.0))
    elapsed = time.monotonic() - started
    assert res.error and "overall deadline" in res.error
    assert elapsed < 10  # the server would drip for 30 s; the deadline ended it


def test_robots_txt_disallow_is_honoured(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /private/\n"
    )
    httpserver.expect_request("/private/a.html").respond_with_data("secret")
    httpserver.expect_request("/public/a.html").respond_with_data("public")

    async def go():  # type: ignore[no-untyped-def]
        async with Fetcher(LOCAL) as f:
            return await f.fetch_many(
                [httpserver.url_for("/private/a.html"), httpserver.url_for("/public/a.html")]
            )

    private, public = asyncio.run(go())
    assert private.blocked and private.error == "disallowed by robots.txt"
    assert public.content == b"public"
    paths = [req.path for req, _ in httpserver.log]
    assert "/private/a.html" not in paths and paths.count("/robots.txt") == 1


def _fetch_with_robots(url: str):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        async with Fetcher(LOCAL) as f:
            return await f.fetch(url, check_robots=True)

    return asyncio.run(go())


def test_missing_robots_txt_allows_everything(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("not found", status=404)
    httpserver.expect_request("/a.html").respond_with_data("ok")
    assert _fetch_with_robots(httpserver.url_for("/a.html")).content == b"ok"


def test_failing_robots_txt_disallows_the_origin_for_now(httpserver: HTTPServer) -> None:
    """RFC 9309: an unreachable robots.txt (5xx) means complete disallow, for now: the page is
    not fetched, and fails as a fetch error (tried again later), not as blocked."""
    httpserver.expect_request("/robots.txt").respond_with_data("oops", status=503)
    httpserver.expect_request("/a.html").respond_with_data("ok")
    res = _fetch_with_robots(httpserver.url_for("/a.html"))
    assert not res.blocked and res.content == b""
    assert res.error == "robots.txt could not be read (HTTP 503): not fetched for now (RFC 9309)"
    assert [r.path for r, _ in httpserver.log] == ["/robots.txt"]


def test_a_robots_txt_longer_than_the_body_cap_is_read_in_part(httpserver: HTTPServer) -> None:
    """RFC 9309 §2.5: a crawler reads at least 500 KiB of robots.txt. One longer than the
    body cap (here 200 KB; 5 MB by default) made the origin "unreachable" and held all its
    pages back; its first 500 KiB are read now, gzip bombs included."""
    import gzip

    rules = b"User-agent: *\nDisallow: /private\n"
    padded = rules + b"# padding\n" * 200_000  # 2 MB
    httpserver.expect_request("/robots.txt").respond_with_data(
        gzip.compress(padded), headers={"Content-Encoding": "gzip"}
    )
    httpserver.expect_request("/a.html").respond_with_data("ok")
    allowed = _fetch_with_robots(httpserver.url_for("/a.html"))
    assert allowed.error is None and allowed.content == b"ok"
    refused = _fetch_with_robots(httpserver.url_for("/private/b.html"))
    assert refused.blocked and refused.error == "disallowed by robots.txt"


def test_a_robots_txt_cut_mid_line_drops_the_cut_line(httpserver: HTTPServer) -> None:
    """Cut at 500 KiB right after "Disallow: /" of "Disallow: /private/", the partial line
    disallowed the whole origin, whose pages then landed as blocked for good."""
    from pipelines.ingest.robots import ROBOTS_BYTES

    head = b"User-agent: *\n"
    padding = b"#" * (ROBOTS_BYTES - len(head) - len(b"Disallow: /") - 1) + b"\n"
    body = head + padding + b"Disallow: /private/\n"
    assert body[:ROBOTS_BYTES].endswith(b"Disallow: /")
    httpserver.expect_request("/robots.txt").respond_with_data(body)
    httpserver.expect_request("/a.html").respond_with_data("ok")
    allowed = _fetch_with_robots(httpserver.url_for("/a.html"))
    assert allowed.error is None and allowed.content == b"ok"


def test_an_unreachable_robots_txt_says_what_stood_in_the_way() -> None:
    """Nothing listens on the port: the page's error names the refused connection, where it
    said "server error or unreachable"."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    res = _fetch_with_robots(f"http://127.0.0.1:{port}/a.html")
    assert res.error is not None
    assert res.error == (
        "robots.txt could not be read (connection refused by 127.0.0.1: nothing listens on "
        "that port): not fetched for now (RFC 9309)"
    )


def test_per_host_limit_bounds_concurrency(httpserver: HTTPServer) -> None:
    active = 0
    peak = 0
    lock = threading.Lock()

    def handler(request: Request) -> Response:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.05)
        with lock:
            active -= 1
        return Response("ok")

    httpserver.expect_request("/p").respond_with_handler(handler)
    settings = FetchSettings(allow_private_networks=True, per_host_limit=2)

    async def go():  # type: ignore[no-untyped-def]
        async with Fetcher(settings) as f:
            return await f.fetch_many([httpserver.url_for("/p")] * 8, check_robots=False)

    results = asyncio.run(go())
    assert all(r.content == b"ok" for r in results)
    assert peak <= 2


def test_user_agent_identifies_newswatch(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/ua").respond_with_data("ok")
    fetch(httpserver.url_for("/ua"))
    request, _ = httpserver.log[-1]
    assert request.headers["User-Agent"].startswith("newswatch/")


def test_bodies_are_decompressed_here_in_every_form_and_refused_when_unreadable(
    httpserver: HTTPServer,
) -> None:
    """gzip, zlib deflate and raw deflate come out as the same bytes; a corrupt gzip body and
    an encoding newswatch did not ask for are a clear error, not an exception."""
    import zlib

    text = b"<html><body>" + b"<p>Talks resume in Istanbul.</p>" * 2000 + b"</body></html>"
    raw = zlib.compressobj(6, zlib.DEFLATED, -15)
    bodies = {
        "/gzip": (gzip.compress(text), "gzip"),
        "/zlib": (zlib.compress(text), "deflate"),
        "/raw": (raw.compress(text) + raw.flush(), "deflate"),
        "/corrupt": (gzip.compress(text)[:30] + b"\xff" * 64, "gzip"),
        "/brotli": (b"\x1b\x03\x00\xf8", "br"),
    }
    for path, (body, encoding) in bodies.items():
        httpserver.expect_request(path).respond_with_data(
            body, headers={"Content-Encoding": encoding}, content_type="text/html"
        )
    for path in ("/gzip", "/zlib", "/raw"):
        res = fetch(httpserver.url_for(path))
        assert res.error is None and res.content == text, path
    corrupt = fetch(httpserver.url_for("/corrupt"))
    assert corrupt.content == b"" and "corrupt" in (corrupt.error or "")
    brotli = fetch(httpserver.url_for("/brotli"))
    assert "unsupported Content-Encoding 'br'" in (brotli.error or "")


def test_a_connection_closed_mid_answer_says_so() -> None:
    """It read "ReadError", for feeds and pages alike."""
    import threading

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]

        def answer_half() -> None:
            conn, _ = server.accept()
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 100)
                conn.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                )

        threading.Thread(target=answer_half, daemon=True).start()
        res = fetch(f"http://127.0.0.1:{port}/page")
    assert res.error is not None and res.error.startswith("127.0.0.1 closed the connection"), (
        res.error
    )
