"""Run every benchmark, print each figure as JSON and a short table at the end.

    make bench            # or: python -m bench.run [--quick]

Each benchmark runs in its own process (so one's memory and pools don't skew another's).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

BENCHES = {
    "noop": ["--repeat", "5"],
    "deployment": ["--runs", "5"],
    "cli_real_100": ["--corpus", "real", "--articles", "100"],
    "cli_real_1000": ["--corpus", "real", "--articles", "1000"],
    "cli_generated_100": ["--corpus", "generated", "--articles", "100"],
    "cli_generated_1000": ["--corpus", "generated", "--articles", "1000"],
    "poll": ["--feeds", "1000"],
    "rules": ["--rules", "1000", "--articles", "1000"],
    "claims": ["--pages", "400"],
    "store": ["--articles", "10000"],
    "e2e": ["--articles", "400"],
    "e2e_flow": ["--articles", "400", "--flow"],
    "e2e_flow_2000": ["--articles", "2000", "--flow"],
    "serve_memory": ["--runs", "200"],
    "backfill": ["--sizes", "1000,3000"],
    "alert_latency": ["--interval", "10", "--items", "6", "--backlog", "500"],
    "ui": ["--articles", "100000"],
}
MODULE = {
    "e2e_flow": "e2e",
    "e2e_flow_2000": "e2e",
    "cli_real_100": "real",
    "cli_real_1000": "real",
    "cli_generated_100": "real",
    "cli_generated_1000": "real",
}
"""Benchmarks run again at another size: the module that runs them."""
QUICK = {
    "noop": ["--repeat", "2"],
    "deployment": ["--runs", "2"],
    "cli_real_100": ["--corpus", "real", "--articles", "100", "--repeat", "1"],
    "cli_real_1000": ["--corpus", "real", "--articles", "300", "--repeat", "1"],
    "cli_generated_100": ["--corpus", "generated", "--articles", "100", "--repeat", "1"],
    "cli_generated_1000": ["--corpus", "generated", "--articles", "300", "--repeat", "1"],
    "poll": ["--feeds", "300"],
    "rules": ["--rules", "1000", "--articles", "200"],
    "claims": ["--pages", "100", "--repeat", "1"],
    "store": ["--articles", "2000", "--repeat", "1"],
    "e2e": ["--articles", "100"],
    "e2e_flow": ["--articles", "100", "--repeat", "1", "--flow"],
    "e2e_flow_2000": ["--articles", "300", "--repeat", "1", "--flow"],
    "serve_memory": ["--runs", "30"],
    "backfill": ["--sizes", "300,1200"],
    "alert_latency": ["--interval", "5", "--items", "5", "--backlog", "100"],
    "ui": ["--articles", "10000", "--repeat", "3"],
}


def headline(fig: dict) -> str:
    name = fig["benchmark"]
    if name == "noop":
        return (
            f"newswatch run, nothing due: {fig['nothing_due_wall_s']['median']} s wall "
            f"(≤ {fig['target_nothing_due_s']:g}); {fig['feeds']} feeds all 304: "
            f"{fig['all_304_wall_s']['median']} s (≤ {fig['target_all_304_s']:g})"
        )
    if name == "deployment":
        return (
            f"deployment run, nothing new: scheduled start → Completed "
            f"{fig['scheduled_to_completed_s']['median']} s (≤ {fig['target_s']:g}; start "
            f"{fig['scheduled_to_start_s']['median']} s, flow {fig['flow_s']['median']} s)"
        )
    if name.startswith("cli_"):
        return (
            f"newswatch run, {fig['articles']} {fig['corpus']} pages: {fig['newswatch_wall_s']} s"
            f" vs bare {fig['bare_s']} s: ratio {fig['ratio']} (≥ {fig['target_ratio']}); "
            f"main peak RSS {fig['main_peak_rss_mb']} MB (≤ {fig['target_main_peak_rss_mb']})"
        )
    if name == "poll":
        return f"{fig['feeds']} feeds ({fig['not_modified']} × 304) in {fig['seconds']} s"
    if name == "rules":
        return f"{fig['articles_per_s']} articles/s with {fig['rules']} rules, one core"
    if name == "claims":
        pages = fig["pages"]
        return (
            f"claims add {pages['ratio']:.0%} to matching on demand-dense pages "
            f"({pages['claims_topic_share']:.0%} on a claims topic); < {fig['target_ratio']:.0%} "
            f"while ≤ {pages['break_even_share']:.0%} are"
        )
    if name == "store":
        return (
            f"{fig['articles']} articles landed in {fig['landing_s']} s; "
            f"search index {fig['fts_refresh_s']} s"
        )
    if name in ("e2e", "e2e_flow"):
        return (
            f"{fig['articles']} pages: pipeline {fig['pipeline_articles_per_s']}/s vs bare "
            f"trafilatura {fig['bare_trafilatura_articles_per_s']}/s: ratio {fig['ratio']}"
        )
    if name == "backfill":
        return (
            f"peak RSS ×{fig['peak_rss_ratio']} from {fig['sizes'][0]} to {fig['sizes'][-1]} "
            f"articles (flat if ≤ {fig['target_ratio']})"
        )
    if name == "alert_latency":
        return (
            f"alert latency median {fig['latency_s']['median']} s, p95 {fig['latency_s']['p95']} s"
            f" at a {fig['schedule_interval_s']:g} s schedule"
        )
    if name == "ui":
        slowest = max(fig["pages"], key=lambda p: fig["pages"][p]["median_ms"])
        return (
            f"newswatch ui, {fig['articles']} articles: slowest page {slowest} "
            f"{fig['slowest_median_ms']} ms median (target < {fig['target_ms']} ms)"
        )
    return json.dumps(fig)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--only", nargs="*", choices=list(BENCHES), default=list(BENCHES))
    args = parser.parse_args()
    plan = QUICK if args.quick else BENCHES
    figures = []
    for name in args.only:
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", f"bench.bench_{MODULE.get(name, name)}", *plan[name]],
            capture_output=True,
            text=True,
            timeout=900,
        )
        if proc.returncode != 0:
            print(json.dumps({"benchmark": name, "error": proc.stderr[-2000:]}), flush=True)
            continue
        for line in proc.stdout.splitlines():
            if line.startswith("{"):
                fig = json.loads(line)
                fig["wall_s"] = round(time.perf_counter() - start, 1)
                figures.append(fig)
                print(json.dumps(fig), flush=True)
    print("\nbenchmark           figure")
    for fig in figures:
        print(f"{fig['benchmark']:<19} {headline(fig)}")


if __name__ == "__main__":
    main()
