"""Scheduling: due feeds, adaptive interval, backoff with jitter, Retry-After, disabling."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from pipelines.config import PollSettings
from pipelines.ingest.schedule import due_feeds, next_state
from pipelines.models import FeedItem, FeedSource, FeedState, PollResult

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
S = PollSettings(
    min_interval_s=300,
    max_interval_s=7200,
    default_interval_s=900,
    backoff_base_s=60,
    backoff_max_s=3600,
    disable_after_failures=3,
)


def items(gap_minutes: float, n: int = 6) -> list[FeedItem]:
    return [
        FeedItem(
            "f",
            f"g{i}",
            f"https://x/{i}",
            f"https://x/{i}",
            "t",
            published_at=NOW - timedelta(minutes=gap_minutes * i),
        )
        for i in range(n)
    ]


def test_due_feeds_respects_next_poll_disabled_and_force() -> None:
    sources = [
        FeedSource("a", "A"),
        FeedSource("b", "B"),
        FeedSource("c", "C"),
        FeedSource("d", "D", enabled=False),
    ]
    states = {
        "a": FeedState("a", next_poll_at=NOW - timedelta(seconds=1)),
        "b": FeedState("b", next_poll_at=NOW + timedelta(minutes=5)),
        "c": FeedState("c", disabled=True),
    }
    assert [s.url for s in due_feeds(sources, states, NOW)] == ["a"]
    assert [s.url for s in due_feeds(sources, states, NOW, force_all=True)] == ["a", "b"]
    assert [s.url for s in due_feeds(sources, {}, NOW)] == ["a", "b", "c"]


def test_interval_adapts_to_publishing_rate_within_bounds() -> None:
    busy = next_state(FeedState("f"), PollResult("f", "ok", 200, items(2)), 6, NOW, S)
    slow = next_state(FeedState("f"), PollResult("f", "ok", 200, items(600)), 1, NOW, S)
    mid = next_state(FeedState("f"), PollResult("f", "ok", 200, items(40)), 1, NOW, S)
    assert busy.poll_interval_s == 300  # min bound
    assert slow.poll_interval_s == 7200  # max bound
    assert mid.poll_interval_s == 1200  # half the median gap of 40 minutes
    assert mid.next_poll_at == NOW + timedelta(seconds=1200)
    assert mid.items_seen == 1 and mid.last_new_item_at == NOW


def test_not_modified_keeps_interval_and_resets_failures() -> None:
    state = FeedState("f", poll_interval_s=1200, consecutive_failures=2, etag='"a"')
    after = next_state(state, PollResult("f", "not_modified", 304, etag='"a"'), 0, NOW, S)
    assert after.consecutive_failures == 0 and after.last_status == "not_modified"
    assert after.next_poll_at == NOW + timedelta(seconds=1200)
    assert state.consecutive_failures == 2  # pure: input unchanged


def test_a_documents_problem_stands_while_the_feed_answers_304() -> None:
    """An HTML page given as a feed was reported once, then its 304s cleared the problem."""
    html = PollResult("f", "ok", 200, etag='"a"', warning="feed yielded no entries (HTML)")
    state = next_state(FeedState("f"), html, 0, NOW, S)
    for _ in range(2):
        state = next_state(state, PollResult("f", "not_modified", 304, etag='"a"'), 0, NOW, S)
    assert state.last_status == "not_modified"
    assert state.last_error == "feed yielded no entries (HTML)"
    fixed = next_state(state, PollResult("f", "ok", 200, etag='"b"'), 0, NOW, S)
    assert fixed.last_error is None
    timed_out = next_state(fixed, PollResult("f", "error", None, error="timed out"), 0, NOW, S)
    after = next_state(timed_out, PollResult("f", "not_modified", 304), 0, NOW, S)
    assert after.last_error is None  # a failed poll's error is not the document's


def test_errors_back_off_exponentially_with_jitter() -> None:
    rng = random.Random(7)
    state = FeedState("f")
    delays = []
    for _ in range(2):
        state = next_state(state, PollResult("f", "error", 500, error="HTTP 500"), 0, NOW, S, rng)
        delays.append((state.next_poll_at - NOW).total_seconds())  # type: ignore[operator]
    assert 48 <= delays[0] <= 72 and 96 <= delays[1] <= 144
    assert state.consecutive_failures == 2 and state.last_error == "HTTP 500"


def test_retry_after_is_honoured() -> None:
    result = PollResult("f", "error", 429, error="HTTP 429", retry_after_s=5000)
    after = next_state(FeedState("f"), result, 0, NOW, S, random.Random(1))
    assert after.next_poll_at == NOW + timedelta(seconds=5000)


def test_feed_disabled_after_n_failures_with_reason() -> None:
    state = FeedState("f")
    for _ in range(3):
        state = next_state(state, PollResult("f", "error", 404, error="HTTP 404"), 0, NOW, S)
    assert state.disabled and state.last_status == "disabled"
    assert state.disabled_reason and "3 consecutive failures" in state.disabled_reason
    assert due_feeds([FeedSource("f", "F")], {"f": state}, NOW + timedelta(days=9)) == []


def test_a_feed_due_within_the_slack_is_polled_now() -> None:
    sources = [FeedSource("a", "A")]
    states = {"a": FeedState("a", next_poll_at=NOW + timedelta(seconds=20))}
    assert due_feeds(sources, states, NOW) == []
    assert [s.url for s in due_feeds(sources, states, NOW, slack_s=30)] == ["a"]
    assert due_feeds(sources, states, NOW - timedelta(seconds=11), slack_s=30) == []


def test_the_slack_is_at_most_a_tenth_of_the_feeds_interval() -> None:
    sources = [FeedSource("a", "A")]
    polled = NOW - timedelta(seconds=40)
    states = {"a": FeedState("a", last_polled_at=polled, next_poll_at=NOW + timedelta(seconds=20))}
    assert due_feeds(sources, states, NOW, slack_s=30) == []
    assert due_feeds(sources, states, NOW + timedelta(seconds=13), slack_s=30) == []
    later = NOW + timedelta(seconds=14)
    assert [s.url for s in due_feeds(sources, states, later, slack_s=30)] == ["a"]
