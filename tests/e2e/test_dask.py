"""The Dask scale-out path: the monitor flow extracts on a real `distributed.LocalCluster`
(separate worker processes) and lands exactly what a run without Dask lands.

The cluster's workers are non-daemonic, as docs/OPERATIONS.md tells operators to start them:
each extraction batch opens its own process pool (hard per-page timeout) on the worker, and
none of its processes outlives the worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import dask
import duckdb
import pytest
from distributed import Client, LocalCluster
from prefect.states import State

from flows.seed_server import SEEDS_DIR

pytestmark = pytest.mark.e2e

BATCH = 5
"""Pages per Dask task: the demo corpus (~20 pages) becomes several tasks on two workers."""

ARTICLE_COLUMNS = (
    "article_id, url, canonical_url, feed_url, guid, title, text, author, published_at, lang, "
    "site_name, content_hash, simhash, story_id, extract_status, extract_error"
)
"""Every column of `articles` except `fetched_at` (the time of the run)."""
MATCH_COLUMNS = "article_id, topic, rule, score, evidence::VARCHAR, rules_version"
"""Every column of `matches` except `matched_at`."""


@contextlib.contextmanager
def local_cluster(workers: int = 2, daemon: bool = False) -> Iterator[LocalCluster]:
    with (
        dask.config.set({"distributed.worker.daemon": daemon}),
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as local,
    ):
        yield local


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    with local_cluster() as local:
        yield local


def descendants(pid: int) -> set[int]:
    """Live descendants of a process on this host (Linux /proc)."""
    found: set[int] = set()
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            for child in map(int, children.read_text().split()):
                found |= {child, *descendants(child)}
    return found


def alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie (wherever it was reparented)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def monitor_state(db: Path, **options: Any) -> State:
    """The final state of one monitor flow run on the demo corpus."""
    from flows.monitor import monitor_flow

    return asyncio.run(
        monitor_flow(
            config_dir=str(SEEDS_DIR / "config"),
            db_path=str(db),
            force_all=True,
            return_state=True,
            **options,
        )
    )


def run_monitor(db: Path, **options: Any) -> tuple[dict[str, Any], UUID]:
    """One completed monitor flow run: its summary and flow run id."""
    state = monitor_state(db, **options)
    assert state.is_completed(), state.message
    flow_run_id = state.state_details.flow_run_id
    assert flow_run_id is not None
    return state.result(), flow_run_id


def table(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def completed_keys(local: LocalCluster) -> set[str]:
    """Keys of the Dask tasks whose results reached memory on a worker."""
    return {str(entry[0]) for entry in local.scheduler.transition_log if entry[2] == "memory"}


async def extract_task_runs(flow_run_id: UUID) -> list[tuple[str, str]]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    async with get_client() as client:
        runs = await client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
        )
    return sorted(
        (run.name, run.state_name or "") for run in runs if run.name.startswith("extract-articles")
    )


def test_extraction_on_dask_lands_the_same_rows(
    cluster: LocalCluster, seed_base_url: str, prefect_harness: None, tmp_path: Path
) -> None:
    plain_db, dask_db = tmp_path / "plain.duckdb", tmp_path / "dask.duckdb"
    plain, _ = run_monitor(plain_db)
    before = completed_keys(cluster)
    on_dask, flow_run_id = run_monitor(
        dask_db, dask_address=cluster.scheduler_address, extract_batch_size=BATCH
    )

    # the scheduler ran one task per batch of pages, never one per article
    assert on_dask["new_entries"] >= 20
    batches = math.ceil(on_dask["new_entries"] / BATCH)
    ran = completed_keys(cluster) - before
    assert len(ran) == batches, sorted(ran)
    # ... as task runs of the monitor flow run itself (no subflow carrying every page)
    assert asyncio.run(extract_task_runs(flow_run_id)) == sorted(
        (f"extract-articles[{i}]", "Completed") for i in range(batches)
    )

    # and the store holds exactly what a run without Dask lands
    assert on_dask["articles_landed"] == plain["articles_landed"] > 0
    assert on_dask["new_matches"] == plain["new_matches"]
    order = " ORDER BY ALL"
    plain_articles = table(plain_db, f"SELECT {ARTICLE_COLUMNS} FROM articles{order}")
    assert table(dask_db, f"SELECT {ARTICLE_COLUMNS} FROM articles{order}") == plain_articles
    assert all(row[-2] == "ok" for row in plain_articles)
    plain_matches = table(plain_db, f"SELECT {MATCH_COLUMNS} FROM matches{order}")
    assert {m[1] for m in plain_matches} == {"istanbul_talks", "territorial_demands"}
    assert table(dask_db, f"SELECT {MATCH_COLUMNS} FROM matches{order}") == plain_matches


def test_daemonic_dask_workers_fail_with_the_fix_in_the_message(
    seed_base_url: str, prefect_harness: None, tmp_path: Path
) -> None:
    """Dask's default (daemonic workers) cannot run the extraction pool: say how to start them."""
    with (
        local_cluster(workers=1, daemon=True) as daemonic,
    ):
        state = monitor_state(tmp_path / "daemonic.duckdb", dask_address=daemonic.scheduler_address)
    assert state.is_failed()
    assert "DASK_DISTRIBUTED__WORKER__DAEMON=False" in (state.message or "")


def test_no_extraction_process_outlives_the_dask_workers(
    seed_base_url: str, prefect_harness: None, tmp_path: Path
) -> None:
    """A Dask worker is stopped without Python's exit handlers: an extraction pool it kept
    would live on, orphaned, with its forkserver (seen: both, for every worker that extracted)."""
    with local_cluster() as local, Client(local) as client:
        run_monitor(tmp_path / "dask.duckdb", dask_address=local.scheduler_address)
        worker_pids = client.run(os.getpid).values()
        started = set().union(*(descendants(pid) for pid in worker_pids))
    assert started, "the workers started no extraction process"
    deadline = time.monotonic() + 30
    while (left := {pid for pid in started if alive(pid)}) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left, f"processes the Dask workers started are still running: {sorted(left)}"
