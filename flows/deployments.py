"""The deployments newswatch ships, for `newswatch serve` (no work pool needed).

`deploy/prefect.yaml` defines the same three deployments for `prefect deploy --all` with a
process work pool; `build_deployments(..., work_pool_name=WORK_POOL)` gives exactly those
(tests/test_deployments.py keeps the two in sync).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

MONITOR = "newswatch-monitor"
REMATCH = "newswatch-rematch"
FEED_HEALTH = "newswatch-feed-health"


def build_deployments(
    config_dir: str,
    db_path: str,
    interval_minutes: float,
    schedules: bool = True,
    work_pool_name: str | None = None,
) -> list[Any]:
    """The monitor, rematch and feed-health deployments: served as they are by `newswatch
    serve`; with `work_pool_name` (`WORK_POOL`) they are those of deploy/prefect.yaml, for
    `prefect.deploy(...)`."""
    from flows.maintenance import feed_health_flow, rematch_flow
    from flows.monitor import monitor_flow

    params = {"config_dir": config_dir, "db_path": db_path}
    common: dict[str, Any] = {"tags": ["newswatch"], "work_pool_name": work_pool_name}
    return [
        monitor_flow.to_deployment(
            name=MONITOR,
            interval=timedelta(minutes=interval_minutes) if schedules else None,
            parameters={**params, "force_all": False},
            description="Poll due feeds, extract, match, land in DuckDB, alert.",
            **common,
        ),
        rematch_flow.to_deployment(
            name=REMATCH,
            cron="30 3 * * *" if schedules else None,
            parameters=params,
            description="Re-run the current rules over stored articles (no alerts).",
            **common,
        ),
        feed_health_flow.to_deployment(
            name=FEED_HEALTH,
            cron="0 6 * * *" if schedules else None,
            parameters={"db_path": db_path},
            description="Report failing, disabled and quiet feeds.",
            **common,
        ),
    ]


QUALIFIED_NAMES = (
    f"monitor/{MONITOR}",
    f"rematch/{REMATCH}",
    f"feed-health/{FEED_HEALTH}",
)
"""The deployments as `flow/deployment`, as `prefect deployment run` names them."""


@dataclass(frozen=True)
class ExistingDeployment:
    name: str
    """flow/deployment"""
    deployment_id: str
    work_pool: str | None
    pulls_code: bool
    """Has pull steps: made by `prefect deploy` (deploy/prefect.yaml), not by `serve`."""


async def aexisting_deployments() -> list[ExistingDeployment]:
    """newswatch's deployments as the Prefect API has them (those that exist)."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    found = []
    async with get_client() as client:
        for name in QUALIFIED_NAMES:
            try:
                d = await client.read_deployment_by_name(name)
            except ObjectNotFound:
                continue
            found.append(ExistingDeployment(name, str(d.id), d.work_pool_name, bool(d.pull_steps)))
    return found


def existing_deployments() -> list[ExistingDeployment]:
    import asyncio

    return asyncio.run(aexisting_deployments())


async def adelete_deployments(deployment_ids: list[str]) -> None:
    from uuid import UUID

    from prefect.client.orchestration import get_client

    async with get_client() as client:
        for deployment_id in deployment_ids:
            await client.delete_deployment(UUID(deployment_id))


def delete_deployments(deployment_ids: list[str]) -> None:
    import asyncio

    asyncio.run(adelete_deployments(deployment_ids))


WRITE_LIMIT = "newswatch-duckdb-writes"
"""Same name as `flows.monitor.WRITE_LIMIT` (repeated so that this module imports light)."""
WORK_POOL = "newswatch"


async def aensure_write_limit(limit: int = 1) -> bool:
    """Create the global concurrency limit that serialises DuckDB writes, if missing.

    Returns True when it was created. Idempotent, safe against a concurrent deploy.
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

    async with get_client() as client:
        try:
            await client.read_global_concurrency_limit_by_name(WRITE_LIMIT)
            return False
        except ObjectNotFound:
            pass
        try:
            await client.create_global_concurrency_limit(
                GlobalConcurrencyLimitCreate(name=WRITE_LIMIT, limit=limit)
            )
        except ObjectAlreadyExists:
            return False
        return True


def ensure_write_limit(limit: int = 1) -> bool:
    import asyncio

    return asyncio.run(aensure_write_limit(limit))


def prepare_deploy(limit: int = 1) -> dict[str, str]:
    """Build step of deploy/prefect.yaml: create the DuckDB write limit, and hand the code
    directory (the cwd of `prefect deploy`, the repository root) to the pull step, so that
    relative parameters (`config`, `data/newswatch.duckdb`) resolve there on every worker.

    `NEWSWATCH_HOME`, when set, names the code directory instead (a worker host whose checkout
    lives elsewhere than the deploying machine's).
    """
    from pathlib import Path

    from pipelines.config import HostEnvironment

    created = ensure_write_limit(limit)
    print(f"global concurrency limit {WRITE_LIMIT!r}: {'created' if created else 'present'}")
    served = [d.name for d in existing_deployments() if not d.pulls_code]
    if served:
        print(
            f"note: {', '.join(served)} were served by `newswatch serve`; this deploy hands "
            "them to the work pool's workers: stop `newswatch serve` if it still runs, or it "
            "takes their runs too, with these parameters"
        )
    home = HostEnvironment().home or Path.cwd()
    return {"directory": str(Path(home).resolve())}
