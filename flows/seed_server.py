"""A small static HTTP server for the offline demo corpus (`seeds/site`).

Serves files on 127.0.0.1 with `{{BASE_URL}}` replaced by the server's own address, and
answers conditional requests (ETag / If-None-Match) with 304 like a real feed host. Used by
`newswatch demo` and by the integration tests.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
PLACEHOLDER = b"{{BASE_URL}}"
_TYPES = {".xml": "application/rss+xml", ".atom": "application/atom+xml", ".txt": "text/plain"}


def _handler(root: Path, base_url: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "newswatch-seeds/1"

        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            rel = self.path.split("?", 1)[0].lstrip("/")
            path = (root / rel).resolve()
            if not path.is_relative_to(root) or not path.is_file():
                self.send_error(404)
                return
            body = path.read_bytes().replace(PLACEHOLDER, base_url.encode())
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            ctype = _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "text/html"
            if ctype.startswith("text/html"):
                ctype = "text/html; charset=utf-8"
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

    return Handler


class _Server(ThreadingHTTPServer):
    request_queue_size = 128
    """The listen backlog (socketserver's default is 5). This server's thread shares the
    interpreter lock with a busy run, so connections wait to be accepted; past the backlog the
    kernel drops new ones and the client's TCP resends a second later, which made `newswatch
    demo` spend most of its downloads waiting."""


@contextmanager
def serve_directory(root: Path, port: int = 0) -> Iterator[str]:
    """Serve `root` on 127.0.0.1 (a free port by default); yields the base URL."""
    root = root.resolve()
    server = _Server(("127.0.0.1", port), BaseHTTPRequestHandler)
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    server.RequestHandlerClass = _handler(root, base_url)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="seed-server", daemon=True)
    thread.start()
    try:
        yield base_url
    finally:
        server.shutdown()
        server.server_close()


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
