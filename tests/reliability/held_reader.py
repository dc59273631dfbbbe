"""An analyst's reader for the tests: opens the store with the README's line, keeps one
read transaction open and queries in it until told to stop (a line on stdin), then ends the
transaction, queries once more and prints a JSON report."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

import duckdb

from tests.store_reader import open_reader


def main() -> None:
    db = Path(sys.argv[1])
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.readline(), stop.set()), daemon=True).start()
    report: dict[str, object] = {"queries": 0, "errors": []}
    with open_reader(db) as con:
        con.execute("BEGIN TRANSACTION")
        first = con.execute("SELECT count(*) FROM articles").fetchone()
        print("open", flush=True)
        while not stop.wait(0.05):
            try:
                row = con.execute("SELECT count(*) FROM articles").fetchone()
            except duckdb.Error as exc:
                report["errors"].append(str(exc))  # type: ignore[union-attr]
                break
            report["queries"] = int(report["queries"]) + 1  # type: ignore[call-overload]
            report["same_snapshot"] = row == first
        con.execute("COMMIT")
        after = con.execute("SELECT count(*) FROM articles").fetchone()
        report["articles_before"] = first[0] if first else None
        report["articles_after"] = after[0] if after else None
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
