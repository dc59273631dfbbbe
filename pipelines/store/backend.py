"""Where the store lives, and how a connection reaches it: one interface, several backends.

A store is named by one string, its *location* (`--db`, `NEWSWATCH_DB`, a deployment's
`db_path`):

| location                              | backend                                            |
|---------------------------------------|----------------------------------------------------|
| `data/newswatch.sqlite`,              | DuckLake, SQLite catalog at that path, data files  |
| `ducklake:sqlite:data/newswatch.sqlite` | (Parquet) in `data/newswatch.sqlite.files/`      |
| `data/newswatch.duckdb`,              | one DuckDB file (the store before DuckLake)        |
| `duckdb:data/newswatch.duckdb`        |                                                    |
| `ducklake:postgres:CONNINFO`          | registered by the PostgreSQL catalog module        |

Why DuckLake by default: a DuckDB file admits one writing process and no reader while it
writes, so an analyst's open notebook stopped every landing. A DuckLake keeps its catalog in
SQLite (in WAL mode: readers never block the writer, the writer never breaks a reader) and
its rows in immutable Parquet files, so readers hold a snapshot while runs land.

The interface, kept stable for other backends (`register_catalog` adds one):

- `parse_location(location) -> Backend` picks the backend; `Backend.location` is the string.
- `Backend.attach(con, read_only, alias=None)` attaches the store into a DuckDB connection
  under `alias` or `Backend.alias` (the caller makes it the default catalog with USE);
  `Backend.exists()` and `Backend.prepare()` (directories, catalog file) come before a
  first write; `Backend.local_path()` is the file on this host, if any, and
  `Backend.absolute()` the location with that path made absolute.
- `backend_of(con)` is the backend of a connection's default catalog.
- `Backend.reader_sql()` is the one SQL line an analyst runs to open the data (README).
- `Backend.enforces_keys`: whether the engine enforces primary keys (a DuckDB file does; a
  lake has none, so its writes serialise through `store_writer`, see `pipelines.store.txn`).
- `Backend.search_path()`: the DuckDB file that holds the full-text index.
- `Backend.describe()`: how messages name the store.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb

from pipelines.errors import StoreError

DUCKLAKE_PREFIX = "ducklake:"
DUCKDB_PREFIX = "duckdb:"
LAKE_SUFFIXES = (".sqlite", ".sqlite3")
_RESERVED_ALIASES = {"memory", "temp", "system", "main"}


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def quote_ident(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _plain_ident(text: str) -> str:
    """An identifier as a person writes it: bare when it can be, quoted otherwise."""
    return text if re.fullmatch(r"[a-z_][a-z0-9_]*", text) else quote_ident(text)


def _alias_for(path: Path) -> str:
    """The catalog name: the file's stem (`newswatch`), as `duckdb.connect(path)` names it."""
    stem = path.stem
    return stem if stem.lower() not in _RESERVED_ALIASES else "newswatch"


# -- extensions, from the PyPI packages that ship them -----------------------------------

_EXTENSIONS = {
    # DuckDB's extension name -> (PyPI module, file name inside it)
    "ducklake": ("duckdb_extension_ducklake", "ducklake"),
    "sqlite_scanner": ("duckdb_extension_sqlite", "sqlite"),
    "fts": ("duckdb_extension_fts", "fts"),
    "postgres_scanner": ("duckdb_extension_postgres_scanner", "postgres_scanner"),
}


