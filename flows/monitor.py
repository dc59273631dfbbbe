"""The `monitor` Prefect flow: `pipelines.run.compose.run_monitor` with each step as a task.

One task per step (never per article): claim, poll, new entries, fetch-extract-match per
micro-batch, land per micro-batch, release, alerts. `PrefectSteps` adds what only Prefect has:
the global concurrency slot that serialises writes across workers, extraction on a Dask
cluster, match events, and the run's artifacts. A failing feed is a warning in the summary,
not a failed flow; the flow fails only when nothing could be done.
"""

from __future__ import annotations

import asyncio
import os
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import acreate_markdown_artifact, acreate_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote as q

from flows.events import MatchEvents, emit_escalation_events
from flows.secret_refs import resolve_secret_refs
from flows.write_slot import write_slot
from pipelines.config import DEFAULT_DB, RUN_CONFIG_DIR, Config, load_config
from pipelines.errors import NewswatchError, StoreLockedError
from pipelines.extract import shutdown_pools
from pipelines.ingest.fetch import Fetcher
from pipelines.models import (
    Article,
    Escalation,
    FeedItem,
    FeedSource,
    FeedState,
    FetchResult,
    Match,
    PollResult,
)
from pipelines.rules import RuleSet
from pipelines.run import steps as monitor
from pipelines.run.compose import (
    BatchResult,
    RunRequest,
    Steps,
    checked_rules,
    fetch_extract_match,
    run_monitor,
)
from pipelines.run.compose import record as record_run
from pipelines.run.summary import NewMatch, RunSummary
from pipelines.store import LandingReport, leases


@task(name="load-config-and-rules", cache_policy=NO_CACHE)
def load_config_task(config_dir: str) -> tuple[Config, RuleSet | None]:
    """The config, and the rules compiled unless they compiled before (`checked_rules`): a
    typo fails this task before the run starts."""
    config = load_config(Path(config_dir))
    return config, checked_rules(config)


@task(name="plan-and-claim-feeds", cache_policy=NO_CACHE)
async def plan_task(
    db_path: str, config: Config, force_all: bool, owner: str, now: datetime
) -> leases.Claim:
    """Claim the due feeds no other run holds (several workers share feeds, none is polled
    twice); see `pipelines.store.leases`."""
    async with await write_slot():
        claim = leases.claim_due_feeds(Path(db_path), config, owner, now, force_all=force_all)
    if claim.held_elsewhere:
        get_run_logger().info(
            "%d due feed(s) are being polled by another run; skipped", len(claim.held_elsewhere)
        )
    return claim


@task(name="release-feed-leases", cache_policy=NO_CACHE)
async def release_task(db_path: str, config: Config, owner: str) -> None:
    async with await write_slot():
        leases.release_feeds(Path(db_path), config, owner)


@task(name="poll-feeds", cache_policy=NO_CACHE)
async def poll_task(
    fetcher: Fetcher, config: Config, due: list[FeedSource], states: dict[str, FeedState]
) -> list[PollResult]:
    results = await monitor.poll(fetcher, config, due, states)
    logger = get_run_logger()
    for r in results:
        if r.status == "error":
            logger.warning("feed %s failed: %s", r.feed_url, r.error)
        elif r.warning:
            logger.warning("feed %s: %s", r.feed_url, r.warning)
    return results


@task(name="find-new-entries", cache_policy=NO_CACHE)
def new_entries_task(db_path: str, config: Config, results: list[PollResult]) -> list[FeedItem]:
    return monitor.new_entries(Path(db_path), config, results)


@task(name="fetch-pages", cache_policy=NO_CACHE)
async def fetch_task(fetcher: Fetcher, items: list[FeedItem]) -> list[tuple[FeedItem, FetchResult]]:
    return await monitor.fetch_pages(fetcher, items)


@task(name="fetch-extract-match", cache_policy=NO_CACHE)
async def fetch_extract_task(
    fetcher: Fetcher, request: RunRequest, items: list[FeedItem], downloaded: asyncio.Event
) -> BatchResult:
    """Pages go to the extraction pool as they arrive (extraction overlaps the download), and
    the pool's workers match each article as they extract it."""
    return await fetch_extract_match(fetcher, request, items, downloaded)


class DaskBatch:
    """One batch of pages and the config, as the single argument of a task run on Dask.

    A plain object, for two reasons: Prefect does not walk it looking for futures (as with
    `quote`, which saves a walk per article), and it survives pickling, which prefect's `quote`
    does not (prefect 3.9 unpickles `quote(x)` as `quote((x,))`, so a quoted argument reached
    the Dask worker as a 1-tuple).
    """

    __slots__ = ("config", "pages")

    def __init__(self, pages: list[tuple[FeedItem, FetchResult]], config: Config) -> None:
        self.pages = pages
        self.config = config


