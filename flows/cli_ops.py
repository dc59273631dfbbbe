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
    prefect_api_configured,
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
    poll_seconds: Annotated[
        float,
        typer.Option(
            help="Seconds between looks for runs created for now (`prefect deployment run`); "
            "scheduled runs are fetched ahead of their time whatever this is.",
            min=0.5,
        ),
    ] = 2.0,
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

    Needs a Prefect server: the API of PREFECT_API_URL (or of the Prefect profile); it stops
    with a clear message without one. Trigger extra runs with
    `prefect deployment run 'monitor/newswatch-monitor'`.
    """
    from flows.cli import check_prefect_api

    usable_db_path(db)
    if not prefect_api_configured():
        raise fail(
            "newswatch serve needs a Prefect server: without one (no PREFECT_API_URL), Prefect "
            "would serve through a temporary API that schedules nothing and that `prefect "
            "deployment run` cannot reach. Start one (`prefect server start --host 127.0.0.1 "
            "--port 4200`) and set PREFECT_API_URL=http://127.0.0.1:4200/api (README: Run it "
            "with Prefect); or run `newswatch run` from cron, which needs no server."
        )
    quiet_prefect()
    check_prefect_api()
    from flows.deployments import (
        WRITE_LIMIT,
        delete_deployments,
        deployment_specs,
        ensure_write_limit,
        existing_deployments,
        serve_flows,
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
    specs = deployment_specs(
        str(config_dir.resolve()),
        parse_location(db).absolute(),
        interval,
        schedules=not no_schedule,
    )
    names = ", ".join(f"{flow.name}/{arguments['name']}" for flow, arguments in specs)
    serve_flows(specs, poll_seconds, lambda: console.print(f"Serving {names}", highlight=False))
