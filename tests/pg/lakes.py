"""A PostgreSQL-catalog lake for one test: a fresh database on the session's server, a data
directory in the test's temp dir, and how a monitor and a reader are pointed at it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from pipelines.store.backend import parse_location
from pipelines.store.postgres import PREFIX
from tests.pgcluster import PgCluster


@dataclass
class PgLake:
    dsn: str
    data_path: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def target(self) -> str:
        return PREFIX + self.dsn

    @property
    def db_arg(self) -> str:
        """What `newswatch run --db` takes to write this lake."""
        return f"{self.target} data_path={self.data_path}"

    def open_reader(self) -> duckdb.DuckDBPyConnection:
        """The analyst's documented line (`Backend.reader_sql`) in a plain DuckDB session."""
        con = duckdb.connect()
        con.execute(parse_location(self.target).reader_sql())
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
        while time.monotonic() < deadline:
            try:
                with self.reader() as con:
                    row = con.execute("SELECT count(*) FROM articles").fetchone()
                if row is not None and row[0] >= n:
                    return int(row[0])
            except duckdb.Error:
                pass
            time.sleep(0.05)
        raise AssertionError(f"fewer than {n} articles after {limit_s} s")


@pytest.fixture
def pg_lake(pg_cluster: PgCluster, pg_dsn: str, tmp_path: Path) -> PgLake:
    data = tmp_path / "lake-files"
    return PgLake(pg_dsn, data)
