"""Several runs share feeds without polling one twice: feed leases in DuckDB.

Unit tests of `pipelines.store.leases` on a real file, and two real monitor flow runs started at the
same moment against the demo corpus on a loopback server.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from flows.seed_server import SEEDS_DIR
from pipelines.config import load_config
from pipelines.store.leases import claim_due_feeds, release_feeds

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def config(seed_base_url: str):  # type: ignore[no-untyped-def]
    return load_config(SEEDS_DIR / "config")


def test_second_claim_gets_nothing_while_the_first_holds_the_feeds(config, db_path: Path) -> None:
    first = claim_due_feeds(db_path, config, "run-a", NOW)
    assert len(first.due) == len(config.feeds) == 3
    second = claim_due_feeds(db_path, config, "run-b", NOW)
    assert second.due == []
    assert second.held_elsewhere == sorted(f.url for f in config.feeds)


def test_force_all_does_not_take_feeds_held_by_another_run(config, db_path: Path) -> None:
    claim_due_feeds(db_path, config, "run-a", NOW)
    assert claim_due_feeds(db_path, config, "run-b", NOW, force_all=True).due == []


def test_released_feeds_can_be_claimed_again(config, db_path: Path) -> None:
    claim_due_feeds(db_path, config, "run-a", NOW)
    assert release_feeds(db_path, config, "run-a") == 3
    assert len(claim_due_feeds(db_path, config, "run-b", NOW).due) == 3


def test_leases_of_a_crashed_run_expire(config, db_path: Path) -> None:
    claim_due_feeds(db_path, config, "crashed", NOW, ttl_s=60)
    assert claim_due_feeds(db_path, config, "run-b", NOW + timedelta(seconds=30)).due == []
    later = claim_due_feeds(db_path, config, "run-b", NOW + timedelta(seconds=61))
    assert len(later.due) == 3


def test_claiming_again_renews_own_leases(config, db_path: Path) -> None:
    claim_due_feeds(db_path, config, "run-a", NOW, ttl_s=60)
    again = claim_due_feeds(db_path, config, "run-a", NOW + timedelta(seconds=30), ttl_s=60)
    assert len(again.due) == 3
    other = claim_due_feeds(db_path, config, "run-b", NOW + timedelta(seconds=80))
    assert other.due == []


def test_concurrent_claims_in_threads_split_the_feeds(config, db_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    claim_due_feeds(db_path, config, "warm-up", NOW - timedelta(days=1), ttl_s=1)
    with ThreadPoolExecutor(8) as pool:
        claims = list(pool.map(lambda i: claim_due_feeds(db_path, config, f"r{i}", NOW), range(8)))
    polled = [url for c in claims for url in (f.url for f in c.due)]
    assert sorted(polled) == sorted(f.url for f in config.feeds)


@pytest.mark.parametrize("backend", ["lake", "duckdb-file", "postgres"])
def test_two_monitor_runs_at_once_poll_each_feed_once(
    backend: str,
    seed_base_url: str,
    prefect_harness: None,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    """The lease guarantee on every backend, the scale-out one included: two flow runs started
    at the same moment on one store poll each feed once and land each article once."""
    from flows.monitor import monitor_flow
    from tests.store_reader import open_reader

    if backend == "postgres":
        location = request.getfixturevalue("pg_lake").db_arg
    else:
        location = str(tmp_path / ("shared.sqlite" if backend == "lake" else "shared.duckdb"))
    config_dir = str(SEEDS_DIR / "config")

    async def both() -> list[dict]:
        return list(
            await asyncio.gather(
                monitor_flow(config_dir=config_dir, db_path=location),
                monitor_flow(config_dir=config_dir, db_path=location),
            )
        )

    first, second = asyncio.run(both())
    assert first["feeds_polled"] + second["feeds_polled"] == 3
    assert first["feeds_failed"] == second["feeds_failed"] == 0
    with open_reader(Path(location) if backend != "postgres" else location) as con:  # type: ignore[arg-type]
        articles = con.execute("SELECT count(*) FROM articles").fetchone()
        dupes = con.execute(
            "SELECT count(*) FROM (SELECT canonical_url FROM articles GROUP BY 1 "
            "HAVING count(*) > 1)"
        ).fetchone()
        leases = con.execute("SELECT count(*) FROM feed_leases").fetchone()
    assert articles and articles[0] >= 20
    assert dupes == (0,)
    assert leases == (0,), "every run releases its leases"
    assert first["articles_landed"] + second["articles_landed"] == articles[0]


def test_leases_of_a_dead_local_process_are_taken_over() -> None:
    import subprocess
    import sys

    from pipelines.store.leases import local_owner, owner_is_dead

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    dead = local_owner("run-x").replace(f"/{__import__('os').getpid()}/", f"/{proc.pid}/")
    assert owner_is_dead(dead)
    assert not owner_is_dead(local_owner("me"))
    assert not owner_is_dead("other-host/1/run")


def test_a_five_minute_schedule_polls_a_five_minute_feed_every_run(config, db_path: Path) -> None:
    """Next polls count from the run's planned start (`Claim.at`), and a run starting a few
    seconds early still takes feeds due by then: no run of the schedule is skipped, even when
    polling takes a while and the start times jitter."""
    from pipelines.models import PollResult
    from pipelines.run.steps import feed_states_after, land

    config.settings.poll.min_interval_s = config.settings.poll.default_interval_s = 300
    polled: list[int] = []
    for run, jitter in enumerate([0, 4, -3, 9, -8, 0]):
        start = NOW + timedelta(seconds=300 * run + jitter)
        claim = claim_due_feeds(db_path, config, f"run-{run}", start)
        assert claim.at == start
        polled.append(len(claim.due))
        results = [PollResult(f.url, "not_modified", 304) for f in claim.due]
        states = feed_states_after(config, claim.states, results, [], claim.at)
        land(db_path, config, [], [], [], states)
        release_feeds(db_path, config, f"run-{run}")
    assert polled == [3] * 6


def test_a_transaction_conflict_is_retried_and_a_full_disk_is_not(tmp_path: Path) -> None:
    """`_on_conflict` (the retry around claim and release): a write-write conflict between
    two transactions of this process is tried again; a COMMIT that failed for lack of space
    ends at once with the store's one-line error."""
    from pipelines.errors import StoreError
    from pipelines.store.leases import _on_conflict

    calls: list[int] = []

    def conflicts_twice() -> str:
        calls.append(1)
        if len(calls) <= 2:
            raise duckdb.TransactionException("Conflict on tuple deletion!")
        return "claimed"

    assert _on_conflict(tmp_path / "x.duckdb", "claim feeds", conflicts_twice) == "claimed"
    assert len(calls) == 3

    def disk_full() -> None:
        calls.append(1)
        raise duckdb.TransactionException("Failed to commit: No space left on device")

    calls.clear()
    with pytest.raises(StoreError, match="the disk is full") as raised:
        _on_conflict(tmp_path / "x.duckdb", "claim feeds", disk_full)
    assert len(calls) == 1 and "\n" not in str(raised.value)
