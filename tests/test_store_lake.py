"""What a lake must guarantee without primary keys: concurrent writers landing the same
records store each once; merging its files keeps every row."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines import store
from pipelines.store import upkeep
from pipelines.store.backend import parse_location
from tests.reliability.test_kill import BATCHES, REPO, check_exactly_once
from tests.store_reader import query
from tests.test_store import article, batch_for


def test_two_processes_landing_the_same_batches_at_once_store_each_record_once(
    tmp_path: Path, store_suffix: str
) -> None:
    db = tmp_path / f"both{store_suffix}"
    with store.open_store(db):
        pass
    writers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.lander", str(db), str(BATCHES)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        for _ in range(2)
    ]
    for proc in writers:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-3000:]
        assert out.strip().endswith("done")
    check_exactly_once(db)


def test_merging_a_lake_s_files_keeps_every_row(tmp_path: Path) -> None:
    db = tmp_path / "data" / "newswatch.sqlite"
    for b in range(4):  # batches past DuckLake's inlining limit: each lands as new files
        arts = [article(f"https://u.example/{b}/{i}", f"Text {b} {i} Kharkiv.") for i in range(50)]
        with store.open_store(db) as con:
            store.land_batch(con, batch_for(arts, ("territorial_demands",)))
    with store.open_store(db) as con:
        before = upkeep.live_files(con)
        assert not upkeep.compact_if_due(con, threshold=before + 1)
        assert upkeep.compact_if_due(con, threshold=before)
        after = upkeep.live_files(con)
    assert after < before
    assert query(db, "SELECT count(*), count(DISTINCT article_id) FROM articles") == [(200, 200)]
    assert query(db, "SELECT count(*) FROM matches") == [(200,)]


def test_a_duckdb_file_is_never_compacted(tmp_path: Path) -> None:
    with store.open_store(tmp_path / "x.duckdb") as con:
        assert not upkeep.compact_if_due(con, threshold=0)


@pytest.mark.parametrize(
    ("location", "kind", "path"),
    [
        ("data/newswatch.sqlite", "ducklake", "data/newswatch.sqlite"),
        ("ducklake:sqlite:data/x.db", "ducklake", "data/x.db"),
        ("data/newswatch.duckdb", "duckdb", "data/newswatch.duckdb"),
        ("duckdb:data/x.sqlite", "duckdb", "data/x.sqlite"),
    ],
)
def test_a_location_names_its_backend(location: str, kind: str, path: str) -> None:
    backend = parse_location(location)
    assert (backend.kind, backend.local_path()) == (kind, Path(path))
    assert backend.absolute().endswith(path)


def test_an_unknown_catalog_is_a_clear_error() -> None:
    with pytest.raises(
        store.StoreError,
        match="a DuckLake location is one of ducklake:postgres:…, ducklake:sqlite:…",
    ):
        parse_location("ducklake:mysql:host=x")


def test_a_lake_copied_elsewhere_says_how_to_move_it(tmp_path: Path) -> None:
    """A lake's catalog records its data folder: a copy opened for writing elsewhere was a
    raw DuckDB traceback; it names the folder and `store migrate`."""
    import shutil

    first = tmp_path / "a" / "news.sqlite"
    with store.open_store(first) as con:
        store.land_batch(con, batch_for([article("https://copy.example/1")]))
    copy = tmp_path / "b" / "news.sqlite"
    shutil.copytree(first.parent, copy.parent)
    done = subprocess.run(
        [str(Path(sys.executable).parent / "newswatch"), "rematch", "--db", str(copy)],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "copied or moved" in done.stderr and "newswatch store migrate --db" in done.stderr


def _newswatch(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "newswatch"), *args],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )  # fmt: skip


def _sqlite_state(path: Path) -> tuple[list[str], list[str], bytes]:
    """Its tables, the files of its folder, and its header."""
    import sqlite3

    files = sorted(p.name for p in path.parent.iterdir())
    header = path.read_bytes()[:100]
    uri = f"{path.as_uri()}?mode=ro&immutable=1"  # a plain reader would add -wal and -shm
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
        tables = sorted(r[0] for r in db.execute("SELECT name FROM sqlite_master"))
    return tables, files, header


FOREIGN = (
    "is not a DuckLake SQLite catalog (a SQLite database of another program, with tables "
    "notes); nothing was read or written"
)


@pytest.mark.parametrize("journal", ["delete", "wal"])
def test_another_program_s_sqlite_file_is_refused_and_left_as_it_was(
    tmp_path: Path, journal: str
) -> None:
    """A `.sqlite` of another program given as --db: a run wrote DuckLake's tables into it
    (and set WAL mode), readers ended in a DuckDB traceback; now every command says what it
    is, and neither the file nor its folder changes (a WAL-mode file gets no -wal or -shm
    beside it)."""
    import sqlite3

    other = tmp_path / "app" / "app.sqlite"
    other.parent.mkdir()
    with contextlib.closing(sqlite3.connect(other)) as db:
        db.execute(f"PRAGMA journal_mode={journal}")
        db.execute("CREATE TABLE notes (body TEXT)")
        db.execute("INSERT INTO notes VALUES ('mine')")
        db.commit()
    before = _sqlite_state(other)
    for command in (
        ["run", "--config-dir", str(REPO / "config")],
        ["query", "SELECT 1"],
        ["search", "kharkiv"],
        ["demands"],
        ["rematch"],
    ):
        done = _newswatch(*command, "--db", str(other))
        assert done.returncode != 0, command
        assert "Traceback" not in done.stderr, (command, done.stderr)
        assert FOREIGN in done.stderr, done.stderr
    assert _sqlite_state(other) == before


def test_a_busy_catalog_is_not_called_another_program_s(tmp_path: Path) -> None:
    """A catalog another process holds locked cannot be read in time: that is no verdict on
    what it is, so the check leaves it to the engine."""
    import sqlite3

    from pipelines.store.backend import _foreign_sqlite

    path = tmp_path / "busy.sqlite"
    with contextlib.closing(sqlite3.connect(path, timeout=0)) as holder:
        holder.execute("CREATE TABLE notes (body TEXT)")
        holder.commit()
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        assert _foreign_sqlite(path) is None
    assert _foreign_sqlite(path) == "a SQLite database of another program, with tables notes"


@pytest.mark.parametrize("content", ["text", "duckdb"])
def test_a_file_that_is_not_sqlite_says_what_it_is(tmp_path: Path, content: str) -> None:
    path = tmp_path / "news.sqlite"
    if content == "text":
        path.write_text("hello\n")
        said = "(it is not a SQLite database)"
    else:
        import duckdb

        with duckdb.connect(str(tmp_path / "made.duckdb")) as con:
            con.execute("CREATE TABLE t (a INT)")
        (tmp_path / "made.duckdb").rename(path)
        said = (
            "(it is a DuckDB database file); nothing was read or written. To use it, name "
            f"it PATH.duckdb (or give --db duckdb:{path})"
        )
    for command in (["query", "SELECT 1"], ["feeds"], ["alerts", "pending"]):
        done = _newswatch(*command, "--db", str(path))
        assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
        assert said in done.stderr, done.stderr


def test_the_dashboard_reports_a_foreign_file_as_a_store_error(tmp_path: Path) -> None:
    from pipelines.dashboard.connection import read_connection

    path = tmp_path / "news.sqlite"
    path.write_text("hello\n")
    with pytest.raises(store.StoreError, match="not a SQLite database"), read_connection(path):
        pass
