"""End-to-end articles/s of the pipeline next to bare trafilatura on the same pages and cores.

    python -m bench.bench_e2e [--articles 400] [--repeat 3]

The corpus is generated reproducibly from the demo articles (shuffled paragraphs plus
paragraphs of other articles, the demo outlets' templates wrapped in a news site's boilerplate:
mega-menu, related cards, comments, footer) and served by a separate process: ten outlets, each
a loopback host of its own (127.0.0.1 … 127.0.0.10) with one feed, so that the fetcher works
with its default limits (2 requests per host, 50 in all) as it would against real sites. The
pipeline runs every stage of a run on a cold database, with the default settings: poll, new
entries, fetch + extract + match (pages go to the process pool as they arrive; its workers
match as they extract), land.
Both sides start new worker processes for every run, forked from the same forkserver (started
before the first run; a new process's first run also waits ~0.4 s for it), and extract with the
same trafilatura options. The headline figure is pipeline / bare extraction throughput, the
median of `--repeat` runs.

With `--flow`, the pipeline side is the real `monitor` flow instead (`flows/monitor.py`: its
feed claim, tasks, landing, alerts and artifacts reported to a real `prefect server` started on
a free loopback port), run in this process as `newswatch run` runs it; the process's first flow
run (Prefect's imports, the API client, the flow's registration) comes first, on its own
database, and is reported apart as `cold_flow_s`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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
from typing import Any

from bench.bench_orchestration import prefect_server, run_flow, use_prefect_server
from bench.common import emit
from pipelines.config import (
    DEFAULT_CONFIG_DIR,
    Config,
    ExtractSettings,
    FetchSettings,
    PollSettings,
    Settings,
)
from pipelines.extract import (
    TRAFILATURA_OPTIONS,
    forkserver_context,
    shutdown_pools,
    warm_up,
)
from pipelines.ingest.fetch import Fetcher
from pipelines.models import FeedSource
from pipelines.rules import load_ruleset
from pipelines.run import steps as monitor
from seeds.articles import ARTICLES
from seeds.build import render

PAGES: dict[str, bytes] = {}


SECTIONS = ["World", "Politics", "Business", "Opinion", "Sport", "Culture", "Science", "Video"]


def boilerplate(rng: random.Random, base: str) -> tuple[str, str, str]:
    """(header, sidebar, footer) of a news site: a mega-menu, "most read" and related-story
    cards, a comment thread, share buttons, icons and link columns. Real news pages carry
    hundreds to thousands of such elements around the article, and that is where trafilatura
    spends its time; without them a page costs a tenth of a real one."""

    def links(n: int, cls: str) -> str:
        return "".join(
            f'<li class="{cls}__item"><a class="{cls}__link" data-track="{cls}-{k}" '
            f'href="{base}/{rng.choice(SECTIONS).lower()}/{rng.randrange(10**6)}">'
            f"{rng.choice(SECTIONS)} story {rng.randrange(10**4)}</a></li>"
            for k in range(n)
        )

    icon = '<svg class="icon" viewBox="0 0 24 24"><path d="M12 2L2 7l10 5 10-5-10-5z"/></svg>'
    menu = "".join(
        f'<div class="menu__col"><h4>{name}</h4><ul>{links(rng.randint(25, 50), "menu")}</ul></div>'
        for name in SECTIONS
    )
    header = (
        f'<header class="site-header"><div class="wrap"><div class="bar">{icon * 6}'
        f'<nav class="mega"><div class="menu">{menu}</div></nav></div></div>'
        '<div class="cookie-banner"><p>We use cookies to improve your experience. By continuing '
        "you agree to our cookie policy.</p><button>Accept</button></div></header>"
    )
    cards = "".join(
        f'<div class="card"><a href="{base}/story/{rng.randrange(10**6)}"><div class="card__img">'
        f'<img src="{base}/img/{k}.jpg" alt="" loading="lazy"></div><h3>Related story '
        f"{rng.randrange(10**4)}</h3><p>Teaser text for a related story in the same section."
        f'</p></a><span class="meta">{icon}<time>2025-06-0{1 + k % 9}</time></span></div>'
        for k in range(rng.randint(20, 50))
    )
    comments = "".join(
        f'<div class="comment"><div class="comment__author">{icon}reader{rng.randrange(999)}'
        f'</div><div class="comment__body"><p>Comment {k}: an opinion about this.</p></div>'
        f'<div class="comment__actions"><a>Reply</a> <a>Report</a> {icon * 2}</div></div>'
        for k in range(rng.randint(10, 60))
    )
    sidebar = (
        f'<aside class="sidebar"><section class="most-read"><h2>Most read</h2><ol>'
        f'{links(10, "most-read")}</ol></section><section class="related"><h2>Related</h2>'
        f'{cards}</section><div class="share">{icon * 8}</div>'
        f'<section class="comments"><h2>Comments</h2>{comments}</section></aside>'
    )
    columns = "".join(
        f'<div class="footer__col"><ul>{links(rng.randint(10, 20), "footer")}</ul></div>'
        for _ in range(10)
    )
    footer = f'<footer class="site-footer"><div class="wrap">{columns}</div><p>© 2025</p></footer>'
    return header, sidebar, footer


OUTLETS = 10
"""Feeds, each on a loopback host of its own."""


OUTLET_HOSTS = [f"127.0.0.{k + 1}" for k in range(OUTLETS)]


def outlet_bases(port: int) -> list[str]:
    return [f"http://{host}:{port}" for host in OUTLET_HOSTS]


def build_corpus(n: int, bases: list[str]) -> None:
    """Pages and feeds; feed f and its articles are on `bases[f]`."""
    rng = random.Random(1)
    feeds = len(bases)
    entries: list[list[str]] = [[] for _ in range(feeds)]
    for i in range(n):
        base = bases[i % feeds]
        src = dict(rng.choice(ARTICLES))
        paras = src["body"].split("\n")
        rng.shuffle(paras)
        same_lang = [a for a in ARTICLES if a["lang"] == src["lang"] and a is not src]
        more = [
            p for a in rng.sample(same_lang, min(3, len(same_lang))) for p in a["body"].split("\n")
        ]
        src["body"] = "\n".join([*paras, *more, f"Reference number {i} of this generated corpus."])
        src["slug"] = f"gen-{i}"
        src["title"] = f"{src['title']} ({i})"
        header, sidebar, footer = boilerplate(rng, base)
        page = render(src).replace("{{BASE_URL}}", base)
        page = page.replace("<body>", "<body>" + header, 1).replace(
            "</body>", sidebar + footer + "</body>", 1
        )
        PAGES[f"/articles/gen-{i}.html"] = page.encode()
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
    if doc is None:
        return 0
    text = doc.get("text") if isinstance(doc, dict) else doc.text
    return len(text or "")


def bare_extraction(pages: list[bytes], workers: int) -> float:
    """Seconds for `workers` new processes to extract every page. The processes fork from the
    forkserver the pipeline's workers fork from (trafilatura imported and warmed up there), not
    from this process: forked from here they ran 1-4 % slower (copy-on-write of this process's
    heap: the corpus, the last run's leftovers), which flattered the ratio."""
    start = time.perf_counter()
    with ProcessPoolExecutor(workers, mp_context=forkserver_context()) as pool:
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

    # As the monitor flow does once it knows feeds are due.
    warm_up(config.settings.extract, (config.rules_path, config.entities_path))

    async def io() -> tuple:
        async with Fetcher(config.settings.fetch) as fetcher:
            results = await monitor.poll(fetcher, config, config.feeds, {})
            lap("poll")
            fresh = monitor.new_entries(db, config, results)
            both = await monitor.fetch_and_extract(fetcher, fresh, config, ruleset)
            timings["fetch"] = round(both.fetch_s, 3)
            lap("extract_and_match")
            timings["extract_and_match"] = round(timings["extract_and_match"] - both.fetch_s, 3)
            return results, fresh, both.articles, both.matches or []

    _, fresh, articles, matches = asyncio.run(io())
    report = monitor.land(db, config, articles, fresh, matches, [])
    lap("land")
    return time.perf_counter() - start, timings, report.articles_inserted


def serve(port: int, articles: int) -> None:
    """The corpus server, in its own process (`--serve PORT`), so that serving pages does not
    compete with the pipeline for its interpreter lock. Paths are unique across outlets."""
    build_corpus(articles, outlet_bases(port))
    serve_pages(PAGES, OUTLET_HOSTS, port)


def serve_pages(pages: dict[str, bytes], hosts: list[str], port: int) -> None:
    """Serve `pages` (path → body) on every one of `hosts` at `port`, forever, on asyncio
    streams, so that the server's own CPU cost per request (which a remote site would not put
    on this machine) stays small: every response is built once."""
    responses = {
        path.encode(): b"HTTP/1.1 200 OK\r\nContent-Type: "
        + (b"application/rss+xml" if path.startswith("/feed/") else b"text/html; charset=utf-8")
        + b"\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
        for path, body in pages.items()
    }
    not_found = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                writer.write(responses.get(head.split(b" ", 2)[1], not_found))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, IndexError):
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, hosts, port, backlog=1024)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def start_server(articles: int) -> tuple[subprocess.Popen[bytes], list[str]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.bench_e2e", "--serve", str(port), "--articles", str(articles)]
    )
    bases = outlet_bases(port)
    return wait_for_corpus(proc, bases, timeout_s=60), bases