@task(name="extract-articles", cache_policy=NO_CACHE)
def extract_batch_task(batch: DaskBatch) -> list[Article]:
    """One batch on a Dask worker. The worker's extraction pool is stopped after each batch:
    Dask stops its workers without Python's exit handlers, so a pool kept for the next batch
    would outlive the worker, orphaned with its forkserver. Starting the pool again costs a
    fork of the forkserver, which keeps trafilatura imported."""
    import multiprocessing

    if multiprocessing.current_process().daemon:
        raise NewswatchError(
            "this Dask worker is a daemonic process, which may not start the extraction "
            "process pool: start the Dask workers with DASK_DISTRIBUTED__WORKER__DAEMON=False"
        )
    try:
        return monitor.extract(batch.pages, batch.config)
    finally:
        shutdown_pools()


def extract_on_dask(
    pages: list[tuple[FeedItem, FetchResult]], config: Config, address: str, batch_size: int
) -> list[Article]:
    """Run the extraction stage on an existing Dask cluster (`tcp://scheduler:8786`).

    One task run per batch of `batch_size` pages (never one per article), submitted from the
    monitor flow run itself: a subflow would send every page to the API as a parameter. Each
    batch runs `pipelines.extract.extract_pages` on a Dask worker, which starts its own process
    pool (hard per-page timeout): start the workers with `DASK_DISTRIBUTED__WORKER__DAEMON=False`
    so that they may have child processes.
    """
    from prefect_dask import DaskTaskRunner

    batches = [pages[i : i + batch_size] for i in range(0, len(pages), batch_size)]
    with DaskTaskRunner(address=address) as runner:
        futures = [
            runner.submit(
                extract_batch_task.with_options(task_run_name=f"extract-articles[{i}]"),
                {"batch": DaskBatch(batch, config)},
            )
            for i, batch in enumerate(batches)
        ]
        return [article for fut in futures for article in fut.result()]


@task(name="match-rules", cache_policy=NO_CACHE)
def match_task(ruleset: RuleSet, articles: list[Article]) -> list[Match]:
    return monitor.match(ruleset, articles)


def _only_when_locked(task: Any, task_run: Any, state: Any) -> bool:
    """Retry landing only when another process holds the database: a full disk or a bad
    batch would fail the same way again, so it fails at once with its message."""
    if isinstance(state.data, StoreLockedError):
        return True
    return "locked by another process" in (state.message or "")


@task(
    name="land-in-duckdb",
    cache_policy=NO_CACHE,
    retries=2,
    retry_delay_seconds=5,
    retry_condition_fn=_only_when_locked,
)
async def land_task(
    db_path: str,
    config: Config,
    articles: list[Article],
    fresh: list[FeedItem],
    matches: list[Match],
    states: list[FeedState],
    lease_owner: str | None = None,
    last: bool = True,
) -> LandingReport:
    """Land the batch, and release the run's feed leases after its last batch or extend them
    after the others (`monitor.land_and_hold_feeds`)."""
    async with await write_slot():
        return monitor.land_and_hold_feeds(
            Path(db_path), config, articles, fresh, matches, states, lease_owner, last
        )


@task(name="send-alerts", cache_policy=NO_CACHE)
async def alerts_task(db_path: str, config: Config) -> monitor.AlertReport:
    config = await resolve_secret_refs(config)
    async with await write_slot():
        return monitor.send_alerts(Path(db_path), config)


@task(name="record-run", cache_policy=NO_CACHE)
async def record_task(request: RunRequest, started_at: datetime, summary: RunSummary) -> None:
    async with await write_slot():
        record_run(request, started_at, summary)


class PrefectSteps(Steps):
    """The run's steps as Prefect tasks (see `pipelines.run.compose.Steps`).

    Large values go to tasks wrapped in `q` (prefect's `quote`): Prefect then does not walk
    every article and page looking for futures, a cost per article."""

    def __init__(self, dask_address: str | None, dask_batch_size: int, events: MatchEvents):
        super().__init__()
        self.dask_address = dask_address
        self.dask_batch_size = max(1, dask_batch_size)
        self.events = events

    async def claim(self, request: RunRequest, now: datetime) -> leases.Claim:
        return await plan_task(
            str(request.db_path), q(request.config), request.force_all, request.owner, now
        )

    def start_workers(self, request: RunRequest) -> None:
        """Start the extraction workers now, unless a Dask cluster extracts: they are ready by
        the time the first new page arrives."""
        if not self.dask_address:
            super().start_workers(request)

    async def poll(
        self,
        fetcher: Fetcher,
        request: RunRequest,
        due: list[FeedSource],
        states: dict[str, FeedState],
    ) -> list[PollResult]:
        return await poll_task(fetcher, q(request.config), q(due), q(states))

    async def new_entries(self, request: RunRequest, results: list[PollResult]) -> list[FeedItem]:
        return new_entries_task(str(request.db_path), q(request.config), q(results))

    async def fetch_extract_match(
        self,
        fetcher: Fetcher,
        request: RunRequest,
        batch: list[FeedItem],
        downloaded: asyncio.Event,
    ) -> BatchResult:
        if not batch:
            return BatchResult([], [], 0.0, time.perf_counter())
        config = request.config
        if self.dask_address:
            start = time.perf_counter()
            pages = await fetch_task(fetcher, q(batch))
            downloaded.set()
            done = time.perf_counter()
            articles = extract_on_dask(pages, config, self.dask_address, self.dask_batch_size)
            ruleset = request.rules().ruleset()
            matches = match_task(q(ruleset), q(articles)) if articles else []
            return BatchResult(articles, matches, done - start, done)
        return await fetch_extract_task(fetcher, q(request), q(batch), q(downloaded))

    async def land(
        self,
        request: RunRequest,
        result: BatchResult,
        batch: list[FeedItem],
        states: list[FeedState],
        lease_owner: str | None,
        last: bool,
    ) -> LandingReport:
        return await land_task(
            str(request.db_path),
            q(request.config),
            q(result.articles),
            q(batch),
            q(result.matches),
            q(states),
            lease_owner,
            last,
        )

    async def release(self, request: RunRequest) -> None:
        await release_task(str(request.db_path), q(request.config), request.owner)

    async def send_alerts(self, request: RunRequest) -> monitor.AlertReport:
        self.events.finish()
        return await alerts_task(str(request.db_path), q(request.config))

    async def record(self, request: RunRequest, started_at: datetime, summary: RunSummary) -> None:
        await record_task(q(request), started_at, q(summary))

    def landed(self, new_matches: dict[str, list[NewMatch]]) -> None:
        """Events as each batch lands (its matches are in the database now), not from the
        summary, which lists only the first matches of a backfill."""
        self.events.emit(new_matches)

    def escalated(self, escalations: list[Escalation]) -> None:
        """One `newswatch.demand.escalated` event per escalation, as its batch lands."""
        emit_escalation_events(escalations)