@cache
def extension_file(name: str) -> Path:
    """The extension's file, named as DuckDB expects (`sqlite_scanner.duckdb_extension`: the
    package ships it as `sqlite.duckdb_extension`, whose name LOAD would misread)."""
    module_name, file_stem = _EXTENSIONS[name]
    try:
        module = __import__(module_name)
    except ImportError:
        package = module_name.replace("_", "-")
        raise StoreError(
            f"the DuckDB extension {name} is not installed: pip install "
            f"'{package}=={duckdb.__version__}'"
        ) from None
    root = Path(module.__file__).parent
    shipped = root / "extensions" / f"v{duckdb.__version__}" / f"{file_stem}.duckdb_extension"
    if not shipped.exists():
        found = sorted(p.parent.name for p in root.glob("extensions/*/*.duckdb_extension"))
        raise StoreError(
            f"duckdb {duckdb.__version__} needs {module_name.replace('_', '-')}=="
            f"{duckdb.__version__}; found {', '.join(found) or 'no extension file'} in {root}"
        )
    if file_stem == name:
        return shipped
    renamed = Path(tempfile.gettempdir()) / f"newswatch-ext-{duckdb.__version__}"
    renamed.mkdir(exist_ok=True)
    link = renamed / f"{name}.duckdb_extension"
    if not link.exists():
        with contextlib.suppress(FileExistsError):
            link.symlink_to(shipped)
    return link


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Load an extension from its PyPI package, never from the network; also install it into
    DuckDB's extension directory (best effort) so that a plain `duckdb` session (CLI,
    notebook) autoloads it when it opens the store with `Backend.reader_sql()`."""
    con.execute("SET autoinstall_known_extensions = false")
    row = con.execute(
        "SELECT loaded, installed FROM duckdb_extensions() WHERE extension_name = ?", [name]
    ).fetchone()
    if row is not None and row[0]:
        return
    path = quote_literal(str(extension_file(name)))
    if row is None or not row[1]:
        with contextlib.suppress(duckdb.Error):
            con.execute(f"INSTALL {path}")
    con.execute(f"LOAD {path}")


# -- backends ----------------------------------------------------------------------------


class Backend(ABC):
    """One kind of store; see the module docstring for the contract."""

    location: str
    kind: str
    catalog: str
    enforces_keys: bool

    @property
    @abstractmethod
    def alias(self) -> str:
        """The catalog name the store is attached under (also in `reader_sql`)."""

    @abstractmethod
    def exists(self) -> bool:
        """Whether the store was created (a read-only open needs it)."""

    @abstractmethod
    def prepare(self) -> None:
        """Make what a first write needs (directories, the catalog file)."""

    @abstractmethod
    def attach(
        self, con: duckdb.DuckDBPyConnection, read_only: bool, alias: str | None = None
    ) -> None:
        """Attach the store into `con` under `alias` (default: `self.alias`), not yet made
        the default catalog."""

    @abstractmethod
    def reader_sql(self) -> str:
        """The analyst's one line: attach the store read-only and make it the default."""

    @abstractmethod
    def search_path(self) -> Path:
        """The DuckDB file that holds the full-text index."""

    @abstractmethod
    def describe(self) -> str:
        """How messages name the store."""

    def check(self) -> None:
        """Raise `StoreError` when what is at the location already cannot be this store
        (another program's file): before a first write changes it, or a reader fails
        inside the engine. Nothing to check by default."""
        return None

    def local_path(self) -> Path | None:
        """The file or catalog file on this host, when there is one (space and path errors)."""
        return None

    def absolute(self) -> str:
        """The location with any local path made absolute (for processes started elsewhere,
        such as deployments' workers)."""
        local = self.local_path()
        if local is None:
            return self.location
        prefix = self.location[: len(self.location) - len(str(local))]
        if not self.location.endswith(str(local)):
            prefix = ""
        return prefix + str(local.resolve())


