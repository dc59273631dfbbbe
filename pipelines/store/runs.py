"""The `runs` table: one row per monitoring run with its summary."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import duckdb

from pipelines.store.connection import utc_now
from pipelines.store.txn import write_transaction


def record_run(
    con: duckdb.DuckDBPyConnection, run_id: str, started_at: datetime, summary: dict[str, Any]
) -> None:
    values = [run_id, started_at, utc_now(), json.dumps(summary, ensure_ascii=False, default=str)]
    write_transaction(
        con,
        lambda con: con.execute(
            "MERGE INTO runs r USING (SELECT ?::VARCHAR AS run_id, ?::TIMESTAMPTZ AS started_at, "
            "?::TIMESTAMPTZ AS finished_at, ?::JSON AS summary) n ON r.run_id = n.run_id "
            "WHEN MATCHED THEN UPDATE SET finished_at = n.finished_at, summary = n.summary "
            "WHEN NOT MATCHED THEN INSERT VALUES (n.run_id, n.started_at, n.finished_at, "
            "n.summary)",
            values,
        ),
    )
