"""`newswatch serve`: run the deployments in one long-lived process (no work pool needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flows.cli_common import ConfigDir, DbPath, console, quiet_prefect, usable_db_path

ops_app = typer.Typer()


@ops_app.command()
def serve(
    config_dir: ConfigDir = Path("config"),
    db: DbPath = Path("data/newswatch.duckdb"),
    interval: Annotated[float, typer.Option(help="Minutes between scheduled monitor runs.")] = 5.0,
    no_schedule: Annotated[
        bool, typer.Option("--no-schedule", help="Serve without schedules (ad-hoc runs only).")
    ] = False,
) -> None:
    """Serve the monitor, rematch and feed-health deployments until interrupted.

    Needs a Prefect API (PREFECT_API_URL); trigger extra runs with
    `prefect deployment run 'monitor/newswatch-monitor'`.
    """
    usable_db_path(db)
    quiet_prefect()
    from prefect import serve as prefect_serve

    from flows.deployments import WRITE_LIMIT, build_deployments, ensure_write_limit

    if ensure_write_limit():
        console.print(f"Created global concurrency limit {WRITE_LIMIT} (DuckDB writes)")
    deployments = build_deployments(
        str(config_dir.resolve()), str(db.resolve()), interval, schedules=not no_schedule
    )
    names = ", ".join(f"{d.flow_name}/{d.name}" for d in deployments)
    console.print(f"Serving {names}", highlight=False)
    prefect_serve(*deployments, print_starting_message=False)
