"""The `newswatch` command line (typer).

Heavy imports (Prefect, trafilatura) happen inside the commands so that `--help` is instant.
Every expected failure prints one clear line and exits non-zero, without a traceback: a
`NewswatchError` from any command is turned into that line in one place (`_Newswatch`).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import click
import typer
from typer.core import TyperGroup

from flows.alert_coverage import AlertCoverage
from flows.cli_alerts import alerts_app
from flows.cli_common import (
    CONFIG_DIR_DEFAULT,
    DB_DEFAULT,
    DEFAULT_WAIT_S,
    ConfigDir,
    DbPath,
    WaitSeconds,
    console,
    err_console,
    fail,
    lock_notice,
    prefect_api_configured,
    quiet_prefect,
    usable_db_path,
)
from flows.cli_demands import demands_app
from flows.cli_feeds import feeds_app
from flows.cli_help import reflow_help
from flows.cli_ops import ops_app
from flows.cli_rules import rules_app
from flows.cli_store import store_app
from flows.cli_store_admin import admin_app
from flows.cli_summary import print_summary, query_hint
from flows.cli_ui import ui_app
from pipelines.errors import NewswatchError, StoreLockedError

if TYPE_CHECKING:
    from pipelines.config import StoreSettings
    from pipelines.run.summary import RunSummary


class _Newswatch(TyperGroup):
    """The top command group, where every command runs: the one place a `NewswatchError` is
    handled. It ends the command with the error's one-line message and exit status 2, both
    for the `newswatch` script and for a caller that invokes `app` itself (tests)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NewswatchError as exc:
            raise fail(str(exc)) from None


