"""A quick run always exits, promptly and without a traceback (issue 18, item 9).

A short run ends while its extraction pool, started in the background, may still be starting
workers. Exiting then used to hang at interpreter exit (the pool half started) or print the
forkserver's `SemLock._rebuild … FileNotFoundError`. Many quick runs in a row, each under a
deadline."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.reliability.newsroom import (
    HTML,
    REPO,
    RSS,
    Answer,
    Request,
    newswatch_command,
    newswatch_env,
    page,
    query,
    rss,
    serve_site,
    story,
    write_config,
)

RUNS = 12
DEADLINE_S = 90.0
"""Far above a quick run's few seconds on a busy machine; a hung run never ends."""


def test_many_quick_runs_each_exit_promptly_without_a_traceback(tmp_path: Path) -> None:
    """Each run finds one new entry, so each starts its extraction pool (from the warm-up
    thread) and ends right after: its page was extracted, or could not be fetched and there
    was nothing to extract. The start/stop race of every short run."""
    with serve_site() as site:
        site.route("/robots.txt", Answer(404))
        polls = iter(range(RUNS * 2))

        def feed(request: Request) -> Answer:
            n = next(polls)
            return Answer(200, rss([{"title": f"S{n}", "link": site.url(f"/a{n}")}]), RSS)

        site.route("/feed", feed)
        for n in range(RUNS * 2):  # odd polls: a page to extract; even polls: a page that fails
            site.route(
                f"/a{n}", Answer(200, page(f"S{n}", story(n)), HTML) if n % 2 else Answer(503)
            )
        # Many workers: the warm-up thread is still starting them when the run is done.
        config = write_config(tmp_path / "cfg", [site.url("/feed")], "extract:\n  workers: 8\n")
        db = tmp_path / "data" / "nw.duckdb"
        for n in range(RUNS):
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
        assert len(query(db, "SELECT url FROM articles WHERE extract_status = 'ok'")) == RUNS // 2
