"""Hostile article pages through the real fetch and extraction stages, under a memory cap.

A child process runs `monitor.fetch_and_extract` (the code path of every run) with its address
space capped (RLIMIT_AS, inherited by the extraction workers) against a real server on
127.0.0.1 that serves a huge page, a gzip bomb, an endless drip, 100,000 nested elements, an
image, binary garbage, HTML with the wrong Content-Type, and a page of scripts only. The run
must finish within its deadline and give each page a status and a reason; one good page in the
same batch must still be extracted.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

REPO = Path(__file__).resolve().parents[2]
MEMORY_CAP = 3 * 2**30
GOOD = (
    "<html><head><title>Talks resume</title></head><body><article><h1>Talks resume</h1>"
    + "".join(
        f"<p>On day {i} the delegations met again, item {i} of the agenda was discussed at length "
        f"and both sides agreed to exchange {i * 10} prisoners before the next round.</p>"
        for i in range(1, 13)
    )
    + "</article></body></html>"
).encode()


def _noise(n: int, seed: int) -> bytes:
    """Random bytes without "<", so that no HTML tag can appear in them by chance."""
    return random.Random(seed).randbytes(n).replace(b"<", b"")


PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452") + _noise(4000, 1)


def pages() -> dict[str, tuple[bytes, dict[str, str]]]:
    html = {"Content-Type": "text/html; charset=utf-8"}
    nested = b"<html><body>" + b"<div>" * 100_000 + b"deep" + b"</div>" * 100_000 + b"</body>"
    return {
        "/good": (GOOD, html),
        "/huge": (b"<html><body><p>" + b"a" * 30_000_000 + b"</p></body></html>", html),
        "/bomb": (
            gzip.compress(b"<p>" + b"\0" * 300_000_000, compresslevel=9),
            {**html, "Content-Encoding": "gzip"},
        ),
        "/nested": (nested, html),
        "/image": (PNG, {"Content-Type": "image/png"}),
        "/garbage": (_noise(20_000, 2), html),
        "/octet": (
            GOOD.replace(b"Talks resume", b"Octet stream"),
            {"Content-Type": "application/octet-stream"},
        ),
        "/scripts": (
            b"<html><head>" + b"<script>var x = 1;</script>" * 2000 + b"</head></html>",
            html,
        ),
    }


class _Handler(BaseHTTPRequestHandler):
    served: ClassVar[dict[str, tuple[bytes, dict[str, str]]]] = {}

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        if self.path == "/drip":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:
                for _ in range(10_000):
                    self.wfile.write(b"<p>x</p>")
                    self.wfile.flush()
                    time.sleep(0.05)
            except (BrokenPipeError, ConnectionResetError):
                return
            return
        body, headers = self.served.get(self.path, (b"", {}))
        self.send_response(200 if body else 404)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            return


@pytest.fixture
def hostile_server() -> Iterator[str]:
    _Handler.served = pages()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


CHILD = """
import asyncio, json, resource, sys
from datetime import UTC, datetime
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[2]), int(sys.argv[2])))
from pipelines.config import Config, ExtractSettings, FetchSettings, Settings
from pipelines.ingest.fetch import Fetcher
from pipelines.ingest.identity import canonical_url
from pipelines.models import FeedItem
from pipelines.run.steps import fetch_and_extract

base = sys.argv[1]
paths = json.loads(sys.argv[3])
items = [FeedItem(base + "/rss", base + p, base + p, canonical_url(base + p), p) for p in paths]
settings = Settings(
    fetch=FetchSettings(allow_private_networks=True, timeout_s=5, per_host_limit=8),
    extract=ExtractSettings(timeout_s=10, min_text_chars=100),
)
config = Config(Path("."), [], settings, Path("r"), Path("e"))

async def run():
    async with Fetcher(settings.fetch) as fetcher:
        return await fetch_and_extract(fetcher, items, config)

done = asyncio.run(run())
out = {a.url[len(base):]: [a.extract_status, a.extract_error, a.title] for a in done.articles}
print(json.dumps(out))
"""


def test_hostile_pages_are_bounded_and_reported(hostile_server: str) -> None:
    paths = [*pages(), "/drip"]
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, hostile_server, str(MEMORY_CAP), json.dumps(paths)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=180,
    )
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    status = {path: s for path, (s, _, _) in got.items()}
    reason = {path: r or "" for path, (_, r, _) in got.items()}

    assert status["/good"] == "ok" and got["/good"][2] == "Talks resume"
    assert status["/octet"] == "ok" and got["/octet"][2] == "Octet stream"  # sniffed, not labelled
    assert status["/huge"] == "fetch_error" and "larger than" in reason["/huge"]
    assert status["/bomb"] == "fetch_error" and "larger than" in reason["/bomb"]
    assert status["/drip"] == "fetch_error" and "deadline" in reason["/drip"]
    assert status["/image"] == "error" and "image/png" in reason["/image"]
    assert status["/garbage"] == "error" and "not an HTML page" in reason["/garbage"]
    assert status["/scripts"] == "empty" and "characters of text" in reason["/scripts"]
    assert status["/nested"] in {"empty", "error", "timeout"} and reason["/nested"]
    assert elapsed < 150  # every page within its own deadline; nothing waited on the drip twice
