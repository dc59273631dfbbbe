"""Orchestration cost of the monitor flow on a 500-article run, with a running Prefect server.

Builds a synthetic corpus (10 feeds x 50 articles, made from the demo pages with unique URLs
and text) on a loopback HTTP server, then times, on fresh DuckDB files and alternating:

* `pure`: the same stages called as plain functions (`pipelines.run.steps`), no Prefect;
* `flow`: the `monitor` flow, its task runs and artifacts reported to a real `prefect server`
  started on a free loopback port.

Every stage function (`pipelines.run.steps.*`, the feed leases) is wrapped in a timer, so each run
splits into *work* (time inside the stages) and *glue* (everything else). Orchestration
overhead of a run = flow glue - median pure glue (config loading, the HTTP client and the like
are glue in both), as a share of the flow's wall time; the median over the repeats is
`overhead_pct`. This is immune to the run-to-run noise of fetching and extraction, which is
larger than the overhead itself; the plain A/B difference of the medians is also reported. The
first flow run of the process (imports, API client, flow registration) is `cold_flow_s`.
Prints one JSON object. Run: `python -m bench.bench_orchestration [--articles 500 --repeat 3]`.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from bench.common import stop_process_group

REPO = Path(__file__).resolve().parent.parent
SEED_ARTICLES = REPO / "seeds" / "site" / "articles"
FEEDS = 10
PREFECT = str(Path(sys.executable).parent / "prefect")


def boilerplate(kb: int) -> str:
    """Navigation, related-story lists, footer and scripts, like real news pages carry
    (real pages measured for DESIGN.md weigh 50-300 KB of HTML around a few KB of text)."""
    if kb <= 0:
        return ""
    parts: list[str] = ["<nav><ul>"]
    i = 0
    while sum(len(p) for p in parts) < kb * 1024 * 0.6:
        parts.append(f"<li><a href='/section/{i}'>Section {i} — latest news and analysis</a></li>")
        i += 1
    parts.append("</ul></nav><aside><h2>Related</h2><ul>")
    parts += [f"<li><a href='/story/{j}'>Related story number {j}</a></li>" for j in range(60)]
    parts.append("</ul></aside><footer><p>© Bench Media. All rights reserved.</p></footer>")
    parts.append("<script>var cfg = " + json.dumps({"k": list(range(kb * 40))}) + ";</script>")
    return "".join(parts)


def build_corpus(root: Path, articles: int, page_kb: int = 0) -> None:
    """`root/feeds/feed-N.xml` and `root/a/N/slug-i.html`, each page unique."""
    padding = boilerplate(page_kb)
    templates = sorted(SEED_ARTICLES.glob("*.html"))
    per_feed = -(-articles // FEEDS)
    (root / "feeds").mkdir(parents=True)
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    n = 0
    for f in range(FEEDS):
        items = []
        (root / "a" / str(f)).mkdir(parents=True)
        for i in range(per_feed):
            if n >= articles:
                break
            tpl = templates[n % len(templates)]
            path = f"a/{f}/{tpl.stem}-{i}.html"
            url = "{{BASE_URL}}/" + path
            page = tpl.read_text(encoding="utf-8")
            page = page.replace(f"{{{{BASE_URL}}}}/articles/{tpl.name}", url)
            marker = f"<p>Report number {n} from desk {f}, filed as item {i} of the day.</p>"
            page = re.sub(r"(<article[^>]*>)", r"\1" + marker, page, count=1)
            page = page.replace("</body>", padding + "</body>", 1)
            title_m = re.search(r"<title>(.*?)</title>", page, re.S)
            title = html.unescape(title_m.group(1)) if title_m else tpl.stem
            (root / path).write_text(page, encoding="utf-8")
            pub = format_datetime(now - timedelta(minutes=7 * n))
            items.append(
                f"<item><title>{html.escape(title)} #{n}</title><link>{url}</link>"
                f"<guid isPermaLink='false'>bench-{n}</guid><pubDate>{pub}</pubDate></item>"
            )
            n += 1
        (root / "feeds" / f"feed-{f}.xml").write_text(
            "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel>"
            f"<title>Bench desk {f}</title><link>{{{{BASE_URL}}}}/</link>"
            f"<description>bench</description>{''.join(items)}</channel></rss>",
            encoding="utf-8",
        )


def write_config(config_dir: Path, base_url: str) -> None:
    config_dir.mkdir(parents=True)
    feeds = "\n".join(
        f"  - url: {base_url}/feeds/feed-{f}.xml\n    name: Bench desk {f}" for f in range(FEEDS)
    )
    (config_dir / "feeds.yaml").write_text(f"feeds:\n{feeds}\n")
    (config_dir / "settings.yaml").write_text(
        "fetch:\n  allow_private_networks: true\n  per_host_limit: 16\n"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def prefect_server(home: Path) -> Iterator[str]:
    import httpx

    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_UI_ENABLED="false",
        PREFECT_LOGGING_SERVER_LEVEL="WARNING",
    )
    log = (home / "server.log").open("wb")
    proc = subprocess.Popen(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError("prefect server exited: " + (home / "server.log").read_text())
            try:
                if httpx.get(api + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("prefect server did not become healthy in 120 s")
            time.sleep(0.3)
        yield api
    finally:
        stop_process_group(proc, 15)
        log.close()


def use_prefect_server(api: str, home: Path) -> None:
    """Point this process's Prefect client at the server `prefect_server` started."""
    os.environ.update(
        PREFECT_API_URL=api,
        PREFECT_HOME=str(home),
        PREFECT_LOGGING_LEVEL="WARNING",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
    )


WORK: dict[str, float] = {}


