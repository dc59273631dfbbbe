"""The stages of one monitoring run as plain functions, in the order a run calls them.

`flows/monitor.py` wraps each of these in a Prefect task; tests and benchmarks can call them
directly. Nothing here imports Prefect.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from pipelines import outbox, store
from pipelines.alerts import channel_topics, plan_deliveries, run_deliveries
from pipelines.config import Config
from pipelines.extract import Extraction, extract_pages, ready_pool, warm_up
from pipelines.fetch import Fetcher
from pipelines.leases import DEFAULT_TTL_S, local_owner, release_leases, renew_leases
from pipelines.models import (
    Article,
    FeedItem,
    FeedSource,
    FeedState,
    FetchResult,
    Match,
    PollResult,
)
from pipelines.poll import poll_feeds
from pipelines.rules import RuleSet
from pipelines.schedule import due_feeds, next_state

_B = TypeVar("_B")
_R = TypeVar("_R")


def now_utc() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class PollOutcome:
    due: list[FeedSource]
    results: list[PollResult]
    states: dict[str, FeedState]


def read_feed_states(db_path: Path, config: Config) -> dict[str, FeedState]:
    """Feed states from the store (empty for a new database)."""
    with store.open_store(db_path, settings=config.settings.store) as con:
        return store.load_feed_states(con)


def select_due(
    config: Config, states: dict[str, FeedState], force_all: bool, now: datetime
) -> list[FeedSource]:
    return due_feeds(
        config.feeds, states, now, force_all=force_all, slack_s=config.settings.poll.due_slack_s
    )


async def poll(
    fetcher: Fetcher, config: Config, due: Sequence[FeedSource], states: dict[str, FeedState]
) -> list[PollResult]:
    """Poll the due feeds; they are parsed in the extraction workers when these are up (they
    are started before the poll and have no page to extract yet)."""
    settings = config.settings
    return await poll_feeds(
        fetcher, list(due), states, settings.poll, lambda: ready_pool(settings.extract)
    )


def new_entries(db_path: Path, config: Config, results: Sequence[PollResult]) -> list[FeedItem]:
    """Entries of this poll that were never seen (by GUID per feed or by canonical URL)."""
    items = [item for r in results for item in r.items]
    if not items:
        return []
    with store.open_store(db_path, settings=config.settings.store) as con:
        return store.unseen_items(con, items)


async def fetch_pages(
    fetcher: Fetcher, items: Sequence[FeedItem]
) -> list[tuple[FeedItem, FetchResult]]:
    results = await fetcher.fetch_many([it.url for it in items], check_robots=True)
    return list(zip(items, results, strict=True))


def extract(pages: Sequence[tuple[FeedItem, FetchResult]], config: Config) -> list[Article]:
    return extract_pages(list(pages), config.settings.extract)


@dataclass(slots=True)
class FetchedAndExtracted:
    pages: list[tuple[FeedItem, FetchResult]]
    articles: list[Article]
    fetch_s: float
    """When the last page had arrived; extraction went on from there."""
    matches: list[Match] | None = None
    """The rules' matches, when a ruleset was given (found in the extraction workers)."""
    downloaded_at: float = 0.0
    """`time.perf_counter()` when the last page had arrived."""


async def fetch_and_extract(
    fetcher: Fetcher,
    items: Sequence[FeedItem],
    config: Config,
    ruleset: RuleSet | None = None,
    downloaded: asyncio.Event | None = None,
) -> FetchedAndExtracted:
    """Fetch the pages and hand each to the extraction pool as soon as it arrives, so that
    extraction of the first pages overlaps the download of the rest. With a ruleset, the
    workers also match each article as they extract it (in parallel, and off this process).
    Articles and matches come back in the order of `items`. `downloaded` is set once every
    page is in (see `overlapped`)."""
    start = time.perf_counter()
    if items:
        warm_up(config.settings.extract, (config.rules_path, config.entities_path))
    extraction = Extraction(
        config.settings.extract,
        ruleset=ruleset,
        rules_files=(config.rules_path, config.entities_path),
    )
    order: list[int] = []

    async def one(index: int, item: FeedItem) -> tuple[FeedItem, FetchResult]:
        result = await fetcher.fetch(item.url, check_robots=True)
        extraction.add(item, result)
        order.append(index)
        return item, result

    pages = list(await asyncio.gather(*(one(i, it) for i, it in enumerate(items))))
    downloaded_at = time.perf_counter()
    if downloaded is not None:
        downloaded.set()
    extracted = await asyncio.to_thread(extraction.articles)
    matches = extraction.matches(extracted, now_utc()) if ruleset is not None else None
    by_index = dict(zip(order, extracted, strict=True))
    articles = [by_index[i] for i in range(len(items))]
    if matches:
        rank = {a.article_id: i for i, a in enumerate(articles)}
        matches.sort(key=lambda m: rank[m.article_id])  # stable: topics keep their order
    return FetchedAndExtracted(pages, articles, downloaded_at - start, matches, downloaded_at)


