"""`newswatch store line | migrate`: how to open the store, and moving it between backends."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flows.cli_common import DB_DEFAULT, DbPath, console, fail

admin_app = typer.Typer(
    name="store", help="The store: the line that opens it, and copying it to another backend."
)


@admin_app.command()
def line(db: DbPath = DB_DEFAULT) -> None:
    """Print the one SQL line that opens the store read-only (DuckDB CLI, Python, notebook)."""
    from pipelines.store.backend import parse_location

    console.print(parse_location(db).reader_sql(), markup=False, highlight=False, soft_wrap=True)


@admin_app.command()
def migrate(
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="The new store: PATH.sqlite or ducklake:sqlite:PATH (a lake), "
            "'ducklake:postgres:dbname=… host=… data_path=DIR' (a lake on PostgreSQL), "
            "PATH.duckdb (a DuckDB file). It must not exist yet.",
        ),
    ],
    db: DbPath = DB_DEFAULT,
) -> None:
    """Copy every table of the store (--db) into a new store of another backend, checking
    each table's row count; the source is left as it was (brought to the current schema)."""
    from pipelines.errors import StoreError
    from pipelines.store.backend import parse_location
    from pipelines.store.transfer import copy_store

    try:
        copied = copy_store(db, Path(to) if ":" not in to else to)
    except StoreError as exc:
        raise fail(str(exc)) from None
    total = sum(t.rows for t in copied)
    for t in copied:
        console.print(f"  {t.table:<28} {t.rows:>10}", highlight=False)
    console.print(
        f"copied {total} rows in {len(copied)} tables from {db} to {to}, every count checked. "
        f"Use it with --db {to} (or NEWSWATCH_DB). Open it with:",
        highlight=False,
    )
    console.print(parse_location(to).reader_sql(), markup=False, highlight=False, soft_wrap=True)
