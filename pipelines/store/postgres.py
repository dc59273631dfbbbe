"""The scale-out store: DuckLake with its catalog in PostgreSQL and its data files (Parquet) in
a directory every worker reaches, so that monitors on several hosts write one store.

DuckLake keeps every table's metadata (snapshots, files, statistics) in the catalog database
and commits each transaction there, with optimistic conflict detection; PostgreSQL gives the
catalog the concurrent, networked access several hosts need (SQLite's catalog needs one host).
DuckDB reaches PostgreSQL through its `postgres` extension, loaded like `ducklake` from its
PyPI package (never downloaded at run time).

A target is written `ducklake:postgres:<libpq connection string>`, e.g.
`ducklake:postgres:dbname=news host=db.internal user=newswatch`; the data path is needed only
when the lake is created (DuckLake records it in the catalog, and every later attach reads it
from there).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb

from pipelines.errors import StoreError

PREFIX = "ducklake:postgres:"

_EXTENSIONS = {
    "ducklake": ("duckdb_extension_ducklake", "ducklake"),
    "postgres": ("duckdb_extension_postgres_scanner", "postgres_scanner"),
}


@cache
def extension_file(name: str) -> Path:
    """The extension `name` shipped by its PyPI package for this DuckDB version."""
    module_name, stem = _EXTENSIONS[name]
    package = f"duckdb-extension-{module_name.removeprefix('duckdb_extension_')}".replace("_", "-")
    try:
        module = __import__(module_name)
    except ImportError:
        raise StoreError(
            f"the DuckDB {name} extension is not installed; pip install "
            f"'{package}=={duckdb.__version__}' (newswatch's dependencies include it)"
        ) from None
    root = Path(module.__file__).parent
    exact = root / "extensions" / f"v{duckdb.__version__}" / f"{stem}.duckdb_extension"
    if exact.exists():
        return exact
    raise StoreError(
        f"duckdb {duckdb.__version__} needs {package}=={duckdb.__version__}; the installed "
        f"package ships none for it ({root}): pip install '{package}=={duckdb.__version__}'"
    )


def load_extensions(con: duckdb.DuckDBPyConnection) -> None:
    """Load ducklake and postgres from their packages; forbid DuckDB's automatic download."""
    con.execute("SET autoinstall_known_extensions = false")
    for name in _EXTENSIONS:
        con.execute(f"LOAD '{extension_file(name)}'")


@dataclass(frozen=True, slots=True)
class PostgresLake:
    """Where a PostgreSQL-catalog lake lives."""

    dsn: str
    """libpq connection string (`dbname=… host=… port=… user=…`, or a postgresql:// URI)."""
    data_path: str | None = None
    """Directory (or object-storage path) of the data files; needed only to create the lake."""

    @property
    def target(self) -> str:
        return PREFIX + self.dsn

    def describe(self) -> str:
        """The catalog without its password, for messages."""
        return PREFIX + _redact(self.dsn)


def _redact(text: str) -> str:
    """Passwords out of a connection string (key=value or URI form) or a message quoting one."""
    text = re.sub(r"(password\s*=\s*)('[^']*'|\S+)", r"\1***", text)
    return re.sub(r"(postgres(?:ql)?://[^:/@\s]+:)[^@\s]+@", r"\1***@", text)


def parse_target(target: str, data_path: str | None = None) -> PostgresLake:
    """`ducklake:postgres:<dsn>` as a PostgresLake; a clear error for anything else."""
    if not target.startswith(PREFIX) or not target[len(PREFIX) :].strip():
        raise StoreError(
            f"store {target!r} is not a PostgreSQL-catalog lake: write "
            f"'{PREFIX}dbname=NAME host=HOST user=USER' (a libpq connection string)"
        )
    return PostgresLake(target[len(PREFIX) :].strip(), data_path)


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


_INIT_RACE_MARKERS = ("Failed to initialize DuckLake", "already exists", "Transaction conflict")
_UNREACHABLE_MARKERS = ("Connection refused", "could not connect", "connection to server")


def attach(
    con: duckdb.DuckDBPyConnection,
    lake: PostgresLake,
    alias: str,
    *,
    read_only: bool = False,
    tries: int = 8,
) -> None:
    """Attach the lake as `alias` (creating it in an empty database when writable).

    Several workers starting at once on an empty catalog race to create DuckLake's tables;
    the losers' attach fails and is tried again, and then finds the winner's lake.
    """
    load_extensions(con)
    options = ["READ_ONLY"] if read_only else []
    if lake.data_path and not read_only:
        options.append(f"DATA_PATH {_sql_string(lake.data_path)}")
    sql = f'ATTACH {_sql_string(lake.target)} AS "{alias}"'
    if options:
        sql += f" ({', '.join(options)})"
    for attempt in range(1, tries + 1):
        try:
            con.execute(sql)
            return
        except duckdb.Error as exc:
            text = str(exc)
            if any(marker in text for marker in _UNREACHABLE_MARKERS):
                reason = text.rsplit(" failed: ", 1)[-1].splitlines()[0].strip()
                raise StoreError(
                    f"cannot reach the store's PostgreSQL catalog {lake.describe()}: "
                    f"{_redact(reason)}. Check that PostgreSQL runs there and that the "
                    "store setting names it (host, port, dbname, user); nothing was written."
                ) from exc
            if "DATA_PATH" in text or "data path" in text.lower():
                raise StoreError(
                    f"the lake {lake.describe()} does not exist yet and needs a data path to "
                    f"be created: set the store's data path (a directory every worker "
                    f"reaches). DuckDB said: {text.splitlines()[0]}"
                ) from exc
            if attempt == tries or not any(m in text for m in _INIT_RACE_MARKERS):
                raise StoreError(
                    f"cannot open the lake {lake.describe()}: {_redact(text.splitlines()[0])}"
                ) from exc
            time.sleep(0.05 * attempt)
