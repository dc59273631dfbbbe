"""The scale-out store's tests share one real PostgreSQL server (tests/pgcluster.py)."""

from tests.pgcluster import pg_cluster, pg_dsn

__all__ = ["pg_cluster", "pg_dsn"]