def _timed(name: str, fn: Any) -> Any:
    if asyncio.iscoroutinefunction(fn):

        async def awrapper(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return await fn(*args, **kwargs)
            finally:
                WORK[name] = WORK.get(name, 0.0) + time.perf_counter() - t

        return awrapper

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            WORK[name] = WORK.get(name, 0.0) + time.perf_counter() - t

    return wrapper


def instrument() -> None:
    """Time the body of every stage both modes call (module attributes, looked up per call)."""
    from pipelines.run import steps as monitor
    from pipelines.store import leases

    for name in (
        "poll",
        "new_entries",
        "fetch_and_extract",
        "feed_states_after",
        "land_and_hold_feeds",
        "send_alerts",
    ):
        setattr(monitor, name, _timed(name, getattr(monitor, name)))
    for name in ("claim_due_feeds", "release_feeds"):
        setattr(leases, name, _timed(name, getattr(leases, name)))


def run_pure(config_dir: Path, db: Path) -> tuple[float, int]:
    """The same run composition as the flow (`pipelines.run.compose.run_monitor`), with its
    plain steps instead of Prefect tasks: the difference between the two is Prefect's."""
    from pipelines.config import load_config
    from pipelines.rules import load_ruleset
    from pipelines.run.compose import RunRequest, Steps, run_monitor

    WORK.clear()
    t0 = time.perf_counter()
    config = load_config(config_dir)
    ruleset = load_ruleset(config.rules_path, config.entities_path)
    summary = asyncio.run(run_monitor(RunRequest(config, ruleset, db, True), Steps()))
    return time.perf_counter() - t0, summary.articles_landed


def run_flow(config_dir: Path, db: Path) -> tuple[float, int, dict[str, float]]:
    from flows.monitor import monitor_flow

    WORK.clear()
    t0 = time.perf_counter()
    summary = asyncio.run(monitor_flow(config_dir=str(config_dir), db_path=str(db), force_all=True))
    return time.perf_counter() - t0, summary["articles_landed"], summary["timings_s"]


def count_task_runs(api: str) -> int:
    import httpx

    r = httpx.post(api + "/task_runs/count", json={}, timeout=10)
    r.raise_for_status()
    return int(r.json())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--page-kb",
        type=int,
        default=60,
        help="boilerplate added to each page to reach real news-page sizes (0: bare demo pages)",
    )
    args = parser.parse_args()

    from flows.seed_server import serve_directory

    work = Path(tempfile.mkdtemp(prefix="nw-bench-orch-"))
    try:
        build_corpus(work / "site", args.articles, args.page_kb)
        (work / "prefect").mkdir()
        with serve_directory(work / "site") as base_url, prefect_server(work / "prefect") as api:
            write_config(work / "config", base_url)
            use_prefect_server(api, work / "prefect")
            instrument()
            cold, landed, _ = run_flow(work / "config", work / "cold.duckdb")
            assert landed == args.articles, f"cold flow landed {landed} of {args.articles}"
            tasks_before = count_task_runs(api)
            pure: list[float] = []
            flow: list[float] = []
            pure_glue: list[float] = []
            flow_glue: list[float] = []
            pure_work: list[dict[str, float]] = []
            flow_work: list[dict[str, float]] = []
            stage_timings: list[dict[str, float]] = []
            for i in range(args.repeat):
                t, n = run_pure(work / "config", work / f"pure-{i}.duckdb")
                assert n == args.articles, f"pure run landed {n}"
                pure.append(t)
                pure_glue.append(t - sum(WORK.values()))
                pure_work.append(dict(WORK))
                t, n, timings = run_flow(work / "config", work / f"flow-{i}.duckdb")
                assert n == args.articles, f"flow run landed {n}"
                flow.append(t)
                flow_glue.append(t - sum(WORK.values()))
                flow_work.append(dict(WORK))
                stage_timings.append(timings)
            tasks_per_run = (count_task_runs(api) - tasks_before) / args.repeat
    finally:
        shutil.rmtree(work, ignore_errors=True)
    p, f = statistics.median(pure), statistics.median(flow)
    base = statistics.median(pure_glue)
    overhead = statistics.median(g - base for g in flow_glue)
    overhead_pct = statistics.median(
        100 * (g - base) / w for g, w in zip(flow_glue, flow, strict=True)
    )
    print(
        json.dumps(
            {
                "benchmark": "orchestration",
                "articles": args.articles,
                "feeds": FEEDS,
                "page_kb_added": args.page_kb,
                "repeat": args.repeat,
                "cpus": os.cpu_count(),
                "pure_s": [round(x, 3) for x in pure],
                "flow_s": [round(x, 3) for x in flow],
                "pure_median_s": round(p, 3),
                "flow_median_s": round(f, 3),
                "pure_glue_s": [round(x, 3) for x in pure_glue],
                "flow_glue_s": [round(x, 3) for x in flow_glue],
                "overhead_s": round(overhead, 3),
                "overhead_pct": round(overhead_pct, 2),
                "ab_difference_pct": round(100 * (f - p) / f, 2),
                "task_runs_per_run": tasks_per_run,
                "overhead_per_task_run_ms": round(1000 * overhead / max(tasks_per_run, 1), 1),
                "cold_flow_s": round(cold, 3),
                "flow_stage_timings_s": stage_timings[len(stage_timings) // 2],
                "stage_work_median_s": {
                    name: {
                        "pure": round(statistics.median(w.get(name, 0.0) for w in pure_work), 3),
                        "flow": round(statistics.median(w.get(name, 0.0) for w in flow_work), 3),
                    }
                    for name in sorted({k for w in pure_work + flow_work for k in w})
                },
                "target_overhead_pct": 10,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
