"""End-to-end articles/s of the pipeline next to bare trafilatura on the same pages and cores.

    python -m bench.bench_e2e [--articles 400]

The corpus is generated reproducibly from the demo articles (shuffled paragraphs, unique
sentences, the demo outlets' page templates) and served from memory on 127.0.0.1. The pipeline
runs every stage of a run on a cold database: poll, new entries, fetch + extract (pages go to
the process pool as they arrive), match, land. Both sides start their own worker processes and
extract with the same trafilatura options. The headline figure is pipeline / bare extraction
throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bench.common import emit
from pipelines import monitor
from pipelines.config import (
    DEFAULT_CONFIG_DIR,
    Config,
    ExtractSettings,
    FetchSettings,
    PollSettings,
    Settings,
)
from pipelines.extract import TRAFILATURA_OPTIONS
from pipelines.fetch import Fetcher
from pipelines.models import FeedSource
from pipelines.rules import load_ruleset
from seeds.articles import ARTICLES
from seeds.build import render

PAGES: dict[str, bytes] = {}


def build_corpus(n: int, base: str, feeds: int = 10) -> None:
    rng = random.Random(1)
    entries: list[list[str]] = [[] for _ in range(feeds)]
    for i in range(n):
        src = dict(rng.choice(ARTICLES))
        paras = src["body"].split("\n")
        rng.shuffle(paras)
        src["body"] = "\n".join([*paras, f"Reference number {i} of this generated corpus."])
        src["slug"] = f"gen-{i}"
        src["title"] = f"{src['title']} ({i})"
        PAGES[f"/articles/gen-{i}.html"] = render(src).replace("{{BASE_URL}}", base).encode()
        entries[i % feeds].append(
            f"<item><title>{src['title']}</title><link>{base}/articles/gen-{i}.html</link>"
            f"<guid>gen-{i}</guid></item>"
        )
    for f, items in enumerate(entries):
        PAGES[f"/feed/{f}.xml"] = (
            f'<rss version="2.0"><channel><title>feed {f}</title>{"".join(items)}</channel></rss>'
        ).encode()
    PAGES["/robots.txt"] = b"User-agent: *\nAllow: /\n"


def _bare(page: bytes) -> int:
    """trafilatura alone, with the options the pipeline uses (TRAFILATURA_OPTIONS)."""
    import trafilatura

    doc = trafilatura.bare_extraction(page, **TRAFILATURA_OPTIONS)
    return len(doc.text or "") if doc is not None else 0


def bare_extraction(pages: list[bytes], workers: int) -> float:
    start = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_bare, pages, chunksize=4))
    return time.perf_counter() - start


def pipeline(config: Config, db: Path) -> tuple[float, dict[str, float], int]:
    ruleset = load_ruleset(config.rules_path, config.entities_path)
    timings: dict[str, float] = {}
    start = t = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        timings[name] = round(time.perf_counter() - t, 3)
        t = time.perf_counter()

    async def io() -> tuple:
        async with Fetcher(config.settings.fetch) as fetcher:
            results = await monitor.poll(fetcher, config, config.feeds, {})
            lap("poll")
            fresh = monitor.new_entries(db, config, results)
            both = await monitor.fetch_and_extract(fetcher, fresh, config)
            timings["fetch"] = round(both.fetch_s, 3)
            lap("extract")
            timings["extract"] = round(timings["extract"] - both.fetch_s, 3)
            return results, fresh, both.articles

    _, fresh, articles = asyncio.run(io())
    matches = monitor.match(ruleset, articles)
    lap("match")
    report = monitor.land(db, config, articles, fresh, matches, [])
    lap("land")
    return time.perf_counter() - start, timings, report.articles_inserted


def serve(port: int, articles: int) -> None:
    """The corpus server, in its own process (`--serve PORT`), so that serving pages does not
    compete with the pipeline for its interpreter lock, and on asyncio streams, so that its
    own CPU cost per request (which a remote site would not put on this machine) stays small."""
    base = f"http://127.0.0.1:{port}"
    build_corpus(articles, base)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1].decode()
                body = PAGES.get(path)
                status = b"200 OK" if body is not None else b"404 Not Found"
                body = body or b""
                writer.write(
                    b"HTTP/1.1 " + status + b"\r\nContent-Type: text/html; charset=utf-8\r\n"
                    b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, IndexError):
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def start_server(articles: int) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.bench_e2e", "--serve", str(port), "--articles", str(articles)]
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/robots.txt", timeout=1).read()
            return proc, base
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the corpus server did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.articles)
        return
    workers = os.cpu_count() or 1
    server, base = start_server(args.articles)
    build_corpus(args.articles, base)
    feeds = [FeedSource(f"{base}/feed/{f}.xml", f"feed {f}") for f in range(10)]
    settings = Settings(
        fetch=FetchSettings(allow_private_networks=True, per_host_limit=16, http2=False),
        poll=PollSettings(max_items_per_feed=10_000),
        extract=ExtractSettings(workers=workers),
    )
    config = Config(
        Path("."),
        feeds,
        settings,
        DEFAULT_CONFIG_DIR / "rules.yaml",
        DEFAULT_CONFIG_DIR / "entities.yaml",
    )
    pages = [v for k, v in PAGES.items() if k.startswith("/articles/")]
    bare_s = bare_extraction(pages, workers)
    with tempfile.TemporaryDirectory() as tmp:
        total_s, timings, landed = pipeline(config, Path(tmp) / "e2e.duckdb")
    server.terminate()
    server.wait(timeout=10)
    bare_rate, pipe_rate = len(pages) / bare_s, landed / total_s
    emit(
        "e2e",
        {
            "articles": len(pages),
            "landed": landed,
            "workers": workers,
            "bare_trafilatura_articles_per_s": round(bare_rate, 1),
            "pipeline_articles_per_s": round(pipe_rate, 1),
            "ratio": round(pipe_rate / bare_rate, 3),
            "target_ratio": 0.8,
            "stage_seconds": timings,
        },
    )


if __name__ == "__main__":
    main()
