"""The everyday commands on a PostgreSQL-catalog lake: search (its index built on this host),
query, export and rematch, each through the CLI as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from flows.cli import app
from tests.pg.lakes import PgLake
from tests.test_store_queries import fill_store

runner = CliRunner()


def test_search_query_export_and_rematch_on_the_postgres_lake(
    pg_lake: PgLake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    fill_store(pg_lake.db_arg)
    db = ["--db", pg_lake.target]

    found = runner.invoke(app, ["search", "prisoner exchange", *db])
    assert found.exit_code == 0, found.output
    assert "https://a.example/talks" in found.output
    assert list((tmp_path / "cache" / "newswatch").glob("lake-*.search.duckdb"))

    sql = "SELECT topic, count(*) AS n FROM matches GROUP BY topic ORDER BY topic"
    out = runner.invoke(app, ["query", sql, *db, "--format", "json"])
    assert out.exit_code == 0, out.output
    assert [json.loads(x) for x in out.output.splitlines()] == [
        {"topic": "istanbul_talks", "n": 1},
        {"topic": "territorial_demands", "n": 1},
    ]
    refused = runner.invoke(app, ["query", "DELETE FROM articles", *db])
    assert refused.exit_code == 2 and "read-only" in refused.output

    exported = runner.invoke(app, ["export", str(tmp_path / "x"), *db])
    assert exported.exit_code == 0, exported.output
    back = duckdb.sql(
        f"SELECT count(*) FROM read_parquet('{tmp_path}/x/matches/*/*.parquet', "
        "hive_partitioning = true)"
    ).fetchone()
    assert back == (2,)

    with pg_lake.reader() as con:
        alerts_before = con.execute("SELECT count(*) FROM alerts").fetchone()
    rematched = runner.invoke(app, ["rematch", *db])
    assert rematched.exit_code == 0, rematched.output
    assert "rematched 2 articles" in rematched.output
    with pg_lake.reader() as con:
        assert con.execute("SELECT count(*) FROM matches").fetchone() == (2,)
        assert con.execute("SELECT count(*) FROM alerts").fetchone() == alerts_before
