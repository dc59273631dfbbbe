"""End to end: a real `prefect server`, `newswatch serve`, and `prefect deployment run`.

Every wait is bounded by a deadline; every process is killed in `finally`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import httpx
import pytest

from flows.seed_server import SEEDS_DIR

BIN = Path(sys.executable).parent
pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(check, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")


def alive_in_group(pgid: int) -> list[int]:
    """The processes of a process group that have not ended (zombies left out)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(int(stat.parent.name))
    return alive


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


@contextlib.contextmanager
def started_server(home: Path) -> Iterator[tuple[dict[str, str], subprocess.Popen[bytes]]]:
    """A real `prefect server` on a free port: the environment that reaches it, and it."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_API_URL=f"http://127.0.0.1:{port}/api",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_LOGGING_LEVEL="WARNING",
        PREFECT_UI_ENABLED="false",
    )
    log = (home / "server.log").open("wb")
    proc = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    def healthy() -> bool:
        assert proc.poll() is None, (home / "server.log").read_text()[-3000:]
        try:
            return httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(healthy, 120, "prefect server health")
        yield env, proc
    finally:
        stop(proc)
        log.close()


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with started_server(tmp_path_factory.mktemp("prefect-home")) as (env, _):
        yield env


def test_deployment_run_through_served_deployment(
    prefect_server: dict[str, str], seed_base_url: str, tmp_path: Path
) -> None:
    env = {**prefect_server, "NEWSWATCH_DEMO_BASE_URL": seed_base_url}
    db = tmp_path / "e2e.duckdb"
    log = (tmp_path / "serve.log").open("wb")
    served = subprocess.Popen(
        [
            str(BIN / "newswatch"),
            "serve",
            "--config-dir",
            str(SEEDS_DIR / "config"),
            "--db",
            str(db),
            "--no-schedule",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        cwd=tmp_path,
    )
    try:

        def triggered() -> bool:
            assert served.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
            run = subprocess.run(
                [
                    str(BIN / "prefect"),
                    "deployment",
                    "run",
                    "monitor/newswatch-monitor",
                    "--param",
                    "force_all=true",
                    "--watch",
                    "--watch-timeout",
                    "240",
                ],
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            if run.returncode != 0 and "not found" in (run.stdout + run.stderr).lower():
                return False
            assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
            assert "Completed" in run.stdout, run.stdout[-2000:]
            return True

        wait_until(triggered, 280, "the deployment to be served and its run to complete")
        # A finished run's process used to stay, joining its idle extraction workers forever,
        # and `serve`, waiting for it, ignored SIGTERM and Ctrl-C.
        wait_until(lambda: len(alive_in_group(served.pid)) <= 3, 30, "the run's processes to end")
        os.kill(served.pid, signal.SIGTERM)
        served.wait(timeout=20)
        # its forkserver and resource tracker end once they see it gone
        wait_until(lambda: not alive_in_group(served.pid), 10, "serve's helpers to end")
    finally:
        stop(served)
        log.close()
    # the extraction workers do not run `prefect.engine` again over a copy already imported
    assert "found in sys.modules" not in (tmp_path / "serve.log").read_text()
    with duckdb.connect(str(db), read_only=True) as con:
        topics = dict(con.execute("SELECT topic, count(*) FROM matches GROUP BY topic").fetchall())
        articles = con.execute("SELECT count(*) FROM articles").fetchone()
    assert set(topics) == {"istanbul_talks", "territorial_demands"}
    assert articles is not None and articles[0] >= 20
    assert_one_match_event_per_match(prefect_server["PREFECT_API_URL"], sum(topics.values()))


def assert_one_match_event_per_match(api: str, expected: int) -> None:
    """The run's `newswatch.match.created` events reached the server: one per new match, with
    the article as resource and the topic as related resource (what an Automation keys on)."""
    events: list[dict] = []

    def arrived() -> bool:
        resp = httpx.post(
            f"{api}/events/filter",
            json={"filter": {"event": {"name": ["newswatch.match.created"]}}, "limit": 50},
            timeout=10,
        )
        resp.raise_for_status()
        events[:] = resp.json()["events"]
        return len(events) >= expected

    wait_until(arrived, 60, f"{expected} newswatch.match.created events")
    assert len(events) == expected
    pairs = {
        (
            e["resource"]["prefect.resource.id"],
            next(
                r["prefect.resource.id"]
                for r in e["related"]
                if r["prefect.resource.role"] == "topic"
            ),
        )
        for e in events
    }
    assert len(pairs) == expected  # no event twice for one (article, topic)
    assert all(rid.startswith("newswatch.article.") for rid, _ in pairs)
    assert {t for _, t in pairs} == {
        "newswatch.topic.istanbul_talks",
        "newswatch.topic.territorial_demands",
    }
    assert all(e["payload"]["url"].startswith("http") and e["payload"]["snippet"] for e in events)


def prefect(
    env: dict[str, str], *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "prefect"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=SEEDS_DIR.parent,
    )


def test_work_pool_deploy_and_worker_run(
    prefect_server: dict[str, str], seed_base_url: str, tmp_path: Path
) -> None:
    repo = SEEDS_DIR.parent
    env = {**prefect_server, "NEWSWATCH_DEMO_BASE_URL": seed_base_url, "NEWSWATCH_HOME": str(repo)}
    assert prefect(env, "work-pool", "create", "newswatch", "--type", "process").returncode == 0
    deployed = prefect(
        env, "--no-prompt", "deploy", "--all", "--prefect-file", "deploy/prefect.yaml", timeout=180
    )
    assert deployed.returncode == 0, deployed.stdout[-3000:] + deployed.stderr[-3000:]
    # the deploy step (prefect.yaml build step) leaves the DuckDB write limit in place
    gcl = prefect(env, "gcl", "inspect", "newswatch-duckdb-writes")
    assert gcl.returncode == 0 and "newswatch-duckdb-writes" in gcl.stdout, gcl.stdout
    db = tmp_path / "pool.duckdb"
    # two runs at once on the same database: the worker runs them concurrently; the write
    # limit serialises their DuckDB writes, the feed leases split the feeds, both complete
    for _ in range(2):
        run = prefect(
            env,
            "deployment",
            "run",
            "monitor/newswatch-monitor",
            "--param",
            f"db_path={db}",
            "--param",
            f"config_dir={SEEDS_DIR / 'config'}",
            "--tag",
            "e2e-concurrent",
        )
        assert run.returncode == 0, run.stdout + run.stderr
    worker = prefect(
        env,
        "worker",
        "start",
        "--pool",
        "newswatch",
        "--type",
        "process",
        "--run-once",
        timeout=240,
    )
    assert worker.returncode == 0, worker.stdout[-3000:] + worker.stderr[-3000:]
    with duckdb.connect(str(db), read_only=True) as con:
        topics = dict(con.execute("SELECT topic, count(*) FROM matches GROUP BY topic").fetchall())
        dupes = con.execute(
            "SELECT count(*) FROM (SELECT canonical_url FROM articles "
            "GROUP BY 1 HAVING count(*) > 1)"
        ).fetchone()
    assert set(topics) == {"istanbul_talks", "territorial_demands"}
    assert dupes == (0,)
    api = env["PREFECT_API_URL"]
    runs = httpx.post(
        f"{api}/flow_runs/filter",
        json={"flow_runs": {"tags": {"all_": ["e2e-concurrent"]}}},
        timeout=10,
    ).json()
    assert sorted(r["state"]["type"] for r in runs) == ["COMPLETED", "COMPLETED"], runs


def test_serve_after_prefect_deploy_says_what_to_do_then_replaces(
    prefect_server: dict[str, str], seed_base_url: str, tmp_path: Path
) -> None:
    """Switching from the work-pool set-up to `newswatch serve`: serve stops at once with what
    to do (the deployments belong to the pool), and `--replace` serves runs that complete."""
    repo = SEEDS_DIR.parent
    env = {**prefect_server, "NEWSWATCH_DEMO_BASE_URL": seed_base_url, "NEWSWATCH_HOME": str(repo)}
    prefect(env, "work-pool", "create", "newswatch", "--type", "process")  # may exist already
    deployed = prefect(
        env, "--no-prompt", "deploy", "--all", "--prefect-file", "deploy/prefect.yaml", timeout=180
    )
    assert deployed.returncode == 0, deployed.stdout[-3000:] + deployed.stderr[-3000:]
    db = tmp_path / "switched.duckdb"
    serve_args = [
        str(BIN / "newswatch"),
        "serve",
        "--config-dir",
        str(SEEDS_DIR / "config"),
        "--db",
        str(db),
        "--no-schedule",
    ]
    refused = subprocess.run(
        serve_args, env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "Traceback" not in refused.stderr
    assert "belong to work pool 'newswatch'" in refused.stderr
    assert "newswatch serve --replace" in refused.stderr
    log_path = tmp_path / "serve.log"
    log = log_path.open("wb")
    served = subprocess.Popen(
        [*serve_args, "--replace"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        cwd=tmp_path,
    )
    try:

        def completed() -> bool:
            assert served.poll() is None, log_path.read_text()[-3000:]
            if "Serving" not in log_path.read_text():
                return False
            run = prefect(
                env,
                "deployment",
                "run",
                "monitor/newswatch-monitor",
                "--param",
                "force_all=true",
                "--watch",
                "--watch-timeout",
                "240",
                timeout=300,
            )
            assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
            return "Completed" in run.stdout

        wait_until(completed, 280, "the replaced deployment's run to complete")
    finally:
        stop(served)
        log.close()
    output = log_path.read_text()
    assert "Deleted monitor/newswatch-monitor" in output
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute("SELECT count(*) FROM articles").fetchone()
    assert row is not None and row[0] >= 20


def test_serve_stops_promptly_and_in_one_line_when_the_prefect_server_is_gone(
    tmp_path: Path,
) -> None:
    """With the Prefect API down, SIGTERM left `serve` pausing its schedules for about a
    minute, then printing the client's traceback and skipping the runner's own shutdown.
    Served with its schedules, which a stopping `serve` pauses."""
    home = tmp_path / "prefect-home"
    home.mkdir()
    log_path = tmp_path / "serve.log"
    with started_server(home) as (env, server), log_path.open("wb") as log:
        served = subprocess.Popen(
            [str(BIN / "newswatch"), "serve", "--config-dir", str(SEEDS_DIR / "config"),
             "--db", str(tmp_path / "x.duckdb")],
            env={**env, "NEWSWATCH_DEMO_BASE_URL": "http://127.0.0.1:9"},
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=tmp_path,
        )  # fmt: skip
        try:
            wait_until(lambda: "Serving " in log_path.read_text(), 120, "serve to start")
            stop(server)  # "Serving" is printed once the runner is up
            os.kill(served.pid, signal.SIGTERM)
            started = time.monotonic()
            served.wait(timeout=60)
            took = time.monotonic() - started
        finally:
            stop(served)
    out = log_path.read_text()
    assert took < 20, out
    assert "Traceback" not in out, out
    assert "Could not pause the served deployments' schedules (" in out, out