def match(
    ruleset: RuleSet, articles: Sequence[Article], now: datetime | None = None
) -> list[Match]:
    """Run every topic over every article that has text."""
    now = now or now_utc()
    out: list[Match] = []
    for art in articles:
        if art.extract_status != "ok":
            continue
        for hit in ruleset.match(art.title, art.text, art.lang):
            out.append(
                Match(
                    art.article_id,
                    hit.topic,
                    hit.rule,
                    hit.score,
                    hit.evidence,
                    ruleset.version,
                    now,
                )
            )
    return out


def feed_states_after(
    config: Config,
    states: dict[str, FeedState],
    results: Sequence[PollResult],
    fresh: Sequence[FeedItem],
    now: datetime,
) -> list[FeedState]:
    """The next state of every polled feed (schedule, health counters)."""
    names = {f.url: f.name for f in config.feeds}
    per_feed = Counter(it.feed_url for it in fresh)
    updated = []
    for result in results:
        state = states.get(result.feed_url) or FeedState(result.feed_url)
        state.name = names.get(result.feed_url, state.name)
        updated.append(
            next_state(state, result, per_feed.get(result.feed_url, 0), now, config.settings.poll)
        )
    return updated


def land(
    db_path: Path,
    config: Config,
    articles: Sequence[Article],
    fresh: Sequence[FeedItem],
    matches: Sequence[Match],
    states: Sequence[FeedState],
) -> store.LandingReport:
    """Land everything in one transaction. Entries whose page could not be fetched stay unseen,
    so a later run retries them; so do those whose extraction timed out, up to
    `extract.timeout_attempts` runs. Entries that were fetched are marked seen with their
    article."""
    with store.open_store(db_path, settings=config.settings.store) as con:
        return store.land_batch(con, _landing(config, articles, fresh, matches, states))


def _landing(
    config: Config,
    articles: Sequence[Article],
    fresh: Sequence[FeedItem],
    matches: Sequence[Match],
    states: Sequence[FeedState],
) -> store.LandingBatch:
    landed_urls = {a.canonical_url for a in articles if a.extract_status not in ("fetch_error",)}
    return store.LandingBatch(
        articles=[a for a in articles if a.extract_status != "fetch_error"],
        seen=[it for it in fresh if it.canonical_url in landed_urls],
        matches=list(matches),
        feed_states=list(states),
        channels=channel_topics(config.settings.alerts.channels),
        timeout_attempts=config.settings.extract.timeout_attempts,
    )


def land_and_hold_feeds(
    db_path: Path,
    config: Config,
    articles: Sequence[Article],
    fresh: Sequence[FeedItem],
    matches: Sequence[Match],
    states: Sequence[FeedState],
    lease_owner: str | None,
    last: bool,
) -> store.LandingReport:
    """Land one micro-batch of a run (see `land`). For a run holding feed leases: after its
    last batch release them (the polled feeds are no longer due, so no other run polls them
    again); after the others extend them (a long backfill keeps its feeds to the end). One
    connection for both: each opening of the database costs ~10 ms and each closing a
    checkpoint."""
    with store.open_store(db_path, settings=config.settings.store) as con:
        report = store.land_batch(con, _landing(config, articles, fresh, matches, states))
        if lease_owner and last:
            release_leases(con, db_path, lease_owner)
        elif lease_owner:
            renew_leases(con, lease_owner, now_utc(), DEFAULT_TTL_S)
    return report


@dataclass(slots=True)
class AlertReport:
    sent: int = 0
    failed: int = 0
    pending: int = 0
    uncertain: int = 0
    errors: list[str] = field(default_factory=list)


