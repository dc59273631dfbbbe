"""The real `newswatch run`, as a user runs it, against bare trafilatura on the same pages.

    python -m bench.bench_real [--corpus real|generated] [--articles 1000] [--repeat 3]

The pages are served through 20 loopback feeds (each on a host of its own, 127.0.0.1 …
127.0.0.20, by a server in its own process). `real`: copies of the 60 real news pages in
`bench/data/real_pages/` (a public article-extraction benchmark's HTML, see its README), each
copy made unique (its number in its title and first long paragraph); `generated`: the
generated corpus of `bench_e2e`. One sample is, alternating:

- bare: `trafilatura.bare_extraction` with the project's options (`TRAFILATURA_OPTIONS`) over
  the same bytes on a new 2-process pool (forked from a warm forkserver, started beforehand);
- newswatch: `newswatch run` as a subprocess on a new (cold) database, without a Prefect API,
  timed from process start to exit; its CPU (with its reaped children) and the main process's
  peak RSS (VmHWM) are recorded.

The headline is the median ratio of throughputs, newswatch / bare (landed articles per second
over pages per second).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench import bench_e2e
from bench.common import emit, load_average
from pipelines.extract import shutdown_pools
from pipelines.models import FeedSource

REAL_PAGES = Path(__file__).resolve().parent / "data" / "real_pages"
FEEDS = 20
HOSTS = [f"127.0.0.{k + 1}" for k in range(FEEDS)]
WORKERS = 2
TARGETS = {100: 0.7, 1000: 0.9}
"""Ratio targets by corpus size (issue 19)."""

_LONG_PARAGRAPH = re.compile(rb"<p[^>]*>[^<]{120,}")
_TITLE_END = re.compile(rb"</title>", re.IGNORECASE)


def real_pages() -> list[bytes]:
    return [gzip.decompress(p.read_bytes()) for p in sorted(REAL_PAGES.glob("*.html.gz"))]


def unique_copy(page: bytes, n: int) -> bytes:
    """Copy `n` of a page: its number in the title and at the start of its first long
    paragraph, so that no two copies have the same text (or content hash)."""
    mark = f"Copy {n} of this page. ".encode()
    page = _TITLE_END.sub(f" (copy {n})</title>".encode(), page, count=1)
    found = _LONG_PARAGRAPH.search(page)
    if found is None:
        return page.replace(b"<body", b"<p>" + mark + b"</p><body", 1)
    at = page.index(b">", found.start()) + 1
    return page[:at] + mark + page[at:]


def build_real(n: int, bases: list[str]) -> dict[str, bytes]:
    """Paths → bodies: `n` unique copies of the real pages, article i on feed i % FEEDS."""
    originals = real_pages()
    pages: dict[str, bytes] = {}
    entries: list[list[str]] = [[] for _ in bases]
    for i in range(n):
        f = i % len(bases)
        pages[f"/articles/real-{i}.html"] = unique_copy(originals[i % len(originals)], i)
        entries[f].append(
            f"<item><title>Real page {i}</title>"
            f"<link>{bases[f]}/articles/real-{i}.html</link><guid>real-{i}</guid></item>"
        )
    for f, items in enumerate(entries):
        pages[f"/feed/{f}.xml"] = (
            f'<rss version="2.0"><channel><title>feed {f}</title>{"".join(items)}</channel></rss>'
        ).encode()
    pages["/robots.txt"] = b"User-agent: *\nAllow: /\n"
    return pages


def build(corpus: str, n: int, bases: list[str]) -> dict[str, bytes]:
    if corpus == "real":
        return build_real(n, bases)
    bench_e2e.PAGES.clear()
    bench_e2e.build_corpus(n, bases)
    return dict(bench_e2e.PAGES)


def bases_for(port: int) -> list[str]:
    return [f"http://{host}:{port}" for host in HOSTS]


def start_server(corpus: str, n: int) -> tuple[subprocess.Popen[bytes], list[str]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.bench_real",
            "--serve",
            str(port),
            "--corpus",
            corpus,
            "--articles",
            str(n),
        ]
    )
    bases = bases_for(port)
    return bench_e2e.wait_for_corpus(proc, bases, timeout_s=120), bases


def _peak_rss_mb(pid: int, peak: list[int], done: threading.Event) -> None:
    """Sample the process's high-water mark of RSS (VmHWM) until it exits."""
    while not done.is_set():
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak[0] = max(peak[0], int(line.split()[1]))
        done.wait(0.05)


