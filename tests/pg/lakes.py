"""A PostgreSQL-catalog lake for one test: a fresh database on the session's server, a data
directory in the test's temp dir, and how a monitor and a reader are pointed at it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from tests import store_reader
from tests.pgcluster import PgCluster

PREFIX = "ducklake:postgres:"
README_CONNINFO = "dbname=news host=db.internal user=newswatch"


def readme_line() -> str:
    """The analyst's line for the PostgreSQL catalog, exactly as the README prints it."""
    return store_reader.readme_line("### Several hosts")


def line_for(conninfo: str) -> str:
    line = readme_line()
    assert f"'{PREFIX}{README_CONNINFO}'" in line
    return line.replace(README_CONNINFO, conninfo.replace("'", "''"))


def line_for_location(location: str) -> str:
    """The README's line for a store location (its data_path dropped, as the README says)."""
    conninfo = location.removeprefix(PREFIX).split(" data_path=", 1)[0]
    return line_for(conninfo)


@dataclass
class PgLake:
    dsn: str
    data_path: Path

    @property
    def target(self) -> str:
        return PREFIX + self.dsn

    @property
    def db_arg(self) -> str:
        """What `newswatch run --db` takes to write this lake."""
        return f"{self.target} data_path={self.data_path}"

    def open_reader(self) -> duckdb.DuckDBPyConnection:
        """A plain DuckDB session opened with the README's line."""
        con = duckdb.connect()
        try:
            con.execute(line_for(self.dsn))
        except BaseException:
            con.close()
            raise
        return con

    @contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        con = self.open_reader()
        try:
            yield con
        finally:
            con.close()

    def wait_for_articles(self, n: int, limit_s: float = 120) -> int:
        """Poll until the lake holds `n` articles; how many it holds then."""
        deadline = time.monotonic() + limit_s
        con: duckdb.DuckDBPyConnection | None = None
        try:
            while time.monotonic() < deadline:
                try:
                    con = con or self.open_reader()
                    row = con.execute("SELECT count(*) FROM articles").fetchone()
                    if row is not None and row[0] >= n:
                        return int(row[0])
                except duckdb.Error:  # no lake, or no tables, yet
                    pass
                time.sleep(0.05)
        finally:
            if con is not None:
                con.close()
        raise AssertionError(f"fewer than {n} articles after {limit_s} s")


@pytest.fixture
def pg_lake(pg_cluster: PgCluster, pg_dsn: str, tmp_path: Path) -> PgLake:
    data = tmp_path / "lake-files"
    return PgLake(pg_dsn, data)
