"""The fixed cost of a run: the real `newswatch run` with nothing due, and with 20 feeds that
all answer 304, each timed as a subprocess from process start to exit.

    python -m bench.bench_noop [--repeat 5] [--store lake|duckdb]

Twenty feeds (one article each) are served on 127.0.0.1 with ETags; a first `newswatch run
--all` lands them on a new database. Then, alternating, `newswatch run` (no feed is due: the
feeds were just polled) and `newswatch run --all` (every feed polled; every one answers 304).
No Prefect API is configured (a temporary PREFECT_HOME), so `newswatch run` runs in-process, as
it does for a user without a server. CPU is the process's and its reaped children's (`wait4`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import build_corpus, emit, load_average, serve_corpus, write_config

FEEDS = 20


def newswatch_bin() -> str:
    """The `newswatch` script of the interpreter running the benchmark (the venv's)."""
    return str(Path(sys.executable).with_name("newswatch"))


def clean_env(prefect_home: Path) -> dict[str, str]:
    """The environment of a user without a Prefect server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(prefect_home)
    return env


def timed_run(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one command, from its start to its exit."""
    start = time.perf_counter()
    pid = os.posix_spawn(args[0], args, env)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(args)} exited with {status}")
    return wall, usage.ru_utime + usage.ru_stime


def spread(samples: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(samples), 3),
        "min": round(min(samples), 3),
        "max": round(max(samples), 3),
    }


def measure(repeat: int, store: str = "lake") -> dict[str, Any]:
    corpus = build_corpus("noop", FEEDS, 1)
    with tempfile.TemporaryDirectory() as tmp, serve_corpus(corpus.root) as bases:
        work = Path(tmp)
        (work / "prefect").mkdir()
        env = clean_env(work / "prefect")
        feeds = [f"{bases[0]}/feeds/{f}.xml" for f in range(FEEDS)]
        config = write_config(work / "config", feeds, {"fetch": {"allow_private_networks": True}})
        db = work / ("noop.sqlite" if store == "lake" else "noop.duckdb")
        base = [newswatch_bin(), "run", "--config-dir", str(config), "--db", str(db), "--json"]
        devnull = os.open(os.devnull, os.O_WRONLY)
        saved = os.dup(1)
        os.dup2(devnull, 1)  # the runs' JSON summaries are not the benchmark's output
        try:
            cold_wall, cold_cpu = timed_run([*base, "--all"], env)
            nothing_due: list[tuple[float, float]] = []
            all_304: list[tuple[float, float]] = []
            for _ in range(repeat):
                nothing_due.append(timed_run(base, env))
                all_304.append(timed_run([*base, "--all"], env))
        finally:
            os.dup2(saved, 1)
            os.close(devnull)
    return {
        "feeds": FEEDS,
        "store": store,
        "repeat": repeat,
        "cold_first_run_s": {"wall": round(cold_wall, 3), "cpu": round(cold_cpu, 3)},
        "nothing_due_wall_s": spread([w for w, _ in nothing_due]),
        "nothing_due_cpu_s": spread([c for _, c in nothing_due]),
        "all_304_wall_s": spread([w for w, _ in all_304]),
        "all_304_cpu_s": spread([c for _, c in all_304]),
        "target_nothing_due_s": 2.0,
        "target_all_304_s": 3.0,
        "command": "newswatch run [--all] (no Prefect API configured)",
        "load_average": load_average(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5, help="runs of each; medians reported")
    parser.add_argument(
        "--store",
        choices=["lake", "duckdb"],
        default="lake",
        help="the default DuckLake (SQLite catalog) or one DuckDB file",
    )
    args = parser.parse_args()
    emit("noop", measure(args.repeat, args.store))


if __name__ == "__main__":
    main()
