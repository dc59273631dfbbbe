"""Per-feed scheduling: which feeds are due, and each feed's next state after a poll.

Pure functions. The interval adapts to how often a feed really publishes (the median gap
between its recent entries, halved, bounded by min/max); errors back off exponentially with
jitter; Retry-After on 429/503 is honoured; a feed failing N times in a row is disabled with
the reason recorded, and stays disabled until re-enabled (`newswatch feeds --enable URL`).
"""

from __future__ import annotations

import itertools
import random
import statistics
from dataclasses import replace
from datetime import datetime, timedelta

from pipelines.config import PollSettings
from pipelines.models import FeedSource, FeedState, PollResult


def due_feeds(
    sources: list[FeedSource],
    states: dict[str, FeedState],
    now: datetime,
    force_all: bool = False,
    slack_s: float = 0.0,
) -> list[FeedSource]:
    """Enabled, not disabled feeds whose next poll time has come, or comes within the slack
    (all of them with force_all).

    The slack keeps a feed on the cadence of the schedule that polls it: with a five-minute
    schedule and a five-minute interval, a run that starts a second earlier than its
    predecessor would otherwise find the feed not yet due and leave it for ten minutes. It is
    `slack_s`, but at most a tenth of the feed's current interval, so a frequent schedule does
    not poll a feed much more often than its interval.
    """
    due = []
    for source in sources:
        state = states.get(source.url)
        if not source.enabled or (state is not None and state.disabled):
            continue
        if force_all or state is None or state.next_poll_at is None:
            due.append(source)
            continue
        slack = slack_s
        if state.last_polled_at is not None:
            interval = (state.next_poll_at - state.last_polled_at).total_seconds()
            slack = min(slack, max(interval, 0.0) / 10)
        if state.next_poll_at <= now + timedelta(seconds=slack):
            due.append(source)
    return due


def _publishing_interval(result: PollResult, settings: PollSettings) -> float:
    times = sorted(
        (it.published_at for it in result.items if it.published_at is not None), reverse=True
    )[:20]
    if len(times) < 2:
        return settings.default_interval_s
    gaps = [(a - b).total_seconds() for a, b in itertools.pairwise(times)]
    gaps = [g for g in gaps if g > 0] or [settings.default_interval_s]
    return statistics.median(gaps) / 2


def _bounded(value: float, settings: PollSettings) -> float:
    return max(settings.min_interval_s, min(settings.max_interval_s, value))


def next_state(
    state: FeedState,
    result: PollResult,
    new_items: int,
    now: datetime,
    settings: PollSettings,
    rng: random.Random | None = None,
) -> FeedState:
    rng = rng or random.Random()
    s = replace(state)
    s.last_polled_at = now
    s.last_http_status = result.http_status
    if result.status in ("ok", "not_modified"):
        s.last_status = result.status
        s.last_error = result.warning
        if result.status == "not_modified" and state.last_status in ("ok", "not_modified"):
            # The document is the one polled before: what was wrong with it still is (an HTML
            # page given as a feed showed its problem once, then looked healthy for ever).
            s.last_error = result.warning or state.last_error
        s.consecutive_failures = 0
        s.etag, s.last_modified = result.etag, result.last_modified
        if result.status == "ok":
            s.entries_offset = 0
            if result.listed > result.offset + settings.max_items_per_feed:
                # Entries past this poll's window are read by the next poll, which must get
                # the document again rather than a 304 (see `FeedState.entries_offset`).
                s.entries_offset = result.offset + settings.max_items_per_feed
                s.etag = s.last_modified = None
            s.items_seen += new_items
            if new_items:
                s.last_new_item_at = now
            s.poll_interval_s = _bounded(_publishing_interval(result, settings), settings)
        interval = _bounded(s.poll_interval_s or settings.default_interval_s, settings)
        s.next_poll_at = now + timedelta(seconds=interval)
        return s
    s.last_status = "error"
    s.last_error = result.error
    # The validators the server sent (or the ones kept): the next poll of a feed that is still
    # broken costs a 304, not the whole document again.
    s.etag, s.last_modified = result.etag, result.last_modified
    s.consecutive_failures += 1
    backoff = min(
        settings.backoff_max_s, settings.backoff_base_s * 2 ** (s.consecutive_failures - 1)
    )
    backoff *= rng.uniform(0.8, 1.2)
    if result.retry_after_s is not None:
        backoff = max(backoff, result.retry_after_s)
    s.next_poll_at = now + timedelta(seconds=backoff)
    if s.consecutive_failures >= settings.disable_after_failures:
        s.disabled = True
        s.last_status = "disabled"
        s.disabled_reason = (
            f"disabled after {s.consecutive_failures} consecutive failures; last: {result.error}"
        )
    return s
