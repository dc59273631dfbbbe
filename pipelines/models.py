"""Plain value types passed between the stages of a run.

Every stage takes and returns these; none of them does I/O. Times are timezone-aware UTC.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import orjson

PollStatus = Literal["ok", "not_modified", "error", "skipped"]
ExtractStatus = Literal["ok", "empty", "error", "timeout", "fetch_error", "blocked"]


@dataclass(frozen=True, slots=True)
class FeedSource:
    """One feed from `feeds.yaml`."""

    url: str
    name: str
    language: str | None = None
    enabled: bool = True


@dataclass(slots=True)
class FeedState:
    """Per-feed scheduling and health, persisted in the `feed_state` table."""

    feed_url: str
    name: str = ""
    etag: str | None = None
    last_modified: str | None = None
    last_polled_at: datetime | None = None
    next_poll_at: datetime | None = None
    poll_interval_s: float | None = None
    last_status: str | None = None
    last_http_status: int | None = None
    last_error: str | None = None
    consecutive_failures: int = 0
    disabled: bool = False
    disabled_reason: str | None = None
    items_seen: int = 0
    last_new_item_at: datetime | None = None
    entries_offset: int = 0
    """The first entry the next poll reads, when the feed lists more than
    `poll.max_items_per_feed`: each poll reads the next window until the end, then from the
    top again."""


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One entry of a parsed feed, before its page is fetched."""

    feed_url: str
    guid: str
    url: str
    canonical_url: str
    title: str
    summary: str = ""
    published_at: datetime | None = None
    author: str | None = None


@dataclass(slots=True)
class PollResult:
    """What polling one feed produced."""

    feed_url: str
    status: PollStatus
    http_status: int | None = None
    items: list[FeedItem] = field(default_factory=list)
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    warning: str | None = None
    retry_after_s: float | None = None
    elapsed_s: float = 0.0
    listed: int = 0
    """Entries the feed document lists (read or not)."""
    offset: int = 0
    """Index of the first entry this poll read (see `FeedState.entries_offset`)."""


@dataclass(slots=True)
class FetchResult:
    """The outcome of fetching one URL: either `content` or `error` is set."""

    url: str
    final_url: str
    status_code: int | None
    content: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    blocked: bool = False
    elapsed_s: float = 0.0


@dataclass(frozen=True, slots=True)
class DemandClaim:
    """One region demanded in one sentence (see `pipelines.claims`): `action` is one of
    withdraw, recognise, seize_threat, buffer_zone, other; `actor` the Russian official or
    body named (an entity id), else "russia"; `start`/`end` the sentence's character offsets
    in the article's `field` (title or text)."""

    region: str
    action: str
    actor: str
    sentence: str
    start: int
    end: int
    lang: str | None
    rules_version: str
    field: str = "text"
    cue: str = ""


@dataclass(frozen=True, slots=True)
class Escalation:
    """A (region, action) claimed for the first time, or again after a quiet period: what an
    escalation alert carries."""

    escalation_id: str
    region: str
    action: str
    period_start: datetime
    article_id: str
    sentence: str
    actor: str
    outlets: int
    first_ever: bool


@dataclass(slots=True)
class Article:
    """A fetched and extracted article, keyed by a hash of its canonical URL."""

    article_id: str
    url: str
    canonical_url: str
    feed_url: str
    guid: str
    title: str
    text: str
    fetched_at: datetime
    author: str | None = None
    published_at: datetime | None = None
    lang: str | None = None
    site_name: str | None = None
    content_hash: str = ""
    simhash: int = 0
    story_id: str = ""
    extract_status: ExtractStatus = "ok"
    extract_error: str | None = None
    claims: tuple[DemandClaim, ...] = ()
    """Demand claims read in the extraction worker (articles matched on a claims topic)."""


class EvidenceJSON(Mapping[str, Any]):
    """A match's evidence as the JSON text an extraction worker encoded, decoded only when it
    is read. Most evidence is only stored, and the text is what the store writes: passing it
    on as text spares the run decoding ~5 KB of nested objects per match from the worker and
    encoding them again for DuckDB."""

    __slots__ = ("_value", "json")

    def __init__(self, json: str) -> None:
        self.json = json
        self._value: dict[str, Any] | None = None

    def _decoded(self) -> dict[str, Any]:
        if self._value is None:
            self._value = orjson.loads(self.json)
        return self._value

    def __getitem__(self, key: str) -> Any:
        return self._decoded()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._decoded())

    def __len__(self) -> int:
        return len(self._decoded())

    def __repr__(self) -> str:
        return f"EvidenceJSON({self.json[:60]!r}…)"

    def __reduce__(self) -> tuple[type[EvidenceJSON], tuple[str]]:
        return EvidenceJSON, (self.json,)


def evidence_json(evidence: Mapping[str, Any]) -> str:
    """The JSON text of a match's evidence, as stored in `matches.evidence`."""
    if isinstance(evidence, EvidenceJSON):
        return evidence.json
    return orjson.dumps(evidence).decode()


@dataclass(frozen=True, slots=True)
class Match:
    """One topic that fired for one article, with the evidence of why."""

    article_id: str
    topic: str
    rule: str
    score: float
    evidence: Mapping[str, Any]
    rules_version: str
    matched_at: datetime


@dataclass(frozen=True, slots=True)
class PendingAlert:
    alert_id: str
    article_id: str
    story_id: str
    topic: str
    channel: str
    attempts: int
    title: str
    url: str
    site_name: str | None
    feed_url: str | None
    published_at: datetime | None
    rule: str
    score: float
    evidence: dict[str, Any]
    outlets: list[str]
    created_at: datetime
    escalation: Escalation | None = None
    """Set for an escalation alert (kind escalation): what is new, and its first sentence."""


@dataclass(frozen=True, slots=True)
class AlertOutcome:
    alert_id: str
    ok: bool
    error: str | None = None
    next_attempt_at: datetime | None = None
    give_up: bool = False
    deferred: bool = False
    """Held back by a rate limit: rescheduled without counting an attempt."""
