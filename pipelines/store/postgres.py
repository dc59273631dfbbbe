"""The scale-out store: DuckLake with its catalog in PostgreSQL and its data files (Parquet) in
a directory every worker reaches, so that monitors on several hosts write one store.

DuckLake keeps every table's metadata (snapshots, files, statistics, small inlined inserts) in
the catalog database and commits each transaction there, with optimistic conflict detection;
PostgreSQL gives the catalog the concurrent, networked access several hosts need (a SQLite
catalog needs one host). DuckDB reaches PostgreSQL through its `postgres` extension, loaded
like `ducklake` from its PyPI package (never downloaded at run time).

A location is `ducklake:postgres:<libpq connection string>`, e.g.
`ducklake:postgres:dbname=news host=db.internal user=newswatch data_path=/srv/newswatch-lake`.
`data_path` is ours, not libpq's (taken out before connecting): the directory (or
object-storage path) of the data files, needed only when the lake is created; DuckLake records
it in the catalog and every later attach reads it from there, so it must be the same path on
every host (a shared mount). Passwords belong in libpq's `~/.pgpass` or `PGPASSWORD`, not in
the location; one that is there anyway is hidden in every message.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import duckdb

from pipelines.errors import StoreError
from pipelines.store.backend import (
    Backend,
    load_extension,
    quote_ident,
    quote_literal,
    register_catalog,
)

CATALOG = "postgres"
PREFIX = f"ducklake:{CATALOG}:"
ALIAS = "newswatch"

_DATA_PATH_KV = re.compile(r"(?:^|\s)data_path\s*=\s*('(?:[^'\\]|\\.)*'|\S+)")


def split_data_path(conninfo: str) -> tuple[str, str | None]:
    """(the libpq connection string without `data_path`, the data path or None)."""
    text = conninfo.strip()
    if text.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(text)
        query = parse_qsl(parts.query, keep_blank_values=True)
        paths = [v for k, v in query if k == "data_path"]
        rest = urlencode([(k, v) for k, v in query if k != "data_path"])
        return urlunsplit(parts._replace(query=rest)), (paths[-1] if paths else None)
    found = _DATA_PATH_KV.search(text)
    if found is None:
        return text, None
    value = found.group(1)
    data = shlex.split(value)[0] if value.startswith("'") else value
    return (text[: found.start()] + text[found.end() :]).strip(), data


def redact(text: str) -> str:
    """Passwords out of a connection string (key=value or URI form) or a message quoting one."""
    text = re.sub(r"(password\s*=\s*)('[^']*'|\S+)", r"\1***", text)
    return re.sub(r"(postgres(?:ql)?://[^:/@\s]+:)[^@\s]+@", r"\1***@", text)


def _without_password(conninfo: str) -> str:
    """The connection string an analyst's line shows: any password left out (libpq finds it
    in ~/.pgpass or PGPASSWORD)."""
    text = re.sub(r"\s*\bpassword\s*=\s*('[^']*'|\S+)", "", conninfo).strip()
    return re.sub(r"(postgres(?:ql)?://[^:/@\s]+):[^@\s]+@", r"\1@", text)


_INIT_RACE_MARKERS = ("Failed to initialize DuckLake", "already exists", "Transaction conflict")
_UNREACHABLE_MARKERS = ("Connection refused", "could not connect", "connection to server")
_NO_DATA_PATH = "data_path is not set"
_KNOWN_TO_EXIST: set[str] = set()
_NO_LAKE = "creating a new DuckLake is explicitly disabled"


@dataclass(frozen=True)
class DuckLakePostgres(Backend):
    """DuckLake, PostgreSQL catalog: several hosts, several processes, readers that never
    block a landing. Writes serialise like every lake's (`enforces_keys` is False)."""

    conninfo: str
    data_path: str | None = None
    location: str = ""
    kind: str = "ducklake"
    catalog: str = CATALOG
    enforces_keys: bool = False

    @property
    def alias(self) -> str:
        return ALIAS

    @property
    def target(self) -> str:
        """DuckLake's ATTACH path."""
        return PREFIX + self.conninfo

    def exists(self) -> bool:
        """Whether the catalog holds a lake; asks PostgreSQL (an unreachable one is an error)
        until the answer is yes, which this process then remembers: every read-only open asks,
        and a lake does not go away under its readers."""
        if self.conninfo in _KNOWN_TO_EXIST:
            return True
        con = duckdb.connect()
        try:
            self.attach(con, read_only=True)
        except StoreError as exc:
            if "does not exist yet" in str(exc):
                return False
            raise
        finally:
            con.close()
        _KNOWN_TO_EXIST.add(self.conninfo)
        return True

    def prepare(self) -> None:
        """Make the data directory when it is a local path (object storage needs none)."""
        if self.data_path and "://" not in self.data_path:
            try:
                Path(self.data_path).mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"cannot use {self.data_path} as the lake's data path: "
                    f"{exc.strerror or exc}. Give a directory every worker can write "
                    "(data_path=… in the store location)."
                ) from None

    def attach(
        self,
        con: duckdb.DuckDBPyConnection,
        read_only: bool,
        alias: str | None = None,
        tries: int = 8,
    ) -> None:
        """Attach under `alias`, creating the lake in an empty database when writable.

        Several workers starting at once on an empty catalog race to create DuckLake's tables;
        the losers' attach fails and is tried again, and then finds the winner's lake.
        """
        load_extension(con, "postgres_scanner")
        load_extension(con, "ducklake")
        options = ["READ_ONLY"] if read_only else []
        if self.data_path and not read_only:
            options.append(f"DATA_PATH {quote_literal(self.data_path)}")
        sql = f"ATTACH {quote_literal(self.target)} AS {quote_ident(alias or self.alias)}"
        if options:
            sql += f" ({', '.join(options)})"
        for attempt in range(1, tries + 1):
            try:
                con.execute(sql)
                return
            except duckdb.Error as exc:
                self._raise_clear(exc, read_only, last=attempt == tries)
                time.sleep(0.05 * attempt)

    def _raise_clear(self, exc: duckdb.Error, read_only: bool, last: bool) -> None:
        """Raise what a failed attach means, unless it lost the creation race (try again)."""
        text = str(exc)
        if any(marker in text for marker in _UNREACHABLE_MARKERS):
            reason = text.rsplit(" failed: ", 1)[-1].splitlines()[0].strip()
            raise StoreError(
                f"cannot reach the store's PostgreSQL catalog {self.describe()}: "
                f"{redact(reason)}. Check that PostgreSQL runs there and that the location "
                "names it (host, port, dbname, user); nothing was written."
            ) from exc
        if _NO_DATA_PATH in text or _NO_LAKE in text:
            raise StoreError(
                f"the {self.describe()} does not exist yet: "
                + (
                    "run `newswatch run` first"
                    if read_only
                    else "add data_path=DIR to the location (the directory of its data "
                    "files, the same path on every host) to create it"
                )
            ) from exc
        if "does not match existing data path" in text:
            recorded = text.rsplit("in the catalog", 1)[-1].split(".")[0].strip()
            raise StoreError(
                f"the {self.describe()} keeps its data files in {recorded}, not in "
                f"{self.data_path}: give that data_path in the location, or none (the catalog "
                "knows it)"
            ) from exc
        if last or not any(marker in text for marker in _INIT_RACE_MARKERS):
            raise StoreError(
                f"cannot open the {self.describe()}: {redact(text.splitlines()[0])}"
            ) from exc

    def reader_sql(self) -> str:
        where = quote_literal(PREFIX + _without_password(self.conninfo))
        return f"ATTACH {where} AS {ALIAS} (READ_ONLY); USE {ALIAS};"

    def search_path(self) -> Path:
        """A DuckDB file on this host: the full-text index is built where it is searched
        (it is derived from the lake and rebuilt when articles landed since)."""
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newswatch"
        digest = hashlib.sha1(self.conninfo.encode()).hexdigest()[:12]
        return cache / f"lake-{digest}.search.duckdb"

    def describe(self) -> str:
        return f"lake {PREFIX}{redact(self.conninfo)}"


def parse(rest: str, location: str) -> DuckLakePostgres:
    """`ducklake:postgres:<rest>` as a backend (see the module docstring).

    A location reaches here through `pathlib.Path` on some paths (the CLI's `--db`), which
    folds a URI's `//` into `/`: `postgresql:/user@host/db` is read back as the URI."""
    rest = re.sub(r"^(postgres(?:ql)?):/(?!/)", r"\1://", rest.strip())
    conninfo, data_path = split_data_path(rest)
    if not conninfo:
        raise StoreError(
            f"store {redact(location)!r} names no PostgreSQL database: write "
            f"'{PREFIX}dbname=NAME host=HOST user=USER data_path=DIR'"
        )
    return DuckLakePostgres(conninfo, data_path, location=location)


register_catalog(CATALOG, parse)
