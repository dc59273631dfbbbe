"""The stages of one monitoring run as plain functions, in the order a run calls them.

`flows/monitor.py` wraps each of these in a Prefect task; tests and benchmarks can call them
directly. Nothing here imports Prefect.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from pipelines import store
from pipelines.alerts import (
    Delivery,
    channel_topics,
    deliver,
    escalation_channels,
    outbox,
    plan_deliveries,
)
from pipelines.alerts.send import delivery_outcomes
from pipelines.config import AlertSettings, Config
from pipelines.extract.run_rules import RunRules
from pipelines.ingest.schedule import next_state
from pipelines.models import (
    Article,
    FeedItem,
    FeedSource,
    FeedState,
    FetchResult,
    Match,
    PollResult,
)
from pipelines.rules import RuleSet
from pipelines.store import pending, upkeep
from pipelines.store.leases import DEFAULT_TTL_S, local_owner, release_leases, renew_leases
from pipelines.store.sources import record_other_sources

if TYPE_CHECKING:
    from pipelines.ingest.fetch import Fetcher

_B = TypeVar("_B")
_R = TypeVar("_R")


def now_utc() -> datetime:
    return datetime.now(UTC)


async def poll(
    fetcher: Fetcher, config: Config, due: Sequence[FeedSource], states: dict[str, FeedState]
) -> list[PollResult]:
    """Poll the due feeds; they are parsed in the extraction workers when these are up (a
    process that ran before keeps its pool), under `poll.parse_timeout_s`, else here (the
    input caps of `parse_feed` bound that)."""
    from pipelines.extract import discard_pool, ready_pool
    from pipelines.ingest.poll import poll_feeds

    settings = config.settings
    return await poll_feeds(
        fetcher,
        list(due),
        states,
        settings.poll,
        lambda: ready_pool(settings.extract),
        lambda: discard_pool(settings.extract),
    )


def new_entries(db_path: Path, config: Config, results: Sequence[PollResult]) -> list[FeedItem]:
    """Entries of this poll that were never seen (by GUID per feed or by canonical URL), then
    the entries of the polled feeds not landed yet whose next attempt has come, whatever their
    feed answered (a 304 included; see `pipelines.store.pending`). An entry whose page has
    landed already, under another feed or GUID, is recorded as a source of that article
    (`pipelines.store.sources`)."""
    items = [item for r in results for item in r.items]
    if not results:
        return []
    now = now_utc()
    with store.open_store(db_path, settings=config.settings.store) as con:
        fresh = store.unseen_items(con, items, now)
        retry = pending.due(con, [r.feed_url for r in results], now)
        record_other_sources(con, items, now)
    listed = {it.canonical_url for it in fresh}
    return fresh + [it for it in retry if it.canonical_url not in listed]


async def fetch_pages(
    fetcher: Fetcher, items: Sequence[FeedItem]
) -> list[tuple[FeedItem, FetchResult]]:
    results = await fetcher.fetch_many([it.url for it in items], check_robots=True)
    return list(zip(items, results, strict=True))


def extract(pages: Sequence[tuple[FeedItem, FetchResult]], config: Config) -> list[Article]:
    from pipelines.extract import extract_pages

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
    ruleset: RuleSet | RunRules | None = None,
    downloaded: asyncio.Event | None = None,
) -> FetchedAndExtracted:
    """Fetch the pages and hand each to the extraction pool as soon as it arrives, so that
    extraction of the first pages overlaps the download of the rest. With a ruleset, the
    workers also match each article as they extract it (in parallel, and off this process).
    Articles and matches come back in the order of `items`. `downloaded` is set once every
    page is in (see `overlapped`)."""
    from pipelines.extract import Extraction, warm_up

    start = time.perf_counter()
    if items:
        warm_up(config.settings.extract, config.worker_files)
    extraction = Extraction(
        config.settings.extract, rules=_run_rules(ruleset, config), rules_files=config.worker_files
    )
    order: list[int] = []

    async def one(index: int, item: FeedItem) -> tuple[FeedItem, FetchResult]:
        await extraction.wait_for_room()
        try:
            result = await fetcher.fetch(item.url, check_robots=True)
        except BaseException:
            extraction.room_back(1)
            raise
        extraction.add(item, result)
        order.append(index)
        return item, result

    pages = list(await asyncio.gather(*(one(i, it) for i, it in enumerate(items))))
    downloaded_at = time.perf_counter()
    if downloaded is not None:
        downloaded.set()
    extracted = await asyncio.to_thread(extraction.articles)
    matches = extraction.matches(extracted, now_utc()) if extraction.rules is not None else None
    by_index = dict(zip(order, extracted, strict=True))
    articles = [by_index[i] for i in range(len(items))]
    _feed_language_where_missing(articles, config.feeds)
    if matches:
        rank = {a.article_id: i for i, a in enumerate(articles)}
        matches.sort(key=lambda m: rank[m.article_id])  # stable: topics keep their order
    return FetchedAndExtracted(pages, articles, downloaded_at - start, matches, downloaded_at)


def _run_rules(ruleset: RuleSet | RunRules | None, config: Config) -> RunRules | None:
    """The run's rules for the extraction: as given, or compiled rules with the claims
    lexicon of the config; None: nothing is matched."""
    if ruleset is None or isinstance(ruleset, RunRules):
        return ruleset
    return RunRules.of_config(config, ruleset)


def _claim_groups(deliveries: list[Delivery], settings: AlertSettings) -> list[list[Delivery]]:
    """The deliveries claimed together: all of those whose channel sends an interrupted alert
    again, in one group; every other delivery alone (see `send_alerts`)."""
    again = [outbox.resends_interrupted(settings.channels.get(d.channel)) for d in deliveries]
    together = [d for d, yes in zip(deliveries, again, strict=True) if yes]
    alone = [[d] for d, yes in zip(deliveries, again, strict=True) if not yes]
    return ([together] if together else []) + alone


def _feed_language_where_missing(articles: list[Article], feeds: Sequence[FeedSource]) -> None:
    """An article whose page declares no language takes its feed's `language`, if set."""
    languages = {f.url: f.language for f in feeds if f.language}
    if not languages:
        return
    for art in articles:
        if not art.lang and art.feed_url in languages:
            art.lang = languages[art.feed_url]


