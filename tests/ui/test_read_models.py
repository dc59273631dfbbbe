"""The dashboard's read models on real DuckDB files built with the store's migrations."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from pipelines import store
from pipelines.dashboard import now, operations, trends
from pipelines.dashboard.connection import read_connection
from pipelines.dashboard.highlight import Segment, bracketed, occurrences, paragraphs

T0 = datetime(2025, 5, 12, 9, 0, tzinfo=UTC)


def _article(con, article_id: str, story_id: str, site: str, title: str, at: datetime) -> None:
    con.execute(
        "INSERT INTO articles (article_id, url, canonical_url, feed_url, title, text, "
        "published_at, fetched_at, lang, site_name, story_id, extract_status) "
        "VALUES (?, ?, ?, NULL, ?, ?, ?, ?, 'en', ?, ?, 'ok')",
        [
            article_id,
            f"https://{site}/{article_id}",
            f"https://{site}/{article_id}",
            title,
            title,
            at,
            at,
            site,
            story_id,
        ],
    )


def _match(con, article_id: str, topic: str, entities: list[str], at: datetime) -> None:
    evidence = {"hits": [], "entities": entities, "snippet": f"the [{topic}] <b>x</b>"}
    con.execute(
        "INSERT INTO matches VALUES (?, ?, ?, 1.0, ?, 'v1', ?)",
        [article_id, topic, f"{topic}.rule", json.dumps(evidence), at],
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "store.duckdb"
    with store.open_store(path) as con:
        # one story carried by two outlets, and a story of its own
        _article(con, "a1", "s1", "wire.example", "Demand for Kharkiv", T0)
        _article(con, "a2", "s1", "paper.example", "Demand for Kharkiv (copy)", T0)
        _article(con, "b1", "b1", "wire.example", "Talks in Istanbul", T0 + timedelta(days=8))
        _match(con, "a1", "territorial_demands", ["donetsk"], T0)
        _match(con, "a2", "territorial_demands", ["donetsk"], T0)
        _match(con, "b1", "territorial_demands", ["donetsk", "kharkiv"], T0)
        _match(con, "b1", "istanbul_talks", ["istanbul"], T0)
    return path


def test_syndicated_copies_fold_into_one_story_row(db: Path) -> None:
    with read_connection(db) as con:
        page = now.latest_stories(con, now.NowFilters())
    assert page.total_stories == 2
    by_story = {s.story_id: s for s in page.stories}
    assert {c.outlet for c in by_story["s1"].copies} == {"wire.example", "paper.example"}
    assert [t.topic for t in by_story["b1"].topics] == ["istanbul_talks", "territorial_demands"]
    assert page.stories[0].story_id == "b1"  # published last: newest first at equal match time


def test_filters_narrow_the_stories(db: Path) -> None:
    with read_connection(db) as con:
        talks = now.latest_stories(con, now.NowFilters(topic="istanbul_talks"))
        paper = now.latest_stories(con, now.NowFilters(outlet="paper.example"))
        early = now.latest_stories(con, now.NowFilters(until=T0.date()))
        late = now.latest_stories(con, now.NowFilters(since=T0.date() + timedelta(days=1)))
    assert [s.story_id for s in talks.stories] == ["b1"]
    assert [s.article_id for s in paper.stories] == ["a2"]
    assert [s.story_id for s in early.stories] == ["s1"]
    assert [s.story_id for s in late.stories] == ["b1"]


def test_escalation_marks_the_first_week_each_region_is_named(db: Path) -> None:
    with read_connection(db) as con:
        esc = trends.escalation(con, ["donetsk", "kharkiv"], {"kharkiv": "Kharkiv"})
    assert esc.source == "entity_mentions_weekly"
    assert esc.weeks == (date(2025, 5, 12), date(2025, 5, 19))
    assert [r.region for r in esc.rows] == ["donetsk", "kharkiv"]  # in order of appearance
    donetsk, kharkiv = esc.rows
    assert [c.count for c in donetsk.cells] == [2, 1] and [c.first for c in donetsk.cells] == [
        True,
        False,
    ]
    assert kharkiv.label == "Kharkiv" and [c.first for c in kharkiv.cells] == [False, True]


def test_region_counts_agree_with_the_entity_mentions_weekly_view(db: Path) -> None:
    with read_connection(db) as con:
        found = trends._from_entities(con, ["donetsk", "kharkiv"], "territorial_demands")
        view = con.execute(
            "SELECT week, entity, articles FROM entity_mentions_weekly "
            "WHERE topic = 'territorial_demands' AND entity IN ('donetsk', 'kharkiv')"
        ).fetchall()
    assert sorted((w, e, n) for w, e, n, _ in found) == sorted((w.date(), e, n) for w, e, n in view)
    assert len(view) == 3


def test_escalation_prefers_demand_claims_when_the_database_has_them(db: Path) -> None:
    with store.open_store(db) as con:
        con.execute(
            "CREATE OR REPLACE VIEW demand_regions_weekly AS SELECT * FROM (VALUES "
            "(DATE '2025-05-12', 'sumy', 'seize', 2), (DATE '2025-05-12', 'sumy', 'buffer', 1), "
            "(DATE '2025-05-26', 'kherson', 'withdraw', 4)) t(week, region, action, claims)"
        )
    with read_connection(db) as con:
        esc = trends.escalation(con, ["donetsk"])
    assert esc.source == "demand_regions_weekly"
    assert len(esc.weeks) == 3  # the empty week between is shown
    sumy, kherson = esc.rows
    assert sumy.region == "sumy" and sumy.cells[0].count == 3
    assert sumy.cells[0].actions == ("buffer", "seize")
    assert kherson.cells[2].level == trends.LEVELS and kherson.cells[2].first


def test_each_topic_has_its_own_span_of_days(db: Path) -> None:
    """The Over time table showed every topic with the span of all topics together."""
    with read_connection(db) as con:
        days = trends.matches_per_topic_day(con)
    assert days.days[0] == T0.date() and days.days[-1] == (T0 + timedelta(days=8)).date()
    assert days.spans["istanbul_talks"] == ((T0 + timedelta(days=8)).date(),) * 2
    assert days.spans["territorial_demands"] == (T0.date(), (T0 + timedelta(days=8)).date())


def test_operations_reads_runs_and_unsent_alerts(db: Path) -> None:
    summary = {"feeds_polled": 3, "feeds_failed": 1, "new_match_counts": {"a": 2, "b": 1}}
    flow_run = "0c7a3a5e-3f7e-4b8e-9a51-2b1f6c0d9e11"
    with store.open_store(db) as con:
        store.record_run(con, flow_run, T0, summary)
        store.record_run(con, "5f0c" * 8, T0 - timedelta(hours=1), summary)  # ran without Prefect
        con.execute(
            "INSERT INTO alerts (alert_id, article_id, story_id, topic, channel, status, "
            "attempts, last_error, created_at) VALUES ('x', 'a1', 's1', 'territorial_demands', "
            "'slack', 'failed', 5, 'HTTP 500', ?)",
            [T0],
        )
    with read_connection(db) as con:
        ops = operations.operations(con)
    run, local = ops.runs
    assert (run.feeds_polled, run.feeds_failed, run.new_matches) == (3, 1, 3)
    assert run.flow_run_id == flow_run and local.flow_run_id is None
    assert [(a.channel, a.status, a.last_error) for a in ops.alerts] == [
        ("slack", "failed", "HTTP 500")
    ]
    assert ops.alert_counts == {"failed": 1}


def test_highlight_segments() -> None:
    assert bracketed("a [b] <c> [d e]") == (
        Segment("a "),
        Segment("b", True),
        Segment(" <c> "),
        Segment("d e", True),
    )
    marked = occurrences(
        "Kharkiv, kharkiv; Kharkivska and Donetsk region.", ["Kharkiv", "Donetsk region"]
    )
    assert [s.text for s in marked if s.hit] == ["Kharkiv", "kharkiv", "Donetsk region"]
    assert paragraphs(occurrences("one Kharkiv\n\ntwo", ["Kharkiv"])) == (
        (Segment("one "), Segment("Kharkiv", True)),
        (Segment("two"),),
    )


@pytest.mark.parametrize("suffix", [".sqlite", ".duckdb"], ids=["lake", "duckdb-file"])
def test_search_uses_the_index_newswatch_search_built(tmp_path: Path, suffix: str) -> None:
    """On a lake the index lives in a DuckDB file beside the catalog: the dashboard looked
    for it in the lake, said "no full-text index" and searched titles only."""
    from pipelines.store.search import ensure_index

    path = tmp_path / f"store{suffix}"
    with store.open_store(path) as con:
        _article(con, "a1", "a1", "wire.example", "Demand for Kharkiv", T0)
        con.execute("UPDATE articles SET text = 'Moscow wants a buffer zone' WHERE true")
    with read_connection(path) as con:
        before = now.search_articles(con, "buffer")
    assert not before.indexed and before.hits == ()
    assert ensure_index(path) == 1
    with read_connection(path) as con:
        found = now.search_articles(con, "buffer")
    assert found.indexed and found.unindexed_articles == 0
    assert [h.article_id for h in found.hits] == ["a1"]


def test_an_escalation_alert_on_the_article_page_says_what_escalated(db: Path) -> None:
    """Eight escalation alerts read as eight identical "console · demand escalation · sent"
    rows; each now names its region and action."""
    from pipelines.dashboard.article import article_view

    with store.open_store(db) as con:
        for n, (region, action) in enumerate([("sumy", "seize_threat"), ("kharkiv", "withdraw")]):
            con.execute(
                "INSERT INTO demand_escalation_alerts VALUES (?, ?, ?, ?, 'a1', 's', 'russia', "
                "1, true, ?)",
                [f"e{n}", region, action, T0, T0],
            )
            con.execute(
                "INSERT INTO alerts (alert_id, article_id, story_id, topic, channel, status, "
                "attempts, created_at, kind, escalation_id) VALUES (?, 'a1', 's1', "
                "'demand_escalation', 'console', 'sent', 1, ?, 'escalation', ?)",
                [f"x{n}", T0, f"e{n}"],
            )
        con.execute(
            "INSERT INTO alerts (alert_id, article_id, story_id, topic, channel, status, "
            "attempts, created_at) VALUES ('m', 'a1', 's1', 'territorial_demands', 'console', "
            "'sent', 1, ?)",
            [T0],
        )
    with read_connection(db) as con:
        view = article_view(con, "a1")
    assert view is not None
    assert [(a.topic, a.escalation) for a in view.alerts] == [
        ("demand_escalation", "kharkiv / withdraw"),
        ("demand_escalation", "sumy / seize_threat"),
        ("territorial_demands", None),
    ]
