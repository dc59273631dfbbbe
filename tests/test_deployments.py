"""deploy/prefect.yaml (`prefect deploy`, work pools) defines the three deployments and
`flows.deployments.build_deployments` (`newswatch serve`) builds the same ones from it; every
entrypoint imports and accepts its parameters; the build and pull steps fit together."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import inspect
import logging
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import prefect
import pytest
import yaml
from prefect.exceptions import ObjectNotFound
from prefect.flows import load_flow_from_entrypoint

from flows.deployments import (
    FEED_HEALTH,
    MONITOR,
    REMATCH,
    WORK_POOL,
    WRITE_LIMIT,
    build_deployments,
    prepare_deploy,
)

REPO = Path(__file__).resolve().parent.parent
PREFECT_YAML = REPO / "deploy" / "prefect.yaml"
DOC: dict[str, Any] = yaml.safe_load(PREFECT_YAML.read_text(encoding="utf-8"))
YAML_DEPLOYMENTS: dict[str, dict[str, Any]] = {d["name"]: d for d in DOC["deployments"]}
INTERVAL_MINUTES = 5.0
"""`newswatch serve --interval` default; prefect.yaml schedules the monitor every 300 s."""


def built(work_pool_name: str | None = WORK_POOL) -> dict[str, Any]:
    """build_deployments with the parameters prefect.yaml uses (paths relative to the repo)."""
    monitor = YAML_DEPLOYMENTS[MONITOR]["parameters"]
    return {
        d.name: d
        for d in build_deployments(
            monitor["config_dir"],
            monitor["db_path"],
            INTERVAL_MINUTES,
            work_pool_name=work_pool_name,
        )
    }


def entrypoint_file(entrypoint: str, base: Path) -> tuple[Path, str]:
    path, _, function = entrypoint.rpartition(":")
    file = Path(path)
    return (file if file.is_absolute() else base / file).resolve(), function


def yaml_schedule(spec: dict[str, Any]) -> tuple[str, Any]:
    if "interval" in spec:
        return "interval", timedelta(seconds=spec["interval"])
    return "cron", spec["cron"]


def built_schedule(schedule: Any) -> tuple[str, Any]:
    inner = schedule.schedule
    if hasattr(inner, "interval"):
        return "interval", inner.interval
    return "cron", inner.cron


def test_same_deployment_names() -> None:
    assert set(YAML_DEPLOYMENTS) == set(built()) == {MONITOR, REMATCH, FEED_HEALTH}


def test_prefect_yaml_uses_only_keys_prefect_deploy_reads() -> None:
    """`prefect deploy` ignores unknown keys: a typo (`paramters:`) would silently drop them."""
    from prefect.cli.deploy._models import DeploymentConfig, PrefectYamlModel

    PrefectYamlModel.model_validate(DOC)
    known = set(DeploymentConfig.model_fields)
    for name, spec in YAML_DEPLOYMENTS.items():
        assert set(spec) <= known, (name, set(spec) - known)


@pytest.mark.parametrize("name", [MONITOR, REMATCH, FEED_HEALTH])
def test_deployment_matches_build_deployments(name: str) -> None:
    spec = YAML_DEPLOYMENTS[name]
    dep = built()[name]
    assert entrypoint_file(spec["entrypoint"], REPO) == entrypoint_file(dep.entrypoint, Path.cwd())
    assert spec["parameters"] == dep.parameters
    assert [yaml_schedule(s) for s in spec["schedules"]] == [
        built_schedule(s) for s in dep.schedules
    ]
    assert spec["work_pool"]["name"] == dep.work_pool_name == WORK_POOL
    assert spec["description"] == dep.description
    assert spec["tags"] == dep.tags


def test_build_deployments_reads_prefect_yaml(tmp_path: Path) -> None:
    """The deployments are defined once: a change to (a copy of) prefect.yaml is what serve
    builds, and serve's paths and interval replace the file's."""
    doc = yaml.safe_load(PREFECT_YAML.read_text(encoding="utf-8"))
    monitor = next(d for d in doc["deployments"] if d["name"] == MONITOR)
    monitor["description"] = "Changed in the file only."
    monitor["tags"] = ["newswatch", "edited"]
    doc["deployments"] = [d for d in doc["deployments"] if d["name"] != REMATCH]
    (tmp_path / "prefect.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    served = {
        d.name: d
        for d in build_deployments("cfg", "x.duckdb", 2.5, prefect_yaml=tmp_path / "prefect.yaml")
    }
    assert set(served) == {MONITOR, FEED_HEALTH}
    assert served[MONITOR].description == "Changed in the file only."
    assert served[MONITOR].tags == ["newswatch", "edited"]
    assert served[MONITOR].parameters == {
        "config_dir": "cfg",
        "db_path": "x.duckdb",
        "force_all": False,
    }
    assert [built_schedule(s) for s in served[MONITOR].schedules] == [
        ("interval", timedelta(minutes=2.5))
    ]
    assert served[FEED_HEALTH].parameters == {"db_path": "x.duckdb"}


def test_serve_builds_the_same_deployments_without_a_work_pool() -> None:
    served = built(work_pool_name=None)
    pooled = built()
    for name, dep in served.items():
        assert dep.work_pool_name is None
        assert (dep.entrypoint, dep.parameters, dep.description, dep.tags) == (
            pooled[name].entrypoint,
            pooled[name].parameters,
            pooled[name].description,
            pooled[name].tags,
        )


@pytest.mark.parametrize("name", [MONITOR, REMATCH, FEED_HEALTH])
def test_entrypoint_imports_and_accepts_its_parameters(name: str) -> None:
    spec = YAML_DEPLOYMENTS[name]
    flow = load_flow_from_entrypoint(str(REPO / spec["entrypoint"]))
    assert flow.name == built()[name].flow_name
    signature = inspect.signature(flow.fn)
    assert set(spec["parameters"]) <= set(signature.parameters), name
    validated = flow.validate_parameters(spec["parameters"])
    assert {k: validated[k] for k in spec["parameters"]} == spec["parameters"]


def test_prefect_version_is_the_installed_minor() -> None:
    declared = DOC["prefect-version"].split(".")[:2]
    assert declared == prefect.__version__.split(".")[:2]


def test_build_step_is_prepare_deploy_and_feeds_the_pull_step() -> None:
    (build_step,) = DOC["build"]
    ((dotted, args),) = build_step.items()
    module, _, function = dotted.rpartition(".")
    assert getattr(importlib.import_module(module), function) is prepare_deploy
    inputs = {k: v for k, v in args.items() if k != "id"}
    inspect.signature(prepare_deploy).bind(**inputs)
    ((pull_step, pull_args),) = DOC["pull"][0].items()
    assert pull_step == "prefect.deployments.steps.set_working_directory"
    assert pull_args["directory"] == "{{ " + args["id"] + ".directory }}"


def test_prepare_deploy_creates_the_write_limit_and_names_the_code_directory(
    prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build step alone sets up what the runs need (so `make deploy-prefect` does not
    create the limit itself)."""
    from prefect.client.orchestration import get_client

    monkeypatch.delenv("NEWSWATCH_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    (build_step,) = DOC["build"]
    limit = next(iter(build_step.values()))["limit"]

    async def delete_limit() -> None:
        async with get_client() as client:
            with contextlib.suppress(ObjectNotFound):
                await client.delete_global_concurrency_limit_by_name(WRITE_LIMIT)

    async def read_limit() -> int:
        async with get_client() as client:
            return (await client.read_global_concurrency_limit_by_name(WRITE_LIMIT)).limit

    asyncio.run(delete_limit())
    assert prepare_deploy(limit=limit) == {"directory": str(tmp_path.resolve())}
    assert asyncio.run(read_limit()) == limit == 1
    # idempotent on a second deploy; NEWSWATCH_HOME names the workers' checkout instead
    monkeypatch.setenv("NEWSWATCH_HOME", str(REPO))
    assert prepare_deploy(limit=limit) == {"directory": str(REPO)}
    assert asyncio.run(read_limit()) == 1


# --- the feed-health deployment reads the database read-only ---------------------------------

HOLD_READ_ONLY = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
con.execute("SELECT count(*) FROM feed_state").fetchone()
print("holding", flush=True)
sys.stdin.read()
"""


def land_feed_states(db: Path) -> None:
    from datetime import UTC, datetime

    from pipelines import store
    from pipelines.models import FeedState

    now = datetime.now(UTC)
    with store.open_store(db) as con:
        store.land_batch(
            con,
            store.LandingBatch(
                feed_states=[
                    FeedState(
                        "https://fine.example.org/rss",
                        name="Fine",
                        last_status="ok",
                        last_polled_at=now,
                        last_new_item_at=now,
                    ),
                    FeedState(
                        "https://broken.example.org/rss",
                        name="Broken",
                        last_status="error",
                        last_error="HTTP 500",
                        last_polled_at=now,
                        consecutive_failures=3,
                    ),
                ]
            ),
        )


def test_feed_health_runs_while_another_process_holds_the_database_read_only(
    prefect_harness: None, tmp_path: Path
) -> None:
    """The single DuckDB file, whose readers hold a lock (a lake's hold none)."""
    import subprocess
    import sys

    import duckdb

    from flows.maintenance import feed_health_flow

    db_path = tmp_path / "data" / "newswatch.duckdb"
    land_feed_states(db_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_READ_ONLY, str(db_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "holding\n"
        # the other process really excludes writers: a read-write open fails at once
        with pytest.raises(duckdb.IOException, match="lock"):
            duckdb.connect(str(db_path))
        rows = asyncio.run(feed_health_flow(db_path=str(db_path)))
        assert holder.poll() is None, "the read-only holder exited during the flow run"
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    assert holder.returncode == 0
    health = {r["name"]: (r["health"], r["failures"], r["problem"]) for r in rows}
    assert health == {"Fine": ("healthy", 0, None), "Broken": ("failing", 3, "HTTP 500")}


def test_feed_health_before_the_first_run_reports_no_feeds_and_creates_nothing(
    prefect_harness: None, db_path: Path
) -> None:
    from flows.maintenance import feed_health_flow

    assert asyncio.run(feed_health_flow(db_path=str(db_path))) == []
    assert not db_path.exists()


def test_serve_without_a_prefect_api_stops_and_says_how_to_start_one(tmp_path: Path) -> None:
    """Without a Prefect API, Prefect served through a temporary one that schedules nothing
    ("Cannot schedule flows on an ephemeral server") and that no other process can reach: the
    command ran for ever and never ran the monitor."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", "serve"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error: newswatch serve needs a Prefect server")
    assert "prefect server start" in done.stderr and "PREFECT_API_URL=" in done.stderr


def test_no_module_beside_an_entrypoint_shadows_the_standard_library() -> None:
    """Prefect puts an entrypoint's folder first on `sys.path` when it loads the flow from
    its file, and processes spawned after that (Dask's workers, a spawned pool) inherit it:
    `flows/secrets.py` then answered pydantic's `import secrets`, every Dask task failed to
    unpickle and the run waited for results forever."""
    folders = {entrypoint_file(d["entrypoint"], REPO)[0].parent for d in DOC["deployments"]}
    assert folders == {REPO / "flows"}
    shadowing = sorted(
        str(path.relative_to(REPO))
        for folder in folders
        for path in folder.iterdir()
        if (path.stem if path.suffix == ".py" else path.name) in sys.stdlib_module_names
    )
    assert shadowing == []


def test_a_stopping_serve_gives_up_pausing_schedules_the_api_does_not_answer() -> None:
    """The pause on stopping retried each deployment for about a minute with the API down."""
    import time
    from uuid import uuid4

    from flows.deployments import _serve_runner

    class Silent:
        async def pause_deployment(self, deployment_id: object) -> None:
            await asyncio.sleep(3600)

    runner = _serve_runner(0.2, lambda: None)(pause_on_shutdown=True)
    runner._client = Silent()
    runner._deployment_registry.get_deployment_ids = lambda: [uuid4()]
    said: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            said.append(record.getMessage())

    logger, keep = runner._logger, Keep()
    level = logger.level
    logger.addHandler(keep)
    logger.setLevel(logging.WARNING)  # whatever Prefect's logging set-up left it at
    try:
        started = time.monotonic()
        asyncio.run(runner._pause_schedules())
        took = time.monotonic() - started
    finally:
        logger.removeHandler(keep)
        logger.setLevel(level)
    assert took < 5
    assert any(
        "Could not pause the served deployments' schedules (no answer within 0.2 s)" in line
        for line in said
    ), said


def test_prefect_warnings_print_their_cause_in_place_of_a_traceback() -> None:
    from flows.deployments import _WithoutTraceback

    try:
        raise ConnectionError("All connection attempts failed")
    except ConnectionError:
        import sys as _sys

        failure = _sys.exc_info()
    record = logging.LogRecord(
        "prefect.runner", logging.WARNING, __file__, 1, "lost %s", ("the API",), failure
    )
    assert _WithoutTraceback().filter(record)
    assert record.exc_info is None
    assert record.getMessage() == "lost the API (ConnectionError: All connection attempts failed)"
    error = logging.LogRecord("prefect.runner", logging.ERROR, __file__, 1, "failed", None, failure)
    assert _WithoutTraceback().filter(error) and error.exc_info is failure  # errors keep theirs
