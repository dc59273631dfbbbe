"""A quick run always exits, promptly and without a traceback (issue 18, item 9).

A run with nothing new ends while its extraction pool, started in the background before the
poll, may still be starting. Exiting then used to hang at interpreter exit (the pool half
started) or print the forkserver's `SemLock._rebuild … FileNotFoundError`. Many quick runs in a
row, each under a deadline."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.reliability.newsroom import (
    HTML,
    REPO,
    RSS,
    Answer,
    newswatch_command,
    newswatch_env,
    page,
    rss,
    serve_site,
    story,
    write_config,
)

RUNS = 12
DEADLINE_S = 90.0
"""Far above a quick run's few seconds on a busy machine; a hung run never ends."""


def test_many_quick_runs_each_exit_promptly_without_a_traceback(tmp_path: Path) -> None:
    with serve_site() as site:
        site.route("/robots.txt", Answer(404))
        site.route("/feed", Answer(200, rss([{"title": "S", "link": site.url("/a")}]), RSS))
        site.route("/a", Answer(200, page("S", story(1)), HTML))
        config = write_config(tmp_path / "cfg", [site.url("/feed")])
        db = tmp_path / "data" / "nw.duckdb"
        for n in range(RUNS):  # the first lands the page; the others find nothing new
            try:
                done = subprocess.run(
                    newswatch_command(config, db),
                    cwd=REPO,
                    env=newswatch_env(db),
                    capture_output=True,
                    text=True,
                    timeout=DEADLINE_S,
                    check=False,
                )
            except subprocess.TimeoutExpired as hung:
                raise AssertionError(f"run {n + 1} did not exit within {DEADLINE_S:g} s") from hung
            assert done.returncode == 0, f"run {n + 1}: {done.stderr[-2000:]}"
            assert "Traceback" not in done.stderr, f"run {n + 1}: {done.stderr[-3000:]}"
            assert "Error" not in done.stderr, f"run {n + 1}: {done.stderr[-3000:]}"
