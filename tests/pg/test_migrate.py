"""`newswatch store migrate` with a PostgreSQL-catalog lake at either end: the default lake
copied into it, and it copied into a DuckDB file, every count checked."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from pipelines import store
from tests.pg.lakes import PgLake
from tests.test_store_migrate import TABLES, counts, fill

runner = CliRunner()


def lake_counts(lake: PgLake) -> dict[str, int]:
    with lake.reader() as con:
        return {t: int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in TABLES}  # type: ignore[index]


def test_the_default_lake_moves_to_postgres_and_back_to_a_file(
    pg_lake: PgLake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    local = tmp_path / "data" / "newswatch.sqlite"
    fill(local)
    before = counts(local)
    assert before["articles"] == 30 and before["alerts"] > 0

    result = runner.invoke(app, ["store", "migrate", "--db", str(local), "--to", pg_lake.db_arg])
    assert result.exit_code == 0, result.output
    assert "every count checked" in result.output
    assert "ducklake:postgres:" in result.output
    assert lake_counts(pg_lake) == before

    back = tmp_path / "back.duckdb"
    result = runner.invoke(app, ["store", "migrate", "--db", pg_lake.target, "--to", str(back)])
    assert result.exit_code == 0, result.output
    assert counts(back) == before
    # the lake is a working store: landing the same articles again adds nothing
    fill(pg_lake.db_arg)  # type: ignore[arg-type]
    assert lake_counts(pg_lake) == before


def test_migrate_never_copies_into_a_postgres_lake_that_exists(
    pg_lake: PgLake, tmp_path: Path
) -> None:
    local = tmp_path / "data" / "newswatch.sqlite"
    fill(local)
    with store.open_store(pg_lake.db_arg):  # type: ignore[arg-type]
        pass
    result = runner.invoke(app, ["store", "migrate", "--db", str(local), "--to", pg_lake.db_arg])
    assert result.exit_code == 2
    assert "exists already" in result.output
