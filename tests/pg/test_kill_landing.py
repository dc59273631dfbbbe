"""kill -9 at random points of a landing on the PostgreSQL-catalog lake (the store's own kill
test, tests/reliability/test_kill.py, with its lander process): afterwards every article,
match and alert is there once, and the lake opens cleanly."""

from __future__ import annotations

import random

from tests.pg.lakes import PgLake
from tests.reliability.test_kill import BATCHES, check_exactly_once, kill_after_lines, lander


def test_kill_9_at_random_points_while_landing_on_postgres(pg_lake: PgLake) -> None:
    rng = random.Random(23)
    for _ in range(4):
        kill_after_lines(pg_lake.db_arg, rng.randint(1, BATCHES * 2))  # type: ignore[arg-type]
    proc = lander(pg_lake.db_arg)  # type: ignore[arg-type]
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0 and out.strip().endswith("done")
    check_exactly_once(pg_lake.db_arg)  # type: ignore[arg-type]
