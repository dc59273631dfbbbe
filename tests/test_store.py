"""The DuckDB store on real files: migrations, exactly-once landing, story links, outbox, locks."""

from __future__ import annotations

import pickle
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import orjson
import pytest

from pipelines import store
from pipelines.config import StoreSettings
from pipelines.errors import StoreError, StoreLockedError
from pipelines.ingest.identity import article_id, canonical_url, content_hash, simhash
from pipelines.models import Article, EvidenceJSON, FeedItem, FeedState, Match

NOW = datetime(2025, 5, 17, 12, 0, tzinfo=UTC)
TEXT = (
    "During the May 16 talks in Istanbul the Russian delegation threatened to capture the "
    "Kharkiv and Sumy regions and demanded that Ukraine withdraw from Donetsk, Luhansk, "
    "Zaporizhzhia and Kherson before any ceasefire, analysts at ISW said on Saturday."
)


def item(url: str, feed: str = "https://feed.example/rss", guid: str | None = None) -> FeedItem:
    return FeedItem(feed, guid or url, url, canonical_url(url), f"Title of {url}")


def article(
    url: str, text: str = TEXT, feed: str = "https://feed.example/rss", site: str = "Outlet A"
) -> Article:
    canon = canonical_url(url)
    return Article(
        article_id=article_id(canon),
        url=url,
        canonical_url=canon,
        feed_url=feed,
        guid=url,
        title=f"Title of {url}",
        text=text,
        fetched_at=NOW,
        site_name=site,
        content_hash=content_hash(text),
        simhash=simhash(text),
    )


def match(art: Article, topic: str = "territorial_demands") -> Match:
    return Match(
        art.article_id,
        topic,
        f"{topic}.r1",
        3.0,
        {"hits": [], "snippet": "threatened to capture [Kharkiv]"},
        "v1",
        NOW,
    )


def batch_for(
    arts: list[Article],
    topics: tuple[str, ...] = ("territorial_demands",),
    channels: dict[str, list[str]] | None = None,
) -> store.LandingBatch:
    return store.LandingBatch(
        articles=arts,
        seen=[item(a.url, a.feed_url or "") for a in arts],
        matches=[match(a, t) for a in arts for t in topics],
        feed_states=[FeedState("https://feed.example/rss", name="Feed", last_status="ok")],
        channels=channels if channels is not None else {"console": []},
    )


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {
        t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # type: ignore[index]
        for t in ("articles", "matches", "alerts", "seen_entries", "feed_state")
    }


def test_migrate_creates_schema_and_is_idempotent(db_path: Path) -> None:
    with store.open_store(db_path) as con:
        assert store.migrate(con) == len(store.MIGRATIONS)
        assert store.migrate(con) == len(store.MIGRATIONS)
        versions = con.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()
    assert [v[0] for v in versions] == list(range(1, len(store.MIGRATIONS) + 1))


def test_landing_the_same_batch_twice_stores_each_row_once(db_path: Path) -> None:
    texts = [
        TEXT,
        "Drones struck energy sites near Odesa overnight, officials said.",
        "The parliament approved the budget after a long night session on taxes.",
    ]
    arts = [article(f"https://a.example/story-{i}", text=t) for i, t in enumerate(texts)]
    with store.open_store(db_path) as con:
        first = store.land_batch(con, batch_for(arts))
        second = store.land_batch(con, batch_for(arts))
        c = counts(con)
    assert (first.articles_inserted, first.matches_inserted, first.alerts_queued) == (3, 3, 3)
    assert (second.articles_inserted, second.matches_inserted, second.alerts_queued) == (0, 0, 0)
    assert second.new_match_keys == []
    assert c == {"articles": 3, "matches": 3, "alerts": 3, "seen_entries": 3, "feed_state": 1}


def test_duplicates_inside_one_batch_are_collapsed(db_path: Path) -> None:
    art = article("https://a.example/x")
    dup = article("https://www.a.example/x/?utm_source=rss")
    assert art.article_id == dup.article_id
    with store.open_store(db_path) as con:
        report = store.land_batch(con, batch_for([art, dup]))
        assert counts(con)["articles"] == 1
    assert report.matches_inserted == 1


