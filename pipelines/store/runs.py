"""The `runs` table: one row per monitoring run with its summary."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import duckdb

from pipelines.store.connection import utc_now


def record_run(
    con: duckdb.DuckDBPyConnection, run_id: str, started_at: datetime, summary: dict[str, Any]
) -> None:
    con.execute(
        "INSERT INTO runs VALUES (?, ?, ?, ?) ON CONFLICT (run_id) DO UPDATE SET "
        "finished_at = excluded.finished_at, summary = excluded.summary",
        [run_id, started_at, utc_now(), json.dumps(summary, ensure_ascii=False, default=str)],
    )
