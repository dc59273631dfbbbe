"""`newswatch serve`'s flow runs start from the preloaded forkserver (`flows.run_children`)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent(
    """
    import os
    import sys

    import prefect.flow_engine
    from prefect import flow

    from flows.run_children import fork_flow_runs

    @flow
    def where(out: str) -> None:
        import sys

        with open(out, "w") as f:
            f.write(f"{os.getpid()} {os.getppid()} {'flows.monitor' in sys.modules}")

    fork_flow_runs()
    process = prefect.flow_engine.run_flow_in_subprocess(where, parameters={"out": sys.argv[1]})
    process.join()
    print(type(process).__name__, process.exitcode, os.getpid())
    """
)


@pytest.mark.usefixtures("prefect_harness")
def test_flow_runs_fork_from_the_forkserver_with_the_flows_loaded(tmp_path: Path) -> None:
    """Prefect's own call for a served run's process, after `fork_flow_runs`: the run is a
    child of the forkserver, not of the serving process, and finds the flows imported."""
    from prefect.settings import PREFECT_API_URL

    out = tmp_path / "where.txt"
    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value())}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    kind, exitcode, server_pid = done.stdout.split()[-3:]
    assert (kind, exitcode) == ("ForkServerProcess", "0")
    _, run_parent, monitor_loaded = out.read_text().split()
    assert run_parent != server_pid  # forked by the forkserver, not started by this process
    assert monitor_loaded == "True"  # preloaded there, never imported by the run itself