def send_alerts(db_path: Path, config: Config, owner: str | None = None) -> AlertReport:
    """Drain the outbox: plan, claim, send, record. Channels are tried outside any database
    transaction, so a slow channel does not hold the file locked; the claim (see
    `pipelines.outbox`) keeps a concurrent or later run from sending the same alert again."""
    settings = config.settings.alerts
    owner = owner or local_owner(uuid.uuid4().hex)
    now = datetime.now(UTC)
    with store.open_store(db_path, settings=config.settings.store) as con:
        pending = store.pending_alerts(con, now)
        recent = store.sent_last_hour(con, now) if pending else {}
    if not pending:
        return AlertReport()
    deliveries, outcomes = plan_deliveries(pending, settings, now=now, sent_last_hour=recent)
    report = AlertReport()
    if deliveries:
        with store.open_store(db_path, settings=config.settings.store) as con:
            claimed = outbox.claim(con, deliveries, owner, settings, now)
        report.uncertain = len(claimed.held_uncertain)
        outcomes += run_deliveries(claimed.deliveries, settings, now=now)
    with store.open_store(db_path, settings=config.settings.store) as con:
        store.record_alert_outcomes(con, outcomes)
        outbox.release(con, owner)
        row = con.execute("SELECT count(*) FROM alerts WHERE status = 'pending'").fetchone()
    channel_of = {a.alert_id: a.channel for a in pending}
    report.sent = sum(o.ok for o in outcomes)
    report.failed = sum(not o.ok and not o.deferred for o in outcomes)
    report.pending = int(row[0]) if row else 0
    report.errors = sorted({f"{channel_of[o.alert_id]}: {o.error}" for o in outcomes if o.error})
    if report.uncertain:
        report.errors.append(
            f"{report.uncertain} alert(s) held as uncertain: a sender stopped between sending "
            "and recording them; see `newswatch alerts pending`"
        )
    return report


