"""A scriptable news site on 127.0.0.1 and the real `newswatch run` in a subprocess.

`Site` serves feeds, pages, robots.txt and alert receivers; each path answers from a script of
responses (the last one repeats), so a test can make a page fail on the first request and
succeed on the next, and every request is logged with its headers. `run_newswatch` runs the
installed CLI (`python -m flows.cli run --all --json`) against a config directory written by
`write_config`, with a Prefect home of its own, and returns its exit code, summary and stderr.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.store_reader import open_reader

REPO = Path(__file__).resolve().parents[2]
RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}
HTML = {"Content-Type": "text/html; charset=utf-8"}


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[["Request"], Answer]


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class Site:
    """Routes: path → a list of answers (one per request, the last repeats) or a handler."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Answer] | Handler] = {}
        self.log: list[Request] = []
        self._lock = threading.Lock()
        self._served: dict[str, int] = {}
        self.base = ""

    def route(self, path: str, *answers: Answer | Handler) -> None:
        if len(answers) == 1 and callable(answers[0]):
            self.routes[path] = answers[0]
        else:
            self.routes[path] = [a for a in answers if isinstance(a, Answer)]
        self._served[path] = 0

    def requests(self, path: str) -> list[Request]:
        return [r for r in self.log if r.path == path]

    def url(self, path: str) -> str:
        return self.base + path

    def answer(self, request: Request) -> Answer:
        with self._lock:
            self.log.append(request)
            script = self.routes.get(request.path)
            if script is None:
                return Answer(404, b"not here")
            if callable(script):
                handler = script
            else:
                n = self._served[request.path]
                self._served[request.path] = n + 1
                return script[min(n, len(script) - 1)]
        return handler(request)


def _handler_class(site: Site) -> type[BaseHTTPRequestHandler]:
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in separate writes

        def log_message(self, format: str, *args: object) -> None:
            return

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = Request(
                self.command,
                self.path,
                {k.lower(): v for k, v in self.headers.items()},
                body,
            )
            answer = site.answer(request)
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            try:
                if self.command != "HEAD" and answer.status != 304:
                    self.wfile.write(answer.body)
            except (BrokenPipeError, ConnectionResetError):
                return

        do_GET = do_POST = do_HEAD = _serve

    return H


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up mid-answer (a refused bomb, a killed run) is no error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


@contextmanager
def serve_site() -> Iterator[Site]:
    site = Site()
    server = _Server(("127.0.0.1", 0), _handler_class(site))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


def rss(items: list[dict[str, str]], title: str = "Local desk") -> bytes:
    """An RSS 2.0 document; each item: title, link, and optionally guid, author, description."""
    parts = []
    for it in items:
        extra = "".join(
            f"<{tag}>{escape(it[tag])}</{tag}>"
            for tag in ("guid", "author", "description")
            if tag in it
        )
        parts.append(
            f"<item><title>{escape(it['title'])}</title><link>{escape(it['link'])}</link>"
            f"{extra}<pubDate>Fri, 16 May 2025 10:00:00 +0000</pubDate></item>"
        )
    return (
        "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel>"
        f"<title>{escape(title)}</title><link>http://127.0.0.1/</link>{''.join(parts)}"
        "</channel></rss>"
    ).encode()


def page(title: str | None, paragraphs: list[str]) -> bytes:
    head = f"<title>{escape(title)}</title>" if title else ""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'>{head}</head><body><article>"
        f"{body}</article></body></html>"
    ).encode()


def story(n: int) -> list[str]:
    """Three paragraphs of ordinary prose, different for each n (no topic matches)."""
    words = ["harbour", "council", "budget", "bridge", "school", "orchard", "railway", "market"]
    return [
        f"Story {n}, part {k}: the {words[(n + k) % 8]} committee met on day {n + k} to review "
        f"plan {n * 7 + k} in detail, and members asked for figures on item {n * 3 + k} "
        f"before the vote on the {words[(n + 2 * k) % 8]} that was due in week {k + 2}."
        for k in range(3)
    ]


def write_config(config_dir: Path, feed_urls: list[str], settings: str = "") -> Path:
    """feeds.yaml with the given feeds, settings.yaml allowing loopback plus `settings`."""
    config_dir.mkdir(parents=True, exist_ok=True)
    feeds = "".join(
        f"  - url: {url}\n    name: Desk {i}\n    language: en\n" for i, url in enumerate(feed_urls)
    )
    (config_dir / "feeds.yaml").write_text("feeds:\n" + feeds, "utf-8")
    base = "fetch:\n  allow_private_networks: true\n  per_host_delay_s: 0\n"
    (config_dir / "settings.yaml").write_text(base + settings, "utf-8")
    return config_dir


@dataclass(slots=True)
class Run:
    code: int
    summary: dict[str, Any]
    stdout: str
    stderr: str


def newswatch_command(config_dir: Path, db: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "flows.cli",
        "run",
        "--config-dir",
        str(config_dir),
        "--db",
        str(db),
        "--all",
        "--json",
    ]


_PREFECT_HOME = Path(tempfile.mkdtemp(prefix="newswatch-tests-prefect-"))
"""One Prefect home for every run of this test process: its database is made once."""


def newswatch_env(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "NEWSWATCH_"))}
    env.update(
        PREFECT_HOME=str(_PREFECT_HOME),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        NO_PROXY="*",
    )
    for proxy in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        env.pop(proxy, None)
    return env


def run_newswatch(
    config_dir: Path, db: Path, timeout: float = 240, extra_env: dict[str, str] | None = None
) -> Run:
    done = subprocess.run(
        newswatch_command(config_dir, db),
        cwd=REPO,
        env={**newswatch_env(db), **(extra_env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    summary: dict[str, Any] = {}
    start = done.stdout.find("{\n")
    if start >= 0:
        try:
            summary = json.loads(done.stdout[start:])
        except json.JSONDecodeError:
            summary = {}
    return Run(done.returncode, summary, done.stdout, done.stderr)


def query(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with open_reader(db) as con:
        return con.execute(sql, params or []).fetchall()
