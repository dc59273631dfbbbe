"""Issue #8: latency from a new feed item appearing to its alert reaching a webhook.

    python -m bench.bench_alert_latency [--interval 10] [--items 6] [--backlog 500]
                                        [--min-poll-interval S] [--mode inproc|process|flow]

A live feed on 127.0.0.1 publishes one matching article at a random moment of each schedule
period; a webhook receiver on 127.0.0.1 records when each alert arrives. Scheduled runs start
every `--interval` seconds, as `newswatch serve` starts them (only due feeds are polled), on a
database that already holds `--backlog` articles (a generated corpus, served from four
loopback hosts, landed by a first run). Runs:

- `inproc`: the stage functions in this process (the pipeline's own cost, warm);
- `process`: each run in a fresh Python process, as a served deployment runs each flow run
  in a process of its own (imports and extraction pool start-up included; no Prefect);
- `flow`: the real Prefect flow (`run_once`) in this process, on a temporary Prefect API.

Each item's latency splits into (a) the wait from publication to the poll that found it,
which depends on the schedule interval and on the feed's own poll interval
(`poll.min_interval_s`; shipped defaults: 300 s and a 5-minute schedule, which this bench
scales down to `--interval` for both) and includes the run's start-up before its poll, and
(b) the processing from that poll to the webhook receiving the alert.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from bench.common import (
    PageMaker,
    build_corpus,
    emit,
    load_average,
    run_flow,
    run_monitor,
    serve_corpus,
    write_config,
)
from flows.seed_server import LoopbackServer, QuietHandler

SHIPPED_INTERVAL_S = 300.0
"""`newswatch serve --interval 5` (minutes) and `poll.min_interval_s` default."""


@dataclass(slots=True)
class Item:
    guid: str
    url: str
    title: str
    published: float
    page: bytes


@dataclass(slots=True)
class LiveFeed:
    """A feed whose items the benchmark publishes while the monitor runs; it records every
    poll (time, status, the guids it served)."""

    base: str = ""
    items: list[Item] = field(default_factory=list)
    polls: list[tuple[float, int, frozenset[str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def body(self) -> bytes:
        entries = "".join(
            f"<item><title>{it.title}</title><link>{it.url}</link>"
            f'<guid isPermaLink="false">{it.guid}</guid>'
            f"<pubDate>{format_datetime(datetime.fromtimestamp(it.published, UTC))}</pubDate>"
            "</item>\n"
            for it in reversed(self.items[-20:])
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
            f"<title>live</title><link>{self.base}/</link>\n{entries}</channel></rss>\n"
        ).encode()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        feed = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                if self.path == "/robots.txt":
                    return self.reply(200, b"User-agent: *\nAllow: /\n")
                with feed.lock:
                    if self.path == "/feed.xml":
                        body = feed.body()
                        etag = f'"{zlib.crc32(body):08x}"'
                        fresh = self.headers.get("If-None-Match") != etag
                        guids = frozenset(it.guid for it in feed.items[-20:]) if fresh else None
                        feed.polls.append(
                            (time.time(), 200 if fresh else 304, guids or frozenset())
                        )
                        return self.reply(200, body, etag) if fresh else self.reply(304, etag=etag)
                    page = next((it.page for it in feed.items if it.url.endswith(self.path)), None)
                return self.reply(200, page) if page else self.reply(404)

        return Handler


@dataclass(slots=True)
class Receiver:
    """The webhook endpoint: receive time of each alert, by article URL."""

    received: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                now = time.time()
                data = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                with receiver.lock:
                    receiver.received.setdefault(data["article"]["url"], now)
                self.reply(200)

        return Handler


def live_item(maker: PageMaker, i: int, base: str, published: float) -> Item:
    """A page that matches a shipped topic (a demo article with topics), made its own story by
    a large share of unique prose so that it is not folded into an earlier story's alert."""
    from seeds.build import render

    rng = random.Random(f"live:{maker.seed}:{i}")
    src = dict(rng.choice([a for a in maker.articles if a["topics"] and a["lang"] == "en"]))
    own = [p for p in src["body"].split("\n") if p.strip()]
    prose = [maker.prose(rng, "en", 5) for _ in range(8)]
    src["body"] = "\n".join([*own, *prose])
    src["slug"] = f"live-{i}"
    src["title"] = f"{src['title']} (live {i})"
    src["date"] = datetime.fromtimestamp(published, UTC).isoformat()
    page = render(src).replace("{{BASE_URL}}", base).encode()
    return Item(f"live-{i}", f"{base}/articles/live-{i}.html", src["title"], published, page)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (no interpolation: an observed value)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def spread(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 2),
        "p95": round(percentile(values, 0.95), 2),
        "max": round(max(values), 2),
    }