def _markdown(summary: RunSummary) -> str:
    lines = [
        "# newswatch run",
        "",
        f"- feeds polled: {summary.feeds_polled} (ok {summary.feeds_ok}, "
        f"not modified {summary.feeds_not_modified}, failed {summary.feeds_failed})",
        f"- new entries: {summary.new_entries}, articles extracted: "
        f"{summary.articles_extracted}, landed: {summary.articles_landed}",
        "- new matches: "
        + (", ".join(f"{t}: {n}" for t, n in summary.new_match_counts.items()) or "none"),
        f"- alerts sent: {summary.alerts_sent}, failed: {summary.alerts_failed}, "
        f"pending: {summary.alerts_pending}",
        "",
        "| stage | seconds |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in summary.timings_s.items()),
    ]
    if summary.feeds_held_elsewhere:
        lines += [
            "",
            f"- skipped {len(summary.feeds_held_elsewhere)} due feed(s) that another run "
            "was polling",
        ]
    if summary.feed_errors:
        lines += ["", "## Feed errors", *(f"- {e.feed}: {e.error}" for e in summary.feed_errors)]
    return "\n".join(lines)


async def _publish(summary: RunSummary) -> None:
    rows = [
        {"topic": topic, "title": m.title or "", "outlet": m.outlet or "", "link": m.url}
        for topic, ms in summary.new_matches.items()
        for m in ms
    ]
    await asyncio.gather(
        acreate_table_artifact(
            key="newswatch-new-matches",
            table=rows or [{"topic": "(none)"}],
            description="New matches of this run",
        ),
        acreate_markdown_artifact(
            key="newswatch-run-summary",
            markdown=_markdown(summary),
            description="newswatch run summary",
        ),
    )


def _run_name() -> str:
    return "monitor " + monitor.now_utc().strftime("%Y-%m-%d %H:%M:%S UTC")


def _run_id() -> str | None:
    """This flow run's id, kept as the run's id in the store (the dashboard links to it)."""
    from prefect.runtime import flow_run

    run_id = flow_run.get_id()
    return str(run_id) if run_id else None


@flow(name="monitor", flow_run_name=_run_name, log_prints=True)
async def monitor_flow(
    config_dir: str = RUN_CONFIG_DIR,
    db_path: str = DEFAULT_DB,
    force_all: bool = False,
    dask_address: str | None = None,
    extract_batch_size: int = 50,
) -> dict[str, Any]:
    """Poll due feeds, fetch and extract new articles, match rules, land in DuckDB, alert.

    Relative paths resolve against the working directory (the repository root for deployed
    runs). `dask_address` (else the setting `extract.dask_address`) runs extraction on an
    existing Dask cluster, in batches of `extract_batch_size` pages.
    """
    config, ruleset = load_config_task(config_dir)
    dask_address = dask_address or config.settings.extract.dask_address or None
    request = RunRequest(config, ruleset, Path(db_path), force_all)
    if run_id := _run_id():
        request = RunRequest(config, ruleset, Path(db_path), force_all, run_id)
    events = MatchEvents(config.settings.alerts.events_per_topic)
    summary = await run_monitor(request, PrefectSteps(dask_address, extract_batch_size, events))
    await _publish(summary)
    if failure := summary.failure():
        raise NewswatchError(failure)
    return summary.to_dict()


def run_once(config_dir: str, db_path: str, force_all: bool = False) -> dict[str, Any]:
    """Run the monitor flow in this process (tests, and the CLI when a Prefect API is set)."""
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    return asyncio.run(monitor_flow(config_dir=config_dir, db_path=db_path, force_all=force_all))
