"""The scale-out store's tests share one real PostgreSQL server (tests/pgcluster.py); each
test gets a fresh lake on it (tests/pg/lakes.py)."""

from tests.pg.lakes import pg_lake
from tests.pgcluster import pg_cluster, pg_dsn

__all__ = ["pg_cluster", "pg_dsn", "pg_lake"]
