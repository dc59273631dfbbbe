"""What every `newswatch` command shares: option types, consoles, error exit, quiet Prefect."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pipelines.config import CONFIG_DIR_ENV, DB_ENV, DEFAULT_DB, RUN_CONFIG_DIR

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True, emoji=False)  # "x.yaml:100:" is no emoji code

CONFIG_DIR_DEFAULT = Path(RUN_CONFIG_DIR)
DB_DEFAULT = Path(DEFAULT_DB)


def _config_dir_option(help: str) -> typer.models.OptionInfo:
    return typer.Option("--config-dir", envvar=CONFIG_DIR_ENV, help=help)


ConfigDir = Annotated[
    Path,
    _config_dir_option(
        "Directory with feeds.yaml (and optional rules.yaml, entities.yaml, settings.yaml)."
    ),
]
RulesConfigDir = Annotated[
    Path,
    _config_dir_option("Directory with rules.yaml and entities.yaml (defaults: shipped ones)."),
]
DbPath = Annotated[
    Path,
    typer.Option(
        "--db",
        envvar=DB_ENV,
        help="The store: a DuckLake catalog (PATH.sqlite, or ducklake:sqlite:PATH), a DuckLake "
        "on PostgreSQL for several hosts ('ducklake:postgres:dbname=… host=… data_path=DIR') "
        "or a DuckDB file (PATH.duckdb).",
    ),
]

WaitSeconds = Annotated[
    float,
    typer.Option(
        "--wait",
        min=0,
        help="Seconds to keep trying while another process holds the database.",
    ),
]
DEFAULT_WAIT_S = 30.0


def lock_notice(db: Path, max_wait_s: float) -> Callable[[float, float, str], None]:
    """A `connect(on_wait=…)` callback: says on stderr at once that the command waits for the
    database and why, then how long it has waited, every few seconds."""
    started = time.monotonic()
    last_said = [-1.0]

    def notify(waited: float, pause: float, message: str) -> None:
        now = time.monotonic() - started
        if last_said[0] < 0:
            err_console.print(
                f"waiting for {db}: another process holds it (a run writing, or a program "
                "such as the DuckDB CLI or a notebook with a DuckDB file open; a DuckDB file "
                "allows one writer or many readers). Trying again for up to "
                f"{max_wait_s:g} s (--wait)…",
                highlight=False,
                markup=False,
            )
            last_said[0] = now
        elif now - last_said[0] >= 5:
            err_console.print(
                f"  still waiting for {db} ({now:.0f} s)…", highlight=False, markup=False
            )
            last_said[0] = now

    return notify


def usable_db_path(db: Path) -> None:
    """Stop with one line before anything starts when `db` cannot be created or written:
    its directory cannot be made (read-only or forbidden filesystem, a file in the way), it
    is not writable, or a new store's name says neither kind of store (`news.sqlit`, a typo,
    once made a DuckDB file where a lake was meant)."""
    from pipelines.store.backend import parse_location
    from pipelines.store.connection import path_error

    location = db
    local = parse_location(db).local_path()
    if local is None:
        return
    db = local
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise fail(str(path_error(db, exc))) from None
    if db.is_dir():
        example = db / "newswatch.sqlite"
        raise fail(f"{db} is a directory; --db names the database file, e.g. {example}")
    if not db.exists() and not _names_a_store_kind(str(location)):
        raise fail(
            f"{db}: a new store is named PATH.sqlite (a DuckLake, the default) or PATH.duckdb "
            f"(one DuckDB file), e.g. {db.with_suffix('.sqlite')}; `duckdb:{db}` makes a "
            "DuckDB file under this very name"
        )
    target = db if db.exists() else db.parent
    if not os.access(target, os.W_OK):
        raise fail(
            f"cannot write {target} (permission denied); choose a path in a directory you can "
            "write (--db or NEWSWATCH_DB)"
        )


def _names_a_store_kind(location: str) -> bool:
    """An explicit kind (`duckdb:…`, `ducklake:…`) or a suffix that names one, as
    `parse_location` reads them."""
    from pipelines.store.backend import DUCKDB_PREFIX, DUCKLAKE_PREFIX, LAKE_SUFFIXES

    return location.startswith((DUCKDB_PREFIX, DUCKLAKE_PREFIX)) or Path(
        location
    ).suffix.lower() in (*LAKE_SUFFIXES, ".duckdb")


def existing_db(db: Path) -> None:
    """Stop with one line when a command that changes stored data (`rematch`, `alerts retry`,
    `feeds --enable`), or the dashboard, names a database that does not exist: opening it for
    writing would create an empty one and report "0 done", hiding a mistyped --db (or the
    demo's database, which the hint names)."""
    from pipelines.store.backend import parse_location

    if parse_location(db).exists():
        return
    if db.stem == "demo":
        raise fail(f"database {db} does not exist yet; run `newswatch demo --db {db}` first")
    demo = db.with_name("demo" + (db.suffix if db.suffix in (".duckdb", ".sqlite") else ".sqlite"))
    hint = f" (the demo's data is in {demo}: add --db {demo})" if demo.exists() else ""
    raise fail(f"database {db} does not exist yet; run `newswatch run` first{hint}")


def command_name() -> str:
    """How to call this `newswatch` again from the user's shell, for hints such as
    `Try: newswatch query …`: `newswatch` when that name on PATH is this program, else the
    path of this program (relative when under the current directory: `.venv/bin/newswatch`)."""
    import shutil
    import sys

    me = Path(sys.argv[0])
    if me.name != "newswatch" or not me.exists():
        return "newswatch"
    on_path = shutil.which("newswatch")
    if on_path is not None and Path(on_path).resolve() == me.resolve():
        return "newswatch"
    absolute = me.absolute()
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def quiet_prefect() -> None:
    """Keep Prefect's own logging and shutdown chatter out of a normal CLI run."""
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "ERROR")
    os.environ.setdefault("PREFECT_LOGGING_SERVER_LEVEL", "ERROR")
    # A failed run is reported by the CLI in one clear line; Prefect's own ERROR record with
    # the traceback would come first and bury it.
    os.environ.setdefault("PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL", "CRITICAL")
    os.environ.setdefault("PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL", "CRITICAL")
    # The temporary API takes ~6 s to start on an idle machine; Prefect gives up after 20 s,
    # which a busy laptop or CI runner can exceed.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")


