"""A deployment run with nothing new, from its scheduled start to Completed.

    python -m bench.bench_deployment [--runs 5]

A real `prefect server` on a free loopback port (analytics off), the offline demo corpus served
on loopback, and `newswatch serve --no-schedule`; a first deployment run lands the demo
articles, then `--runs` runs are created through the API one after another, as
`prefect deployment run` creates them (`force_all`: every feed is polled and answers 304, so
each run has nothing new). For each, the server's own timestamps: expected (scheduled) start
→ start (the runner's child process is up and the flow begins) → end (Completed), and the
number of task runs; and Pending (the runner has taken the run) → start: the runner's child
process start. With `--ahead S`, each run is scheduled S seconds ahead instead of for
now, as a schedule's runs are: the runner picks it up before its time (it prefetches) and the
figure shows what that leaves of the start-up.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.bench_orchestration import prefect_server, use_prefect_server
from bench.bench_serve_memory import prepare, served_deployment_id, serving
from bench.common import emit, load_average

TARGET_S = 4.0


async def _one_run(deployment: Any, ahead_s: float = 0.0) -> dict[str, float]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.states import Scheduled

    when = datetime.now(UTC) + timedelta(seconds=ahead_s)
    async with get_client() as client:
        run = await client.create_flow_run_from_deployment(
            deployment,
            parameters={"force_all": True},
            state=Scheduled(scheduled_time=when) if ahead_s else None,
        )
        deadline = time.monotonic() + 300 + ahead_s
        while not (run.state and run.state.is_final()):
            if time.monotonic() > deadline:
                raise TimeoutError("the deployment run did not finish in 300 s")
            await asyncio.sleep(0.1)
            run = await client.read_flow_run(run.id)
        if not run.state.is_completed():
            raise RuntimeError(f"deployment run {run.state.name}: {run.state.message}")
        tasks = await client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id]))
        )
        states = await client.read_flow_run_states(run.id)
    pending = min(s.timestamp for s in states if s.type.value == "PENDING")
    scheduled = run.expected_start_time
    assert scheduled is not None and run.start_time is not None and run.end_time is not None
    return {
        "scheduled_to_completed_s": (run.end_time - scheduled).total_seconds(),
        "scheduled_to_start_s": (run.start_time - scheduled).total_seconds(),
        "pending_to_start_s": (run.start_time - pending).total_seconds(),
        "flow_s": (run.end_time - run.start_time).total_seconds(),
        "task_runs": len(tasks),
    }


def spread(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 2),
        "min": round(min(values), 2),
        "max": round(max(values), 2),
    }


def measure(runs: int, ahead_s: float) -> dict[str, Any]:
    from flows.seed_server import serve_directory

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        site, config = prepare(work)
        (work / "prefect").mkdir()
        with prefect_server(work / "prefect") as api, serve_directory(site) as base_url:
            use_prefect_server(api, work / "prefect")
            os.environ["NEWSWATCH_DEMO_BASE_URL"] = base_url
            with serving(config, work / "serve.sqlite", work / "serve.log"):
                deployment = asyncio.run(served_deployment_id(time.monotonic() + 180))
                first = asyncio.run(_one_run(deployment))
                samples = [asyncio.run(_one_run(deployment, ahead_s)) for _ in range(runs)]
    return {
        "runs": runs,
        "scheduled_ahead_s": ahead_s,
        "first_run_s": round(first["scheduled_to_completed_s"], 2),
        "scheduled_to_completed_s": spread([s["scheduled_to_completed_s"] for s in samples]),
        "scheduled_to_start_s": spread([s["scheduled_to_start_s"] for s in samples]),
        "pending_to_start_s": spread([s["pending_to_start_s"] for s in samples]),
        "flow_s": spread([s["flow_s"] for s in samples]),
        "task_runs": statistics.median(s["task_runs"] for s in samples),
        "target_s": TARGET_S,
        "command": "python -m bench.bench_deployment",
        "load_average": load_average(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5, help="runs measured after the first")
    parser.add_argument(
        "--ahead", type=float, default=0.0, help="schedule each run this many seconds ahead"
    )
    args = parser.parse_args()
    emit("deployment", measure(args.runs, args.ahead))


if __name__ == "__main__":
    main()
