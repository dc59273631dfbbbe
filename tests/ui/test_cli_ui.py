"""`newswatch ui` as a user meets it: clear one-line errors, the warning when exposed, and the
"updating…" page while the monitor holds the database."""

from __future__ import annotations

import socket
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import httpx

from pipelines import store
from tests.conftest import REPO
from tests.ui.conftest import NEWSWATCH, cli_env, newswatch, serve_ui

FLOW_RUN = "0c7a3a5e-3f7e-4b8e-9a51-2b1f6c0d9e11"


def _empty_store(tmp_path: Path) -> Path:
    db = tmp_path / "store.duckdb"
    with store.open_store(db):
        pass
    return db


def test_a_taken_port_is_one_clear_line(tmp_path: Path) -> None:
    db = _empty_store(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = newswatch("ui", "--db", str(db), "--port", str(port), timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"error: port {port} on 127.0.0.1 is already in use (another `newswatch ui`?); stop it "
        "or pass --port N"
    )


def test_a_missing_database_is_one_clear_line(tmp_path: Path) -> None:
    done = newswatch("ui", "--db", str(tmp_path / "nope.duckdb"), timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"error: database {tmp_path / 'nope.duckdb'} does not exist")


def test_listening_beyond_loopback_warns_that_there_is_no_login(tmp_path: Path) -> None:
    db = _empty_store(tmp_path)
    proc = subprocess.Popen(
        [*NEWSWATCH, "ui", "--db", str(db), "--host", "0.0.0.0", "--port", "0"],
        cwd=REPO,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stderr is not None
        url = proc.stdout.readline()
        warning = proc.stderr.readline()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert url.startswith("newswatch ui: http://0.0.0.0:")
    assert warning.startswith("warning: listening on 0.0.0.0: the dashboard has no login")


def test_pages_say_updating_while_the_monitor_holds_the_file(tmp_path: Path) -> None:
    db = _empty_store(tmp_path)
    with serve_ui(db) as url:
        assert httpx.get(url + "/").status_code == 200
        writer = duckdb.connect(str(db))  # another process holding the file, as a landing does
        try:
            for path in ("/", "/trends", "/operations"):
                busy = httpx.get(url + path, timeout=30)
                assert busy.status_code == 503
                assert busy.headers["retry-after"] == "2"
                assert "Updating…" in busy.text and 'http-equiv="refresh"' in busy.text
        finally:
            writer.close()
        assert httpx.get(url + "/").status_code == 200  # no connection was kept meanwhile


def test_runs_link_to_the_prefect_ui_when_one_is_configured(tmp_path: Path) -> None:
    db = _empty_store(tmp_path)
    with store.open_store(db) as con:
        store.record_run(con, FLOW_RUN, datetime.now(UTC), {"feeds_polled": 1})
    with serve_ui(db, env={"PREFECT_UI_URL": "http://127.0.0.1:4200"}) as url:
        linked = httpx.get(url + "/operations").text
    with serve_ui(db) as url:
        unlinked = httpx.get(url + "/operations").text
    assert f'href="http://127.0.0.1:4200/runs/flow-run/{FLOW_RUN}"' in linked
    assert "/runs/flow-run/" not in unlinked and "Set PREFECT_UI_URL" in unlinked


def test_the_search_hint_names_the_database_the_dashboard_reads(tmp_path: Path) -> None:
    """Without a full-text index the search page names the command that builds one: it once
    said `newswatch search "…"`, which reads data/newswatch.duckdb, not the demo's file."""
    db = _empty_store(tmp_path)
    with serve_ui(db) as url:
        page = httpx.get(url + "/", params={"q": "buffer zone"}, timeout=30).text
    assert f"<code>newswatch search --db {db} &#39;buffer zone&#39;</code> builds the index" in page


def test_the_dashboard_on_a_missing_default_database_names_the_demo_one(tmp_path: Path) -> None:
    """Not `newswatch demo --db data/newswatch.duckdb`, which would mix the demo's corpus into
    the monitoring database."""
    (tmp_path / "demo.duckdb").write_bytes(b"")
    missing = tmp_path / "newswatch.duckdb"
    done = newswatch("ui", "--db", str(missing), timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip() == (
        f"error: database {missing} does not exist yet; run `newswatch run` first (the demo's "
        f"data is in {tmp_path / 'demo.duckdb'}: add --db {tmp_path / 'demo.duckdb'})"
    )
