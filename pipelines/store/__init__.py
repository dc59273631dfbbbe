"""The DuckDB store: every write a run makes goes through this package.

`schema` holds every migration; `connection` opens the file (lock retry, full disk);
`reads`, `landing`, `alert_rows` and `runs` are what a run reads and writes; `leases`,
`search`, `views` and `rematch` are the store's other jobs.
"""

from pipelines.errors import StoreError
from pipelines.models import AlertOutcome, PendingAlert

# Registers the `ducklake:postgres:` locations with the backend module.
from pipelines.store import postgres
from pipelines.store.alert_rows import pending_alerts, record_alert_outcomes, sent_last_hour
from pipelines.store.connection import (
    ROW_GROUP_ROWS,
    connect,
    no_space_error,
    rollback,
    string_relation,
    utc_now,
)
from pipelines.store.landing import LandingBatch, LandingReport, OutboxRow, land_batch
from pipelines.store.reads import load_feed_states, unseen_items
from pipelines.store.runs import record_run
from pipelines.store.schema import MIGRATIONS, migrate, open_store

__all__ = [
    "MIGRATIONS",
    "ROW_GROUP_ROWS",
    "AlertOutcome",
    "LandingBatch",
    "LandingReport",
    "OutboxRow",
    "PendingAlert",
    "StoreError",
    "connect",
    "land_batch",
    "load_feed_states",
    "migrate",
    "no_space_error",
    "open_store",
    "pending_alerts",
    "postgres",
    "record_alert_outcomes",
    "record_run",
    "rollback",
    "sent_last_hour",
    "string_relation",
    "unseen_items",
    "utc_now",
]