app = typer.Typer(
    cls=_Newswatch,
    name="newswatch",
    help="Monitor RSS/Atom feeds for the stories you care about, land them in DuckDB, alert.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _print_version(asked: bool) -> None:
    if asked:
        from importlib.metadata import version

        console.print(f"newswatch {version('newswatch')}", highlight=False)
        raise typer.Exit()


@app.callback()
def _main(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Monitor RSS/Atom feeds for the stories you care about, land them in DuckDB, alert."""


def check_prefect_api() -> None:
    """Stop with one clear paragraph when the configured Prefect API does not answer.

    Any HTTP answer (even an error status) counts as reachable: authentication and versions
    are Prefect's to check.
    """
    import httpx
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    if not url:
        from flows.prefect_db import ensure_ephemeral_database

        try:
            ensure_ephemeral_database()
        except NewswatchError as exc:
            raise fail(f"{exc} Nothing was run.") from None
        return
    try:
        httpx.get(f"{url.rstrip('/')}/health", timeout=5)
    except httpx.TransportError as exc:
        raise fail(
            f"the Prefect API at {url} is unreachable ({type(exc).__name__}: {exc}); nothing "
            "was run. Start the server (`prefect server start`, see docs/OPERATIONS.md) or fix "
            "PREFECT_API_URL, or unset it (`unset PREFECT_API_URL`, or `prefect config unset "
            "PREFECT_API_URL` when it is set in your Prefect profile) to run without Prefect."
        ) from None


def _run_with_prefect(config_dir: Path, db: Path, force_all: bool) -> RunSummary:
    """The run as a Prefect flow run: on the configured server, or a temporary local API."""
    quiet_prefect()
    check_prefect_api()
    from flows.monitor import run_once
    from pipelines.run.summary import RunSummary

    try:
        return RunSummary.model_validate(run_once(str(config_dir), str(db), force_all=force_all))
    except RuntimeError as exc:
        if "ephemeral Prefect API" not in str(exc):
            raise
        from flows.prefect_db import ephemeral_sqlite_path

        raise fail(
            f"{exc} Nothing was run. The temporary local Prefect API did not start in "
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS (newswatch's default: 90); raise "
            "it on a busy machine, or start a server (`prefect server start`) and set "
            "PREFECT_API_URL. If the server's log above shows a database error, its database "
            f"({ephemeral_sqlite_path()}) is damaged (a Prefect upgrade interrupted?): move it "
            "aside and run again; it holds only Prefect's run history, newswatch's data is in "
            "DuckDB."
        ) from None


@contextlib.contextmanager
def reported_interrupt() -> Iterator[None]:
    """Ctrl-C during a run: one line saying what it left, exit code 130, no traceback."""
    try:
        yield
    except KeyboardInterrupt:
        raise fail(
            "interrupted. What had landed stays, once; nothing is half written (each batch "
            "lands in one transaction). The next run picks up the rest.",
            code=130,
        ) from None


def say_if_held(db: Path, settings: StoreSettings) -> None:
    """Say on stderr, before a run starts, that another process holds `db`: the run then waits
    for it (the store's retries, over a minute) and said nothing until it gave up.

    Asks the kernel whether the file's lock is free (DuckDB locks the whole file with fcntl),
    which costs next to nothing, where opening the database to find out would cost an attach
    on every run. Nothing is said where that cannot be asked (no fcntl). Call it only while
    this process has the file closed: closing the probe's descriptor drops every POSIX lock
    the process holds on the file, DuckDB's included."""
    from pipelines.store.backend import parse_location

    if not parse_location(db).enforces_keys:
        return  # a lake: other processes' SQLite locks on its catalog make no run wait
    try:
        import fcntl
    except ImportError:
        return
    try:
        fd = os.open(db, os.O_RDWR)
    except OSError:
        return
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.lockf(fd, fcntl.LOCK_UN)
        return
    except OSError:
        pass
    finally:
        os.close(fd)
    waits = (
        min(settings.lock_retry_base_s * 2**n, settings.lock_retry_max_s)
        for n in range(settings.lock_retries)
    )
    err_console.print(
        f"waiting for {db}: another process holds it (a run writing, or a program such as the "
        "DuckDB CLI or a notebook with it open; DuckDB allows one writer or many readers). "
        f"The run tries again for about {sum(waits):.0f} s (store.lock_retries)…",
        highlight=False,
        markup=False,
    )


def _run(
    config_dir: Path, db: Path, force_all: bool, as_json: bool, with_prefect: bool | None = None
) -> RunSummary:
    """Validate the configuration first (so a typo never starts a run), then run once: as a
    Prefect flow run when a Prefect API is configured (or `--prefect`), else the same run
    composition directly in this process (`pipelines.run.compose`), with no server to start."""
    import asyncio

    from pipelines.config import load_config
    from pipelines.extract import discard_pool, shutdown_pools
    from pipelines.run.compose import RunRequest, Steps, checked_rules, run_monitor

    config = load_config(config_dir)
    ruleset = checked_rules(config)  # a typo never starts a run; the run reuses what it compiles
    usable_db_path(db)
    say_if_held(db, config.settings.store)
    if with_prefect is None:
        with_prefect = prefect_api_configured()
    try:
        if with_prefect:
            summary = _run_with_prefect(config_dir, db, force_all)
        else:
            request = RunRequest(config, ruleset, db, force_all)
            summary = asyncio.run(run_monitor(request, Steps()))
    except KeyboardInterrupt:
        # Ctrl-C: stop the workers now rather than wait for the pages they are on (they
        # ignore SIGINT, see pipelines.forkserver_interrupt); nothing they hold is landed.
        discard_pool(config.settings.extract)
        raise
    finally:
        # Before the interpreter exits (its own handlers run too late, after the threads are
        # joined): an extraction pool still starting must not be left half started.
        shutdown_pools()
    if as_json:
        sys.stdout.write(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        print_summary(summary, db, AlertCoverage(config.settings.alerts.channels, config_dir))
    if failure := summary.failure():
        raise fail(failure)
    return summary


WithPrefect = Annotated[
    bool | None,
    typer.Option(
        "--prefect/--no-prefect",
        help="Run as a Prefect flow run (default: only when a Prefect API is configured).",
        show_default=False,
    ),
]


@app.command()
def run(
    config_dir: ConfigDir = CONFIG_DIR_DEFAULT,
    db: DbPath = DB_DEFAULT,
    all_feeds: Annotated[
        bool, typer.Option("--all", help="Poll every enabled feed, due or not.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    with_prefect: WithPrefect = None,
) -> None:
    """Run one monitoring pass: poll due feeds, extract new articles, match, land, alert."""
    with reported_interrupt():
        _run(config_dir, db, all_feeds, as_json, with_prefect)


DEMO_DB = Path("data/demo.sqlite")


def _previous_demo_port(db: Path, wait: float) -> int | None:
    """The port the demo served on when it last wrote `db` (None for a new database).

    While another process holds `db`, says so at once and waits up to `wait` seconds, then
    stops: the run would only wait for it again, as silently as this once did."""
    from flows.seed_server import demo_port_in
    from pipelines.store import open_store
    from pipelines.store.backend import parse_location

    if not parse_location(db).exists():
        return None
    try:
        with open_store(db, read_only=True, on_wait=lock_notice(db, wait), max_wait_s=wait) as con:
            urls = [row[0] for row in con.execute("SELECT feed_url FROM feed_state").fetchall()]
    except StoreLockedError as exc:
        raise fail(str(exc)) from None
    except NewswatchError:
        return None
    return demo_port_in(urls)


@app.command()
def demo(
    db: Annotated[
        Path,
        typer.Option(
            "--db",
            help="The demo's own store (real runs use data/newswatch.sqlite).",
        ),
    ] = DEMO_DB,
    port: Annotated[
        int | None,
        typer.Option(
            help="Port for the demo corpus on 127.0.0.1 [default: the port of the previous "
            "demo into --db, else 8471; 0: any free port]",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    with_prefect: WithPrefect = None,
    wait: WaitSeconds = DEFAULT_WAIT_S,
) -> None:
    """Run the monitor once on the offline demo corpus (seeds/), served on 127.0.0.1.

    The corpus keeps its URLs from one demo to the next (same port), so a second demo into the
    same database gets 304 Not Modified from every feed and lands nothing."""
    from flows.seed_server import DEMO_PORT, SEEDS_DIR, serve_demo

    usable_db_path(db)
    previous = _previous_demo_port(db, wait)
    if port is not None:
        ports: list[int] = [port] if port else []
    else:
        ports = list(dict.fromkeys(p for p in (previous, DEMO_PORT) if p))
    with reported_interrupt(), serve_demo(ports) as server:
        os.environ["NEWSWATCH_DEMO_BASE_URL"] = server.base_url
        if previous is not None and server.port != previous:
            if previous in server.wanted:
                busy = "is in use"
                fix = (
                    f"Free port {previous} (another `newswatch demo` still running?) and run again"
                )
            else:
                busy = f"was not asked for (--port {port})"
                fix = f"Run again without --port (or with --port {previous})"
            raise fail(
                f"the demo corpus in {db} came from port {previous}, which {busy}: served on "
                f"port {server.port}, its URLs would be new to {db}, which would land the whole "
                f"corpus a second time. {fix}, or demo into a new database (--db "
                f"{db.with_name('demo2' + db.suffix)}). Nothing was run."
            )
        if server.wanted and server.port not in server.wanted:
            err_console.print(
                f"note: port {server.wanted[0]} is in use, so the demo corpus is served on "
                f"{server.port} (later demos into {db} use that port too).",
                highlight=False,
                markup=False,
            )
        if not as_json:
            console.print(f"[dim]Serving the demo corpus at {server.base_url}[/]")
        _run(SEEDS_DIR / "config", db, True, as_json, with_prefect)
    if not as_json:
        sql = "SELECT topic, count(*) FROM matches GROUP BY topic"
        console.print(f"\nTry: {query_hint(db, sql)}", highlight=False, markup=False)


# Groups added without a name put their commands at the top level (feeds, query, serve, …).
app.add_typer(feeds_app)
app.add_typer(store_app)
app.add_typer(admin_app)
app.add_typer(ops_app)
app.add_typer(ui_app)
app.add_typer(rules_app, name="rules")
app.add_typer(alerts_app, name="alerts")
app.add_typer(demands_app, name="demands")


def main() -> None:
    reflow_help(app)
    app()


if __name__ == "__main__":
    main()
