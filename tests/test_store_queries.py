"""Views, full-text search, read-only queries, Parquet export, rematch and migrations."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from flows.cli import app
from pipelines import store
from pipelines.config import DEFAULT_CONFIG_DIR
from pipelines.rules import load_ruleset
from pipelines.store import search
from pipelines.store.rematch import rematch
from tests.store_reader import open_reader
from tests.test_store import article, batch_for

runner = CliRunner()
TALKS = (
    "Russian and Ukrainian delegations met in Istanbul for direct talks and agreed a "
    "prisoner exchange, Medinsky and Umerov said."
)
DEMANDS = (
    "The Kremlin demanded that Ukraine withdraw its troops from the Donetsk and Luhansk "
    "regions and threatened to seize Kharkiv."
)


@pytest.fixture
def filled_db(db_path: Path) -> Path:
    fill_store(str(db_path))
    return db_path


def fill_store(location: str) -> None:
    """Two articles, one per topic, matched by the shipped rules, and the search index."""
    ruleset = load_ruleset(DEFAULT_CONFIG_DIR / "rules.yaml", DEFAULT_CONFIG_DIR / "entities.yaml")
    arts = [
        article("https://a.example/talks", TALKS),
        article("https://b.example/demands", DEMANDS, site="Outlet B"),
    ]
    from pipelines.run.steps import match

    with store.open_store(location) as con:
        batch = batch_for(arts, topics=())
        batch.matches = match(ruleset, arts)
        store.land_batch(con, batch)
        search.refresh_index(con)


def test_views_answer_common_questions(filled_db: Path) -> None:
    with open_reader(filled_db) as con:
        latest = con.execute("SELECT topic, outlet, snippet FROM latest_matches").fetchall()
        per_day = con.execute("SELECT topic, matches FROM matches_per_topic_day").fetchall()
        entities = con.execute(
            "SELECT entity FROM entity_mentions_weekly WHERE topic = 'territorial_demands'"
        ).fetchall()
        health = con.execute("SELECT health FROM feed_health").fetchall()
    assert {t for t, _, _ in latest} == {"istanbul_talks", "territorial_demands"}
    assert all("[" in s for _, _, s in latest)
    assert sorted(per_day) == [("istanbul_talks", 1), ("territorial_demands", 1)]
    assert {"donetsk", "luhansk", "kharkiv"} <= {e for (e,) in entities}
    assert health == [("quiet",)]


def test_full_text_search_finds_by_word(filled_db: Path) -> None:
    with store.connect(filled_db, read_only=True) as con:
        results = search.search(con, "prisoner exchange")
    assert [r[2] for r in results] == ["https://a.example/talks"]


def test_a_search_word_finds_its_other_forms_in_every_language(
    tmp_path: Path, store_suffix: str
) -> None:
    """«Стамбул» once found no article that says «Стамбулі» or «Стамбуле»: fts stems English
    only. A query word now also finds the indexed words of the same stem, as the rules stem
    them; a word of another stem is not found."""
    db = tmp_path / f"news{store_suffix}"
    texts = {
        "https://uk.example/1": "Делегації зустрілися у Стамбулі, щоб обговорити Харківщину.",
        "https://ru.example/2": "Второй раунд переговоров в Стамбуле завершился без итогов.",
        "https://ru.example/3": "Харьков снова под ударом: повреждены жилые дома.",
        "https://en.example/4": "The talks in Istanbul ended without a ceasefire.",
    }
    with store.open_store(db) as con:
        store.land_batch(con, batch_for([article(u, t) for u, t in texts.items()], topics=()))
        search.refresh_index(con)

    def found(query: str) -> list[str]:
        with store.connect(db, read_only=True) as con:
            return sorted(r[2] for r in search.search(con, query))

    assert found("Стамбул") == ["https://ru.example/2", "https://uk.example/1"]
    assert found("переговоры") == ["https://ru.example/2"]
    assert found("Харків") == ["https://ru.example/3"]  # «Харьков», the same stem
    assert found("Харківщина") == ["https://uk.example/1"]
    assert found("talk") == ["https://en.example/4"]
    assert found("Одеса") == []


def test_query_is_read_only_and_errors_are_clear(filled_db: Path) -> None:
    result = runner.invoke(app, ["query", "DELETE FROM articles", "--db", str(filled_db)])
    assert result.exit_code == 2 and "read-only" in result.output
    result = runner.invoke(app, ["query", "SELEC 1", "--db", str(filled_db)])
    assert result.exit_code == 2 and "Parser Error" in result.output
    with open_reader(filled_db) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (2,)


def test_query_formats(filled_db: Path, tmp_path: Path) -> None:
    sql = "SELECT topic, count(*) AS n FROM matches GROUP BY topic ORDER BY topic"
    out = runner.invoke(app, ["query", sql, "--db", str(filled_db), "--format", "json"])
    assert [json.loads(x) for x in out.output.splitlines()] == [
        {"topic": "istanbul_talks", "n": 1},
        {"topic": "territorial_demands", "n": 1},
    ]
    csv_file = tmp_path / "out.csv"
    res = runner.invoke(
        app, ["query", sql, "--db", str(filled_db), "-f", "csv", "-o", str(csv_file)]
    )
    assert csv_file.read_text().splitlines()[0] == "topic,n"
    assert f"wrote 2 rows to {csv_file}" in res.output
    pq = tmp_path / "out.parquet"
    res = runner.invoke(app, ["query", sql, "--db", str(filled_db), "-f", "parquet", "-o", str(pq)])
    assert res.exit_code == 0
    assert duckdb.sql(f"SELECT count(*) FROM '{pq}'").fetchone() == (2,)
    assert f"wrote 2 rows to {pq}" in res.output


def test_export_writes_partitioned_parquet(filled_db: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", str(tmp_path / "x"), "--db", str(filled_db)])
    assert result.exit_code == 0, result.output
    parts = sorted(p.name for p in (tmp_path / "x" / "articles").iterdir())
    assert parts == ["day=2025-05-17"]
    back = duckdb.sql(
        f"SELECT count(*) FROM read_parquet('{tmp_path}/x/matches/*/*.parquet', "
        "hive_partitioning = true)"
    ).fetchone()
    assert back == (2,)
    assert "wrote 2 matches to" in result.output


def test_rematch_updates_keeps_history_and_never_alerts(filled_db: Path, tmp_path: Path) -> None:
    rules = (DEFAULT_CONFIG_DIR / "rules.yaml").read_text()
    narrowed = tmp_path / "rules.yaml"
    # Drop every territorial rule but one that cannot fire: its match must be superseded.
    narrowed.write_text(
        rules.split("  - id: territorial_demands")[0]
        + """
  - id: territorial_demands
    rules:
      - id: never
        query: zzzunmatchable