@dataclass(frozen=True)
class DuckDBFile(Backend):
    """The single DuckDB file: one writing process, readers only while nobody writes."""

    path: Path
    location: str = ""
    kind: str = "duckdb"
    catalog: str = "file"
    enforces_keys: bool = True

    @property
    def alias(self) -> str:
        return _alias_for(self.path)

    def exists(self) -> bool:
        return self.path.exists()

    def prepare(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def attach(
        self, con: duckdb.DuckDBPyConnection, read_only: bool, alias: str | None = None
    ) -> None:
        from pipelines.store.connection import ROW_GROUP_ROWS

        options = "READ_ONLY" if read_only else f"ROW_GROUP_SIZE {ROW_GROUP_ROWS}"
        con.execute(
            f"ATTACH {quote_literal(str(self.path.resolve()))} "
            f"AS {quote_ident(alias or self.alias)} ({options})"
        )

    def reader_sql(self) -> str:
        name = _plain_ident(self.alias)
        return f"ATTACH {quote_literal(str(self.path))} AS {name} (READ_ONLY); USE {name};"

    def search_path(self) -> Path:
        return self.path

    def describe(self) -> str:
        return f"database {self.path}"

    def local_path(self) -> Path | None:
        return self.path


@dataclass(frozen=True)
class DuckLakeSQLite(Backend):
    """DuckLake with a SQLite catalog (WAL mode) and Parquet files beside it: one host,
    several processes, readers that never block a landing."""

    path: Path
    location: str = ""
    kind: str = "ducklake"
    catalog: str = "sqlite"
    enforces_keys: bool = False

    @property
    def alias(self) -> str:
        return _alias_for(self.path)

    @property
    def data_path(self) -> Path:
        """Where the Parquet files go: `<catalog>.files/` beside the catalog (given as an
        absolute path when the lake is made; the catalog keeps it, so readers need not)."""
        return self.path.with_name(self.path.name + ".files")

    def exists(self) -> bool:
        return self.path.exists()

    def prepare(self) -> None:
        """Create the catalog file in WAL mode before DuckLake fills it: in SQLite's default
        journal mode a reader's open transaction makes every commit fail with 'database is
        locked' (and left the writer's catalog connection unusable, measured here)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if _is_wal(self.path):
            return  # prepared already; `attach` checks what the file is
        self.check()  # before the journal mode of another program's file is changed
        try:
            db = sqlite3.connect(self.path, timeout=30)
        except sqlite3.Error as exc:
            raise StoreError(
                f"cannot create the lake's catalog {self.path}: {exc}. Choose a path in a "
                "directory you can write (--db or NEWSWATCH_DB)"
            ) from None
        try:
            db.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError:
            pass  # busy: another process has it open, so it was prepared already
        except sqlite3.DatabaseError as exc:
            raise self._not_a_catalog(_foreign_sqlite(self.path) or str(exc)) from None
        finally:
            db.close()

    def check(self) -> None:
        problem = _foreign_sqlite(self.path)
        if problem is not None:
            raise self._not_a_catalog(problem)

    def _not_a_catalog(self, problem: str) -> StoreError:
        advice = (
            f"To use it, name it PATH.duckdb (or give --db duckdb:{self.path}), or copy it "
            f"into a lake with `newswatch store migrate --db duckdb:{self.path} --to NEW.sqlite`"
            if problem == _DUCKDB_FILE
            else "Give --db a new path or a newswatch store's (for example data/newswatch.sqlite)"
        )
        return StoreError(
            f"{self.path} is not a DuckLake SQLite catalog ({problem}); nothing was read or "
            f"written. {advice}"
        )

    def attach(
        self, con: duckdb.DuckDBPyConnection, read_only: bool, alias: str | None = None
    ) -> None:
        self.check()
        load_extension(con, "sqlite_scanner")
        load_extension(con, "ducklake")
        data = quote_literal(str(self.data_path.resolve()) + "/")
        options = " (READ_ONLY)" if read_only else f" (DATA_PATH {data})"
        try:
            con.execute(
                f"ATTACH {quote_literal('ducklake:sqlite:' + str(self.path.resolve()))} "
                f"AS {quote_ident(alias or self.alias)}{options}"
            )
        except duckdb.Error as exc:
            if "does not match existing data path" not in str(exc):
                raise
            raise StoreError(
                f"{self.path}: this lake's catalog keeps its data in another folder than "
                f"{self.data_path} (it was copied or moved without its data path). Read it where "
                "it was made, or copy it into a new lake with `newswatch store migrate --db "
                f"{self.path} --to NEW.sqlite`"
            ) from None

    def reader_sql(self) -> str:
        name = _plain_ident(self.alias)
        where = quote_literal("ducklake:sqlite:" + str(self.path))
        return f"ATTACH {where} AS {name} (READ_ONLY); USE {name};"

    def search_path(self) -> Path:
        return self.path.with_name(self.path.stem + ".search.duckdb")

    def describe(self) -> str:
        return f"lake {self.path}"

    def local_path(self) -> Path | None:
        return self.path


_SQLITE_HEADER = b"SQLite format 3\x00"
_CATALOG_TABLE = "ducklake_metadata"
_DUCKDB_FILE = "it is a DuckDB database file"
_PEEK_TIMEOUT_S = 0.5
"""How long the check waits for a busy catalog before leaving the verdict to the engine."""


def _foreign_sqlite(path: Path) -> str | None:
    """Why an existing file cannot be a DuckLake SQLite catalog, or None (no file, an empty
    one, an empty SQLite database, a catalog, or one that cannot be read now: busy or locked,
    which opening it reports). Read-only, and leaves no file beside it: a WAL-mode database
    that nobody has open is read as immutable, since SQLite would otherwise make its -wal
    and -shm files even for a reader."""
    try:
        with path.open("rb") as f:
            header = f.read(20)
    except OSError:
        return None  # missing or unreadable: creating or opening it says what is wrong
    if not header:
        return None
    if not header.startswith(_SQLITE_HEADER):
        if header[8:12] == b"DUCK":
            return _DUCKDB_FILE
        return "it is not a SQLite database"
    idle_wal = _wal_header(header) and not Path(f"{path}-wal").exists()
    uri = f"{path.resolve().as_uri()}?mode=ro" + ("&immutable=1" if idle_wal else "")
    try:
        db = sqlite3.connect(uri, uri=True, timeout=_PEEK_TIMEOUT_S)
    except sqlite3.Error:
        return None
    try:
        tables = [
            row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
    except sqlite3.OperationalError:
        return None  # locked or busy: not a verdict on what the file is
    except sqlite3.Error as exc:
        return f"SQLite cannot read it: {exc}"
    finally:
        db.close()
    if tables and _CATALOG_TABLE not in tables:
        shown = ", ".join(sorted(tables)[:5]) + (", …" if len(tables) > 5 else "")
        return f"a SQLite database of another program, with tables {shown}"
    return None


def _is_wal(path: Path) -> bool:
    """Whether a SQLite file is in WAL mode, read from its header (bytes 18 and 19 are 2)
    without opening a connection that could meet another process's lock."""
    try:
        with path.open("rb") as f:
            header = f.read(20)
    except FileNotFoundError:
        return False
    return _wal_header(header)


def _wal_header(header: bytes) -> bool:
    """Whether the first 20 bytes of a SQLite file say WAL mode (bytes 18 and 19 are 2)."""
    return len(header) == 20 and header[18] == 2 and header[19] == 2


CatalogFactory = Callable[[str, str], Backend]
"""(catalog-specific rest of the location, whole location) -> Backend."""

_CATALOGS: dict[str, CatalogFactory] = {
    "sqlite": lambda rest, location: DuckLakeSQLite(Path(rest), location=location),
}


def register_catalog(name: str, factory: CatalogFactory) -> None:
    """Add a DuckLake catalog kind: `ducklake:<name>:<rest>` then builds `factory(rest, …)`."""
    _CATALOGS[name] = factory


def parse_location(location: str | Path) -> Backend:
    """The backend a store location names (see the module docstring)."""
    text = str(location).strip()
    if not text:
        raise StoreError("the store location is empty: give --db PATH or NEWSWATCH_DB")
    if text.startswith(DUCKLAKE_PREFIX):
        kind, sep, rest = text[len(DUCKLAKE_PREFIX) :].partition(":")
        factory = _CATALOGS.get(kind)
        if not sep or factory is None or not rest:
            known = ", ".join(f"ducklake:{k}:…" for k in sorted(_CATALOGS))
            raise StoreError(
                f"cannot use {text!r} as the store: a DuckLake location is one of {known}"
            )
        return factory(rest, text)
    if text.startswith(DUCKDB_PREFIX):
        path = Path(text[len(DUCKDB_PREFIX) :])
        return DuckDBFile(path, location=text)
    path = Path(text)
    if path.suffix.lower() in LAKE_SUFFIXES:
        return DuckLakeSQLite(path, location=text)
    return DuckDBFile(path, location=text)


def enforces_keys(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the connection's default catalog enforces primary keys (a DuckDB file, not a
    lake): the SQL that depends on it asks the connection, so callers pass no backend."""
    row = con.execute(
        "SELECT type FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return row is None or row[0] != "ducklake"


def backend_of(con: duckdb.DuckDBPyConnection) -> Backend:
    """The backend of the connection's default catalog (from the path DuckDB attached)."""
    row = con.execute(
        "SELECT path, type FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    if row is None or row[0] is None:
        raise StoreError("this connection has no store attached")
    path, kind = row
    return parse_location(DUCKLAKE_PREFIX + path if kind == "ducklake" else DUCKDB_PREFIX + path)
