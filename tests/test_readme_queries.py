"""The ten queries of the README's "Query the data" section run against a real database."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from bench.bench_store import readme_queries
from tests.pg.lakes import PgLake
from tests.store_reader import open_reader
from tests.test_store_queries import fill_store, filled_db  # noqa: F401  (fixture)


def test_the_readme_line_is_the_one_newswatch_prints() -> None:
    from pipelines.config import DEFAULT_DB
    from pipelines.store.backend import parse_location
    from tests.store_reader import readme_line

    assert parse_location(DEFAULT_DB).reader_sql() == readme_line()
    assert f"'ducklake:sqlite:{DEFAULT_DB}'" in readme_line()


def test_there_are_ten_queries() -> None:
    assert len(readme_queries()) == 10


def test_every_readme_query_runs(filled_db: Path) -> None:  # noqa: F811
    with open_reader(filled_db) as con:
        check_readme_queries(con)


def test_every_readme_query_runs_on_the_postgres_catalog(
    pg_lake: PgLake, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The scale-out store, filled the same way, opened with its README line."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # its search index
    fill_store(pg_lake.db_arg)
    with pg_lake.reader() as con:
        check_readme_queries(con)


def check_readme_queries(con: duckdb.DuckDBPyConnection) -> None:
    from pipelines.store import search

    search.load_fts(con)
    results = [con.execute(sql).fetchall() for sql in readme_queries()]
    assert results[1], "matches per topic per day"
    assert results[3], "entity mentions in territorial-demand articles"
    assert {r[1] for r in results[3]} >= {"kharkiv", "donetsk"}
    assert results[9], "terms per atom"
    assert all(occurrences >= articles >= 1 for _atom, articles, occurrences in results[9])
