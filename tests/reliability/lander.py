"""A worker process for the kill -9 tests: lands N batches through the real store, printing
a line before and after each transaction, and redoing everything from the start when rerun
(the way a crashed run is redone)."""

from __future__ import annotations

import sys
from pathlib import Path

from pipelines import store
from tests.test_store import article, batch_for

TEXTS = [
    "Russia demanded that Ukraine withdraw from the Donetsk region, officials said {i}.",
    "Drone strikes hit energy sites overnight in region number {i}, the governor said.",
]


def batches(n: int) -> list[store.LandingBatch]:
    out = []
    for b in range(n):
        arts = [
            article(
                f"https://k.example/{b}/{i}",
                f"{TEXTS[i % 2].format(i=b * 10 + i)} "
                f"{'unique words ' * (i + 1)} batch {b} item {i} " * 3,
            )
            for i in range(10)
        ]
        out.append(batch_for(arts, ("territorial_demands",), {"hook": [], "mail": []}))
    return out


def main() -> None:
    db, n = Path(sys.argv[1]), int(sys.argv[2])
    for k, batch in enumerate(batches(n)):
        print(f"landing {k}", flush=True)
        with store.open_store(db) as con:
            store.land_batch(con, batch)
        print(f"landed {k}", flush=True)
    print("done", flush=True)


if __name__ == "__main__":
    main()