def wait_for_corpus(
    proc: subprocess.Popen[bytes], bases: list[str], timeout_s: float
) -> subprocess.Popen[bytes]:
    """Wait until the corpus server in `proc` answers on its last outlet (it starts them all
    before that one); kill it and fail if it does not within `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{bases[-1]}/robots.txt", timeout=1).read()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the corpus server did not start")


def write_config(config_dir: Path, feeds: list[FeedSource], workers: int) -> None:
    """A config directory for the flow: the outlets' feeds and the settings the stages use
    (rules and entities: the shipped ones)."""
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "feeds.yaml").write_text(
        "feeds:\n" + "".join(f"  - url: {f.url}\n    name: {f.name}\n" for f in feeds)
    )
    (config_dir / "settings.yaml").write_text(
        "fetch:\n  allow_private_networks: true\npoll:\n  max_items_per_feed: 10000\n"
        f"extract:\n  workers: {workers}\n"
    )


def measure(articles: int, repeat: int, flow: bool, stack: contextlib.ExitStack) -> dict[str, Any]:
    workers = os.cpu_count() or 1
    server, bases = start_server(articles)
    stack.callback(server.wait, timeout=10)
    stack.callback(server.terminate)
    build_corpus(articles, bases)
    feeds = [FeedSource(f"{base}/feed/{f}.xml", f"feed {f}") for f, base in enumerate(bases)]
    settings = Settings(
        fetch=FetchSettings(allow_private_networks=True),
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
    work = Path(stack.enter_context(tempfile.TemporaryDirectory()))
    extra: dict[str, Any] = {}
    if flow:
        (work / "prefect").mkdir()
        use_prefect_server(stack.enter_context(prefect_server(work / "prefect")), work / "prefect")
        write_config(work / "config", feeds, workers)
        cold_s, _, _ = run_flow(work / "config", work / "cold.duckdb")
        shutdown_pools()
        extra["cold_flow_s"] = round(cold_s, 3)
    pages = [v for k, v in PAGES.items() if k.startswith("/articles/")]
    # Start the forkserver both sides fork their workers from (~0.4 s, once per process).
    bare_extraction(pages[: 2 * workers], workers)
    samples: list[dict[str, Any]] = []
    for i in range(repeat):
        # Alternate the two sides, each from cold: new worker processes, a new database.
        bare_s = bare_extraction(pages, workers)
        shutdown_pools()
        db = work / f"e2e-{i}.duckdb"
        if flow:
            total_s, landed, timings = run_flow(work / "config", db)
        else:
            total_s, timings, landed = pipeline(config, db)
        shutdown_pools()
        bare_rate, pipe_rate = len(pages) / bare_s, landed / total_s
        samples.append(
            {
                "ratio": pipe_rate / bare_rate,
                "bare": bare_rate,
                "pipeline": pipe_rate,
                "landed": landed,
                "stages": timings,
            }
        )
    mid = sorted(samples, key=lambda x: x["ratio"])[len(samples) // 2]
    return {
        "articles": len(pages),
        "mean_page_kb": round(sum(map(len, pages)) / len(pages) / 1024, 1),
        "landed": mid["landed"],
        "workers": workers,
        "bare_trafilatura_articles_per_s": round(mid["bare"], 1),
        "pipeline_articles_per_s": round(mid["pipeline"], 1),
        "ratio": round(mid["ratio"], 3),
        "ratios": [round(x["ratio"], 3) for x in samples],
        "target_ratio": 0.8,
        "stage_seconds": mid["stages"],
        **extra,
        "load_average": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=3, help="runs; the median is reported")
    parser.add_argument(
        "--flow", action="store_true", help="the real monitor flow with a prefect server"
    )
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.articles)
        return
    with contextlib.ExitStack() as stack:
        figures = measure(args.articles, args.repeat, args.flow, stack)
    emit("e2e_flow" if args.flow else "e2e", figures)


if __name__ == "__main__":
    main()
