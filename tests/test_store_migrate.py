"""`newswatch store migrate`: a DuckDB file copied into a lake and back, counts checked."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from flows.cli import app
from pipelines import store
from pipelines.store import search
from tests.store_reader import line_for, query
from tests.test_store import article, batch_for

runner = CliRunner()
TABLES = ["articles", "matches", "alerts", "seen_entries", "article_sources", "feed_state"]


def counts(db: Path) -> dict[str, int]:
    return {t: int(query(db, f"SELECT count(*) FROM {t}")[0][0]) for t in TABLES}  # type: ignore[arg-type]


def fill(db: Path) -> None:
    arts = [
        article(f"https://m.example/{i}", f"Russia demanded Donetsk, officials said, item {i}.")
        for i in range(30)
    ]
    with store.open_store(db) as con:
        store.land_batch(con, batch_for(arts, ("territorial_demands",), {"hook": []}))


def test_a_duckdb_file_moves_into_a_lake_and_back(tmp_path: Path) -> None:
    old = tmp_path / "old.duckdb"
    lake = tmp_path / "data" / "newswatch.sqlite"
    back = tmp_path / "back.duckdb"
    fill(old)
    before = counts(old)
    assert before["articles"] == 30 and before["matches"] == 30 and before["alerts"] > 0

    result = runner.invoke(app, ["store", "migrate", "--db", str(old), "--to", str(lake)])
    assert result.exit_code == 0, result.output
    assert "every count checked" in result.output
    assert line_for(lake) in result.output.replace("\n", "")
    assert counts(lake) == before

    with store.connect(lake, read_only=True) as con:
        assert search.index_is_stale(con)
    assert search.ensure_index(lake) == 30
    with store.connect(lake, read_only=True) as con:
        assert len(search.search(con, "Donetsk", 50)) == 30

    result = runner.invoke(app, ["store", "migrate", "--db", str(lake), "--to", str(back)])
    assert result.exit_code == 0, result.output
    assert counts(back) == before
    # the copy back is a working store: landing the same articles again adds nothing
    fill(back)
    assert counts(back) == before


def test_migrate_never_copies_into_an_existing_store(tmp_path: Path) -> None:
    old, lake = tmp_path / "old.duckdb", tmp_path / "lake.sqlite"
    fill(old)
    fill(lake)
    result = runner.invoke(app, ["store", "migrate", "--db", str(old), "--to", str(lake)])
    assert result.exit_code == 2
    assert "exists already" in result.output
    assert counts(lake)["articles"] == 30
