"""Attaching the PostgreSQL-catalog lake: the extensions come from their packages, several
workers creating one lake at once all get it, and a wrong location says what to fix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.errors import StoreError
from pipelines.store.backend import parse_location
from pipelines.store.postgres import PREFIX, DuckLakePostgres, split_data_path
from tests.pgcluster import PgCluster

REPO = Path(__file__).resolve().parents[2]

_WORKER = """
import sys
import duckdb
from pipelines.store.backend import parse_location

backend = parse_location(sys.argv[1])
backend.prepare()
con = duckdb.connect()
backend.attach(con, read_only=False)
print("ok")
"""


def test_workers_creating_one_lake_at_once_all_attach(pg_dsn: str, tmp_path: Path) -> None:
    location = f"{PREFIX}{pg_dsn} data_path={tmp_path / 'files'}"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, location],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outcomes = [p.communicate(timeout=120) for p in procs]
    assert [out.strip() for out, _ in outcomes] == ["ok"] * 3, [err for _, err in outcomes]
    assert parse_location(PREFIX + pg_dsn).exists()


def test_a_reader_of_a_lake_not_made_yet_is_told_to_run_first(pg_dsn: str) -> None:
    backend = parse_location(PREFIX + pg_dsn)
    assert not backend.exists()
    with pytest.raises(StoreError, match=r"does not exist yet: run `newswatch run` first"):
        backend.attach(duckdb.connect(), read_only=True)


def test_an_unreachable_catalog_says_where_and_what_to_do(pg_cluster: PgCluster) -> None:
    backend = parse_location(f"{PREFIX}dbname=x host=127.0.0.1 port=1 user=u password=s3cret")
    with pytest.raises(StoreError) as caught:
        backend.attach(duckdb.connect(), read_only=False)
    message = str(caught.value)
    assert "cannot reach the store's PostgreSQL catalog" in message
    assert "port=1" in message and "Connection refused" in message
    assert "s3cret" not in message


def test_a_new_lake_without_a_data_path_asks_for_one(pg_dsn: str) -> None:
    with pytest.raises(StoreError, match="add data_path=DIR to the location"):
        parse_location(PREFIX + pg_dsn).attach(duckdb.connect(), read_only=False)


def test_the_data_path_is_ours_not_libpqs() -> None:
    backend = parse_location(f"{PREFIX}dbname=news host=db data_path='/srv/a lake' user=nw")
    assert isinstance(backend, DuckLakePostgres)
    assert (backend.conninfo, backend.data_path) == ("dbname=news host=db user=nw", "/srv/a lake")
    uri = "postgresql://nw:pw@db:5432/news?sslmode=require&data_path=/srv/lake"
    assert split_data_path(uri) == ("postgresql://nw:pw@db:5432/news?sslmode=require", "/srv/lake")
    assert "pw" not in parse_location(PREFIX + uri).describe()


def test_newswatch_prints_the_readme_line_for_a_postgres_lake() -> None:
    from tests.pg.lakes import README_CONNINFO, readme_line

    location = f"{PREFIX}{README_CONNINFO} data_path=/srv/newswatch-lake"
    assert parse_location(location).reader_sql() == readme_line()


def test_the_analysts_line_never_shows_a_password() -> None:
    line = parse_location(f"{PREFIX}dbname=news password=s3cret host=db").reader_sql()
    assert line.startswith("ATTACH 'ducklake:postgres:dbname=news host=db' AS newswatch")
    uri = parse_location(f"{PREFIX}postgresql://nw:s3cret@db/news").reader_sql()
    assert "s3cret" not in uri and "postgresql://nw@db/news" in uri


def test_a_uri_location_survives_the_clis_path_option() -> None:
    folded = str(Path(f"{PREFIX}postgresql://nw@db:5432/news?data_path=/srv/lake"))
    backend = parse_location(folded)
    assert isinstance(backend, DuckLakePostgres)
    assert (backend.conninfo, backend.data_path) == ("postgresql://nw@db:5432/news", "/srv/lake")
