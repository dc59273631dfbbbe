"""Issue 23, done when 1: with a reader holding the README's read connection open (inside
one read transaction) for the whole run, `newswatch run` lands everything and exits 0 on
the default store; the reader is never broken and sees the landing once it looks again."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from flows.seed_server import SEEDS_DIR
from pipelines.config import DEFAULT_DB
from pipelines.store import open_store
from tests.reliability.test_kill import REPO, run_demo
from tests.store_reader import query


def test_a_reader_held_open_for_the_whole_run_never_stops_it(
    tmp_path: Path, seed_base_url: str
) -> None:
    db = tmp_path / Path(DEFAULT_DB)
    with open_store(db):
        pass  # the store exists before the reader opens it, as it does after a first run
    reader = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.held_reader", str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    assert reader.stdin is not None and reader.stdout is not None
    try:
        assert reader.stdout.readline().strip() == "open"
        run = run_demo(db, seed_base_url, stderr=subprocess.PIPE)
        out, err = run.communicate(timeout=240)
        assert reader.poll() is None, "the reader was still open when the run ended"
        reader.stdin.write("stop\n")
        reader.stdin.flush()
        report = json.loads(reader.stdout.readline())
    finally:
        reader.kill()
        reader.wait(timeout=30)
    assert run.returncode == 0, err[-3000:]
    summary = json.loads(out[out.find("{") :])
    expected = yaml.safe_load((SEEDS_DIR / "expected.yaml").read_text("utf-8"))["articles"]
    landed = query(db, "SELECT count(*), count(DISTINCT canonical_url) FROM articles")
    assert landed == [(len(expected), len(expected))]
    assert summary["articles_landed"] == len(expected)
    assert report["errors"] == []
    assert report["queries"] > 0 and report["same_snapshot"] is True
    assert report["articles_before"] == 0
    assert report["articles_after"] == len(expected)
