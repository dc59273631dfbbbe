"""The deployments newswatch ships, defined once in `deploy/prefect.yaml`.

`prefect deploy --all --prefect-file deploy/prefect.yaml` reads that file for a process work
pool; `build_deployments` reads the same file for `newswatch serve` (no work pool), taking
the config directory, the database and the monitor's interval from the command line.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

PREFECT_YAML = Path(__file__).resolve().parent.parent / "deploy" / "prefect.yaml"
"""The deployments' one definition."""
MONITOR = "newswatch-monitor"
REMATCH = "newswatch-rematch"
FEED_HEALTH = "newswatch-feed-health"


def _flow(entrypoint: str) -> Any:
    """The flow object of a prefect.yaml entrypoint (`flows/monitor.py:monitor_flow`)."""
    path, _, name = entrypoint.rpartition(":")
    module = ".".join(Path(path).with_suffix("").parts)
    return getattr(importlib.import_module(module), name)


def _schedule(spec: dict[str, Any], interval_minutes: float) -> Any:
    """A prefect.yaml schedule; an interval schedule (the monitor's) runs every
    `interval_minutes` instead of the file's interval (`newswatch serve --interval`)."""
    from prefect.schedules import Cron, Interval

    if "interval" in spec:
        return Interval(timedelta(minutes=interval_minutes))
    return Cron(spec["cron"])


def deployment_specs(
    config_dir: str,
    db_path: str,
    interval_minutes: float,
    schedules: bool = True,
    prefect_yaml: Path = PREFECT_YAML,
) -> list[tuple[Any, dict[str, Any]]]:
    """Each deployment of deploy/prefect.yaml as its flow object and the arguments that make
    it a deployment (`Flow.to_deployment`, `Runner.add_flow`); `config_dir` and `db_path`
    replace the file's values of those parameters."""
    from pipelines.yamlfile import parse, read_source

    data, _ = parse(read_source(prefect_yaml))
    paths = {"config_dir": config_dir, "db_path": db_path}
    specs = []
    for spec in data["deployments"]:
        timing = [_schedule(t, interval_minutes) for t in spec.get("schedules") or []]
        parameters = {k: paths.get(k, v) for k, v in (spec.get("parameters") or {}).items()}
        arguments = {
            "name": spec["name"],
            "parameters": parameters,
            "description": spec.get("description"),
            "tags": spec.get("tags"),
            "schedules": timing if schedules else None,
        }
        specs.append((_flow(spec["entrypoint"]), arguments))
    return specs


def build_deployments(
    config_dir: str,
    db_path: str,
    interval_minutes: float,
    schedules: bool = True,
    work_pool_name: str | None = None,
    prefect_yaml: Path = PREFECT_YAML,
) -> list[Any]:
    """The deployments of deploy/prefect.yaml, as `newswatch serve` serves them
    (`deployment_specs`); with `work_pool_name` (`WORK_POOL`) they are the file's own, for
    `prefect.deploy(...)`."""
    return [
        flow.to_deployment(**arguments, work_pool_name=work_pool_name)
        for flow, arguments in deployment_specs(
            config_dir, db_path, interval_minutes, schedules, prefect_yaml
        )
    ]


def serve_flows(
    specs: list[tuple[Any, dict[str, Any]]],
    poll_seconds: float,
    on_started: Callable[[], None] = lambda: None,
) -> None:
    """Serve the deployments `specs` from this process until interrupted (`newswatch serve`).

    Each flow object is handed to the runner (`Runner.add_flow`, which registers the same
    deployment `to_deployment` makes), so that the runner starts each run from the flow it
    holds instead of a `python -m prefect.engine` that reads the run and the deployment back
    from the API and imports the flow again from its entrypoint; and those runs start from a
    forkserver that has imported the flows already (`flows.run_children`). The runner looks
    for runs created for now (`prefect deployment run`) every `poll_seconds`; a schedule's
    runs it fetches ahead of their time. `on_started` is called once the runner is up.
    """
    import asyncio
    import contextlib

    from prefect.exceptions import TerminationSignal

    from flows.run_children import fork_flow_runs

    scheduled = any(arguments.get("schedules") for _, arguments in specs)
    runner = _serve_runner(PAUSE_ON_STOP_S, on_started)(
        pause_on_shutdown=scheduled, query_seconds=poll_seconds
    )
    for flow, arguments in specs:
        runner.add_flow(flow, **arguments)
    fork_flow_runs()
    _one_line_prefect_warnings()
    with contextlib.suppress(KeyboardInterrupt, TerminationSignal):  # stopped: not an error
        asyncio.run(runner.start())


PAUSE_ON_STOP_S = 5.0
"""How long a stopping `serve` tries to pause its deployments' schedules."""


def _serve_runner(seconds: float, on_started: Callable[[], None]) -> type[Any]:
    """Prefect's `Runner`, which calls `on_started` once it is up, and whose pause of the
    schedules on stopping gives up after `seconds`.

    With the Prefect API down, the pause retried each deployment's request for about a
    minute, then raised: `serve` ignored SIGTERM that long, printed the client's traceback,
    and skipped the rest of the runner's shutdown (which stops the runs it started). Now it
    says in one line that the schedules stay as they are, and the shutdown goes on."""
    import asyncio

    import httpx
    from prefect.exceptions import ObjectNotFound
    from prefect.runner import Runner

    class ServeRunner(Runner):
        async def __aenter__(self) -> ServeRunner:
            await super().__aenter__()
            on_started()
            return self

        async def _pause_schedules(self) -> None:
            try:
                await asyncio.wait_for(super()._pause_schedules(), seconds)
            except (TimeoutError, httpx.HTTPError, ObjectNotFound) as exc:
                reason = f"no answer within {seconds:g} s" if isinstance(exc, TimeoutError) else exc
                self._logger.warning(
                    "Could not pause the served deployments' schedules (%s): the Prefect API "
                    "keeps them. Pause them with `prefect deployment schedule pause`, or let "
                    "the next `newswatch serve` run them.",
                    reason,
                )

    return ServeRunner


class _WithoutTraceback(logging.Filter):
    """Prefect's warnings (a lost connection to its API, a retry) in one line, ending with
    their cause (`ConnectError: …`) in place of the traceback, which says nothing more an
    operator can act on."""

    def filter(self, record: logging.LogRecord) -> bool:
        if (
            record.levelno == logging.WARNING
            and record.name.startswith("prefect")
            and record.exc_info
        ):
            exc = record.exc_info[1]
            if exc is not None:
                record.msg = f"{record.getMessage()} ({type(exc).__name__}: {exc})"
                record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


def _one_line_prefect_warnings() -> None:
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, _WithoutTraceback) for f in handler.filters):
            handler.addFilter(_WithoutTraceback())


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
"""Same name as `flows.write_slot.WRITE_LIMIT` (repeated so that this module imports light)."""
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
    relative parameters (`config`, `data/newswatch.sqlite`) resolve there on every worker.

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