def runner_for(mode: str, config: Path, db: Path) -> Callable[[bool], dict[str, Any]]:
    def inproc(force_all: bool) -> dict[str, Any]:
        return run_monitor(config, db, force_all=force_all)

    def flow(force_all: bool) -> dict[str, Any]:
        return run_flow(config, db, force_all=force_all)

    def process(force_all: bool) -> dict[str, Any]:
        args = [sys.executable, "-m", "bench.common", "run-monitor", str(config), str(db)]
        out = subprocess.run(
            args if force_all else [*args, "--due-only"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return json.loads([line for line in out.splitlines() if line.startswith("{")][-1])

    return {"inproc": inproc, "flow": flow, "process": process}[mode]


def stored_articles(db: Path) -> int:
    from pipelines import store

    with store.open_store(db) as con:
        row = con.execute("SELECT count(*) FROM articles").fetchone()
    return int(row[0]) if row else 0


def analyse(
    published: list[Item],
    receiver: Receiver,
    feed: LiveFeed,
    runs: list[dict[str, Any]],
    warmup_end: float,
    interval: float,
) -> dict[str, Any]:
    """Per-item latency and its parts, how often the live feed was polled, the stage times
    of the runs that landed an item, and the same figures projected to the shipped interval
    (publication uniform in time: median wait = half the effective poll interval)."""
    waits, startup, processing, totals, missing = [], [], [], [], []
    for item in published:
        got = receiver.received.get(item.url)
        seen = next((t for t, st, g in feed.polls if st == 200 and item.guid in g), None)
        if got is None or seen is None:
            missing.append(item.guid)
            continue
        waits.append(seen - item.published)
        startup.append(seen - max(r["start"] for r in runs if r["start"] <= seen))
        processing.append(got - seen)
        totals.append(got - item.published)
    polled_in = sum(any(r["start"] <= t <= r["end"] for t, _, _ in feed.polls) for r in runs)
    landing_runs = [r["summary"]["timings_s"] for r in runs if r["summary"]["articles_landed"]]
    stages = {
        stage: round(statistics.median(t.get(stage, 0.0) for t in landing_runs), 3)
        for stage in (landing_runs[0] if landing_runs else {})
    }
    gaps = [b - a for a, b in itertools.pairwise(t for t, _, _ in feed.polls if t > warmup_end)]
    effective = statistics.median(gaps) if gaps else math.nan
    proc = statistics.median(processing) if processing else math.nan
    scale = SHIPPED_INTERVAL_S / interval
    return {
        "alerts_received": len(totals),
        "missing": missing,
        "runs": len(runs),
        "runs_polling_live_feed": polled_in,
        "effective_poll_interval_s": round(effective, 1),
        "latency_s": spread(totals) if totals else None,
        "a_wait_for_poll_s": spread(waits) if waits else None,
        "run_start_to_poll_s": spread(startup) if startup else None,
        "b_poll_to_alert_s": spread(processing) if processing else None,
        "landing_run_stage_median_s": stages,
        "projected_at_shipped_interval": {
            "schedule_interval_s": SHIPPED_INTERVAL_S,
            "effective_poll_interval_s": round(effective * scale, 1),
            "median_latency_s": round(effective * scale / 2 + proc, 1),
            "p95_latency_s": round(effective * scale * 0.95 + proc, 1),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--interval", type=float, default=10.0, help="schedule interval, s")
    parser.add_argument(
        "--min-poll-interval",
        type=float,
        default=None,
        help="poll.min_interval_s (default: the schedule interval, as shipped)",
    )
    parser.add_argument("--items", type=int, default=6, help="items published (≥ 5)")
    parser.add_argument("--backlog", type=int, default=500, help="articles already stored")
    parser.add_argument("--mode", choices=["inproc", "process", "flow"], default="inproc")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    interval = args.interval
    min_poll = interval if args.min_poll_interval is None else args.min_poll_interval
    maker = PageMaker(args.seed)
    feed, receiver = LiveFeed(), Receiver()
    feed_server = LoopbackServer(("127.0.0.1", 0), feed.handler())
    hook_server = LoopbackServer(("127.0.0.1", 0), receiver.handler())
    for server in (feed_server, hook_server):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    feed.base = f"http://127.0.0.1:{feed_server.server_address[1]}"
    hook = f"webhook+http://127.0.0.1:{hook_server.server_address[1]}/hook"
    now = time.time()
    feed.items = [live_item(maker, -k, feed.base, now - k * interval) for k in (3, 2, 1)]
    backlog = build_corpus(
        f"latency-backlog-s{args.seed}-n{args.backlog}-k100", args.backlog, 100, args.seed
    )
    runs: list[dict[str, Any]] = []
    published: list[Item] = []
    load_before = load_average()
    with serve_corpus(backlog.root, hosts=4) as bases, tempfile.TemporaryDirectory() as tmp:
        settings = {
            "fetch": {"allow_private_networks": True},
            "poll": {"min_interval_s": min_poll, "default_interval_s": interval},
            "alerts": {"channels": {"hook": {"url": hook}}},
        }
        urls = [f"{bases[f % 4]}/feeds/{f}.xml" for f in range(backlog.feeds)]
        config = write_config(Path(tmp) / "config", [*urls, f"{feed.base}/feed.xml"], settings)
        db = Path(tmp) / "latency.duckdb"
        run = runner_for(args.mode, config, db)
        warm = time.perf_counter()
        run(True)
        warmup_s = time.perf_counter() - warm
        warmup_end = time.time()
        t0 = time.time() + 0.5

        def publisher() -> None:
            rng = random.Random(args.seed)
            for j in range(args.items):
                at = t0 + (j + rng.uniform(0.05, 0.95)) * interval
                time.sleep(max(0.0, at - time.time()))
                item = live_item(maker, j, feed.base, time.time())
                with feed.lock:
                    feed.items.append(item)
                published.append(item)

        pub = threading.Thread(target=publisher, daemon=True)
        pub.start()
        for k in range(1, 2 * args.items + 4):
            time.sleep(max(0.0, t0 + k * interval - time.time()))
            start = time.time()
            summary = run(False)
            runs.append({"start": start, "end": time.time(), "summary": summary})
            with receiver.lock:
                done = len(published) == args.items and all(
                    it.url in receiver.received for it in published
                )
            if done:
                break
        stored = stored_articles(db)
    feed_server.shutdown()
    hook_server.shutdown()

    figures = {
        "mode": args.mode,
        "schedule_interval_s": interval,
        "min_poll_interval_s": min_poll,
        "items": args.items,
        "backlog_articles": stored,
        **analyse(published, receiver, feed, runs, warmup_end, interval),
        "warmup_run_s": round(warmup_s, 1),
        "loadavg_1m": [load_before, load_average()],
    }
    emit("alert_latency", figures)
    if figures["latency_s"]:
        print(
            f"\nlatency median {figures['latency_s']['median']} s, p95 "
            f"{figures['latency_s']['p95']} s (schedule {interval:g} s, live feed polled in "
            f"{figures['runs_polling_live_feed']}/{figures['runs']} runs, every "
            f"{figures['effective_poll_interval_s']} s): wait for poll "
            f"{figures['a_wait_for_poll_s']['median']} s + poll to alert "
            f"{figures['b_poll_to_alert_s']['median']} s (medians)",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