def run_newswatch(config_dir: Path, db: Path, env: dict[str, str], out: Path) -> dict[str, Any]:
    """`newswatch run` from process start to exit: wall, CPU (its own and its reaped
    children's), the main process's peak RSS, and its JSON summary."""
    newswatch = str(Path(sys.executable).with_name("newswatch"))
    args = [newswatch, "run", "--config-dir", str(config_dir), "--db", str(db), "--json"]
    with out.open("wb") as stdout:
        start = time.perf_counter()
        pid = os.posix_spawn(
            newswatch, args, env, file_actions=[(os.POSIX_SPAWN_DUP2, stdout.fileno(), 1)]
        )
        peak, done = [0], threading.Event()
        sampler = threading.Thread(target=_peak_rss_mb, args=(pid, peak, done), daemon=True)
        sampler.start()
        _, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - start
        done.set()
        sampler.join()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"newswatch run exited with status {status}")
    summary = json.loads(out.read_text())
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "main_peak_rss_mb": peak[0] / 1024,
        "landed": summary["articles_landed"],
        "timings_s": summary["timings_s"],
    }


SUFFIX = {"lake": "sqlite", "duckdb": "duckdb"}


def measure(corpus: str, n: int, repeat: int, store: str = "lake") -> dict[str, Any]:
    with contextlib.ExitStack() as stack:
        server, bases = start_server(corpus, n)
        stack.callback(server.wait, timeout=10)
        stack.callback(server.terminate)
        served = build(corpus, n, bases)
        pages = [body for path, body in served.items() if path.startswith("/articles/")]
        work = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        feeds = [FeedSource(f"{base}/feed/{f}.xml", f"feed {f}") for f, base in enumerate(bases)]
        bench_e2e.write_config(work / "config", feeds, WORKERS)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        env["PREFECT_HOME"] = str(work / "prefect")
        # Start the forkserver the bare side forks its workers from.
        bench_e2e.bare_extraction(pages[: 2 * WORKERS], WORKERS)
        samples = []
        for i in range(repeat):
            bare_s = bench_e2e.bare_extraction(pages, WORKERS)
            shutdown_pools()
            run = run_newswatch(
                work / "config", work / f"run-{i}.{SUFFIX[store]}", env, work / "out.json"
            )
            run["bare_s"] = bare_s
            run["ratio"] = (run["landed"] / run["wall_s"]) / (len(pages) / bare_s)
            samples.append(run)
    mid = sorted(samples, key=lambda s: s["ratio"])[len(samples) // 2]
    return {
        "corpus": corpus,
        "store": store,
        "articles": len(pages),
        "feeds": FEEDS,
        "workers": WORKERS,
        "mean_page_kb": round(sum(map(len, pages)) / len(pages) / 1024, 1),
        "landed": mid["landed"],
        "newswatch_wall_s": round(mid["wall_s"], 2),
        "bare_s": round(mid["bare_s"], 2),
        "ratio": round(mid["ratio"], 3),
        "ratios": [round(s["ratio"], 3) for s in samples],
        "target_ratio": TARGETS.get(n),
        "newswatch_cpu_s": round(mid["cpu_s"], 2),
        "main_peak_rss_mb": round(max(s["main_peak_rss_mb"] for s in samples), 1),
        "main_peak_rss_mb_all": [round(s["main_peak_rss_mb"], 1) for s in samples],
        "target_main_peak_rss_mb": 250,
        "stage_seconds": mid["timings_s"],
        "command": f"python -m bench.bench_real --corpus {corpus} --articles {n}",
        "load_average": load_average(),
        "bare_s_all": [round(s["bare_s"], 2) for s in samples],
        "wall_s_all": [round(s["wall_s"], 2) for s in samples],
        "spread": round(statistics.pstdev([s["ratio"] for s in samples]), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", choices=["real", "generated"], default="real")
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="samples; the median is reported")
    parser.add_argument(
        "--store", choices=sorted(SUFFIX), default="lake", help="the default DuckLake or a file"
    )
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        bench_e2e.serve_pages(
            build(args.corpus, args.articles, bases_for(args.serve)), HOSTS, args.serve
        )
        return
    emit(
        f"cli_{args.corpus}_{args.articles}",
        measure(args.corpus, args.articles, args.repeat, args.store),
    )


if __name__ == "__main__":
    main()
