"""`newswatch demands …` and `newswatch rematch` as a user runs them: the real command in a
subprocess, on a real DuckDB file."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipelines import store
from pipelines.claims import article_claims, load_claim_rules
from pipelines.config import DEFAULT_CONFIG_DIR
from pipelines.ingest.identity import article_id, canonical_url, content_hash, simhash
from pipelines.models import Article, Match
from pipelines.rules import load_ruleset

REPO = Path(__file__).resolve().parent.parent
NEWSWATCH = Path(sys.executable).parent / "newswatch"
APRIL = datetime(2025, 4, 10, 12, 0, tzinfo=UTC)
TEXTS = [
    (
        0,
        "Kremlin spokesman Dmitry Peskov said Ukraine must withdraw its troops from the "
        "Donetsk, Luhansk, Zaporizhzhia and Kherson regions before any ceasefire.",
    ),
    (
        37,
        "At the talks in Istanbul the Russian delegation threatened to seize the Kharkiv and "
        "Sumy regions, Ukrainian officials said.",
    ),
]


def newswatch(*args: str, columns: int | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": str(columns)} if columns else None
    return subprocess.run(
        [str(NEWSWATCH), *args], cwd=REPO, capture_output=True, text=True, timeout=120, env=env
    )


def landed_db(tmp_path: Path) -> Path:
    """Two dated demand articles, matched and with their claims, as a run lands them."""
    ruleset = load_ruleset(DEFAULT_CONFIG_DIR / "rules.yaml", DEFAULT_CONFIG_DIR / "entities.yaml")
    rules = load_claim_rules(DEFAULT_CONFIG_DIR / "claims.yaml", ruleset.loaded)
    articles, matches = [], []
    for day, text in TEXTS:
        url = f"https://news.example/{day}"
        hits = ruleset.match("", text, "en")
        art = Article(
            article_id=article_id(canonical_url(url)),
            url=url,
            canonical_url=canonical_url(url),
            feed_url="https://news.example/rss",
            guid=url,
            title="",
            text=text,
            fetched_at=APRIL + timedelta(days=day),
            published_at=APRIL + timedelta(days=day),
            site_name="Outlet",
            content_hash=content_hash(text),
            simhash=simhash(text),
            claims=article_claims([h.topic for h in hits], "", text, "en", rules),
        )
        articles.append(art)
        matches += [
            Match(art.article_id, h.topic, h.rule, h.score, h.evidence, ruleset.version, APRIL)
            for h in hits
        ]
    db = tmp_path / "db.duckdb"
    with store.open_store(db) as con:
        store.land_batch(
            con,
            store.LandingBatch(articles=articles, matches=matches, escalation_channels=["console"]),
        )
    return db


def test_timeline_marks_the_step(tmp_path: Path) -> None:
    db = landed_db(tmp_path)
    table = newswatch("demands", "--db", str(db))
    assert table.returncode == 0, table.stderr
    lines = {line.split("│")[1].strip(): line for line in table.stdout.splitlines() if "│" in line}
    assert "▲1" in lines["kharkiv"] and "▲1" in lines["donetsk"]
    rows = [
        json.loads(line)
        for line in newswatch("demands", "--db", str(db), "--format", "json").stdout.splitlines()
    ]
    first = {(r["region"], r["action"]): r["week"][:10] for r in rows if r["escalation"]}
    assert first[("donetsk", "withdraw")] == "2025-04-07"
    assert first[("kharkiv", "seize_threat")] == "2025-05-12"
    only = newswatch(
        "demands", "--db", str(db), "--action", "seize_threat", "--since", "2025-05-01", "-f", "csv"
    )
    assert only.stdout.splitlines()[0].startswith("week,region,action,articles")
    assert {line.split(",")[1] for line in only.stdout.splitlines()[1:]} == {"kharkiv", "sumy"}
    later = newswatch("demands", "--db", str(db), "--since", "2030-01-01")
    assert later.stdout.strip() == "No demand claims since 2030-01-01."  # not "… yet"


def test_clear_errors(tmp_path: Path) -> None:
    missing = newswatch("demands", "--db", str(tmp_path / "none.duckdb"))
    assert missing.returncode == 2 and "does not exist yet" in missing.stderr
    assert "Traceback" not in missing.stderr
    bad = newswatch("demands", "--db", str(tmp_path / "none.duckdb"), "--action", "annex")
    assert bad.returncode == 2 and "use one of withdraw" in bad.stderr
    broken = tmp_path / "labelled.jsonl"
    broken.write_text('{"id": "x", "claims": [{"region": "sumy", "action": "grab"}]}\n')
    config = tmp_path / "config"
    config.mkdir()
    text = (DEFAULT_CONFIG_DIR / "claims.yaml").read_text(encoding="utf-8")
    (config / "claims.yaml").write_text(text.replace("[withdraw*,", "[with*draw,"), "utf-8")
    line = text[: text.index("[withdraw*,")].count("\n") + 1
    checked = newswatch("rules", "check", "--config-dir", str(config))
    assert checked.returncode == 2
    assert re.search(rf"claims\.yaml:{line}:\d+: cues\.withdraw\.en", checked.stderr)
    assert "Traceback" not in checked.stderr
    evaluated = newswatch("demands", "eval", "--input", str(broken))
    assert evaluated.returncode == 2 and "labelled.jsonl:1: not a labelled article" in (
        evaluated.stderr
    )
    # a topics set, not a claims set: nothing to measure, not precision and recall of 1.000
    topics_only = REPO / "tests" / "data" / "labelled" / "articles.jsonl"
    unlabelled = newswatch("demands", "eval", "--input", str(topics_only))
    assert unlabelled.returncode == 2 and "1.000" not in unlabelled.stdout
    assert "no line has a `claims` label (110 line(s) without one)" in unlabelled.stderr


def test_explain_shows_each_claim_with_its_sentence() -> None:
    page = REPO / "seeds" / "site" / "articles" / "isw-territorial-demands.html"
    out = newswatch("demands", "explain", str(page))
    assert out.returncode == 0, out.stderr
    assert "Putin’s representatives stated that Ukraine must hand over" in out.stdout
    assert "kherson · recognise · by putin" in out.stdout
    assert "kharkiv · seize_threat · by russia" in out.stdout


def test_eval_reports_each_language() -> None:
    out = newswatch("demands", "eval", "--input", "tests/data/labelled/claims_dev.jsonl", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert set(report["languages"]) == {"en", "uk", "ru", "all"}
    assert all(v["precision"] >= 0.9 and v["recall"] >= 0.9 for v in report["languages"].values())


def test_rematch_recomputes_claims_without_alerts(tmp_path: Path) -> None:
    db = landed_db(tmp_path)
    config = tmp_path / "config"
    config.mkdir()
    claims = (DEFAULT_CONFIG_DIR / "claims.yaml").read_text(encoding="utf-8")
    # Without the seize words (and the learned reader) the threat is no claim any more.
    claims = re.sub(r"\nmodel:\n(  .*\n)+", "\n", claims)
    (config / "claims.yaml").write_text(
        claims.replace("en: [seize, seizes, seizing, seized,", "en: [")
    )
    shutil.copy(DEFAULT_CONFIG_DIR / "rules.yaml", config / "rules.yaml")
    out = newswatch("rematch", "--db", str(db), "--config-dir", str(config))
    assert out.returncode == 0, out.stderr
    assert "0 added, 2 removed, 4 kept; no escalation alerts queued" in out.stdout
    again = newswatch("rematch", "--db", str(db))
    assert "2 added, 0 removed, 4 kept" in again.stdout
    with store.open_store(db, read_only=True) as con:
        # The six escalations of the first landing, and none again for the claims re-added.
        assert con.execute("SELECT count(*) FROM alerts").fetchone() == (6,)
        assert con.execute("SELECT count(*) FROM demand_claims").fetchone() == (6,)


def test_timeline_keeps_the_latest_weeks_whole_in_a_narrow_terminal(tmp_path: Path) -> None:
    """Rich squeezed a table wider than the terminal by cutting week headers ("06-…"); the
    latest weeks that fit are shown whole, and the rest named."""
    db = landed_db(tmp_path)
    wide = newswatch("demands", "--db", str(db), columns=200)
    narrow = newswatch("demands", "--db", str(db), columns=45)
    assert wide.returncode == 0 and narrow.returncode == 0, wide.stderr + narrow.stderr
    header = next(line for line in wide.stdout.splitlines() if "region" in line)
    weeks = re.findall(r"\d\d-\d\d", header)
    assert len(weeks) >= 2 and "do not fit" not in wide.stdout
    narrow_header = next(line for line in narrow.stdout.splitlines() if "region" in line)
    assert "…" not in narrow_header and re.findall(r"\d\d-\d\d", narrow_header) == weeks[-1:]
    assert f"{len(weeks) - 1} earlier one(s) do not fit 45 columns" in narrow.stdout
