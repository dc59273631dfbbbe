"""The temporary Prefect API's database is created whole or not at all (flows/prefect_db.py)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from prefect.settings import PREFECT_API_DATABASE_CONNECTION_URL, PREFECT_API_URL
from prefect.settings.context import temporary_settings

from flows.prefect_db import ensure_ephemeral_database, ephemeral_sqlite_path

REPO = Path(__file__).resolve().parents[1]
CREATE = "from flows.prefect_db import ensure_ephemeral_database as e; print(e())"


def create_in_child(home: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(home)
    return subprocess.Popen(
        [sys.executable, "-c", CREATE],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=env,
        start_new_session=True,
    )


def test_killed_creation_leaves_no_database_and_the_next_run_builds_it(tmp_path: Path) -> None:
    home = tmp_path / "home"
    child = create_in_child(home)
    deadline = time.monotonic() + 120
    while not list(home.glob(".prefect.db.building-*")) and child.poll() is None:
        assert time.monotonic() < deadline, "the side file never appeared"
        time.sleep(0.05)
    os.killpg(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert not (home / "prefect.db").exists()

    again = create_in_child(home)
    out, err = again.communicate(timeout=240)
    assert again.returncode == 0, err
    assert out.strip() == "True"
    assert "first run only" in err
    assert [p.name for p in home.iterdir() if p.name.startswith(".prefect.db.building")] == []
    with sqlite3.connect(home / "prefect.db") as con:
        (revision,) = con.execute("SELECT version_num FROM alembic_version").fetchone()
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert revision and {"flow_run", "flow_run_state", "task_run"} <= tables


def test_existing_database_is_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "prefect.db"
    db.write_bytes(b"")
    url = f"sqlite+aiosqlite:///{db}"
    with temporary_settings(
        updates={PREFECT_API_DATABASE_CONNECTION_URL: url}, restore_defaults={PREFECT_API_URL}
    ):
        assert ephemeral_sqlite_path() == db
        assert ensure_ephemeral_database(notify=False) is False
    assert db.read_bytes() == b""


def test_not_in_play_with_a_server_or_an_in_memory_database(tmp_path: Path) -> None:
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        assert ephemeral_sqlite_path() is None
    memory = "sqlite+aiosqlite:///file::memory:?cache=shared&uri=true&mode=memory"
    with temporary_settings(
        updates={PREFECT_API_DATABASE_CONNECTION_URL: memory}, restore_defaults={PREFECT_API_URL}
    ):
        assert ephemeral_sqlite_path() is None
        assert ensure_ephemeral_database(notify=False) is False
