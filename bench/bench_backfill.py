"""Peak memory of a backfill at two corpus sizes: it must stay flat as the corpus grows.

    python -m bench.bench_backfill [--sizes 5000,20000] [--items-per-feed 100] [--flow]

For each size a corpus is generated reproducibly (bench/common.py `PageMaker`: the demo
articles with varied text, layout and size) under `bench/corpus/` (gitignored, reused when
present), served from 127.0.0.1, and one monitor run backfills it into a cold DuckDB file in
its own process: the stage functions in the order of the monitor flow (`--flow`: the real
Prefect flow, `newswatch run`, whose temporary Prefect API server then counts in the tree).
Meanwhile VmRSS and open file descriptors of that process and its descendants (forkserver,
extraction workers) are sampled every 100 ms.

Flat means the peak at the largest size is at most 1.3 × the peak at the smallest. The
figures include the peaks before the batches, per micro-batch (first, last, max) and while
alerting, which show where memory goes when it is not flat. A run that stops making progress
for `--stall` seconds is killed and reported as stalled, with the last step it finished.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import (
    Measured,
    build_corpus,
    emit,
    load_average,
    run_measured,
    serve_corpus,
    step_peaks,
    write_config,
)

FLAT_RATIO = 1.3


def settings() -> dict[str, Any]:
    """The corpus shares one host, so the per-host limit is raised to model a backfill spread
    over many outlets (bench_e2e serves its pages from ten hosts instead); everything else is
    the default."""
    return {"fetch": {"allow_private_networks": True, "per_host_limit": 16, "http2": False}}


def child_args(config: Path, db: Path, flow: bool) -> list[str]:
    args = ["run-monitor", str(config), str(db)]
    return [*args, "--flow"] if flow else args


def one_run(corpus_root: Path, feeds: int, flow: bool, stall_s: float) -> Measured:
    with serve_corpus(corpus_root) as (base,), tempfile.TemporaryDirectory() as tmp:
        config = write_config(
            Path(tmp) / "config", [f"{base}/feeds/{f}.xml" for f in range(feeds)], settings()
        )
        args = child_args(config, Path(tmp) / "backfill.duckdb", flow)
        m = run_measured(args, stall_s=stall_s)
    if m.returncode != 0 and not m.stalled:
        sys.exit(f"backfill run failed:\n{m.stderr[-3000:]}")
    return m


def figures(m: Measured) -> dict[str, Any]:
    """One run's figures; a stalled run has its peaks and the last step it finished."""
    peaks = m.sampler.peaks()
    out: dict[str, Any] = {**peaks, "process_wall_s": round(m.wall_s, 2), "steps": step_peaks(m)}
    if m.stalled:
        return {
            **out,
            "stalled": True,
            "last_step": m.marks[-1][0] if m.marks else None,
            "live_processes_at_end": m.sampler.samples[-1].procs if m.sampler.samples else 0,
        }
    summary = m.result
    run_s = sum(summary["timings_s"].values())
    return {
        **out,
        "landed": summary["articles_landed"],
        "extracted": summary["articles_extracted"],
        "failed": summary["articles_failed"],
        "failed_by_status": summary["articles_failed_by_status"],
        "feed_errors": summary["feeds_failed"],
        "batches": summary.get("batches"),
        "run_s": round(run_s, 2),
        "articles_per_s": round(summary["articles_landed"] / run_s, 1),
        "stage_seconds": summary["timings_s"],
    }


def measure_size(n: int, args: argparse.Namespace) -> dict[str, Any]:
    corpus = build_corpus(
        f"backfill-s{args.seed}-n{n}-k{args.items_per_feed}", n, args.items_per_feed, args.seed
    )
    runs = [
        figures(one_run(corpus.root, corpus.feeds, args.flow, args.stall))
        for _ in range(args.repeat)
    ]
    peaks = sorted(r["peak_rss_mb"] for r in runs)
    median_run = next(r for r in runs if r["peak_rss_mb"] == statistics.median_low(peaks))
    return {**corpus.figures(), **median_run, "samples_peak_rss_mb": peaks}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="5000,20000", help="comma-separated article counts")
    parser.add_argument("--items-per-feed", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="runs per size (median)")
    parser.add_argument("--flow", action="store_true", help="the real Prefect flow")
    parser.add_argument("--stall", type=float, default=300, help="seconds without progress")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    load_before = load_average()
    per_size = {n: measure_size(n, args) for n in sizes}
    small, large = per_size[sizes[0]], per_size[sizes[-1]]
    ratio = large["peak_rss_mb"] / small["peak_rss_mb"]
    growth = (large["peak_rss_mb"] - small["peak_rss_mb"]) / max(1, sizes[-1] - sizes[0])
    stalled = [n for n, fig in per_size.items() if fig.get("stalled")]
    emit(
        "backfill",
        {
            "sizes": sizes,
            "runner": "prefect-flow" if args.flow else "stages",
            "repeat": args.repeat,
            "peak_rss_ratio": round(ratio, 2),
            "target_ratio": FLAT_RATIO,
            "flat": ratio <= FLAT_RATIO and not stalled,
            "stalled_sizes": stalled,
            "kb_per_extra_article": round(growth * 1024, 1),
            "per_size": {str(n): fig for n, fig in per_size.items()},
            "loadavg_1m": [load_before, load_average()],
        },
    )
    print("\nsize     peak RSS MB  main MB  fds  articles/s  run s", file=sys.stderr)
    for n, fig in per_size.items():
        print(
            f"{n:<8} {fig['peak_rss_mb']:>11} {fig['peak_main_rss_mb']:>8} {fig['peak_fds']:>4}"
            f" {fig.get('articles_per_s', 'stalled'):>11} {fig.get('run_s', '-'):>6}",
            file=sys.stderr,
        )
    verdict = "flat" if ratio <= FLAT_RATIO else "NOT flat"
    if stalled:
        verdict += f"; runs at {stalled} STALLED (peaks up to the stall only)"
    print(f"peak ratio {ratio:.2f} (flat if ≤ {FLAT_RATIO}): {verdict}", file=sys.stderr)


if __name__ == "__main__":
    main()
