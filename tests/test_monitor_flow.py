"""The whole vertical slice: a real Prefect flow against the demo corpus on a real loopback
HTTP server, landing in a real DuckDB file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import pytest
import yaml

from flows.seed_server import SEEDS_DIR

EXPECTED = yaml.safe_load((SEEDS_DIR / "expected.yaml").read_text(encoding="utf-8"))["articles"]
SEED_ARTICLE = "isw-territorial-demands.html"


@pytest.fixture(scope="module")
def first_and_second_run(
    tmp_path_factory: pytest.TempPathFactory, seed_base_url: str, prefect_harness: None
) -> tuple[Path, dict, dict]:
    from flows.monitor import run_once

    db = tmp_path_factory.mktemp("flow") / "newswatch.duckdb"
    config_dir = str(SEEDS_DIR / "config")
    first = run_once(config_dir, str(db), force_all=True)
    second = run_once(config_dir, str(db), force_all=True)
    return db, first, second


def page(url: str) -> str:
    """The file name of an article URL, without query string."""
    return urlsplit(url).path.rsplit("/", 1)[-1]


def rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_first_run_lands_every_seed_article(first_and_second_run: tuple[Path, dict, dict]) -> None:
    db, first, _ = first_and_second_run
    assert first["feeds_failed"] == 0
    assert first["feeds_polled"] >= 3
    urls = {page(r[0]) for r in rows(db, "SELECT url FROM articles")}
    assert set(EXPECTED) <= urls
    assert first["articles_landed"] == len(urls)
    bad = rows(db, "SELECT url, extract_status FROM articles WHERE extract_status <> 'ok'")
    assert bad == []


def test_both_topics_present_and_seed_article_flagged_for_both(
    first_and_second_run: tuple[Path, dict, dict],
) -> None:
    db, first, _ = first_and_second_run
    per_topic = dict(rows(db, "SELECT topic, count(*) FROM matches GROUP BY topic"))
    assert set(per_topic) == {"istanbul_talks", "territorial_demands"}
    seed_topics = {
        r[0]
        for r in rows(
            db,
            "SELECT m.topic FROM matches m JOIN articles a USING (article_id) "
            f"WHERE a.url LIKE '%/{SEED_ARTICLE}'",
        )
    }
    assert seed_topics == {"istanbul_talks", "territorial_demands"}
    assert sum(len(v) for v in first["new_matches"].values()) == sum(per_topic.values())


def test_matches_follow_the_expected_labels(first_and_second_run: tuple[Path, dict, dict]) -> None:
    db, _, _ = first_and_second_run
    found: dict[str, set[str]] = {}
    for url, topic in rows(
        db, "SELECT a.url, m.topic FROM articles a LEFT JOIN matches m USING (article_id)"
    ):
        found.setdefault(page(url), set())
        if topic:
            found[page(url)].add(topic)
    wrong = {
        name: (sorted(found.get(name, set())), sorted(spec["topics"] or []))
        for name, spec in EXPECTED.items()
        if found.get(name, set()) != set(spec["topics"] or [])
    }
    assert wrong == {}


def test_evidence_explains_each_match(first_and_second_run: tuple[Path, dict, dict]) -> None:
    db, _, _ = first_and_second_run
    for evidence, rules_version in rows(db, "SELECT evidence, rules_version FROM matches"):
        ev = json.loads(evidence)
        assert ev["hits"], "a match without hits explains nothing"
        assert "[" in ev["snippet"]
        assert rules_version


def test_second_run_over_unchanged_feeds_lands_nothing(
    first_and_second_run: tuple[Path, dict, dict],
) -> None:
    db, _first, second = first_and_second_run
    assert second["new_entries"] == 0
    assert second["articles_landed"] == 0
    assert second["new_matches"] == {}
    assert second["alerts_queued"] == 0
    assert second["feeds_not_modified"] == second["feeds_polled"]
    dupes = rows(db, "SELECT canonical_url FROM articles GROUP BY 1 HAVING count(*) > 1")
    assert dupes == []


def test_each_alert_sent_once_to_console(first_and_second_run: tuple[Path, dict, dict]) -> None:
    db, first, second = first_and_second_run
    sent = rows(db, "SELECT status, count(*) FROM alerts GROUP BY 1")
    assert dict(sent) == {"sent": first["alerts_sent"]}
    assert first["alerts_sent"] > 0
    assert second["alerts_sent"] == 0


def test_feed_state_recorded(first_and_second_run: tuple[Path, dict, dict]) -> None:
    db, _, _ = first_and_second_run
    states = rows(db, "SELECT last_status, etag IS NOT NULL, consecutive_failures FROM feed_state")
    assert states and all(s == ("not_modified", True, 0) for s in states)


def test_demo_command_runs_clean_in_a_fresh_process(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    db = tmp_path / "demo.duckdb"
    proc = subprocess.run(
        [sys.executable, "-m", "flows.cli", "demo", "--db", str(db)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "istanbul_talks" in proc.stdout and "territorial_demands" in proc.stdout
    assert "Feeds polled" in proc.stdout
    topics = dict(rows(db, "SELECT topic, count(*) FROM matches GROUP BY topic"))
    assert set(topics) == {"istanbul_talks", "territorial_demands"}


def test_backlog_is_worked_through_in_micro_batches(
    tmp_path: Path,
    seed_base_url: str,
    prefect_harness: None,
    first_and_second_run: tuple[Path, dict, dict],
) -> None:
    """With batch_pages 3 the 20-odd new entries land in several batches (each fetched,
    extracted, matched and landed before the next), with the same rows as one batch."""
    import shutil

    from flows.monitor import run_once

    config_dir = tmp_path / "config"
    shutil.copytree(SEEDS_DIR / "config", config_dir)
    settings = yaml.safe_load((config_dir / "settings.yaml").read_text(encoding="utf-8"))
    settings.setdefault("extract", {})["batch_pages"] = 3
    (config_dir / "settings.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    db = tmp_path / "batched.duckdb"
    summary = run_once(str(config_dir), str(db), force_all=True)

    one_batch_db, one_batch, _ = first_and_second_run
    assert summary["batches"] == -(-one_batch["new_entries"] // 3) > 1
    assert summary["articles_landed"] == one_batch["articles_landed"]
    sql = "SELECT a.canonical_url, m.topic FROM matches m JOIN articles a USING (article_id) "
    assert sorted(rows(db, sql)) == sorted(rows(one_batch_db, sql))
    assert rows(
        db, "SELECT count(*) FROM feed_state WHERE etag IS NOT NULL OR last_modified IS NOT NULL"
    ) == rows(
        one_batch_db,
        "SELECT count(*) FROM feed_state WHERE etag IS NOT NULL OR last_modified IS NOT NULL",
    )
    assert summary["new_matches"] == one_batch["new_matches"]


def test_demo_corpus_tells_the_escalation(first_and_second_run: tuple[Path, dict, dict]) -> None:
    """The four regions are demanded first (April); the threat to seize Kharkiv and Sumy comes
    at Istanbul in May: one escalation each, alerted once, and nothing again on the second
    run."""
    db, first, second = first_and_second_run
    escalations = {
        (r[0], r[1]): r[2]
        for r in rows(db, "SELECT region, action, period_start FROM demand_escalations")
    }
    four = ("donetsk", "luhansk", "zaporizhzhia", "kherson")
    assert all((region, "withdraw") in escalations for region in four)
    assert ("kharkiv", "seize_threat") in escalations and ("sumy", "seize_threat") in escalations
    assert (
        max(escalations[(r, "withdraw")] for r in four) < escalations[("kharkiv", "seize_threat")]
    )
    alerted = rows(
        db,
        "SELECT e.region, e.action, count(*) FROM alerts al "
        "JOIN demand_escalation_alerts e USING (escalation_id) "
        "WHERE al.kind = 'escalation' AND al.status = 'sent' GROUP BY ALL",
    )
    assert ("kharkiv", "seize_threat", 1) in alerted
    assert {(r["region"], r["action"]) for r in first["escalations"]} >= {
        ("kharkiv", "seize_threat"),
        ("sumy", "seize_threat"),
    }
    assert second["escalations"] == [] and second["demand_claims_landed"] == 0
    seed_claims = rows(
        db,
        "SELECT region, action FROM demand_claims d JOIN articles a USING (article_id) "
        f"WHERE a.url LIKE '%/{SEED_ARTICLE}' ORDER BY ALL",
    )
    assert ("kharkiv", "seize_threat") in seed_claims and ("kherson", "recognise") in seed_claims
