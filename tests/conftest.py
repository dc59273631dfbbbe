"""Shared fixtures: real DuckDB files in tmp dirs, the demo corpus on a real loopback server,
and a Prefect test harness for tests that run real flows."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pg.lakes import pg_lake  # noqa: F401  (fixture: a PostgreSQL-catalog lake)
from tests.pgcluster import pg_cluster, pg_dsn  # noqa: F401  (fixtures: a real PostgreSQL)

pytest_plugins = ("tests.claims_support",)  # the `rules` fixture of the claims class tests

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "newswatch.sqlite"


@pytest.fixture(params=[".sqlite", ".duckdb"], ids=["lake", "duckdb-file"])
def store_suffix(request: pytest.FixtureRequest) -> str:
    """Each store backend: a DuckLake with a SQLite catalog (the default) and the single
    DuckDB file, for the tests of what every backend must guarantee."""
    return str(request.param)


@pytest.fixture(scope="session")
def seed_base_url() -> Iterator[str]:
    """The offline demo corpus served on 127.0.0.1, with NEWSWATCH_DEMO_BASE_URL set."""
    from flows.seed_server import serve_seeds

    with serve_seeds() as base_url:
        old = os.environ.get("NEWSWATCH_DEMO_BASE_URL")
        os.environ["NEWSWATCH_DEMO_BASE_URL"] = base_url
        yield base_url
        if old is None:
            os.environ.pop("NEWSWATCH_DEMO_BASE_URL", None)
        else:
            os.environ["NEWSWATCH_DEMO_BASE_URL"] = old


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """A temporary Prefect API for the whole session (real flows, real task runs)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
