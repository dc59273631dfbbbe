"""Steady-state poll cycle: N feeds on a local server, most answering 304 Not Modified.

    python -m bench.bench_poll [--feeds 1000] [--changed 0.05]

Real feeds live on hundreds of hosts; here they share 127.0.0.1, so the per-host limit is
raised to the global one to model that spread.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from bench.common import emit
from flows.seed_server import QuietHandler, serve
from pipelines.config import FetchSettings, PollSettings
from pipelines.ingest.fetch import Fetcher
from pipelines.ingest.poll import poll_feeds
from pipelines.models import FeedSource, FeedState

CHANGED: set[str] = set()


def feed_body(path: str) -> bytes:
    items = "".join(
        f"<item><title>{path} {i}</title><link>https://news.example{path}/{i}</link></item>"
        for i in range(20)
    )
    return f'<rss version="2.0"><channel><title>{path}</title>{items}</channel></rss>'.encode()


class Handler(QuietHandler):
    def do_GET(self) -> None:
        body = feed_body(self.path) + (b"<!-- new -->" if self.path in CHANGED else b"")
        self.reply_conditional(body, "application/rss+xml")


async def cycle(sources: list[FeedSource], states: dict[str, FeedState]) -> list:
    settings = FetchSettings(
        allow_private_networks=True, max_connections=100, per_host_limit=100, http2=False
    )
    async with Fetcher(settings) as fetcher:
        return await poll_feeds(fetcher, sources, states, PollSettings())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--changed", type=float, default=0.05)
    args = parser.parse_args()
    with serve(lambda _base_url: Handler) as base:
        sources = [FeedSource(f"{base}/feed/{i}", f"feed {i}") for i in range(args.feeds)]
        first = asyncio.run(cycle(sources, {}))
        states = {r.feed_url: FeedState(r.feed_url, etag=r.etag) for r in first}
        CHANGED.update(f"/feed/{i}" for i in range(int(args.feeds * args.changed)))
        samples = []
        results = []
        for _ in range(3):
            start = time.perf_counter()
            results = asyncio.run(cycle(sources, states))
            samples.append(time.perf_counter() - start)
    samples.sort()
    emit(
        "poll",
        {
            "feeds": args.feeds,
            "not_modified": sum(r.status == "not_modified" for r in results),
            "changed": sum(r.status == "ok" for r in results),
            "errors": sum(r.status == "error" for r in results),
            "seconds": round(samples[1], 3),
            "samples_s": [round(s, 3) for s in samples],
            "target_s": 5,
        },
    )


if __name__ == "__main__":
    main()
