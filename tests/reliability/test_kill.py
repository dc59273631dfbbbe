"""kill -9 at random points, with real processes: afterwards every article, match and alert
is stored exactly once, and the database opens cleanly."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from flows.seed_server import SEEDS_DIR
from tests.store_reader import open_reader

REPO = Path(__file__).resolve().parents[2]
BATCHES = 12


def lander(db: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.lander", str(db), str(BATCHES)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )


def kill_after_lines(db: Path, lines: int) -> None:
    proc = lander(db)
    assert proc.stdout is not None
    for _ in range(lines):
        if not proc.stdout.readline():
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)


def check_exactly_once(db: Path) -> None:
    with open_reader(db) as con:
        articles = con.execute("SELECT count(*), count(DISTINCT canonical_url) FROM articles")
        assert articles.fetchone() == (BATCHES * 10, BATCHES * 10)
        assert con.execute("SELECT count(*) FROM matches").fetchone() == (BATCHES * 10,)
        assert con.execute("SELECT count(*) FROM seen_entries").fetchone() == (BATCHES * 10,)
        stories = con.execute("SELECT count(DISTINCT story_id) FROM articles").fetchone()
        alerts = con.execute(
            "SELECT count(*), count(DISTINCT (story_id, topic, channel)) FROM alerts"
        ).fetchone()
        assert stories is not None and alerts is not None
        assert alerts == (stories[0] * 2, stories[0] * 2)


def test_kill_9_at_random_points_while_landing(tmp_path: Path, store_suffix: str) -> None:
    db = tmp_path / f"k{store_suffix}"
    rng = random.Random(int(os.environ.get("NEWSWATCH_KILL_SEED", "9")))
    for _ in range(10):
        kill_after_lines(db, rng.randint(0, BATCHES * 2))
    proc = lander(db)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0 and out.strip().endswith("done")
    check_exactly_once(db)


def run_demo(db: Path, base_url: str, stderr: int = subprocess.DEVNULL) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        NEWSWATCH_DEMO_BASE_URL=base_url,
        PREFECT_HOME=str(db.parent / "ph"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
    )
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flows.cli",
            "run",
            "--config-dir",
            str(SEEDS_DIR / "config"),
            "--db",
            str(db),
            "--all",
            "--json",
        ],
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        cwd=REPO,
        env=env,
        start_new_session=True,
    )


def kill_runs_then_finish(db: Path, base_url: str, kills: int, seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(kills):
        proc = run_demo(db, base_url)
        try:
            proc.wait(timeout=rng.uniform(2, 14))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    final = run_demo(db, base_url, stderr=subprocess.PIPE)
    _, err = final.communicate(timeout=240)
    assert final.returncode == 0, err[-3000:]


@pytest.mark.parametrize("kills", [3])
def test_kill_9_during_real_runs_then_rerun(
    tmp_path: Path, seed_base_url: str, kills: int, store_suffix: str
) -> None:
    db = tmp_path / "data" / f"runs{store_suffix}"
    db.parent.mkdir()
    kill_runs_then_finish(db, seed_base_url, kills, seed=kills)
    with open_reader(db) as con:
        dupes = con.execute(
            "SELECT canonical_url FROM articles GROUP BY 1 HAVING count(*) > 1"
        ).fetchall()
        topics = dict(con.execute("SELECT topic, count(*) FROM matches GROUP BY 1").fetchall())
        alerts = con.execute(
            "SELECT count(*), count(DISTINCT alert_id), "
            "count(*) FILTER (WHERE status = 'sent') FROM alerts"
        ).fetchone()
        escalations = con.execute("SELECT count(*) FROM demand_escalation_alerts").fetchone()
    expected = yaml.safe_load((SEEDS_DIR / "expected.yaml").read_text("utf-8"))["articles"]
    per_topic = Counter(t for spec in expected.values() for t in spec["topics"] or [])
    assert dupes == []
    assert topics == dict(per_topic)
    # One alert per match and one per escalation (the console channel), each sent once.
    assert escalations is not None and escalations[0] > 0
    assert alerts is not None
    assert alerts[0] == alerts[1] == alerts[2] == sum(per_topic.values()) + escalations[0]


@pytest.mark.soak
def test_kill_9_twenty_times_soak(tmp_path: Path, seed_base_url: str) -> None:
    db = tmp_path / "data" / "soak.sqlite"
    db.parent.mkdir()
    kill_runs_then_finish(db, seed_base_url, 20, seed=20)
    expected = yaml.safe_load((SEEDS_DIR / "expected.yaml").read_text("utf-8"))["articles"]
    matches = sum(len(spec["topics"] or []) for spec in expected.values())
    with open_reader(db) as con:
        assert con.execute("SELECT count(*) FROM matches").fetchone() == (matches,)
        escalations = con.execute("SELECT count(*) FROM demand_escalation_alerts").fetchone()
        alerts = con.execute(
            "SELECT count(*), count(DISTINCT alert_id), "
            "count(*) FILTER (WHERE status = 'sent') FROM alerts"
        ).fetchone()
    assert escalations is not None and alerts is not None
    assert alerts[0] == alerts[1] == alerts[2] == matches + escalations[0]
