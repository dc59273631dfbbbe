"""Copy a whole store into a new one of another backend (`newswatch store migrate`): a
DuckDB file into a lake, or a lake back into a DuckDB file.

The source is first brought to the current schema (as any command that writes would), then
attached read-only into the new store's connection, and every table is copied in one write
transaction; each table's row count in the new store must equal the source's, or nothing is
kept. The full-text index is not copied: `newswatch search` rebuilds it where the new store
keeps it.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.config import StoreSettings
from pipelines.errors import StoreError
from pipelines.store.backend import parse_location, quote_ident
from pipelines.store.schema import open_store
from pipelines.store.txn import write_transaction

SOURCE_ALIAS = "newswatch_migrate_source"
_NOT_COPIED = {"schema_version", "store_writer", "search_index_state"}
"""Each store keeps its own: migrations applied, the writers' row, the search index state."""


@dataclass(frozen=True, slots=True)
class TableCopy:
    table: str
    rows: int


def copy_store(
    source: str | Path, target: str | Path, settings: StoreSettings | None = None
) -> list[TableCopy]:
    """Copy every table of `source` into the new store `target`; returns the rows per table.

    Raises StoreError when `target` exists already (copying into it would double its rows),
    when the source does not exist, or when any table's count differs after the copy (the
    copy is then rolled back and the new store left empty)."""
    src, dst = parse_location(source), parse_location(target)
    same_file = src.local_path() is not None and src.local_path() == dst.local_path()
    if src.location == dst.location or same_file:
        raise StoreError(f"the source and the target are the same store ({src.describe()})")
    if not src.exists():
        raise StoreError(f"{src.describe()} does not exist; nothing to migrate")
    if dst.exists():
        raise StoreError(
            f"{dst.describe()} exists already; migrate copies into a new store only (move it "
            "away, or choose another --to)"
        )
    with open_store(source, settings=settings) as con:
        source_tables = _tables(con)
    try:
        with open_store(target, settings=settings) as con:
            src.attach(con, read_only=True, alias=SOURCE_ALIAS)
            try:
                return write_transaction(con, lambda con: _copy(con, source_tables))
            finally:
                con.execute(f"DETACH {quote_ident(SOURCE_ALIAS)}")
    except BaseException:
        _remove_new_store(dst.local_path())
        raise


def _remove_new_store(path: Path | None) -> None:
    """Remove what a failed migration created, so that it can simply be run again."""
    if path is None:
        return
    for suffix in ("", ".wal", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    files = path.with_name(path.name + ".files")
    if files.is_dir():
        shutil.rmtree(files, ignore_errors=True)


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' ORDER BY table_name"
    ).fetchall()
    return [r[0] for r in rows if r[0] not in _NOT_COPIED]


def _copy(con: duckdb.DuckDBPyConnection, tables: list[str]) -> list[TableCopy]:
    """One try of the copy, inside the write transaction."""
    mine = set(_tables(con))
    missing = sorted(set(tables) - mine)
    if missing:
        raise StoreError(f"the new store lacks tables of the source: {', '.join(missing)}")
    out = []
    source = quote_ident(SOURCE_ALIAS)
    for table in tables:
        name = quote_ident(table)
        con.execute(f"DELETE FROM {name}")
        con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM {source}.main.{name}")
        want = _count(con, f"SELECT count(*) FROM {source}.main.{name}")
        got = _count(con, f"SELECT count(*) FROM {name}")
        if got != want:
            raise StoreError(
                f"copying {table} gave {got} rows for {want} in the source; nothing was kept"
            )
        out.append(TableCopy(table, got))
    return out


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0
