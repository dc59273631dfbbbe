"""`newswatch serve`: run the deployments in one long-lived process (no work pool needed)."""

from __future__ import annotations

from typing import Annotated

import typer

from flows.cli_common import (
    CONFIG_DIR_DEFAULT,
    DB_DEFAULT,
    ConfigDir,
    DbPath,
    console,
    fail,
    quiet_prefect,
    usable_db_path,
)
from pipelines.store.backend import parse_location

ops_app = typer.Typer()


@ops_app.command()
def serve(
    config_dir: ConfigDir = CONFIG_DIR_DEFAULT,
    db: DbPath = DB_DEFAULT,
    interval: Annotated[float, typer.Option(help="Minutes between scheduled monitor runs.")] = 5.0,
    no_schedule: Annotated[
        bool, typer.Option("--no-schedule", help="Serve without schedules (ad-hoc runs only).")
    ] = False,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Delete newswatch's deployments made by `prefect deploy` for a work pool "
            "first, and serve them from this process instead.",
        ),
    ] = False,
) -> None:
    """Serve the monitor, rematch and feed-health deployments until interrupted.

    Needs a Prefect API (PREFECT_API_URL); trigger extra runs with
    `prefect deployment run 'monitor/newswatch-monitor'`.
    """
    from flows.cli import check_prefect_api

    usable_db_path(db)
    quiet_prefect()
    check_prefect_api()
    from prefect import serve as prefect_serve

    from flows.deployments import (
        WRITE_LIMIT,
        build_deployments,
        delete_deployments,
        ensure_write_limit,
        existing_deployments,
    )

    pooled = [d for d in existing_deployments() if d.work_pool]
    if pooled and not replace:
        pools = ", ".join(sorted({f"'{d.work_pool}'" for d in pooled}))
        raise fail(
            f"{', '.join(d.name for d in pooled)} belong to work pool {pools} (`prefect "
            "deploy` put them there); served here too, their runs would go to this process and to "
            "the pool's workers, with the pool's code steps. Keep the work-pool set-up "
            f"(`prefect worker start --pool {pooled[0].work_pool}`), or run `newswatch serve "
            "--replace` to delete those deployments (their past runs stay) and serve them "
            "from this process."
        )
    if pooled:
        delete_deployments([d.deployment_id for d in pooled])
        console.print(
            f"Deleted {', '.join(d.name for d in pooled)} (work pool deployments); "
            "`make deploy-prefect` makes them again",
            highlight=False,
        )
    if ensure_write_limit():
        console.print(f"Created global concurrency limit {WRITE_LIMIT} (DuckDB writes)")
    deployments = build_deployments(
        str(config_dir.resolve()),
        parse_location(db).absolute(),
        interval,
        schedules=not no_schedule,
    )
    names = ", ".join(f"{d.flow_name}/{d.name}" for d in deployments)
    console.print(f"Serving {names}", highlight=False)
    prefect_serve(*deployments, print_starting_message=False)
