"""One monitoring run, composed once.

claim due feeds → poll → new entries → per micro-batch: fetch + extract + match (the next
batch starts while one lands) → land → release the leases → send alerts → record → summary.

`run_monitor` is the only place that knows this order. How each step executes is the
`Steps` seam: `Steps` itself calls the stage functions directly (the CLI without a Prefect
server, the benchmarks); `flows.monitor.PrefectSteps` runs each as a Prefect task with the
write slot, the Dask variant and match events.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.claims import cached_claim_rules
from pipelines.config import Config
from pipelines.extract.run_rules import RunRules
from pipelines.models import (
    Article,
    Escalation,
    FeedItem,
    FeedSource,
    FeedState,
    Match,
    PollResult,
)
from pipelines.rules import RuleSet
from pipelines.run import steps
from pipelines.run.batches import StageClock, micro_batches, overlapped
from pipelines.run.summary import NewMatch, RunSummary, RunTally
from pipelines.store import LandingReport, leases, open_store, record_run

if TYPE_CHECKING:
    from pipelines.ingest.fetch import Fetcher


@dataclass(frozen=True, slots=True)
class RunRequest:
    """What one run works on."""

    config: Config
    ruleset: RuleSet | None
    """The compiled rules, or None: then the workers compile them, and this process only when
    a worker did not match a page with them (`RunRules`)."""
    db_path: Path
    force_all: bool = False
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def owner(self) -> str:
        """The feed-lease owner: this run in this process."""
        return leases.local_owner(self.run_id)

    def rules(self) -> RunRules:
        """The run's rules: those given, else the versions of the config's files as they are
        now, compiled only on demand."""
        return RunRules.of_config(self.config, self.ruleset)


def checked_rules(config: Config) -> RuleSet | None:
    """Compile the config's rule files before a run starts, so that a typo never starts one:
    their RuleSet (the claims lexicon compiled and cached too); RuleError or ClaimsError says
    what is wrong. The alert channels are checked against them (`check_channels`: URLs no
    sender takes, topics that are none). None, with nothing compiled, for files and channels
    that passed before (`pipelines.rules.checked`): then the run's extraction workers compile
    the rules, and its own process only for a page they did not match (`RunRequest.rules`)."""
    from pipelines.alerts.check import check_channels
    from pipelines.rules import checked, load_ruleset

    channels = config.settings.alerts.channels
    stamp = json.dumps({k: [c.url, c.topics] for k, c in sorted(channels.items())})
    compiled = checked.fingerprint(config.worker_files, stamp)
    if checked.known_good(compiled):
        return None
    ruleset = load_ruleset(config.rules_path, config.entities_path)
    cached_claim_rules(config.claims_path, ruleset.loaded)
    check_channels(
        channels,
        [t.id for t in ruleset.topics],
        config.config_dir / "settings.yaml",
        config.rules_path,
    )
    checked.remember_good(compiled)
    return ruleset


@dataclass(slots=True)
class BatchResult:
    """One micro-batch after fetch, extraction and matching."""

    articles: list[Article]
    matches: list[Match]
    fetch_s: float
    downloaded_at: float
    """`time.perf_counter()` when its last page had arrived."""


class Steps:
    """How each step of a run is executed: here, as a plain call in this process (no
    Prefect). `flows.monitor.PrefectSteps` overrides each step to run it as a Prefect task."""

    def __init__(self, on_mark: Callable[[str], None] | None = None) -> None:
        self._on_mark = on_mark

    async def claim(self, request: RunRequest, now: datetime) -> leases.Claim:
        return leases.claim_due_feeds(
            request.db_path, request.config, request.owner, now, force_all=request.force_all
        )

    def start_workers(self, request: RunRequest) -> None:
        from pipelines.extract import warm_up  # not imported by a run with nothing new

        config = request.config
        warm_up(config.settings.extract, config.worker_files)

    async def poll(
        self,
        fetcher: Fetcher,
        request: RunRequest,
        due: list[FeedSource],
        states: dict[str, FeedState],
    ) -> list[PollResult]:
        return await steps.poll(fetcher, request.config, due, states)

    async def new_entries(self, request: RunRequest, results: list[PollResult]) -> list[FeedItem]:
        return steps.new_entries(request.db_path, request.config, results)

    async def fetch_extract_match(
        self,
        fetcher: Fetcher,
        request: RunRequest,
        batch: list[FeedItem],
        downloaded: asyncio.Event,
    ) -> BatchResult:
        return await fetch_extract_match(fetcher, request, batch, downloaded)

    async def land(
        self,
        request: RunRequest,
        result: BatchResult,
        batch: list[FeedItem],
        states: list[FeedState],
        lease_owner: str | None,
        last: bool,
    ) -> LandingReport:
        return steps.land_and_hold_feeds(
            request.db_path,
            request.config,
            result.articles,
            batch,
            result.matches,
            states,
            lease_owner,
            last,
        )

    async def release(self, request: RunRequest) -> None:
        leases.release_feeds(request.db_path, request.config, request.owner)

    async def send_alerts(self, request: RunRequest) -> steps.AlertReport:
        """Stops between two deliveries once the run is asked to stop (Ctrl-C cancels the
        run's task; the pass itself never awaits, so it would otherwise send every alert)."""
        task = asyncio.current_task()
        report = steps.send_alerts(
            request.db_path,
            request.config,
            stop=(lambda: task.cancelling() > 0) if task is not None else None,
        )
        await asyncio.sleep(0)  # the cancellation, if any, is raised here
        return report

    async def record(self, request: RunRequest, started_at: datetime, summary: RunSummary) -> None:
        """Keep the run's summary in the store's `runs` table."""
        record(request, started_at, summary)

    def landed(self, new_matches: dict[str, list[NewMatch]]) -> None:
        """A batch's new matches are in the database (the flow emits events here)."""
        return None

    def escalated(self, escalations: list[Escalation]) -> None:
        """A batch's demand escalations are in the database (the flow emits events here)."""
        return None

    def mark(self, stage: str) -> None:
        """A step ended (the benchmarks time the run's phases here)."""
        if self._on_mark is not None:
            self._on_mark(stage)


async def fetch_extract_match(
    fetcher: Fetcher, request: RunRequest, batch: list[FeedItem], downloaded: asyncio.Event
) -> BatchResult:
    """One batch locally: pages go to the extraction pool as they arrive and its workers match
    each article as they extract it."""
    if not batch:
        return BatchResult([], [], 0.0, time.perf_counter())
    both = await steps.fetch_and_extract(
        fetcher, batch, request.config, request.rules(), downloaded
    )
    return BatchResult(both.articles, both.matches or [], both.fetch_s, both.downloaded_at)


def record(request: RunRequest, started_at: datetime, summary: RunSummary) -> None:
    with open_store(request.db_path, settings=request.config.settings.store) as con:
        record_run(con, request.run_id, started_at, summary.to_dict())


async def run_monitor(request: RunRequest, how: Steps) -> RunSummary:
    """One monitoring run (see the module docstring). A crash anywhere leaves the store as the
    last landed batch left it: the next run redoes the rest, and lands each record once."""
    clock = StageClock()
    started_at = steps.now_utc()
    claim = await how.claim(request, started_at)
    clock.lap("plan")
    how.mark("plan")
    tally = RunTally()
    results: list[PollResult] = []
    batches: list[list[FeedItem]] = []
    if claim.due:  # with nothing due there is nothing to poll or land: no fetcher, no pool
        results, batches = await _poll_and_land(request, how, claim, clock, tally)
    await asyncio.sleep(0)  # stop here when asked to during the landing (Ctrl-C)
    alerts = await how.send_alerts(request)
    clock.lap("alerts")
    how.mark("alerts")
    summary = RunSummary.of(
        results,
        tally,
        alerts,
        clock.seconds,
        run_id=request.run_id,
        batches=len(batches),
        feeds_held_elsewhere=claim.held_elsewhere,
    )
    await how.record(request, started_at, summary)
    return summary


async def _poll_and_land(
    request: RunRequest, how: Steps, claim: leases.Claim, clock: StageClock, tally: RunTally
) -> tuple[list[PollResult], list[list[FeedItem]]]:
    """Poll the claimed feeds, then fetch, extract, match and land their new entries batch by
    batch; the last landing releases the leases (or this does, when the run stops early)."""
    from pipelines.ingest.fetch import Fetcher  # not imported by a run with nothing due

    config = request.config
    released = False
    results: list[PollResult] = []
    batches: list[list[FeedItem]] = [[]]
    try:
        async with Fetcher(config.settings.fetch) as fetcher:
            results = await how.poll(fetcher, request, claim.due, claim.states)
            clock.lap("poll")
            how.mark("poll")
            fresh = await how.new_entries(request, results)
            if fresh:
                # The extraction workers start only when there are pages for them: most runs
                # of a schedule find nothing new and never pay for the pool.
                how.start_workers(request)
            new_states = steps.feed_states_after(config, claim.states, results, fresh, claim.at)
            how.mark("new-entries")
            clock.seconds.update(fetch=0.0, extract=0.0)
            batches = micro_batches(fresh, config.settings.extract.batch_pages)

            async def start(batch: list[FeedItem], downloaded: asyncio.Event) -> BatchResult:
                result = await how.fetch_extract_match(fetcher, request, batch, downloaded)
                clock.add("fetch", result.fetch_s)
                return result

            # The next batch is fetched and extracted while this one lands (`overlapped`).
            async with contextlib.aclosing(overlapped(batches, start)) as done:
                number, waiting = 0, time.perf_counter()
                async for batch, result in done:
                    number += 1
                    last = number == len(batches)
                    # The time the run waited on this batch once its pages were in.
                    clock.add("extract", time.perf_counter() - max(waiting, result.downloaded_at))
                    clock.restart()
                    # Feed states (next poll, ETag) land with the last batch only: a crash
                    # before then leaves the feeds due, and the entries of the unlanded
                    # batches unseen.
                    landing = await how.land(
                        request,
                        result,
                        batch,
                        new_states if last else [],
                        request.owner,
                        last,
                    )
                    released = last
                    clock.lap("land")
                    how.landed(tally.add(batch, result.articles, result.matches, landing))
                    how.escalated(landing.escalations)
                    del result
                    how.mark(f"batch {number}/{len(batches)}")
                    waiting = time.perf_counter()
    finally:
        if not released:  # the last landing releases the leases; else do it here
            await how.release(request)
    return results, batches