def test_syndicated_copies_share_a_story_and_alert_once(db_path: Path) -> None:
    original = article("https://outlet-a.example/isw", site="Outlet A")
    copy = article(
        "https://outlet-b.example/world/isw-copy", site="Outlet B", feed="https://b.example/rss"
    )
    near = article(
        "https://outlet-c.example/isw",
        site="Outlet C",
        text=TEXT.replace("on Saturday", "on Saturday, according to a report"),
    )
    with store.open_store(db_path) as con:
        store.land_batch(con, batch_for([original]))
        report = store.land_batch(con, batch_for([copy, near]))
        stories = dict(con.execute("SELECT article_id, story_id FROM articles").fetchall())
        pending = store.pending_alerts(con)
    assert stories[copy.article_id] == stories[original.article_id] == original.article_id
    assert stories[near.article_id] == original.article_id
    assert report.matches_inserted == 2 and report.alerts_queued == 0
    assert len(pending) == 1
    assert pending[0].outlets == ["Outlet A", "Outlet B", "Outlet C"]


def test_alerts_queue_per_channel_topic_filter(db_path: Path) -> None:
    art = article("https://a.example/both")
    channels = {"all": [], "talks-only": ["istanbul_talks"]}
    with store.open_store(db_path) as con:
        report = store.land_batch(
            con, batch_for([art], ("istanbul_talks", "territorial_demands"), channels)
        )
        rows = con.execute("SELECT channel, topic FROM alerts ORDER BY 1, 2").fetchall()
    assert report.alerts_queued == 3
    assert rows == [
        ("all", "istanbul_talks"),
        ("all", "territorial_demands"),
        ("talks-only", "istanbul_talks"),
    ]


def test_alert_outcomes_retry_then_send(db_path: Path) -> None:
    with store.open_store(db_path) as con:
        store.land_batch(con, batch_for([article("https://a.example/1")]))
        (alert,) = store.pending_alerts(con)
        later = datetime.now(UTC) + timedelta(hours=1)
        store.record_alert_outcomes(
            con, [store.AlertOutcome(alert.alert_id, False, "503 from webhook", later)]
        )
        assert store.pending_alerts(con) == []
        (again,) = store.pending_alerts(con, later + timedelta(seconds=1))
        assert again.attempts == 1
        store.record_alert_outcomes(con, [store.AlertOutcome(alert.alert_id, True)])
        store.record_alert_outcomes(con, [store.AlertOutcome(alert.alert_id, True)])
        row = con.execute("SELECT status, attempts, sent_at IS NOT NULL FROM alerts").fetchone()
    assert row == ("sent", 2, True)


def test_feed_state_round_trip_and_update(db_path: Path) -> None:
    state = FeedState(
        "https://f.example/rss",
        name="F",
        etag='"abc"',
        consecutive_failures=2,
        last_polled_at=NOW,
        items_seen=5,
    )
    with store.open_store(db_path) as con:
        store.land_batch(con, store.LandingBatch(feed_states=[state]))
        state.etag = '"def"'
        state.consecutive_failures = 0
        store.land_batch(con, store.LandingBatch(feed_states=[state]))
        loaded = store.load_feed_states(con)
    assert loaded["https://f.example/rss"].etag == '"def"'
    assert loaded["https://f.example/rss"].consecutive_failures == 0
    assert loaded["https://f.example/rss"].last_polled_at == NOW


def test_unseen_items_by_guid_and_canonical_url(db_path: Path) -> None:
    art = article("https://a.example/seen")
    with store.open_store(db_path) as con:
        store.land_batch(con, batch_for([art]))
        fresh = store.unseen_items(
            con,
            [
                item("https://a.example/seen"),  # same guid, same feed
                item(
                    "https://a.example/seen?utm_source=x", feed="https://other/rss", guid="g-other"
                ),  # same canonical URL from another feed
                item("https://a.example/new"),
                item("https://www.a.example/new/", guid="dup-in-batch"),
            ],
        )
    assert [i.url for i in fresh] == ["https://a.example/new"]