def prefect_api_configured() -> bool:
    """Whether Prefect would talk to a configured API (a server or Prefect Cloud).

    Decided without importing Prefect (a large import) when no place Prefect reads its
    settings from mentions an API URL: the environment, the profiles file, `prefect.toml`,
    `.env` or `pyproject.toml` in the working directory. Otherwise Prefect's own settings say.
    """
    if os.environ.get("PREFECT_API_URL"):
        return True
    home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()
    profiles = Path(os.environ.get("PREFECT_PROFILES_PATH") or home / "profiles.toml")
    mentions = (
        (profiles, "PREFECT_API_URL"),
        (Path(".env"), "PREFECT_API_URL"),
        (Path("prefect.toml"), ""),
        (Path("pyproject.toml"), "[tool.prefect"),
    )
    if not any(_mentions(path, marker) for path, marker in mentions):
        return False
    from prefect.settings import get_current_settings

    return bool(get_current_settings().api.url)


def _mentions(path: Path, marker: str) -> bool:
    try:
        return marker in path.read_text(errors="replace")
    except OSError:
        return False


def fail(message: str, code: int = 2) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    return typer.Exit(code)


def print_rows(cols: list[str], rows: list[tuple[object, ...]], cut_hint: str) -> None:
    """A table when it fits the terminal; else one record per block, one `column  value` line
    each, values cut with "…" (a wide result folded into a narrow terminal made each row
    hundreds of lines long); then `cut_hint` says where to read them in full."""
    cells = [["" if v is None else str(v) for v in row] for row in rows]
    table = Table(show_lines=False)
    for col in cols:
        table.add_column(col, overflow="fold")
    for row in cells:
        table.add_row(*[escape(v) for v in row])
    if console.measure(table).minimum <= console.width and len(cols) <= 6:
        console.print(table)
        return
    key = max(len(c) for c in cols)
    room = max(10, console.width - key - 2)
    for n, row in enumerate(cells, start=1):
        console.print(f"[dim]── {n} ──[/]")
        for col, value in zip(cols, row, strict=True):
            flat = " ".join(value.split())
            shown = flat if len(flat) <= room else flat[: room - 1] + "…"
            console.print(f"{col.ljust(key)}  {shown}", highlight=False, markup=False)
    console.print(f"[dim]{escape(cut_hint)}[/]")
