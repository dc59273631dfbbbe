"""A real PostgreSQL for the scale-out store's tests: an unprivileged cluster of Debian's
`postgresql` binaries (initdb, pg_ctl) in a temp dir, on a free 127.0.0.1 port, one per test
session, and a fresh database per test.

PostgreSQL refuses to run as root, so when the tests run as root (CI does) the cluster runs as
the `postgres` user the Debian package creates (else `nobody`), in a directory chowned to it.
Tests skip, saying so, only where the binaries are not installed (`.ci/run` installs them).
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SUPERUSER = "newswatch"
_NOT_INSTALLED = (
    "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): the scale-out store "
    "tests need Debian's postgresql package (apt-get install postgresql; .ci/run installs it)"
)


def find_bin_dir() -> Path | None:
    """The newest installed PostgreSQL's bin directory (Debian's layout), else the one on PATH."""
    found = sorted(
        (Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")),
        key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1]
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class PgCluster:
    """A running cluster: where it listens and who may connect (trust auth, loopback only)."""

    bin_dir: Path
    root: Path
    port: int
    host: str = "127.0.0.1"
    user: str = SUPERUSER

    def dsn(self, dbname: str) -> str:
        """A libpq connection string, as the `store` setting takes it."""
        return f"dbname={dbname} host={self.host} port={self.port} user={self.user}"

    def create_database(self, name: str) -> str:
        """Create database `name`; its connection string."""
        subprocess.run(
            [
                str(self.bin_dir / "createdb"),
                *("-h", self.host, "-p", str(self.port), "-U", self.user),
                name,
            ],
            check=True,
            capture_output=True,
        )
        return self.dsn(name)


class _Runner:
    """Runs the server binaries as an unprivileged user when we are root."""

    def __init__(self) -> None:
        self.as_user: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            for name in ("postgres", "nobody"):
                with contextlib.suppress(KeyError):
                    self.as_user = pwd.getpwnam(name)
                    break

    def own(self, path: Path) -> None:
        if self.as_user is not None:
            os.chown(path, self.as_user.pw_uid, self.as_user.pw_gid)

    def run(self, args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
        who = self.as_user
        return subprocess.run(
            args,
            cwd=cwd,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
            user=who.pw_uid if who else None,
            group=who.pw_gid if who else None,
            extra_groups=[] if who else None,
        )


@contextlib.contextmanager
def running_cluster() -> Iterator[PgCluster]:
    """Start a throwaway cluster (fsync off: its data is thrown away); stop and remove it."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.skip(_NOT_INSTALLED)
    runner = _Runner()
    root = Path(tempfile.mkdtemp(prefix="newswatch-pg-"))
    runner.own(root)
    data = root / "data"
    started = False
    try:
        done = runner.run(
            [
                str(bin_dir / "initdb"),
                *("-D", str(data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8"),
                *("--locale=C", "--no-sync"),
            ],
            cwd=root,
        )
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed in {root}:\n{done.stdout}\n{done.stderr}")
        for attempt in itertools.count(1):
            port = _free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
            )
            done = runner.run(
                [
                    str(bin_dir / "pg_ctl"),
                    *("-D", str(data), "-l", str(root / "server.log"), "-w", "-t", "60"),
                    *("-o", options, "start"),
                ],
                cwd=root,
            )
            if done.returncode == 0:
                started = True
                break
            log = (root / "server.log").read_text(errors="replace")
            if attempt == 3 or "already in use" not in log:
                raise RuntimeError(f"pg_ctl start failed:\n{done.stdout}\n{done.stderr}\n{log}")
        yield PgCluster(bin_dir=bin_dir, root=root, port=port)
    finally:
        if started:
            runner.run(
                [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                cwd=root,
            )
        shutil.rmtree(root, ignore_errors=True)


_databases = itertools.count(1)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """One real PostgreSQL server for the whole test session."""
    with running_cluster() as cluster:
        yield cluster


@pytest.fixture
def pg_dsn(pg_cluster: PgCluster) -> str:
    """A fresh, empty database on the session's server: its libpq connection string."""
    return pg_cluster.create_database(f"newswatch_test_{os.getpid()}_{next(_databases)}")
