"""Faults that really happen, really caused: a data directory with no space left, and a
Prefect API that does not answer. Each must end in one clear message and corrupt nothing.

No space is made two ways, both real writes failing in a real process:

- `full-filesystem`: the data directory is a 16 MB tmpfs filled to the last byte (ENOSPC),
  when this machine lets the test mount one (root);
- `file-size-limit`: the writing process runs under `RLIMIT_FSIZE`, so every write past the
  limit fails (EFBIG), which needs no privilege. It is also the fallback of `full-filesystem`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
import yaml

from flows.seed_server import SEEDS_DIR
from pipelines import store
from pipelines.ingest.identity import article_id, canonical_url, content_hash, simhash
from pipelines.models import Article, FeedItem, Match

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2025, 5, 17, 12, 0, tzinfo=UTC)
FEED = "https://feed.example/rss"
LIMIT_BYTES = 64 * 1024
"""Writes past this offset fail under `file-size-limit`: far less than a batch's WAL."""


# ---------------------------------------------------------------------------------------------
# Making a data directory without space


@dataclass
class NoSpace:
    """A data directory that can be made to run out of space, and given space again."""

    mechanism: str
    data_dir: Path
    full: bool = False

    def fill(self, leave: int = 0) -> None:
        """Take away every free byte but `leave` (or, under a file size limit, arm the limit,
        which lets a small write through too)."""
        self.full = True
        if self.mechanism != "full-filesystem":
            return
        with (self.data_dir.parent / "filler").open("wb", buffering=0) as filler:
            for size in (1 << 20, 4096):  # megabytes, then the last partial one
                try:
                    while True:
                        filler.write(b"\0" * size)
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC, exc
            filler.truncate(max(filler.tell() - leave, 0))

    def free(self) -> None:
        self.full = False
        (self.data_dir.parent / "filler").unlink(missing_ok=True)

    def python(self, module: str, *args: str) -> list[str]:
        """The command running `python -m module args` in a child process that meets this
        lack of space: under a file size limit the child sets the limit on itself first
        (no `preexec_fn`, which is unsafe in this threaded test process)."""
        if not self.full or self.mechanism == "full-filesystem":
            return [sys.executable, "-m", module, *args]
        limited = (
            "import resource, runpy, signal, sys; "
            "signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "  # fail with EFBIG, don't die
            f"resource.setrlimit(resource.RLIMIT_FSIZE, ({LIMIT_BYTES}, resource.RLIM_INFINITY)); "
            "sys.argv = sys.argv[1:]; runpy.run_module(sys.argv[0], run_name='__main__', "
            "alter_sys=True)"
        )
        return [sys.executable, "-c", limited, module, *args]


def _mount_tmpfs(where: Path) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


@contextlib.contextmanager
def space_that_runs_out(mechanism: str, tmp_path: Path) -> Iterator[NoSpace]:
    """`full-filesystem` falls back to `file-size-limit` where mounting is not allowed."""
    mount = tmp_path / "fs"
    mount.mkdir()
    mounted = mechanism == "full-filesystem" and _mount_tmpfs(mount)
    space = NoSpace("full-filesystem" if mounted else "file-size-limit", mount / "data")
    space.data_dir.mkdir()
    try:
        yield space
    finally:
        space.free()
        if mounted:
            subprocess.run(["umount", str(mount)], check=True)


