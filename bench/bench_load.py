"""Issue #9 load: 5,000 feeds and 50,000 articles through one machine's pipeline.

    python -m bench.bench_load [--feeds 5000] [--articles 50000] [--hosts 25] [--quick]

A generated corpus (bench/common.py `PageMaker`, under `bench/corpus/`, reused when present)
is served by `--hosts` loopback servers (127.0.0.1, 127.0.0.2, …: each a host of its own for
the fetcher's per-host limit, feed `f` and its articles on host `f % hosts`). One monitor run
over every feed lands everything into a cold DuckDB file, in its own process, with the
default settings (fetch limits: 50 connections, 2 per host, so 25 hosts reach the global
limit; micro-batches of `extract.batch_pages`). VmRSS and open file descriptors of that
process and its descendants are sampled every 100 ms. A run that makes no progress for
`--stall` seconds is killed and reported as stalled. Stands alone (several minutes to an hour
on two cores); not part of `make bench`.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import (
    build_corpus,
    emit,
    load_average,
    run_measured,
    serve_corpus,
    step_peaks,
    write_config,
)
from pipelines.config import FetchSettings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=5000)
    parser.add_argument("--articles", type=int, default=50_000)
    parser.add_argument("--hosts", type=int, default=25, help="loopback servers (hosts)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="500 feeds, 5,000 articles")
    parser.add_argument("--flow", action="store_true", help="the real Prefect flow")
    parser.add_argument("--stall", type=float, default=300, help="seconds without progress")
    args = parser.parse_args()
    if args.quick:
        args.feeds, args.articles = 500, 5000
    per_feed = -(-args.articles // args.feeds)
    corpus = build_corpus(
        f"load-s{args.seed}-n{args.articles}-k{per_feed}", args.articles, per_feed
    )
    load_before = load_average()
    with serve_corpus(corpus.root, args.hosts) as bases, tempfile.TemporaryDirectory() as tmp:
        urls = [f"{bases[f % len(bases)]}/feeds/{f}.xml" for f in range(corpus.feeds)]
        config = write_config(
            Path(tmp) / "config", urls, {"fetch": {"allow_private_networks": True}}
        )
        run = ["run-monitor", str(config), str(Path(tmp) / "load.duckdb")]
        if args.flow:
            run.append("--flow")
        m = run_measured(run, stall_s=args.stall)
    if m.returncode != 0 and not m.stalled:
        sys.exit(f"load run failed:\n{m.stderr[-3000:]}")
    peaks = m.sampler.peaks()
    fd_limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    figures: dict[str, Any] = {
        **corpus.figures(),
        "hosts": args.hosts,
        "runner": "prefect-flow" if args.flow else "stages",
        "fetch_limits": {
            "max_connections": FetchSettings().max_connections,
            "per_host_limit": FetchSettings().per_host_limit,
        },
        "wall_s": round(m.wall_s, 1),
        **peaks,
        "fd_limit": fd_limit,
        "steps": step_peaks(m),
        "stalled": m.stalled,
    }
    if m.stalled:
        figures["last_step"] = m.marks[-1][0] if m.marks else None
    else:
        summary = m.result
        run_s = sum(summary["timings_s"].values())
        figures |= {
            "feeds_polled": summary["feeds_polled"],
            "new_entries": summary["new_entries"],
            "landed": summary["articles_landed"],
            "batches": summary.get("batches"),
            "run_s": round(run_s, 1),
            "articles_per_s": round(summary["articles_landed"] / run_s, 1),
            "errors": {
                "feeds_failed": summary["feeds_failed"],
                "feed_errors": summary["feed_errors"],
                "articles_failed": summary["articles_failed"],
                "articles_failed_by_status": summary["articles_failed_by_status"],
                "article_errors": summary["article_errors"],
            },
            "stage_seconds": summary["timings_s"],
        }
    figures["loadavg_1m"] = [load_before, load_average()]
    emit("load", figures)
    outcome = (
        f"STALLED after {figures['last_step']}"
        if m.stalled
        else f"{figures['landed']} articles landed in {figures['run_s']} s "
        f"({figures['articles_per_s']}/s), feed errors {figures['errors']['feeds_failed']}, "
        f"article failures {figures['errors']['articles_failed']}"
    )
    print(
        f"\n{corpus.feeds} feeds: {outcome}; peak RSS {peaks['peak_rss_mb']} MB, "
        f"peak fds {peaks['peak_fds']} (limit {fd_limit})",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
