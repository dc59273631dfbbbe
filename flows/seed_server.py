"""Static HTTP servers on loopback: the offline demo corpus (`seeds/site`) and the
benchmarks' generated corpora.

Files are served with `{{BASE_URL}}` replaced by the server's own address, and conditional
requests (ETag / If-None-Match) are answered with 304 like a real feed host. Used by
`newswatch demo`, the integration tests and the benchmarks (which also build their own
handlers on `QuietHandler` and `LoopbackServer`).
"""

from __future__ import annotations

import mimetypes
import posixpath
import re
import threading
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
PLACEHOLDER = b"{{BASE_URL}}"
_TYPES = {".xml": "application/rss+xml", ".atom": "application/atom+xml", ".txt": "text/plain"}


class LoopbackServer(ThreadingHTTPServer):
    """A threading server with a deep listen backlog that keeps quiet about clients that hang
    up. Its threads share the interpreter lock with a busy run, so connections wait to be
    accepted; past socketserver's default backlog of 5 the kernel drops new ones and the
    client's TCP resends a second later."""

    request_queue_size = 1024
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        return


class QuietHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 (keep-alive) without a log line per request."""

    protocol_version = "HTTP/1.1"
    server_version = "newswatch-seeds/1"

    def log_message(self, format: str, *args: object) -> None:
        return

    def reply(
        self,
        status: int,
        body: bytes = b"",
        etag: str | None = None,
        content_type: str | None = None,
    ) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        if etag:
            self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def reply_conditional(self, body: bytes, content_type: str) -> None:
        """200 with the body, or 304 when the client already holds this version of it."""
        etag = f'"{zlib.crc32(body):08x}{len(body):x}"'
        if self.headers.get("If-None-Match") == etag:
            self.reply(304, etag=etag)
        else:
            self.reply(200, body, etag, content_type)


def _content_type(path: Path) -> str:
    ctype = _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "text/html"
    return "text/html; charset=utf-8" if ctype.startswith("text/html") else ctype


def _directory_handler(root: Path, base_url: str) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        def do_GET(self) -> None:
            # normpath drops every `..` that would climb above the root
            rel = posixpath.normpath("/" + self.path.split("?", 1)[0]).lstrip("/")
            try:
                body = (root / rel).read_bytes()
            except OSError:  # missing, a directory, unreadable
                self.reply(404)
                return
            self.reply_conditional(
                body.replace(PLACEHOLDER, base_url.encode()), _content_type(root / rel)
            )

    return Handler


@contextmanager
def serve(
    handler: Callable[[str], type[BaseHTTPRequestHandler]],
    host: str = "127.0.0.1",
    port: int = 0,
) -> Iterator[str]:
    """Serve on `host` (a free port by default) with the handler class `handler(base_url)`
    returns; yields the base URL."""
    server = LoopbackServer((host, port), BaseHTTPRequestHandler)
    base_url = f"http://{host}:{server.server_address[1]}"
    server.RequestHandlerClass = handler(base_url)
    thread = threading.Thread(target=server.serve_forever, name=f"serve-{base_url}", daemon=True)
    thread.start()
    try:
        yield base_url
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def serve_directory(root: Path, port: int = 0, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve the files below `root` on `host` (127.0.0.1, a free port by default); yields the
    base URL."""
    root = root.resolve()
    with serve(lambda base_url: _directory_handler(root, base_url), host, port) as base_url:
        yield base_url


@contextmanager
def serve_seeds(port: int = 0) -> Iterator[str]:
    """Serve the demo corpus `seeds/site`; yields the base URL."""
    with serve_directory(SEEDS_DIR / "site", port) as base_url:
        yield base_url


DEMO_PORT = 8471
"""The demo's default port. The demo's feed and article URLs contain the port, and a feed's
state (ETag, seen entries) and an article's id are keyed by those URLs, so a second demo on
the same port gets 304 Not Modified and lands nothing; on another port it would be a new
corpus."""

_DEMO_FEED = re.compile(r"^http://127\.0\.0\.1:(\d+)/feeds/")


def demo_port_in(feed_urls: Sequence[str]) -> int | None:
    """The port an earlier demo served on, from the feed URLs in its database."""
    for url in feed_urls:
        if m := _DEMO_FEED.match(url):
            return int(m.group(1))
    return None


@dataclass(frozen=True)
class DemoServer:
    base_url: str
    port: int
    wanted: tuple[int, ...]
    """The ports tried first, in order; `port` is none of them when all were taken."""


@contextmanager
def serve_demo(ports: Sequence[int]) -> Iterator[DemoServer]:
    """Serve the demo corpus on the first of `ports` that is free, else on any free port."""
    with ExitStack() as stack:
        for port in (*ports, 0):
            try:
                base_url = stack.enter_context(serve_seeds(port))
            except OSError:
                continue
            yield DemoServer(base_url, int(base_url.rsplit(":", 1)[1]), tuple(ports))
            return
        raise OSError("no free port on 127.0.0.1 for the demo corpus")
