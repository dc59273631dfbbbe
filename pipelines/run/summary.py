"""What a run did, as a typed value: the CLI prints it, the store keeps it in `runs`, Prefect
publishes it as artifacts, `--json` writes it (`RunSummary.to_dict`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from pipelines.models import Article, FeedItem, Match, PollResult
from pipelines.run.steps import AlertReport
from pipelines.store import LandingReport

LISTED_PER_KIND = 100
"""New matches (per topic) and failed articles a run summary lists; beyond that it counts."""


class FeedError(BaseModel):
    feed: str
    error: str | None


class FeedWarning(BaseModel):
    feed: str
    warning: str | None


class FailedArticle(BaseModel):
    url: str
    status: str
    error: str | None


class NewMatch(BaseModel):
    """A match that is new in this run, as the summary, the console and events show it."""

    article_id: str
    title: str | None
    url: str
    outlet: str | None
    rule: str
    snippet: str
    entities: list[str]


class EscalationRow(BaseModel):
    """A demand escalation found in this run (see `pipelines.store.claims`)."""

    region: str
    action: str
    actor: str
    period_start: datetime
    first_ever: bool
    article_id: str
    outlets: int


def new_match_rows(
    articles: Sequence[Article], matches: Sequence[Match], landing: LandingReport
) -> dict[str, list[NewMatch]]:
    """The matches that are new in this landing, per topic."""
    by_id = {a.article_id: a for a in articles}
    new_keys = set(landing.new_match_keys)
    rows: dict[str, list[NewMatch]] = {}
    for m in matches:
        if (m.article_id, m.topic) in new_keys:
            art = by_id[m.article_id]
            rows.setdefault(m.topic, []).append(
                NewMatch(
                    article_id=art.article_id,
                    title=art.title,
                    url=art.url,
                    outlet=art.site_name or art.feed_url,
                    rule=m.rule,
                    snippet=str(m.evidence.get("snippet", "")),
                    entities=list(m.evidence.get("entities", [])),
                )
            )
    return rows


class RunTally:
    """What the landed batches of one run add up to. Lists at most `LISTED_PER_KIND` new
    matches per topic and failed articles, and counts the rest, so the run's memory does not
    grow with the size of a backfill."""

    def __init__(self) -> None:
        self.new_entries = 0
        self.articles_extracted = 0
        self.articles_failed: list[FailedArticle] = []
        self.articles_failed_by_status: Counter[str] = Counter()
        self.articles_landed = 0
        self.articles_retry_later = 0
        self.alerts_queued = 0
        self.new_matches: dict[str, list[NewMatch]] = {}
        self.new_match_counts: Counter[str] = Counter()
        self.claims_landed = 0
        self.escalations: list[EscalationRow] = []

    def add(
        self,
        fresh: Sequence[FeedItem],
        articles: Sequence[Article],
        matches: Sequence[Match],
        landing: LandingReport,
    ) -> dict[str, list[NewMatch]]:
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
                    error = f"{error}; a later run tries it again"
                self.articles_failed.append(
                    FailedArticle(url=a.url, status=a.extract_status, error=error)
                )
        self.articles_retry_later += len(retry)
        self.articles_landed += landing.articles_inserted
        self.alerts_queued += landing.alerts_queued
        self.claims_landed += landing.claims_inserted
        room = max(0, LISTED_PER_KIND - len(self.escalations))
        self.escalations += [
            EscalationRow(
                region=e.region,
                action=e.action,
                actor=e.actor,
                period_start=e.period_start,
                first_ever=e.first_ever,
                article_id=e.article_id,
                outlets=e.outlets,
            )
            for e in landing.escalations[:room]
        ]
        return batch_rows


class RunSummary(BaseModel):
    """One run, end to end. Field names are the keys of `newswatch run --json`."""

    run_id: str = ""
    feeds_polled: int = 0
    feeds_ok: int = 0
    feeds_not_modified: int = 0
    feeds_failed: int = 0
    feed_errors: list[FeedError] = Field(default_factory=list)
    feed_warnings: list[FeedWarning] = Field(default_factory=list)
    feeds_held_elsewhere: list[str] = Field(default_factory=list)
    new_entries: int = 0
    articles_extracted: int = 0
    articles_failed: list[FailedArticle] = Field(default_factory=list)
    articles_failed_count: int = 0
    articles_failed_by_status: dict[str, int] = Field(default_factory=dict)
    articles_landed: int = 0
    articles_retry_later: int = 0
    new_matches: dict[str, list[NewMatch]] = Field(default_factory=dict)
    new_match_counts: dict[str, int] = Field(default_factory=dict)
    demand_claims_landed: int = 0
    escalations: list[EscalationRow] = Field(default_factory=list)
    alerts_queued: int = 0
    alerts_sent: int = 0
    alerts_failed: int = 0
    alerts_pending: int = 0
    alerts_uncertain: int = 0
    alert_errors: list[str] = Field(default_factory=list)
    batches: int = 0
    timings_s: dict[str, float] = Field(default_factory=dict)

    @classmethod
    def of(
        cls,
        polled: Sequence[PollResult],
        tally: RunTally,
        alerts: AlertReport,
        timings: dict[str, float],
        **extra: Any,
    ) -> RunSummary:
        statuses = Counter(r.status for r in polled)
        return cls(
            feeds_polled=len(polled),
            feeds_ok=statuses.get("ok", 0),
            feeds_not_modified=statuses.get("not_modified", 0),
            feeds_failed=statuses.get("error", 0),
            feed_errors=[
                FeedError(feed=r.feed_url, error=r.error) for r in polled if r.status == "error"
            ],
            feed_warnings=[
                FeedWarning(feed=r.feed_url, warning=r.warning) for r in polled if r.warning
            ],
            new_entries=tally.new_entries,
            articles_extracted=tally.articles_extracted,
            articles_failed=tally.articles_failed,
            articles_failed_count=sum(tally.articles_failed_by_status.values()),
            articles_failed_by_status=dict(tally.articles_failed_by_status),
            articles_landed=tally.articles_landed,
            articles_retry_later=tally.articles_retry_later,
            new_matches={topic: rows for topic, rows in sorted(tally.new_matches.items())},
            new_match_counts=dict(sorted(tally.new_match_counts.items())),
            demand_claims_landed=tally.claims_landed,
            escalations=tally.escalations,
            alerts_queued=tally.alerts_queued,
            alerts_sent=alerts.sent,
            alerts_failed=alerts.failed,
            alerts_pending=alerts.pending,
            alerts_uncertain=alerts.uncertain,
            alert_errors=alerts.errors,
            timings_s={k: round(v, 3) for k, v in timings.items()},
            **extra,
        )

    def failure(self) -> str | None:
        """Why the run as a whole failed (every due feed failed), or None."""
        if not self.feeds_polled or self.feeds_failed < self.feeds_polled:
            return None
        first = self.feed_errors[0]
        return (
            f"every due feed failed ({self.feeds_polled}); nothing could be done. "
            f"First error: {first.feed}: {first.error}"
        )

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