def test_failed_transaction_lands_nothing(db_path: Path) -> None:
    good = article("https://a.example/good")
    bad = batch_for([good])
    bad.matches.append(Match("x", "t", "r", float("nan"), {"bad": object()}, "v", NOW))
    with store.open_store(db_path) as con:
        with pytest.raises(TypeError):
            store.land_batch(con, bad)
        assert counts(con)["articles"] == 0


def test_read_only_open_of_missing_database_is_clear(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist yet"):
        store.connect(tmp_path / "none.duckdb", read_only=True)


def test_lock_held_by_another_process_is_retried_then_reported(tmp_path: Path) -> None:
    """The single DuckDB file: a process holding it makes a writer wait, then give up."""
    db_path = tmp_path / "data" / "newswatch.duckdb"
    with store.open_store(db_path):
        pass
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb,sys; c=duckdb.connect(sys.argv[1]); print('locked', flush=True); "
            "sys.stdin.read()",
            str(db_path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        fast = StoreSettings(lock_retries=2, lock_retry_base_s=0.01, lock_retry_max_s=0.02)
        with pytest.raises(StoreLockedError, match=r"locked by another process \(tried 3 times"):
            store.connect(db_path, settings=fast)
    finally:
        holder.communicate("")
    con = store.connect(db_path, settings=StoreSettings(lock_retries=0))
    con.close()


def test_a_timed_out_page_is_retried_by_later_runs_then_landed(db_path: Path) -> None:
    """Its entries stay unseen (so the next run fetches the page again) until the last of
    `timeout_attempts` tries; then it lands with status 'timeout' and its entries are seen."""
    from dataclasses import replace

    slow = replace(article("https://a.example/slow"), extract_status="timeout", text="")
    slow = replace(slow, extract_error="extraction took longer than 30s")
    good = article("https://a.example/good")
    with store.open_store(db_path) as con:
        for attempt in (1, 2):
            batch = batch_for([slow, good])
            batch.timeout_attempts = 3
            report = store.land_batch(con, batch)
            assert report.retry_later == [slow.canonical_url], attempt
            assert store.unseen_items(con, [item(slow.url)]) == [item(slow.url)]
            assert con.execute("SELECT attempts FROM extract_retries").fetchall() == [(attempt,)]
        assert counts(con)["articles"] == 1  # only the good one so far
        batch = batch_for([slow])
        batch.timeout_attempts = 3
        report = store.land_batch(con, batch)
        assert report.retry_later == [] and report.articles_inserted == 1
        status = con.execute(
            "SELECT extract_status, extract_error FROM articles WHERE article_id = ?",
            [slow.article_id],
        ).fetchone()
        assert status == ("timeout", "extraction took longer than 30s")
        assert store.unseen_items(con, [item(slow.url)]) == []
        assert con.execute("SELECT count(*) FROM extract_retries").fetchone() == (0,)


def test_a_retried_page_that_extracts_clears_its_count(db_path: Path) -> None:
    from dataclasses import replace

    page = article("https://a.example/busy")
    with store.open_store(db_path) as con:
        first = batch_for([replace(page, extract_status="timeout", text="")])
        first.timeout_attempts = 3
        assert store.land_batch(con, first).retry_later == [page.canonical_url]
        second = batch_for([page])
        second.timeout_attempts = 3
        report = store.land_batch(con, second)
        assert report.retry_later == [] and report.matches_inserted == 1
        assert con.execute("SELECT count(*) FROM extract_retries").fetchone() == (0,)
        row = con.execute("SELECT extract_status FROM articles").fetchone()
        assert row == ("ok",)


def test_monitor_land_applies_the_configured_timeout_attempts(db_path: Path) -> None:
    from dataclasses import replace

    from pipelines.config import Config, ExtractSettings, Settings
    from pipelines.run.steps import land
    from pipelines.run.summary import RunTally

    slow = replace(article("https://a.example/slow"), extract_status="timeout", text="")
    config = Config(
        db_path.parent,
        [],
        Settings(extract=ExtractSettings(timeout_attempts=2)),
        db_path.parent / "r",
        db_path.parent / "e",
    )
    reports = [land(db_path, config, [slow], [item(slow.url)], [], []) for _ in range(2)]
    assert [r.retry_later for r in reports] == [[slow.canonical_url], []]
    tally = RunTally()
    tally.add([item(slow.url)], [slow], [], reports[0])
    assert tally.articles_retry_later == 1
    assert "a later run tries it again" in tally.articles_failed[0].error


def test_tables_are_stored_in_small_row_groups(tmp_path: Path) -> None:
    """A checkpoint of a DuckDB file rewrites the last row group whole; small row groups
    bound the memory of every landing (see store.ROW_GROUP_ROWS). A lake writes new files."""
    db_path = tmp_path / "data" / "newswatch.duckdb"
    n = store.ROW_GROUP_ROWS + 100
    arts = [article(f"https://a.example/{i}", text=f"short text {i}") for i in range(n)]
    with store.open_store(db_path) as con:
        store.land_batch(con, store.LandingBatch(articles=arts))
    with store.open_store(db_path, read_only=True) as con:
        groups = con.execute(
            "SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('articles')"
        ).fetchone()
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (n,)
    assert groups == (2,)


def test_run_tally_lists_the_first_matches_and_failures_and_counts_all(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A backfill's summary does not keep every new match and failure in memory."""
    from dataclasses import replace

    from pipelines.run import summary as run_summary
    from pipelines.run.steps import AlertReport

    monkeypatch.setattr(run_summary, "LISTED_PER_KIND", 3)
    tally = run_summary.RunTally()
    for b in range(2):
        arts = [article(f"https://a.example/{b}/{i}") for i in range(4)]
        bad = [
            replace(article(f"https://a.example/bad/{b}/{i}"), extract_status="empty")
            for i in range(2)
        ]
        ms = [match(a) for a in arts]
        keys = [(m.article_id, m.topic) for m in ms]
        report = store.LandingReport(4, 4, 0, 4, keys)
        batch_rows = tally.add([], arts + bad, ms, report)
        assert len(batch_rows["territorial_demands"]) == 4  # events get every new match
    summary = run_summary.RunSummary.of([], tally, AlertReport(), {})
    assert len(summary.new_matches["territorial_demands"]) == 3
    assert summary.new_match_counts == {"territorial_demands": 8}
    assert len(summary.articles_failed) == 3
    assert summary.articles_failed_count == 4
    assert summary.articles_failed_by_status == {"empty": 4}


def test_evidence_encoded_by_a_worker_lands_as_is_and_reads_like_a_dict(db_path: Path) -> None:
    evidence = {
        "hits": [{"term": "Kharkiv", "query": "@regions", "field": "text", "start": 3}],
        "entities": ["kharkiv"],
        "snippet": "… to capture [Kharkiv] «and» Sumy …",
    }
    text = orjson.dumps(evidence).decode()
    lazy = EvidenceJSON(text)
    assert (
        lazy == evidence and dict(lazy) == evidence and lazy.get("snippet") == evidence["snippet"]
    )
    assert pickle.loads(pickle.dumps(lazy)) == evidence
    arts = [article("https://a.example/lazy"), article("https://a.example/plain", text="Other.")]
    lazy_match = Match(arts[0].article_id, "t", "t.r1", 1.0, EvidenceJSON(text), "v1", NOW)
    plain_match = Match(arts[1].article_id, "t", "t.r1", 1.0, evidence, "v1", NOW)
    with store.open_store(db_path) as con:
        batch = batch_for(arts)
        batch.matches = [lazy_match, plain_match]
        store.land_batch(con, batch)
        stored = dict(con.execute("SELECT article_id, evidence FROM matches").fetchall())
    assert stored[arts[0].article_id] == text, "the worker's JSON text is stored unchanged"
    assert orjson.loads(stored[arts[1].article_id]) == evidence