@pytest.fixture(params=["full-filesystem", "file-size-limit"])
def no_space(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[NoSpace]:
    with space_that_runs_out(request.param, tmp_path) as space:
        yield space


# ---------------------------------------------------------------------------------------------
# Landing, in this process or in a child that meets the full disk


def make_article(i: int, words: int) -> Article:
    rnd = random.Random(i)
    text = " ".join(f"{rnd.getrandbits(28):07x}" for _ in range(words))
    url = f"https://news.example/a/{i}"
    canon = canonical_url(url)
    return Article(
        article_id=article_id(canon),
        url=url,
        canonical_url=canon,
        feed_url=FEED,
        guid=url,
        title=f"Article {i}",
        text=text,
        fetched_at=NOW,
        site_name="Outlet",
        content_hash=content_hash(text),
        simhash=simhash(text[:400]),
    )


def make_batch(first: int, last: int, words: int = 1500) -> store.LandingBatch:
    """Articles first..last-1 (12 kB of text each), every third one matching."""
    articles = [make_article(i, words) for i in range(first, last)]
    return store.LandingBatch(
        articles=articles,
        seen=[FeedItem(FEED, a.guid, a.url, a.canonical_url, a.title) for a in articles],
        matches=[
            Match(a.article_id, "istanbul_talks", "istanbul_talks.r1", 1.0, {}, "v1", NOW)
            for a in articles[::3]
        ],
        channels={"hook": []},
    )


def child_land(db: str, first: str, last: str) -> None:
    """Entry point of the landing child: exit 3 with the message on a StoreError."""
    try:
        with store.open_store(Path(db)) as con:
            report = store.land_batch(con, make_batch(int(first), int(last)))
    except store.StoreError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(3) from None
    print(report.articles_inserted, report.matches_inserted, report.alerts_queued)


def land_in_child(space: NoSpace, db: Path, first: int, last: int) -> subprocess.CompletedProcess:
    return subprocess.run(
        space.python("tests.reliability.test_faults", str(db), str(first), str(last)),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def counts(db: Path) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {
            table: int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]
            for table in ("articles", "seen_entries", "matches", "alerts")
        }


def assert_clear_no_space_message(stderr: str, db: Path, space: NoSpace) -> None:
    what = "disk is full" if space.mechanism == "full-filesystem" else "file size limit"
    assert what in stderr, stderr
    assert str(db) in stderr  # where
    assert "run again" in stderr and "NEWSWATCH_DB" in stderr  # what to do
    assert "Traceback" not in stderr and "TransactionContext" not in stderr


def test_landing_without_space_fails_clearly_and_the_next_run_lands_everything_once(
    no_space: NoSpace,
) -> None:
    db = no_space.data_dir / "newswatch.duckdb"
    with store.open_store(db) as con:
        store.land_batch(con, make_batch(0, 5))
    with duckdb.connect(str(db), read_only=True) as con:
        before_rows = con.execute("SELECT * FROM articles ORDER BY article_id").fetchall()
    assert counts(db) == {"articles": 5, "seen_entries": 5, "matches": 2, "alerts": 2}

    no_space.fill()
    failed = land_in_child(no_space, db, 0, 80)
    assert failed.returncode == 3, failed.stderr
    assert_clear_no_space_message(failed.stderr, db, no_space)
    with duckdb.connect(str(db), read_only=True) as con:  # still opens, nothing half-landed
        assert con.execute("SELECT * FROM articles ORDER BY article_id").fetchall() == before_rows
    assert counts(db) == {"articles": 5, "seen_entries": 5, "matches": 2, "alerts": 2}

    no_space.free()
    again = land_in_child(no_space, db, 0, 80)
    assert again.returncode == 0, again.stderr
    assert again.stdout.split() == ["75", "25", "25"]  # only what the failed run could not land
    assert counts(db) == {"articles": 80, "seen_entries": 80, "matches": 27, "alerts": 27}
    with duckdb.connect(str(db), read_only=True) as con:
        texts = dict(con.execute("SELECT article_id, text FROM articles").fetchall())
    assert all(texts[a.article_id] == a.text for a in make_batch(0, 80).articles)


def test_newswatch_run_that_runs_out_of_space_says_so_and_the_next_run_lands_once(
    tmp_path: Path, seed_base_url: str, prefect_harness: None
) -> None:
    """`newswatch run` (a real process, against the session's Prefect API) on the demo corpus
    while the data directory has room for the feed claim but not for the landing."""
    from prefect.settings import PREFECT_API_URL

    from flows.monitor import run_once

    with space_that_runs_out("full-filesystem", tmp_path) as space:
        db = space.data_dir / "newswatch.duckdb"
        earlier = make_batch(0, 5)
        earlier.channels = {}
        with store.open_store(db) as con:
            store.land_batch(con, earlier)
        space.fill(leave=LIMIT_BYTES)
        config_dir = SEEDS_DIR / "config"
        command = ["run", "--config-dir", str(config_dir), "--db", str(db), "--all"]
        failed = subprocess.run(
            space.python("flows.cli", *command),
            cwd=REPO,
            env={**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value())},
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert failed.returncode == 2, failed.stdout + failed.stderr
        last_line = failed.stderr.strip().splitlines()[-1]
        assert last_line.startswith("error: cannot write the database"), failed.stderr
        assert_clear_no_space_message(last_line, db, space)
        assert counts(db) == {"articles": 5, "seen_entries": 5, "matches": 2, "alerts": 0}

        space.free()
        first = run_once(str(config_dir), str(db), force_all=True)
        with duckdb.connect(str(db), read_only=True) as con:
            row = con.execute("SELECT count(*), count(DISTINCT url) FROM articles").fetchone()
            seen = con.execute("SELECT count(*) FROM seen_entries").fetchone()
            alerts = con.execute("SELECT count(*), count(DISTINCT alert_id) FROM alerts").fetchone()
    seeds = len(yaml.safe_load((SEEDS_DIR / "expected.yaml").read_text("utf-8"))["articles"])
    assert first["articles_landed"] == seeds
    assert row == (5 + seeds, 5 + seeds)
    assert seen is not None and seen[0] >= 5 + seeds
    assert alerts is not None and alerts[0] == alerts[1] == first["alerts_queued"] > 0


# ---------------------------------------------------------------------------------------------
# The Prefect API is down


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port bound but never listening: every connection is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.mark.parametrize("command", ["run", "demo"])
def test_unreachable_prefect_api_is_one_clear_paragraph(
    command: str, closed_port: int, tmp_path: Path, seed_base_url: str
) -> None:
    api = f"http://127.0.0.1:{closed_port}/api"
    db = tmp_path / "data" / "newswatch.duckdb"
    args = ["--db", str(db)]
    if command == "run":
        args += ["--config-dir", str(SEEDS_DIR / "config"), "--all"]
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", command, *args],
        cwd=REPO,
        env={**os.environ, "PREFECT_API_URL": api},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    message = done.stderr.strip()
    assert message.startswith(f"error: the Prefect API at {api} is unreachable")
    assert "\n" not in message  # one paragraph
    assert "unset PREFECT_API_URL" in message and "prefect server start" in message
    assert not db.exists()  # nothing was run


if __name__ == "__main__":  # the landing child of `land_in_child`
    child_land(*sys.argv[1:])
