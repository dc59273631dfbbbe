"""What a run with nothing to do skips: no feed is polled when none is due, and no extraction
process is started when every feed answers 304 (the pool starts once the poll finds new
entries)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pipelines.config import load_config
from pipelines.extract import ready_pool, shutdown_pools
from pipelines.rules import load_ruleset
from pipelines.run.compose import RunRequest, Steps, run_monitor
from pipelines.run.summary import RunSummary

PAGE = (
    b"<html><head><title>Talks in Istanbul</title></head><body><article><h1>Talks in "
    b"Istanbul</h1>"
    + b"<p>Russian and Ukrainian delegations met in Istanbul for direct talks on Friday.</p>" * 8
    + b"</article></body></html>"
)
ETAG = '"feed-v1"'


@pytest.fixture
def feed_server() -> Iterator[tuple[str, list[str]]]:
    """One RSS feed (with an ETag; 304 when it matches) and its one article page; yields the
    feed URL and the log of requested paths."""
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            requests.append(self.path)
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            if self.path == "/feed.xml" and self.headers.get("If-None-Match") == ETAG:
                self.send_response(304)
                self.send_header("ETag", ETAG)
                self.end_headers()
                return
            if self.path == "/feed.xml":
                body = (
                    '<rss version="2.0"><channel><title>t</title><item><title>Talks</title>'
                    f"<link>{base}/a.html</link><guid>a</guid></item></channel></rss>"
                ).encode()
                ctype = "application/rss+xml"
            elif self.path == "/a.html":
                body, ctype = PAGE, "text/html; charset=utf-8"
            else:
                body, ctype = b"User-agent: *\nAllow: /\n", "text/plain"
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("ETag", ETAG)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/feed.xml", requests
    finally:
        server.shutdown()
        server.server_close()


def one_run(config_dir: Path, db: Path, force_all: bool) -> RunSummary:
    config = load_config(config_dir)
    ruleset = load_ruleset(config.rules_path, config.entities_path)
    return asyncio.run(run_monitor(RunRequest(config, ruleset, db, force_all), Steps()))


def test_no_pool_on_304_and_no_poll_when_nothing_is_due(
    tmp_path: Path, db_path: Path, feed_server: tuple[str, list[str]]
) -> None:
    feed_url, requests = feed_server
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    (config_dir / "feeds.yaml").write_text(f"feeds:\n  - url: {feed_url}\n    name: f\n")
    (config_dir / "settings.yaml").write_text(
        "fetch:\n  allow_private_networks: true\nextract:\n  workers: 1\n"
    )
    settings = load_config(config_dir).settings.extract
    shutdown_pools()
    try:
        first = one_run(config_dir, db_path, force_all=True)
        assert (first.feeds_ok, first.articles_landed) == (1, 1)
        assert ready_pool(settings) is not None  # new entries: the workers were started
        shutdown_pools()

        again = one_run(config_dir, db_path, force_all=True)
        assert (again.feeds_not_modified, again.new_entries) == (1, 0)
        assert ready_pool(settings) is None  # every feed answered 304: no process started

        polled = requests.count("/feed.xml")
        idle = one_run(config_dir, db_path, force_all=False)
        assert (idle.feeds_polled, idle.articles_landed) == (0, 0)
        assert requests.count("/feed.xml") == polled  # nothing due: nothing was requested
    finally:
        shutdown_pools()
