"""A compression bomb costs at most the body cap (issue 18, item 7).

Eight pages and one feed served from 127.0.0.1 are gzip or deflate bombs (200 MB of zeros in
~200 KB). `newswatch run` runs in a child that reports its own peak memory (ru_maxrss) at exit;
a control run, where the same site serves ordinary pages, gives the baseline. The body cap
(`fetch.max_bytes`) is 1 MB: the bombs together may cost the run the cap of each (they are
fetched concurrently) and a small constant, not the tens of megabytes httpx inflated a single
received chunk to."""

from __future__ import annotations

import subprocess
import sys
import zlib
from pathlib import Path

from tests.reliability.newsroom import (
    HTML,
    REPO,
    RSS,
    Answer,
    newswatch_command,
    newswatch_env,
    page,
    query,
    rss,
    serve_site,
    story,
    write_config,
)

BOMBS = 8
CAP = 1 << 20
MAX_GROWTH = BOMBS * CAP + (24 << 20)
"""The cap of each bomb fetched at once, and room for the noise between two runs."""

MEASURED = """
import atexit, resource, runpy, sys
atexit.register(lambda: sys.stderr.write(
    "PEAK_RSS_KB %d\\n" % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
sys.argv = ["newswatch", *sys.argv[1:]]
runpy.run_module("flows.cli", run_name="__main__", alter_sys=True)
"""


def bomb(size: int, wbits: int) -> bytes:
    """`size` zero bytes compressed (gzip for wbits 31, zlib deflate for 15), built in pieces."""
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = b"\0" * (1 << 20)
    parts = [packer.compress(block) for _ in range(size >> 20)]
    return b"".join([*parts, packer.flush()])


def peak_rss_kb(tmp_path: Path, name: str, bombs: bool) -> tuple[int, Path]:
    gzip_bomb, deflate_bomb = bomb(200 << 20, 31), bomb(200 << 20, 15)
    with serve_site() as site:
        site.route("/robots.txt", Answer(404))
        links = [{"title": f"Page {i}", "link": site.url(f"/p{i}")} for i in range(BOMBS)]
        site.route("/feed", Answer(200, rss(links), RSS))
        for i in range(BOMBS):
            if bombs:
                encoding = "gzip" if i % 2 == 0 else "deflate"
                body = gzip_bomb if i % 2 == 0 else deflate_bomb
                site.route(f"/p{i}", Answer(200, body, {**HTML, "Content-Encoding": encoding}))
            else:
                site.route(f"/p{i}", Answer(200, page(f"Page {i}", story(i)), HTML))
        if bombs:
            site.route("/bombfeed", Answer(200, gzip_bomb, {**RSS, "Content-Encoding": "gzip"}))
        else:
            site.route("/bombfeed", Answer(200, rss([]), RSS))
        del gzip_bomb, deflate_bomb
        config = write_config(
            tmp_path / name,
            [site.url("/feed"), site.url("/bombfeed")],
            f"  max_bytes: {CAP}\npoll:\n  entry_retry_attempts: 1\n",
        )
        db = tmp_path / name / "nw.duckdb"
        command = newswatch_command(config, db)
        done = subprocess.run(
            [sys.executable, "-c", MEASURED, *command[3:]],
            cwd=REPO,
            env=newswatch_env(db),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    peaks = [int(line.split()[1]) for line in done.stderr.splitlines() if "PEAK_RSS_KB" in line]
    assert peaks, done.stderr[-3000:]
    return peaks[-1], db


def test_compression_bombs_cost_at_most_the_cap(tmp_path: Path) -> None:
    control, _ = peak_rss_kb(tmp_path, "control", bombs=False)
    bombed, db = peak_rss_kb(tmp_path, "bombs", bombs=True)
    growth = (bombed - control) * 1024
    assert growth < MAX_GROWTH, f"peak memory grew by {growth >> 20} MiB over the control run"
    failed = query(db, "SELECT extract_status, extract_error FROM articles")
    assert len(failed) == BOMBS  # each bomb landed with its error (attempts run out at 1)
    assert all(s == "fetch_error" and "larger than" in e for s, e in failed)
    state = query(db, "SELECT last_error FROM feed_state WHERE feed_url LIKE '%bombfeed'")
    assert "larger than" in state[0][0]
