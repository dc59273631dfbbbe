"""The temporary Prefect API's SQLite database: created whole, or not at all.

Without PREFECT_API_URL, Prefect starts a temporary API whose SQLite database is migrated on first
start (100+ migrations, which take a while). A run killed during that (Ctrl-C twice, kill -9, a
closed laptop lid) leaves a half-migrated file on which every later start fails ("duplicate column
name") and Prefect only reports a start-up time-out after the full wait. So a missing database is
built in a side file and linked into place once complete; an interrupted build leaves only a side
file, removed by the next attempt.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from pipelines.errors import NewswatchError


class PrefectDatabaseError(NewswatchError):
    """The local Prefect database could not be created."""


def ephemeral_sqlite_path() -> Path | None:
    """The SQLite file a temporary Prefect API would use, or None when one is not in play."""
    from prefect.settings import get_current_settings

    settings = get_current_settings()
    if settings.api.url:
        return None
    raw = settings.server.database.connection_url
    url = make_url(raw.get_secret_value() if raw is not None else "")
    if not url.drivername.startswith("sqlite") or not url.database:
        return None
    if url.database == ":memory:" or url.query.get("mode") == "memory":
        return None
    return Path(url.database)


def ensure_ephemeral_database(notify: bool = True) -> bool:
    """Create the temporary API's database atomically when it does not exist yet.

    Returns whether it was created now. Concurrent callers serialise on a lock file beside the
    database; the loser finds the database in place and returns False.
    """
    path = ephemeral_sqlite_path()
    if path is None or path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.newswatch-lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():
            return False
        for stale in path.parent.glob(f".{path.name}.building-*"):
            stale.unlink(missing_ok=True)
        side = path.with_name(f".{path.name}.building-{os.getpid()}")
        if notify:
            print(
                f"Creating the local Prefect database {path} (first run only, ~10 s)…",
                file=sys.stderr,
            )
        _migrate(side)
        try:
            os.link(side, path)
        except FileExistsError:
            return False
        finally:
            side.unlink(missing_ok=True)
    return True


def _migrate(side: Path) -> None:
    env = {
        **os.environ,
        "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{side}",
    }
    done = subprocess.run(
        [sys.executable, "-m", "prefect", "server", "database", "upgrade", "-y"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        for leftover in side.parent.glob(f"{side.name}*"):
            leftover.unlink(missing_ok=True)
        tail = (done.stderr or done.stdout).strip()[-1500:]
        raise PrefectDatabaseError(
            f"creating the local Prefect database in {side.parent} failed "
            f"(exit {done.returncode}): {tail}. Check that the directory is writable and has "
            "free space (PREFECT_HOME sets where it lives), or start a server "
            "(`prefect server start`) and set PREFECT_API_URL."
        )
