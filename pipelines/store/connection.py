"""Opening the DuckDB file: one instance per file and process, retry while another process
holds its lock, clear errors for a full disk; small helpers every writer uses."""

from __future__ import annotations

import contextlib
import hashlib
import random
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from tenacity.stop import stop_base

from pipelines.allocators import when_opening_the_store
from pipelines.config import StoreSettings
from pipelines.errors import StoreError, StoreLockedError
from pipelines.store.backend import Backend, parse_location, quote_ident

_LOCK_MARKERS = ("Could not set lock", "Conflicting lock", "database is locked")


def _is_lock_error(exc: BaseException) -> bool:
    """DuckDB reports another process's lock as a plain IOException, a lake's busy SQLite
    catalog as a plain Error: only their text tells."""
    return isinstance(exc, duckdb.Error) and any(marker in str(exc) for marker in _LOCK_MARKERS)


_NO_SPACE_MARKERS = {
    "No space left on device": "the disk is full",
    "Disk quota exceeded": "the disk quota is used up",
    "File too large": "the file size limit (ulimit -f) is reached",
}


def no_space_error(path: Path, exc: BaseException) -> StoreError | None:
    """A clear StoreError when `exc` is DuckDB failing to write for lack of space, else None."""
    text = str(exc)
    for marker, what in _NO_SPACE_MARKERS.items():
        if marker in text:
            return StoreError(
                f"cannot write the database {path}: {what} ({marker}). The write was rolled "
                "back; everything landed before is intact. Free space where the file lives "
                f"({Path(path).resolve().parent}) or point --db / NEWSWATCH_DB at a disk with "
                "room, then run again: the next run lands what this one could not, once."
            )
    return None


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back without hiding the original error: DuckDB has already ended a transaction
    whose COMMIT failed (for example for lack of space), and ROLLBACK then raises."""
    with contextlib.suppress(duckdb.Error):
        con.execute("ROLLBACK")


ROW_GROUP_ROWS = 2048
"""Rows per DuckDB row group (DuckDB's default: 122,880). A checkpoint rewrites the table's
last, partly filled row group whole (with a primary key on the table, as `articles` has), so
its size bounds the memory of every landing: with the default, that memory grew with the
first 122,880 articles (text included) and a backfill's peak with the size of the database
(bench/bench_backfill.py); with 8,192 rows a landing still peaked ~140 MB above the run's
baseline at the end of each group, with 2,048 ~85 MB throughout, and landing got faster."""

_ATTACH_LOCK = threading.Lock()


def _attach(backend: Backend, read_only: bool) -> duckdb.DuckDBPyConnection:
    """A connection whose default catalog is the store.

    Connections to one store within a process share one DuckDB instance (a named in-memory
    database per store, which attaches it once), as `duckdb.connect(path)` would share its
    instance. A lake is attached once per process (and once more read-only for readers, so
    that a reader cannot write by mistake) and each connection is a cursor of that instance:
    a lake's attach holds no lock, and closing and opening instances for every landing left
    two writing processes hanging in the DuckDB instance cache (measured here).
    """
    if not backend.enforces_keys:
        return _lake_cursor(backend, read_only)
    instance = hashlib.sha1(backend.location.encode()).hexdigest()[:20]
    con = duckdb.connect(f":memory:newswatch-{instance}")
    try:
        with _ATTACH_LOCK:
            row = con.execute(
                "SELECT readonly FROM duckdb_databases() WHERE database_name = ?",
                [backend.alias],
            ).fetchone()
            if row is None:
                backend.attach(con, read_only)
            elif row[0] and not read_only:
                raise StoreError(
                    f"{backend.describe()} is open read-only elsewhere in this process; close "
                    "that connection before writing"
                )
        con.execute(f"USE {quote_ident(backend.alias)}")
    except BaseException:
        con.close()
        raise
    return con


_LAKES: dict[tuple[str, bool], duckdb.DuckDBPyConnection] = {}


def _lake_cursor(backend: Backend, read_only: bool) -> duckdb.DuckDBPyConnection:
    with _ATTACH_LOCK:
        root = _LAKES.get((backend.location, read_only))
        if root is None:
            root = duckdb.connect()
            try:
                backend.attach(root, read_only)
            except BaseException:
                root.close()
                raise
            _LAKES[(backend.location, read_only)] = root
    con = root.cursor()
    con.execute(f"USE {quote_ident(backend.alias)}")
    return con


LockWait = Callable[[float, float, str], None]
"""Told before each wait for a lock: (seconds waited so far, seconds about to wait, DuckDB's
message), so that an interactive command can say at once that it is waiting, and why."""


class _waited(stop_base):
    """Stop once `seconds` have been spent waiting between tries (the time the tries took
    does not count)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __call__(self, retry_state: RetryCallState) -> bool:
        return retry_state.idle_for >= self.seconds


def _lock_backoff(
    settings: StoreSettings, max_wait_s: float | None
) -> Callable[[RetryCallState], float]:
    """Exponential backoff from `lock_retry_base_s`, capped at `lock_retry_max_s`, with each
    wait drawn from half to one and a half of it so that waiting processes spread out; never
    past `max_wait_s` of waiting in all."""

    def wait(state: RetryCallState) -> float:
        delay = settings.lock_retry_base_s * 2 ** (state.attempt_number - 1)
        pause = min(delay, settings.lock_retry_max_s) * (0.5 + random.random())
        return pause if max_wait_s is None else min(pause, max_wait_s - state.idle_for)

    return wait


def connect(
    path: Path | str,
    *,
    read_only: bool = False,
    settings: StoreSettings | None = None,
    on_wait: LockWait | None = None,
    max_wait_s: float | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the database, retrying with exponential backoff while another process holds it.

    Gives up after `settings.lock_retries` retries, or once `max_wait_s` seconds have been
    spent waiting when that is given (an interactive reader's bound).
    """
    when_opening_the_store()
    settings = settings or StoreSettings()
    backend = parse_location(path)
    if read_only and not backend.exists():
        local = backend.local_path()
        demo = local.with_name("demo" + local.suffix) if local is not None else None
        hint = (
            f" (the demo's data is in {demo}: add --db {demo})"
            if demo is not None and demo.exists()
            else ""
        )
        raise StoreError(
            f"{backend.describe()} does not exist yet; run `newswatch run` first{hint}"
        )
    if not read_only:
        try:
            backend.prepare()
        except OSError as exc:
            raise path_error(Path(str(path)), exc) from None
    stop: stop_base = stop_after_attempt(settings.lock_retries + 1)
    if max_wait_s is not None:
        stop = stop | _waited(max_wait_s)

    def tell(state: RetryCallState) -> None:
        if on_wait is not None and state.next_action is not None and state.outcome is not None:
            pause = state.next_action.sleep
            on_wait(state.idle_for - pause, pause, str(state.outcome.exception()))

    retrying = Retrying(
        retry=retry_if_exception(_is_lock_error),
        stop=stop,
        wait=_lock_backoff(settings, max_wait_s),
        before_sleep=tell,
        reraise=True,
    )
    try:
        return retrying(_attach, backend, read_only)
    except duckdb.Error as exc:
        if not _is_lock_error(exc):
            if not isinstance(exc, duckdb.IOException):
                raise
            raise no_space_error(path, exc) or StoreError(
                f"cannot open {backend.describe()}: {exc}"
            ) from exc
        tries = retrying.statistics.get("attempt_number", settings.lock_retries + 1)
        waited = retrying.statistics.get("idle_for", 0.0)
        raise StoreLockedError(
            f"{backend.describe()} is locked by another process (tried {tries} times "
            f"over {waited:.0f} s): {exc}. Close the other program (DuckDB CLI, "
            "notebook) or wait for the running flow to finish, then run again; nothing "
            "was written."
        ) from exc


def path_error(path: Path, exc: OSError) -> StoreError:
    """A one-line StoreError for a database path whose directory cannot be made or used."""
    where = exc.filename or path.parent
    what = exc.strerror or str(exc)
    if isinstance(exc, (FileExistsError, NotADirectoryError)):
        what = "a file stands where a directory must be"
    return StoreError(
        f"cannot use {path} as the database: {what} ({where}). Choose a path "
        "in a directory you can write (--db or NEWSWATCH_DB)."
    )


@contextmanager
def string_relation(
    con: duckdb.DuckDBPyConnection, name: str, values: Iterable[str]
) -> Iterator[str]:
    """`values` as a one-column relation `name(value)` within the block.

    A Python list passed as a query parameter costs DuckDB's Python client a failed
    `import pandas` per element when pandas is not installed, which adds up over thousands of
    feed URLs or a landing's articles; an Arrow table goes over in one piece."""
    con.register(name, pa.table({"value": pa.array(list(values), pa.string())}))
    try:
        yield name
    finally:
        con.unregister(name)


def utc_now() -> datetime:
    return datetime.now(UTC)