"""
    )
    ruleset = load_ruleset(narrowed, DEFAULT_CONFIG_DIR / "entities.yaml")
    with store.open_store(filled_db) as con:
        alerts_before = con.execute("SELECT count(*) FROM alerts").fetchone()
        report = rematch(con, ruleset, since=datetime(2025, 1, 1, tzinfo=UTC).date())
        current = con.execute("SELECT topic, rules_version FROM matches").fetchall()
        history = con.execute(
            "SELECT topic, superseded_by FROM match_history ORDER BY topic"
        ).fetchall()
        alerts_after = con.execute("SELECT count(*) FROM alerts").fetchone()
    assert (report.articles, report.added, report.removed) == (2, 0, 1)
    assert current == [("istanbul_talks", ruleset.version)]
    assert ("territorial_demands", ruleset.version) in history
    assert alerts_after == alerts_before


def test_rematch_unknown_topic_is_an_error(filled_db: Path) -> None:
    from pipelines.errors import RuleError

    ruleset = load_ruleset(DEFAULT_CONFIG_DIR / "rules.yaml", DEFAULT_CONFIG_DIR / "entities.yaml")
    with store.open_store(filled_db) as con, pytest.raises(RuleError, match="unknown topic"):
        rematch(con, ruleset, topic="istanbul")


def test_v1_database_upgrades_in_place_without_loss(tmp_path: Path) -> None:
    db_path = tmp_path / "data" / "newswatch.duckdb"
    db_path.parent.mkdir(parents=True)
    with duckdb.connect(str(db_path)) as con:
        con.execute(
            "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, "
            "applied_at TIMESTAMPTZ NOT NULL)"
        )
        con.execute(store.MIGRATIONS[0])
        con.execute("INSERT INTO schema_version VALUES (1, now())")
    with store.open_store(db_path) as con:
        store.land_batch(con, batch_for([article("https://a.example/old")]))
    with duckdb.connect(str(db_path)) as con:
        con.execute("DELETE FROM schema_version WHERE version > 1")
        for view in (
            "latest_matches",
            "matches_per_topic_day",
            "matches_per_outlet",
            "feed_health",
            "entity_mentions_weekly",
            "stories",
        ):
            con.execute(f"DROP VIEW {view}")
        con.execute("DROP TABLE match_history")
        con.execute("DROP TABLE extract_retries")
        for view in ("demand_escalations", "demand_regions_weekly", "demand_claim_periods"):
            con.execute(f"DROP VIEW {view}")
        for table in ("demand_claims", "demand_settings", "demand_escalation_alerts"):
            con.execute(f"DROP TABLE {table}")
        con.execute("ALTER TABLE alerts DROP COLUMN kind")
        con.execute("ALTER TABLE alerts DROP COLUMN escalation_id")
    with store.open_store(db_path) as con:
        assert con.execute("SELECT max(version) FROM schema_version").fetchone() == (
            len(store.MIGRATIONS),
        )
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (1,)
        assert con.execute("SELECT count(*) FROM latest_matches").fetchone() == (1,)


def test_search_index_is_built_on_demand_and_only_when_stale(db_path: Path) -> None:
    """Runs never rebuild the BM25 index (its cost grows with the database); `newswatch search`
    rebuilds it when articles landed since the last build, and not otherwise."""
    with store.open_store(db_path) as con:
        store.land_batch(con, batch_for([article("https://a.example/talks", TALKS)], topics=()))
        assert search.index_is_stale(con)
    first = runner.invoke(app, ["search", "prisoner exchange", "--db", str(db_path)])
    assert first.exit_code == 0 and "https://a.example/talks" in first.output
    assert "rebuilt over 1 articles" in first.output
    again = runner.invoke(app, ["search", "prisoner exchange", "--db", str(db_path)])
    assert again.exit_code == 0 and "rebuilt" not in again.output
    with store.open_store(db_path) as con:
        store.land_batch(con, batch_for([article("https://b.example/d", DEMANDS)], topics=()))
    assert search.ensure_index(db_path) == 2
    assert search.ensure_index(db_path) is None


def test_query_table_shows_markup_in_cells_literally(db_path: Path) -> None:
    art = article("https://a.example/markup", TALKS)
    art.title = "Talks [/b] resume [bold]now[/bold]"
    with store.open_store(db_path) as con:
        store.land_batch(con, batch_for([art], topics=()))
    result = runner.invoke(
        app, ["query", "SELECT title FROM articles", "--db", str(db_path)], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "Talks [/b] resume [bold]now[/bold]" in result.output


def test_alert_latency_view_gives_p50_p95_per_feed_and_topic(db_path: Path) -> None:
    """Each alert's timeline (published → first seen → landed → alerted) and the percentiles
    per feed and topic; an alert not sent yet has a timeline but no latency."""
    texts = [TALKS, DEMANDS, "A weather report: rain in the north, sun in the south, mild winds."]
    arts = [article(f"https://a.example/{i}", text) for i, text in enumerate(texts)]
    with store.open_store(db_path) as con:
        store.land_batch(con, batch_for(arts))
        ids = [a.article_id for a in arts]
        # published, first seen (page fetched), landed (alert queued), alerted: seconds from t0
        for article_id, (seen, landed, alerted) in zip(
            ids, [(10, 12, 15), (20, 30, 40), (5, 6, None)], strict=True
        ):
            con.execute(
                "UPDATE articles SET published_at = TIMESTAMPTZ '2025-06-01 12:00:00+00', "
                "fetched_at = TIMESTAMPTZ '2025-06-01 12:00:00+00' + to_seconds(?) "
                "WHERE article_id = ?",
                [seen, article_id],
            )
            con.execute(
                "UPDATE alerts SET created_at = TIMESTAMPTZ '2025-06-01 12:00:00+00' "
                "+ to_seconds(?), sent_at = TIMESTAMPTZ '2025-06-01 12:00:00+00' "
                "+ to_seconds(?), status = CASE WHEN ? THEN 'sent' ELSE 'pending' END "
                "WHERE article_id = ?",
                [landed, alerted, alerted is not None, article_id],
            )
        timeline = con.execute(
            "SELECT publish_to_seen_s, seen_to_landed_s, landed_to_alerted_s, "
            "publish_to_alert_s FROM alert_timeline ORDER BY publish_to_seen_s"
        ).fetchall()
        latency = con.execute(
            "SELECT feed, topic, alerts, publish_to_alert_p50_s, publish_to_alert_p95_s, "
            "seen_to_alert_p50_s FROM alert_latency"
        ).fetchall()
    assert timeline == [(5, 1, None, None), (10, 2, 3, 15), (20, 10, 10, 40)]
    assert latency == [("Feed", "territorial_demands", 2, 27.5, 38.75, 12.5)]
