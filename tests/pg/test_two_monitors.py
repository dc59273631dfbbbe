"""Done when of issue 23's scale-out store: two monitor processes (the real `newswatch run`) on
the PostgreSQL-catalog lake, plus a reader querying all along, land a corpus with every article,
match and alert exactly once; kill -9 of either monitor mid-landing, then a rerun: still
exactly once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pg.lakes import PgLake
from tests.pg.scaleout import (
    FEEDS,
    PAGES,
    Monitor,
    ReaderLoop,
    expected_matches,
    kill_leftovers,
    monitor_config,
    serve_corpus,
)
from tests.reliability.newsroom import Site, serve_site


@pytest.fixture
def site() -> Iterator[Site]:
    with serve_site() as s:
        serve_corpus(s)
        yield s
    kill_leftovers()


def check_exactly_once(lake: PgLake) -> None:
    with lake.reader() as con:
        articles = con.execute("SELECT count(*), count(DISTINCT canonical_url) FROM articles")
        assert articles.fetchone() == (len(PAGES), len(PAGES))
        seen = con.execute(
            "SELECT count(*), count(DISTINCT (feed_url, guid)), count(DISTINCT canonical_url) "
            "FROM seen_entries"
        ).fetchone()
        # An entry is marked seen by the run that lands its article, or by a concurrent one
        # that fetched it too; a later run skips entries whose article is already there.
        assert seen is not None and seen[0] == seen[1] <= len(PAGES) * 2
        assert seen[2] == len(PAGES), "every article's entry is marked seen"
        topics = dict(con.execute("SELECT topic, count(*) FROM matches GROUP BY 1").fetchall())
        assert topics == expected_matches()
        keys = con.execute("SELECT count(DISTINCT (article_id, topic)) FROM matches").fetchone()
        assert keys == (sum(topics.values()),)
        escalations = con.execute(
            "SELECT count(*), count(DISTINCT escalation_id) FROM demand_escalation_alerts"
        ).fetchone()
        assert escalations is not None and escalations[0] == escalations[1] > 0
        alerts = con.execute(
            "SELECT count(*), count(DISTINCT alert_id), "
            "count(*) FILTER (WHERE status = 'sent') FROM alerts"
        ).fetchone()
        # One console alert per match (every seed article is its own story) and per escalation,
        # each sent once.
        expected_alerts = sum(topics.values()) + escalations[0]
        assert alerts == (expected_alerts, expected_alerts, expected_alerts)


def test_two_monitors_and_a_reader_land_everything_once(
    site: Site, pg_lake: PgLake, tmp_path: Path
) -> None:
    configs = [monitor_config(site, tmp_path, w, "") for w in (0, 1)]
    with ReaderLoop(pg_lake.open_reader).running() as reader:
        monitors = [Monitor.start(config, pg_lake.db_arg) for config in configs]
        outcomes = [m.finish() for m in monitors]
    for code, err in outcomes:
        assert code == 0, err[-3000:]
    assert reader.problems == []
    assert all("does not exist" in e for e in reader.errors), reader.errors
    assert reader.reads > 0 and 0 < max(reader.seen_articles) <= len(PAGES)
    fetched = {f: len(site.requests(f"/feed{f}")) for f in range(FEEDS)}
    assert all(n == 1 for n in fetched.values()), fetched
    check_exactly_once(pg_lake)


@pytest.mark.parametrize("victim", [0, 1])
def test_kill_9_of_either_monitor_mid_landing_then_rerun(
    site: Site, pg_lake: PgLake, tmp_path: Path, victim: int
) -> None:
    configs = [monitor_config(site, tmp_path, w, "") for w in (0, 1)]
    monitors = [Monitor.start(config, pg_lake.db_arg) for config in configs]
    landed = pg_lake.wait_for_articles(1)
    assert monitors[victim].proc.poll() is None, "killed while still landing"
    monitors[victim].kill()
    code, err = monitors[1 - victim].finish()
    assert code == 0, err[-3000:]
    assert landed >= 1
    rerun = Monitor.start(configs[victim], pg_lake.db_arg)
    code, err = rerun.finish()
    assert code == 0, err[-3000:]
    check_exactly_once(pg_lake)
