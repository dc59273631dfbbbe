"""The deployments newswatch ships, for `newswatch serve` (no work pool needed).

`deploy/prefect.yaml` defines the same three deployments for `prefect deploy --all` with a
process work pool.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

MONITOR = "newswatch-monitor"
REMATCH = "newswatch-rematch"
FEED_HEALTH = "newswatch-feed-health"


def build_deployments(
    config_dir: str, db_path: str, interval_minutes: float, schedules: bool = True
) -> list[Any]:
    from flows.maintenance import feed_health_flow, rematch_flow
    from flows.monitor import monitor_flow

    params = {"config_dir": config_dir, "db_path": db_path}
    return [
        monitor_flow.to_deployment(
            name=MONITOR,
            interval=timedelta(minutes=interval_minutes) if schedules else None,
            parameters={**params, "force_all": False},
            description="Poll due feeds, extract, match, land in DuckDB, alert.",
            tags=["newswatch"],
        ),
        rematch_flow.to_deployment(
            name=REMATCH,
            cron="30 3 * * *" if schedules else None,
            parameters=params,
            description="Re-run the current rules over stored articles (no alerts).",
            tags=["newswatch"],
        ),
        feed_health_flow.to_deployment(
            name=FEED_HEALTH,
            cron="0 6 * * *" if schedules else None,
            parameters={"db_path": db_path},
            description="Report failing, disabled and quiet feeds.",
            tags=["newswatch"],
        ),
    ]
