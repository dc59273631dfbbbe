"""Fixtures for the dashboard tests: the demo database made by the real `newswatch demo`, the
real `newswatch ui` in a subprocess, headless Chromium, and a loopback site whose feed a test
can change between runs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import REPO

ARTIFACTS = REPO / "tests" / "artifacts" / "ui"
NEWSWATCH = [sys.executable, "-m", "flows.cli"]
SEED_TITLE = "If Ukraine gives up territory, Russia will push for further concessions – ISW"
PHONE = "375,812"
DESKTOP = "1280,800"


def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    return env


def newswatch(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*NEWSWATCH, *args],
        cwd=REPO,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="session")
def chromium() -> str:
    """The headless browser; `.ci/run` installs Debian's chromium. Skipped only where apt is
    not available to install it."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if shutil.which("apt-get") is None:
        pytest.skip("chromium is not installed and apt-get is not available to install it")
    pytest.fail("chromium is not installed: apt-get install -y chromium (as .ci/run does)")


class Browser:
    def __init__(self, binary: str, profile: Path) -> None:
        self.binary = binary
        self.profile = profile

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                self.binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--hide-scrollbars",
                f"--user-data-dir={self.profile}",
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )

    def dom(self, url: str) -> str:
        """The page's DOM after its scripts ran, serialised."""
        done = self._run("--virtual-time-budget=3000", "--dump-dom", url)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    def screenshot(self, url: str, name: str, size: str = DESKTOP) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        path.unlink(missing_ok=True)
        done = self._run(
            "--virtual-time-budget=3000", f"--screenshot={path}", f"--window-size={size}", url
        )
        assert done.returncode == 0 and path.stat().st_size > 5000, done.stderr[-2000:]
        return path


@pytest.fixture(scope="session")
def browser(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Browser:
    return Browser(chromium, tmp_path_factory.mktemp("chromium-profile"))


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database made by the real `newswatch demo`."""
    db = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    done = newswatch("demo", "--db", str(db))
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return db


@contextmanager
def serve_ui(db: Path, *extra: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """The real `newswatch ui` on a free port; yields the URL it prints."""
    proc = subprocess.Popen(
        [*NEWSWATCH, "ui", "--db", str(db), "--port", "0", *extra],
        cwd=REPO,
        env={**cli_env(), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+/", line)
        if not found:
            proc.kill()
            raise AssertionError(
                f"no URL printed: {line!r} {proc.stderr.read() if proc.stderr else ''}"
            )
        yield found.group(0).rstrip("/")
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def demo_ui(demo_db: Path) -> Iterator[str]:
    with serve_ui(demo_db) as url:
        yield url


class Site:
    """A loopback web site (a feed and its article pages) whose content a test can change."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[str, bytes]] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                found = pages.get(self.path)
                if found is None:
                    self.send_error(404)
                    return
                ctype, body = found
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site() -> Iterator[Site]:
    s = Site()
    yield s
    s.close()
