"""Demand claims in a real DuckDB file: landed once, the weekly and escalation views, and
escalation alerts queued once per (region, action, period) on the channels that want them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from pipelines import store
from pipelines.alerts import escalation_channels, format_message, payload
from pipelines.config import ChannelSettings
from pipelines.ingest.identity import article_id, canonical_url, content_hash, simhash
from pipelines.models import Article, DemandClaim

DAY0 = datetime(2025, 4, 10, 12, 0, tzinfo=UTC)
SENTENCE = "The Russian delegation threatened to capture the Kharkiv and Sumy regions."


def claim(region: str, action: str = "seize_threat") -> DemandClaim:
    return DemandClaim(region, action, "medinsky", SENTENCE, 0, len(SENTENCE), "en", "cv1")


def article(slug: str, day: int, claims: list[DemandClaim], site: str = "Outlet A") -> Article:
    url = f"https://news.example/{slug}"
    canon = canonical_url(url)
    text = f"{SENTENCE} ({slug})"
    return Article(
        article_id=article_id(canon),
        url=url,
        canonical_url=canon,
        feed_url="https://news.example/rss",
        guid=url,
        title=f"Title {slug}",
        text=text,
        fetched_at=DAY0 + timedelta(days=day),
        published_at=DAY0 + timedelta(days=day),
        site_name=site,
        content_hash=content_hash(text),
        simhash=simhash(text),
        claims=tuple(claims),
    )


def land(con: duckdb.DuckDBPyConnection, *arts: Article) -> store.LandingReport:
    return store.land_batch(
        con,
        store.LandingBatch(
            articles=list(arts),
            channels={"matches-only": []},
            escalation_channels=["console"],
            quiet_days=28,
        ),
    )


def test_claims_land_once_and_a_rerun_changes_nothing(tmp_path: Path) -> None:
    first = article("a", 0, [claim("kharkiv"), claim("sumy"), claim("kharkiv")])
    with store.open_store(tmp_path / "db.duckdb") as con:
        report = land(con, first)
        again = land(con, first)
        rows = con.execute(
            "SELECT region, action, actor, sentence FROM demand_claims ORDER BY region"
        ).fetchall()
        alerts = con.execute("SELECT kind, channel, count(*) FROM alerts GROUP BY ALL").fetchall()
    assert report.claims_inserted == 2
    assert [(e.region, e.action, e.first_ever) for e in report.escalations] == [
        ("kharkiv", "seize_threat", True),
        ("sumy", "seize_threat", True),
    ]
    assert again.claims_inserted == 0 and again.escalations == []
    assert rows == [
        ("kharkiv", "seize_threat", "medinsky", SENTENCE),
        ("sumy", "seize_threat", "medinsky", SENTENCE),
    ]
    assert alerts == [("escalation", "console", 2)]


def test_escalation_again_only_after_the_quiet_period(tmp_path: Path) -> None:
    with store.open_store(tmp_path / "db.duckdb") as con:
        land(con, article("a", 0, [claim("kharkiv")]))
        soon = land(con, article("b", 10, [claim("kharkiv")], site="Outlet B"))
        late = land(con, article("c", 60, [claim("kharkiv")]))
        backdated = land(con, article("d", 50, [claim("kharkiv")]))
        periods = con.execute(
            "SELECT period, first_ever, period_start, articles, outlets, article_id "
            "FROM demand_escalations WHERE region = 'kharkiv' ORDER BY period"
        ).fetchall()
        queued = con.execute("SELECT count(*) FROM alerts WHERE kind = 'escalation'").fetchone()
    assert soon.escalations == []
    assert [(e.first_ever, e.period_start) for e in late.escalations] == [
        (False, DAY0 + timedelta(days=60))
    ]
    # Landed late and dated before the alerted period: that period starts earlier now, but
    # it was alerted already.
    assert backdated.escalations == []
    assert [(p[0], p[1], p[2], p[3], p[4]) for p in periods] == [
        (1, True, DAY0, 2, 2),
        (2, False, DAY0 + timedelta(days=50), 2, 1),
    ]
    assert queued == (2,)


def test_weekly_view_counts_articles_and_outlets(tmp_path: Path) -> None:
    with store.open_store(tmp_path / "db.duckdb") as con:
        land(
            con,
            article("a", 0, [claim("donetsk", "withdraw")]),
            article("b", 1, [claim("donetsk", "withdraw")], site="Outlet B"),
            article("c", 8, [claim("donetsk", "withdraw"), claim("crimea", "recognise")]),
        )
        rows = con.execute(
            "SELECT week, region, action, articles, outlets FROM demand_regions_weekly"
        ).fetchall()
    week = datetime(2025, 4, 7, tzinfo=UTC)
    assert [(r[0].date(), *r[1:]) for r in rows] == [
        (week.date(), "donetsk", "withdraw", 2, 2),
        ((week + timedelta(days=7)).date(), "crimea", "recognise", 1, 1),
        ((week + timedelta(days=7)).date(), "donetsk", "withdraw", 1, 1),
    ]


def test_escalation_alert_reads_as_one(tmp_path: Path) -> None:
    with store.open_store(tmp_path / "db.duckdb") as con:
        land(con, article("a", 0, [claim("sumy")]), article("b", 0, [claim("sumy")], "Outlet B"))
        pending = store.pending_alerts(con)
    assert [(a.topic, a.channel) for a in pending] == [("demand_escalation", "console")]
    alert = pending[0]
    assert alert.escalation is not None and alert.escalation.outlets == 2
    message = format_message(alert)
    assert message.title == "[newswatch] escalation: sumy / seize_threat"
    assert SENTENCE in message.body and "Outlets with this demand since " in message.body
    assert message.body.split("Outlets with this demand since ")[1].split("\n")[0].endswith(": 2")
    body = payload(alert)
    assert body["kind"] == "escalation" and body["region"] == "sumy"
    assert body["sentence"] == SENTENCE and body["outlets_count"] == 2


def test_channels_choose_their_kinds() -> None:
    channels = {
        "both": ChannelSettings(url="console://"),
        "matches": ChannelSettings(url="console://", kinds=["match"]),
        "escalations": ChannelSettings(url="console://", kinds=["escalation"]),
    }
    assert escalation_channels(channels) == ["both", "escalations"]
    from pipelines.alerts import channel_topics

    assert list(channel_topics(channels)) == ["both", "matches"]


def test_a_backfill_landing_out_of_order_dates_the_first_claim_by_publication(
    tmp_path: Path,
) -> None:
    """Feeds list the newest first and batches land as they finish, so the article published
    first can land last. The escalation view (what `newswatch demands` marks) names the first
    article by publication date, not by landing; a period already recorded is not alerted
    again, but its alert, not yet sent, now names the earlier article; an earlier period no
    alert covers is alerted once, and the later one is no longer the first ever."""
    newer = article("newer", 20, [claim("sumy")])
    older = article("older", 5, [claim("sumy")], site="Outlet B")
    oldest = article("oldest", -40, [claim("sumy")], site="Outlet C")
    with store.open_store(tmp_path / "db.duckdb") as con:
        first = land(con, newer)
        second = land(con, older)
        third = land(con, oldest)
        periods = con.execute(
            "SELECT period, first_ever, period_start, article_id, articles "
            "FROM demand_escalations WHERE region = 'sumy' ORDER BY period"
        ).fetchall()
        weekly = con.execute(
            "SELECT min(first_seen) FROM demand_regions_weekly WHERE region = 'sumy'"
        ).fetchone()
        alerted = con.execute(
            "SELECT article_id, first_ever FROM demand_escalation_alerts ORDER BY period_start"
        ).fetchall()
        outbox = con.execute("SELECT article_id FROM alerts WHERE kind = 'escalation'").fetchall()
    assert [(e.article_id, e.first_ever) for e in first.escalations] == [(newer.article_id, True)]
    assert second.escalations == []
    assert [(e.article_id, e.first_ever) for e in third.escalations] == [(oldest.article_id, True)]
    assert periods == [
        (1, True, DAY0 - timedelta(days=40), oldest.article_id, 1),
        (2, False, DAY0 + timedelta(days=5), older.article_id, 2),
    ]
    assert weekly == (DAY0 - timedelta(days=40),)
    assert alerted == [(oldest.article_id, True), (older.article_id, True)]
    assert sorted(outbox) == sorted([(oldest.article_id,), (older.article_id,)])


def test_an_alert_already_sent_keeps_its_first_article(tmp_path: Path) -> None:
    newer = article("newer", 20, [claim("sumy")])
    older = article("older", 5, [claim("sumy")], site="Outlet B")
    with store.open_store(tmp_path / "db.duckdb") as con:
        land(con, newer)
        con.execute("UPDATE alerts SET status = 'sent', attempts = 1")
        land(con, older)
        alerted = con.execute("SELECT article_id FROM demand_escalation_alerts").fetchall()
        outbox = con.execute("SELECT article_id, status FROM alerts").fetchall()
        first = con.execute("SELECT article_id FROM demand_escalations").fetchall()
    assert alerted == [(newer.article_id,)]
    assert outbox == [(newer.article_id, "sent")]
    assert first == [(older.article_id,)]
