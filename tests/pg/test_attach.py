"""Attaching the PostgreSQL-catalog lake: the extensions come from their packages, several
workers creating one lake at once all get it, and a wrong setting says what to fix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.errors import StoreError
from pipelines.store.postgres import PREFIX, attach, parse_target
from tests.pgcluster import PgCluster

REPO = Path(__file__).resolve().parents[2]

_WORKER = """
import sys
import duckdb
from pipelines.store.postgres import attach, parse_target

con = duckdb.connect()
attach(con, parse_target(sys.argv[1], sys.argv[2]), "news")
con.execute("CREATE TABLE IF NOT EXISTS news.t (k VARCHAR)")
print("ok")
"""


def test_workers_creating_one_lake_at_once_all_attach(pg_dsn: str, tmp_path: Path) -> None:
    target = PREFIX + pg_dsn
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, target, str(tmp_path / "files")],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outcomes = [p.communicate(timeout=120) for p in procs]
    failures = [err for (out, err) in outcomes if out.strip() != "ok"]
    # CREATE TABLE IF NOT EXISTS itself can lose DuckLake's commit race: that is the store's
    # migration's to retry; what must never fail is attaching.
    assert not [e for e in failures if "attach" in e.lower() or "initialize" in e], failures
    con = duckdb.connect()
    attach(con, parse_target(target), "news", read_only=True)
    assert con.execute("SELECT count(*) FROM news.t").fetchone() == (0,)


def test_an_unreachable_catalog_says_where_and_what_to_do(pg_cluster: PgCluster) -> None:
    lake = parse_target(f"{PREFIX}dbname=x host=127.0.0.1 port=1 user=u password=s3cret")
    with pytest.raises(StoreError) as caught:
        attach(duckdb.connect(), lake, "news")
    message = str(caught.value)
    assert "cannot reach the store's PostgreSQL catalog" in message
    assert "port=1" in message and "Connection refused" in message
    assert "s3cret" not in message


def test_a_new_lake_without_a_data_path_asks_for_one(pg_dsn: str) -> None:
    with pytest.raises(StoreError, match="needs a data path"):
        attach(duckdb.connect(), parse_target(PREFIX + pg_dsn), "news")


def test_a_target_that_is_not_a_postgres_lake_is_refused() -> None:
    with pytest.raises(StoreError, match="ducklake:postgres:dbname="):
        parse_target("ducklake:sqlite:data/x.sqlite")