def match(
    ruleset: RuleSet, articles: Sequence[Article], now: datetime | None = None
) -> list[Match]:
    """Run every topic over every article that has text."""
    now = now or now_utc()
    out: list[Match] = []
    for art in articles:
        if art.extract_status != "ok":
            continue
        for hit in ruleset.match(art.title, art.text, art.lang, art.published_at):
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


def _landing(
    config: Config,
    articles: Sequence[Article],
    fresh: Sequence[FeedItem],
    matches: Sequence[Match],
    states: Sequence[FeedState],
) -> store.LandingBatch:
    poll = config.settings.poll
    landed_urls = {a.canonical_url for a in articles}
    return store.LandingBatch(
        articles=list(articles),
        seen=[it for it in fresh if it.canonical_url in landed_urls],
        matches=list(matches),
        feed_states=list(states),
        channels=channel_topics(config.settings.alerts.channels),
        escalation_channels=escalation_channels(config.settings.alerts.channels),
        quiet_days=config.settings.demands.quiet_days,
        entry_retry=pending.EntryRetry(
            poll.entry_retry_attempts, poll.entry_retry_base_s, poll.entry_retry_max_s
        ),
        timeout_attempts=config.settings.extract.timeout_attempts,
    )


def land(
    db_path: Path,
    config: Config,
    articles: Sequence[Article],
    fresh: Sequence[FeedItem],
    matches: Sequence[Match],
    states: Sequence[FeedState],
) -> store.LandingReport:
    """Land one batch in one transaction, for a caller that holds no feed leases. Entries whose
    page could not be fetched stay unseen and pending, so later runs retry them with backoff,
    up to `poll.entry_retry_attempts` (`pipelines.store.pending`); so do those whose extraction
    timed out, up to `extract.timeout_attempts` runs."""
    return land_and_hold_feeds(db_path, config, articles, fresh, matches, states, None, True)


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
    connection for both: each opening of the database costs time and each closing a
    checkpoint."""
    with store.open_store(db_path, settings=config.settings.store) as con:
        report = store.land_batch(con, _landing(config, articles, fresh, matches, states))
        if lease_owner and last:
            release_leases(con, db_path, lease_owner)
        elif lease_owner:
            renew_leases(con, lease_owner, now_utc(), DEFAULT_TTL_S)
        if last:
            upkeep.compact_if_due(con)
    return report


@dataclass(slots=True)
class AlertReport:
    sent: int = 0
    failed: int = 0
    pending: int = 0
    uncertain: int = 0
    errors: list[str] = field(default_factory=list)


def send_alerts(
    db_path: Path,
    config: Config,
    owner: str | None = None,
    stop: Callable[[], bool] | None = None,
) -> AlertReport:
    """Drain the outbox: plan, then claim, send and record.

    Each hand-off to a channel is recorded before (the claim) and after (the outcome) it
    happens, in short transactions, and channels are tried outside any transaction (a slow
    channel holds nothing); the claim keeps a concurrent or later run from sending the same
    alert again. Each outcome is recorded as soon as its channel answered, so a sender killed
    during the pass leaves one delivery in flight with an unknown outcome, which the channel's
    policy sends again or holds as 'uncertain' (`pipelines.alerts.outbox`). Alerts to a channel
    that sends again (webhook+ with its Idempotency-Key, the console) are claimed together, in
    one transaction for the pass (a claim left on one never handed over only sends it, once);
    to a channel that holds them, one at a time, so that no alert it never got is held. Alerts
    not handed over stay pending for the next run. After a channel fails, its other
    deliveries of this pass fail with the same error without being tried."""
    settings = config.settings.alerts
    owner = owner or local_owner(uuid.uuid4().hex)
    now = datetime.now(UTC)
    with store.open_store(db_path, settings=config.settings.store) as con:
        due = store.pending_alerts(con, now)
        recent = store.sent_last_hour(con, now) if due else {}
    if not due:
        return AlertReport()
    deliveries, outcomes = plan_deliveries(due, settings, now=now, sent_last_hour=recent)
    report = AlertReport()
    unrecorded = list(outcomes)
    down: dict[str, str] = {}

    def fail_if_down(delivery: Delivery) -> bool:
        if delivery.channel not in down:
            return False
        failed = delivery_outcomes(delivery, down[delivery.channel], settings, now)
        outcomes.extend(failed)
        unrecorded.extend(failed)
        return True

    for group in _claim_groups(deliveries, settings):
        if stop is not None and stop():
            break  # asked to stop (Ctrl-C): the rest stay pending for the next run
        live = [d for d in group if not fail_if_down(d)]
        if not live:
            continue
        with store.open_store(db_path, settings=config.settings.store) as con:
            store.record_alert_outcomes(con, unrecorded)
            outbox.release(con, owner)
            claimed = outbox.claim(con, live, owner, settings, now)
        unrecorded = []
        report.uncertain += len(claimed.held_uncertain)
        for mine in claimed.deliveries:
            if stop is not None and stop():
                break  # claimed, not handed over: released below, pending again
            if fail_if_down(mine):
                continue
            error = deliver(mine.url, mine.message())
            if error is not None:
                down[mine.channel] = error
            sent = delivery_outcomes(mine, error, settings, now)
            outcomes += sent
            unrecorded += sent
            if len(claimed.deliveries) > 1:  # recorded at once: only this one was in flight
                with store.open_store(db_path, settings=config.settings.store) as con:
                    store.record_alert_outcomes(con, unrecorded)
                unrecorded = []
    with store.open_store(db_path, settings=config.settings.store) as con:
        store.record_alert_outcomes(con, unrecorded)
        outbox.release(con, owner)
        row = con.execute("SELECT count(*) FROM alerts WHERE status = 'pending'").fetchone()
    channel_of = {a.alert_id: a.channel for a in due}
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
