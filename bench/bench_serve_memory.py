"""Memory of a long-lived newswatch process over hundreds of monitor runs.

The offline demo corpus (`seeds/site`, copied to a temporary directory) is served on loopback
and a real `prefect server` runs on a free loopback port. Every run polls all three feeds
(`force_all`); they answer 304 except that every `--new-every` runs one new article appears
in the World Desk feed, which that run fetches, extracts, matches, lands and alerts on (the
console channel, its output discarded). Two modes:

* `inprocess` (default): `--runs` monitor flow runs one after another in this process, each
  reported to the server. Anything the flow layer or the stages keep between runs (caches,
  clients, pools, Prefect run state) accumulates here, as it would in any long-lived caller.
* `serve`: a `newswatch serve --no-schedule` process, with `--runs` deployment runs created
  through the API one after another (Prefect runs each flow run in a child process of it;
  each sample waits until that child and its extraction pool have exited, even reparented,
  and fails if they have not after 60 s).

RSS (VmRSS, after a `gc.collect()` in `inprocess` mode) of the process, and of its process tree
(the extraction pool and its forkserver, which outlive a run; a flow run's child process), is
sampled after every run; the figures are the RSS after runs 10, 50, 100, 200 (those not above
`--runs`) and the last, and the slope
of a least-squares line through the samples after run 10 (warm-up: imports, first landing,
the extraction pool's forkserver), in KiB per run, and the same over the second half of the
runs (caches that fill up and then stay put raise the first, a leak raises both). Prints one
JSON line.

    python -m bench.bench_serve_memory [--runs 200] [--mode inprocess|serve] [--new-every 10]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from bench.bench_orchestration import prefect_server, use_prefect_server
from bench.common import emit, stop_process_group

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
NEWSWATCH = str(Path(sys.executable).parent / "newswatch")
CHECKPOINTS = (10, 50, 100, 200)
WARMUP_RUNS = 10
TEMPLATE = "kremlin-demands-withdrawal.html"
"""The page each new article is made from (with its own title and paragraph)."""


def rss_kib(pid: int | None = None) -> int:
    """Resident set size of a process (Linux /proc), in KiB."""
    status = Path(f"/proc/{pid or os.getpid()}/status").read_text()
    found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    if not found:
        raise RuntimeError(f"no VmRSS for pid {pid}")
    return int(found.group(1))


def descendants(pid: int) -> list[int]:
    """Every live descendant of a process (Linux /proc), depth first."""
    found: list[int] = []
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            for child in children.read_text().split():
                found += [int(child), *descendants(int(child))]
    return found


def session_members(sid: int) -> list[int]:
    """Live (not zombie) processes of session `sid`, wherever they were reparented."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if fields[0] != "Z" and int(fields[3]) == sid:
                found.append(int(stat.parent.name))
    return found