class StageClock:
    """Seconds spent per stage of a run: `lap(stage)` adds the time since the previous lap
    (or `restart()`) to that stage, `add` a duration measured elsewhere."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def restart(self) -> None:
        self._last = time.perf_counter()

    def add(self, stage: str, seconds: float) -> None:
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.add(stage, now - self._last)
        self._last = now


def micro_batches(fresh: Sequence[FeedItem], size: int) -> list[list[FeedItem]]:
    """The new entries in batches of `size`, each landed before the next one's are (see
    `overlapped`), so a backfill of any length holds at most two batches in memory. Never
    empty: a run with nothing new still lands its feed states once."""
    size = max(1, size)
    return [list(fresh[i : i + size]) for i in range(0, len(fresh), size)] or [[]]


async def overlapped(
    batches: Sequence[_B], start: Callable[[_B, asyncio.Event], Awaitable[_R]]
) -> AsyncIterator[tuple[_B, _R]]:
    """`start(batch, downloaded)` for each batch, its result yielded in batch order.

    The next batch starts as soon as the current one has set `downloaded` (its pages are in)
    or has ended without setting it (nothing to download, or failed), not when it is done:
    its pages reach the extraction workers while the current batch is still being extracted,
    and then landed by the caller, so the workers never stand idle at a batch boundary (they
    did for ~0.3 s at each: the landing, then the first downloads). The one after that
    starts only once the caller is done with the current batch, so at most two batches are
    in flight. A batch that fails cancels the one started after it; use it in
    `contextlib.aclosing`, so that this also happens when the caller fails."""
    pending: asyncio.Future[_R] | None = None
    downloaded = asyncio.Event()
    try:
        for i, batch in enumerate(batches):
            current = pending or asyncio.ensure_future(start(batch, downloaded))
            pending = None
            if i + 1 < len(batches):
                signal = asyncio.ensure_future(downloaded.wait())
                await asyncio.wait({signal, current}, return_when=asyncio.FIRST_COMPLETED)
                signal.cancel()
                failed = current.done() and (current.cancelled() or current.exception())
                if not failed:
                    downloaded = asyncio.Event()
                    pending = asyncio.ensure_future(start(batches[i + 1], downloaded))
            yield batch, await current
    finally:
        if pending is not None:
            pending.cancel()
            with contextlib.suppress(BaseException):
                await pending


LISTED_PER_KIND = 100
"""New matches (per topic) and failed articles a run summary lists; beyond that it counts."""


def new_match_rows(
    articles: Sequence[Article], matches: Sequence[Match], landing: store.LandingReport
) -> dict[str, list[dict[str, Any]]]:
    """The matches that are new in this landing, per topic, as the summary and events show
    them."""
    by_id = {a.article_id: a for a in articles}
    new_keys = set(landing.new_match_keys)
    rows: dict[str, list[dict[str, Any]]] = {}
    for m in matches:
        if (m.article_id, m.topic) in new_keys:
            art = by_id[m.article_id]
            rows.setdefault(m.topic, []).append(
                {
                    "article_id": art.article_id,
                    "title": art.title,
                    "url": art.url,
                    "outlet": art.site_name or art.feed_url,
                    "rule": m.rule,
                    "snippet": str(m.evidence.get("snippet", "")),
                    "entities": list(m.evidence.get("entities", [])),
                }
            )
    return rows


@dataclass(slots=True)
class RunTally:
    """What the landed batches of one run add up to. Lists at most `LISTED_PER_KIND` new
    matches per topic and failed articles, and counts the rest, so the run's memory does not
    grow with the size of a backfill (50,000 new matches would otherwise be kept to the end)."""

    new_entries: int = 0
    articles_extracted: int = 0
    articles_failed: list[dict[str, Any]] = field(default_factory=list)
    articles_failed_by_status: Counter[str] = field(default_factory=Counter)
    articles_landed: int = 0
    articles_retry_later: int = 0
    alerts_queued: int = 0
    new_matches: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    new_match_counts: Counter[str] = field(default_factory=Counter)

    def add(
        self,
        fresh: Sequence[FeedItem],
        articles: Sequence[Article],
        matches: Sequence[Match],
        landing: store.LandingReport,
    ) -> dict[str, list[dict[str, Any]]]:
        """Count one landed batch in; returns its new matches per topic (all of them)."""
        batch_rows = new_match_rows(articles, matches, landing)
        for topic, rows in batch_rows.items():
            listed = self.new_matches.setdefault(topic, [])
            listed += rows[: max(0, LISTED_PER_KIND - len(listed))]
            self.new_match_counts[topic] += len(rows)
        self.new_entries += len(fresh)
        self.articles_extracted += sum(a.extract_status == "ok" for a in articles)
        retry = set(landing.retry_later)
        for a in articles:
            if a.extract_status == "ok":
                continue
            self.articles_failed_by_status[a.extract_status] += 1
            if len(self.articles_failed) < LISTED_PER_KIND:
                error = a.extract_error
                if a.canonical_url in retry:
                    error = f"{error}; the next run tries it again"
                self.articles_failed.append(
                    {"url": a.url, "status": a.extract_status, "error": error}
                )
        self.articles_retry_later += len(retry)
        self.articles_landed += landing.articles_inserted
        self.alerts_queued += landing.alerts_queued
        return batch_rows


def summarise(
    polled: Sequence[PollResult],
    fresh: Sequence[FeedItem],
    articles: Sequence[Article],
    matches: Sequence[Match],
    landing: store.LandingReport,
    alerts: AlertReport,
    timings: dict[str, float],
) -> dict[str, Any]:
    """A JSON-serialisable run summary for the CLI, the run table and the Prefect artifact."""
    tally = RunTally()
    tally.add(fresh, articles, matches, landing)
    return summarise_tally(polled, tally, alerts, timings)


def summarise_tally(
    polled: Sequence[PollResult], tally: RunTally, alerts: AlertReport, timings: dict[str, float]
) -> dict[str, Any]:
    """The run summary from the poll results and the tally of the landed batches."""
    statuses = Counter(r.status for r in polled)
    return {
        "feeds_polled": len(polled),
        "feeds_ok": statuses.get("ok", 0),
        "feeds_not_modified": statuses.get("not_modified", 0),
        "feeds_failed": statuses.get("error", 0),
        "feed_errors": [
            {"feed": r.feed_url, "error": r.error} for r in polled if r.status == "error"
        ],
        "feed_warnings": [{"feed": r.feed_url, "warning": r.warning} for r in polled if r.warning],
        "new_entries": tally.new_entries,
        "articles_extracted": tally.articles_extracted,
        "articles_failed": tally.articles_failed,
        "articles_failed_count": sum(tally.articles_failed_by_status.values()),
        "articles_failed_by_status": dict(tally.articles_failed_by_status),
        "articles_landed": tally.articles_landed,
        "articles_retry_later": tally.articles_retry_later,
        "new_matches": {topic: rows for topic, rows in sorted(tally.new_matches.items())},
        "new_match_counts": dict(sorted(tally.new_match_counts.items())),
        "alerts_queued": tally.alerts_queued,
        "alerts_sent": alerts.sent,
        "alerts_failed": alerts.failed,
        "alerts_pending": alerts.pending,
        "alerts_uncertain": alerts.uncertain,
        "alert_errors": alerts.errors,
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
    }
