"""Open a store the way the README tells an analyst to: its one line, taken from the README
("Query the data"), with only the path changed to the test's store.

A DuckDB file (`PATH.duckdb`, the store of earlier versions) is opened read-only as before.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

README = Path(__file__).resolve().parent.parent / "README.md"
README_PATH = "data/newswatch.sqlite"


def readme_line(section: str = "## Query the data") -> str:
    """The line, exactly as the README prints it in the first sql block after `section`."""
    text = README.read_text(encoding="utf-8").split(section, 1)[1]
    block = text.split("```sql", 1)[1].split("```", 1)[0]
    lines = [line for line in block.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("ATTACH "), lines
    return lines[0]


def line_for(db: Path) -> str:
    line = readme_line()
    assert f"'ducklake:sqlite:{README_PATH}'" in line
    return line.replace(README_PATH, str(db).replace("'", "''"))


def open_reader(db: Path) -> duckdb.DuckDBPyConnection:
    """A fresh DuckDB connection to `db`, as an analyst opens it (close it when done)."""
    if Path(db).suffix == ".duckdb":
        return duckdb.connect(str(db), read_only=True)
    con = duckdb.connect()
    if str(db).startswith("ducklake:postgres:"):
        from tests.pg.lakes import line_for_location

        con.execute(line_for_location(str(db)))  # the scale-out store's README line
        return con
    con.execute(line_for(db))
    return con


def query(db: Path, sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
    with open_reader(db) as con:
        return con.execute(sql, params or []).fetchall()