def total_rss_kib(pids: list[int]) -> int:
    """Summed RSS of processes (those that exit meanwhile count 0). Shared pages count once
    per process, so this is an upper bound; its growth is what matters."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, RuntimeError):
            total += rss_kib(pid)
    return total


Sample = tuple[int, int, int]
"""(run, RSS of the process in KiB, RSS of its process tree in KiB)"""


def slope_kib_per_run(samples: list[tuple[int, int]]) -> float:
    """Least-squares slope of RSS (KiB) over run number."""
    if len(samples) < 2:
        return 0.0
    return statistics.linear_regression([r for r, _ in samples], [k for _, k in samples]).slope


def prepare(work: Path) -> tuple[Path, Path]:
    """A writable copy of the demo corpus and a config directory pointing at it."""
    site = work / "site"
    shutil.copytree(SEEDS / "site", site)
    config = work / "config"
    config.mkdir()
    shutil.copy(SEEDS / "config" / "feeds.yaml", config / "feeds.yaml")
    (config / "settings.yaml").write_text(
        "fetch:\n  allow_private_networks: true\n  per_host_limit: 8\n"
        "alerts:\n  channels:\n    console:\n      url: console://\n"
    )
    return site, config


def add_article(site: Path, n: int) -> None:
    """Publish article `n`: a new page, and a new first item in the World Desk feed."""
    page = (site / "articles" / TEMPLATE).read_text(encoding="utf-8")
    title = f"Kremlin repeats its demand for the {n}th time, officials say"
    page = re.sub(r"<title>.*?</title>", f"<title>{title}</title>", page, count=1, flags=re.S)
    marker = f"<p>Update {n}: the statement was repeated at briefing number {n} this week.</p>"
    page = re.sub(r"(<article[^>]*>)", r"\1" + marker, page, count=1)
    (site / "articles" / f"update-{n}.html").write_text(page, encoding="utf-8")
    feed_path = site / "feeds" / "world.xml"
    pub = format_datetime(datetime(2025, 7, 1, tzinfo=UTC) + timedelta(hours=n))
    item = (
        f"<item><title>{title}</title>"
        f"<link>{{{{BASE_URL}}}}/articles/update-{n}.html</link>"
        f'<guid isPermaLink="false">world-desk-update-{n}</guid><pubDate>{pub}</pubDate></item>'
    )
    feed = feed_path.read_text(encoding="utf-8")
    feed_path.write_text(feed.replace("<item>", item + "\n    <item>", 1), encoding="utf-8")


def check(run: int, summary: dict[str, Any], new: bool) -> None:
    """Each run did what the corpus says it should (a failing run measures nothing)."""
    if summary["feeds_failed"]:
        raise RuntimeError(f"run {run}: feed errors {summary['feed_errors']}")
    if run > 1 and summary["articles_landed"] != int(new):
        raise RuntimeError(f"run {run}: landed {summary['articles_landed']}, expected {int(new)}")


def check_store(run: int, db: Path, published: int) -> None:
    """The database holds the demo articles plus every article published so far, and no feed
    is failing (a served run's summary stays in its child process; the store does not)."""
    import duckdb

    demo = len(list((SEEDS / "site" / "articles").glob("*.html")))
    with duckdb.connect(str(db), read_only=True) as con:
        articles = con.execute("SELECT count(*) FROM articles").fetchone()
        failing = con.execute("SELECT count(*) FROM feed_state WHERE consecutive_failures > 0")
        failing_feeds = failing.fetchone()
    expected = demo + published
    if not articles or articles[0] != expected:
        raise RuntimeError(f"run {run}: {articles} articles stored, expected {expected}")
    if not failing_feeds or failing_feeds[0]:
        raise RuntimeError(f"run {run}: {failing_feeds} failing feeds")


def measure(
    runs: int,
    new_every: int,
    site: Path,
    pid: int,
    family: Callable[[], list[int]],
    one_run: Callable[[int], None],
) -> list[Sample]:
    """Call `one_run(run)` `runs` times; after each, the RSS of process `pid` and the summed
    RSS of the processes `family()` names (it and what it started)."""
    samples = []
    for run in range(1, runs + 1):
        if run > 1 and (run - 1) % new_every == 0:
            add_article(site, run)
        one_run(run)
        samples.append((run, rss_kib(pid), total_rss_kib(family())))
    return samples


def run_inprocess(runs: int, new_every: int, site: Path, config: Path, db: Path) -> list[Sample]:
    from flows.monitor import monitor_flow

    def one_run(run: int) -> None:
        with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
            summary = asyncio.run(
                monitor_flow(config_dir=str(config), db_path=str(db), force_all=True)
            )
        check(run, summary, run > 1 and (run - 1) % new_every == 0)
        gc.collect()

    pid = os.getpid()
    return measure(runs, new_every, site, pid, lambda: [pid, *descendants(pid)], one_run)


@contextlib.contextmanager
def serving(config: Path, db: Path, log: Path) -> Iterator[int]:
    """`newswatch serve --no-schedule` against the server in the environment; yields its pid."""
    env = {**os.environ, "PREFECT_RUNNER_POLL_FREQUENCY": "1"}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [NEWSWATCH, "serve", "--config-dir", str(config), "--db", str(db), "--no-schedule"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield proc.pid
        finally:
            stop_process_group(proc, 30)


async def served_deployment_id(deadline: float) -> Any:
    """The id of the `monitor` deployment once `newswatch serve` has registered it."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    async with get_client() as client:
        while True:
            try:
                return (await client.read_deployment_by_name("monitor/newswatch-monitor")).id
            except ObjectNotFound:
                if time.monotonic() > deadline:
                    raise TimeoutError("newswatch serve did not register its deployments") from None
                await asyncio.sleep(0.5)


def run_served(
    runs: int, new_every: int, site: Path, config: Path, db: Path, log: Path
) -> list[Sample]:
    from prefect.client.orchestration import get_client

    async def trigger_and_wait(dep: Any, run: int) -> None:
        async with get_client() as client:
            flow_run = await client.create_flow_run_from_deployment(
                dep, parameters={"force_all": True}
            )
            deadline = time.monotonic() + 300
            while not (flow_run.state and flow_run.state.is_final()):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"run {run} did not finish in 300 s")
                await asyncio.sleep(0.2)
                flow_run = await client.read_flow_run(flow_run.id)
            if not flow_run.state.is_completed():
                raise RuntimeError(f"run {run}: {flow_run.state.name}: {flow_run.state.message}")

    with serving(config, db, log) as pid:
        dep = asyncio.run(served_deployment_id(time.monotonic() + 120))

        def one_run(run: int) -> None:
            asyncio.run(trigger_and_wait(dep, run))
            check_store(run, db, published=(run - 1) // new_every)
            # the run's child process (and its extraction pool) must go away: sample then
            deadline = time.monotonic() + 60
            while left := set(session_members(pid)) - {pid}:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"run {run}: processes left behind by serve: {left}")
                time.sleep(0.1)

        return measure(runs, new_every, site, pid, lambda: session_members(pid), one_run)


def figures(samples: list[tuple[int, int]], marks: list[int]) -> dict[str, Any]:
    """RSS after the checkpoint runs, growth after the warm-up, and the slopes."""
    rss = dict(samples)
    last = samples[-1][0]
    return {
        "rss_mib_after_run": {str(r): round(rss[r] / 1024, 1) for r in marks},
        "rss_mib_first_run": round(rss[1] / 1024, 1),
        "growth_mib_after_warmup": round((rss[last] - rss[WARMUP_RUNS]) / 1024, 1),
        "slope_kib_per_run": round(
            slope_kib_per_run([(r, k) for r, k in samples if r >= WARMUP_RUNS]), 1
        ),
        "slope_kib_per_run_second_half": round(slope_kib_per_run(samples[len(samples) // 2 :]), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--mode", choices=("inprocess", "serve"), default="inprocess")
    parser.add_argument(
        "--new-every", type=int, default=10, help="one new article every N runs (the rest: 304)"
    )
    args = parser.parse_args()
    if args.runs <= WARMUP_RUNS:
        parser.error(f"--runs must be above the {WARMUP_RUNS} warm-up runs")

    from flows.seed_server import serve_directory

    work = Path(tempfile.mkdtemp(prefix="nw-bench-mem-"))
    try:
        site, config = prepare(work)
        (work / "prefect").mkdir()
        with serve_directory(site) as base_url, prefect_server(work / "prefect") as api:
            os.environ["NEWSWATCH_DEMO_BASE_URL"] = base_url
            use_prefect_server(api, work / "prefect")
            db = work / "newswatch.duckdb"
            started = time.perf_counter()
            if args.mode == "inprocess":
                samples = run_inprocess(args.runs, args.new_every, site, config, db)
            else:
                samples = run_served(
                    args.runs, args.new_every, site, config, db, work / "serve.log"
                )
            seconds = time.perf_counter() - started
    finally:
        shutil.rmtree(work, ignore_errors=True)
    marks = sorted({c for c in CHECKPOINTS if c <= args.runs} | {args.runs})
    emit(
        "serve_memory",
        {
            "mode": args.mode,
            "runs": args.runs,
            "new_article_every": args.new_every,
            "process": figures([(r, own) for r, own, _ in samples], marks),
            "process_tree": figures([(r, tree) for r, _, tree in samples], marks),
            "seconds_per_run": round(seconds / args.runs, 2),
        },
    )


if __name__ == "__main__":
    main()
