"""The outbox claim: a sender killed between sending and recording, and concurrent senders.

The crash is real: a child process drains the outbox against a real receiver on 127.0.0.1 and
is SIGKILLed at the moment it would record the first outcome (the channel has the first
message, the database does not know; the second alert was never handed over). What the next
run does with the first depends on the channel's policy; the second is simply sent.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner

from flows.cli import app
from pipelines import store
from pipelines.alerts import outbox, plan_deliveries
from pipelines.config import DEFAULT_CONFIG_DIR, AlertSettings, ChannelSettings, Config, Settings
from pipelines.rules import load_ruleset
from pipelines.run.compose import RunRequest, Steps
from pipelines.run.steps import send_alerts
from pipelines.store.leases import local_owner
from tests.test_alerts import Receiver, land

URLS = ["https://a.example/1", "https://a.example/2"]

CHILD = """
import json, os, signal, sys
from pathlib import Path
from pipelines import store
from pipelines.config import Settings
from tests.test_alerts_outbox import config_for

record = store.record_alert_outcomes

def killed(con, outcomes):
    if outcomes:
        os.kill(os.getpid(), signal.SIGKILL)
    record(con, outcomes)

store.record_alert_outcomes = killed
from pipelines.run.steps import send_alerts
settings = Settings.model_validate(json.loads(sys.argv[2]))
send_alerts(Path(sys.argv[1]), config_for(Path(sys.argv[1]).parent, settings))
"""


def config_for(tmp: Path, settings: Settings) -> Config:
    return Config(
        config_dir=tmp,
        feeds=[],
        settings=settings,
        rules_path=DEFAULT_CONFIG_DIR / "rules.yaml",
        entities_path=DEFAULT_CONFIG_DIR / "entities.yaml",
    )


def settings_with(url: str, **channel: object) -> Settings:
    return Settings(
        alerts=AlertSettings(
            channels={"hook": ChannelSettings(url=url, **channel)},  # type: ignore[arg-type]
            retry_base_s=0,
        )
    )


def crash_while_recording(db: Path, settings: Settings) -> None:
    repo = Path(__file__).resolve().parent.parent
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(db), settings.model_dump_json()],
        cwd=repo,
        env={**os.environ, "PYTHONPATH": str(repo)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr


def statuses(db: Path) -> list[tuple[str, str | None]]:
    with store.open_store(db, read_only=True) as con:
        return con.execute("SELECT status, last_error FROM alerts ORDER BY alert_id").fetchall()


def test_apprise_alert_interrupted_after_sending_is_held_not_resent(
    httpserver: HTTPServer, db_path: Path
) -> None:
    hook = Receiver(httpserver)
    settings = settings_with(f"json://{httpserver.host}:{httpserver.port}/hook")
    land(db_path, URLS, ["hook"])
    crash_while_recording(db_path, settings)
    assert len(hook.received) == 1  # the channel has the first; the database never heard back

    report = send_alerts(db_path, config_for(db_path.parent, settings))
    assert len(hook.received) == 2  # the second, never handed over; the first not again
    assert report.uncertain == 1 and report.sent == 1
    assert sorted(s for s, _ in statuses(db_path)) == ["sent", "uncertain"]
    assert sum("outcome unknown" in (e or "") for _, e in statuses(db_path)) == 1

    runner = CliRunner()
    listed = runner.invoke(app, ["alerts", "pending", "--db", str(db_path)], env={"COLUMNS": "250"})
    assert listed.exit_code == 0 and listed.output.count("uncertain") >= 1
    retried = runner.invoke(app, ["alerts", "retry", "--all", "--db", str(db_path)])
    assert retried.exit_code == 0 and "queued 1 alert(s)" in retried.output

    assert send_alerts(db_path, config_for(db_path.parent, settings)).sent == 1
    assert send_alerts(db_path, config_for(db_path.parent, settings)).sent == 0
    assert len(hook.received) == 3  # the one the person asked for, and no more
    assert [s for s, _ in statuses(db_path)] == ["sent", "sent"]


def test_webhook_alert_interrupted_after_sending_is_resent_with_the_same_key(
    httpserver: HTTPServer, db_path: Path
) -> None:
    hook = Receiver(httpserver)
    settings = settings_with("webhook+" + httpserver.url_for("/hook"))
    land(db_path, URLS, ["hook"])
    crash_while_recording(db_path, settings)
    first_keys = list(hook.keys)
    assert len(first_keys) == 1

    report = send_alerts(db_path, config_for(db_path.parent, settings))
    assert report.sent == 2 and report.uncertain == 0
    assert hook.keys[1] == first_keys[0]  # the receiver can drop this duplicate
    assert len(set(hook.keys)) == 2
    assert send_alerts(db_path, config_for(db_path.parent, settings)).sent == 0
    assert len(hook.received) == 3
    with store.open_store(db_path, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM alert_claims").fetchone() == (0,)


def test_policy_can_be_set_per_channel(httpserver: HTTPServer, db_path: Path) -> None:
    hook = Receiver(httpserver)
    held = settings_with("webhook+" + httpserver.url_for("/hook"), resend_interrupted=False)
    land(db_path, URLS[:1], ["hook"])
    crash_while_recording(db_path, held)
    assert send_alerts(db_path, config_for(db_path.parent, held)).uncertain == 1
    assert len(hook.received) == 1


def _plan(db: Path, settings: Settings, now: datetime):  # type: ignore[no-untyped-def]
    with store.open_store(db) as con:
        pending = store.pending_alerts(con, now)
    deliveries, _ = plan_deliveries(pending, settings.alerts, now=now)
    return deliveries


def test_a_live_claim_keeps_a_concurrent_sender_away(db_path: Path) -> None:
    settings = settings_with("console://")
    land(db_path, URLS, ["hook"])
    now = datetime.now(UTC)
    deliveries = _plan(db_path, settings, now)
    other_host = "another-host/4242/run-a"  # alive as far as this host can tell
    with store.open_store(db_path) as con:
        first = outbox.claim(con, deliveries, other_host, settings.alerts, now)
        second = outbox.claim(con, deliveries, local_owner("run-b"), settings.alerts, now)
    assert len(first.deliveries) == 2
    assert second.deliveries == [] and len(second.in_flight_elsewhere) == 2

    later = now + timedelta(seconds=settings.alerts.claim_ttl_s + 1)
    with store.open_store(db_path) as con:
        expired = outbox.claim(con, deliveries, local_owner("run-c"), settings.alerts, later)
    # console:// prints again after an interruption (what the dead process printed is gone)
    assert len(expired.deliveries) == 2 and len(expired.resent_after_interruption) == 2


def test_dead_local_sender_is_recognised_at_once(db_path: Path) -> None:
    settings = settings_with("webhook+http://127.0.0.1:9/hook")
    land(db_path, URLS[:1], ["hook"])
    now = datetime.now(UTC)
    deliveries = _plan(db_path, settings, now)
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    dead_owner = f"{local_owner('x').split('/')[0]}/{gone.stdout.strip()}/run-dead"
    with store.open_store(db_path) as con:
        outbox.claim(con, deliveries, dead_owner, settings.alerts, now)
        taken = outbox.claim(con, deliveries, local_owner("run-e"), settings.alerts, now)
    assert len(taken.deliveries) == 1 and taken.resent_after_interruption


def test_retry_names_unknown_ids(db_path: Path) -> None:
    land(db_path, URLS[:1], ["hook"])
    result = CliRunner().invoke(app, ["alerts", "retry", "nope", "--db", str(db_path)])
    assert result.exit_code == 2 and "nope" in result.output
    assert "queued" not in result.output  # not "queued 0" above the error
    assert json.dumps(statuses(db_path)) == json.dumps([["pending", None]])


def test_a_pass_asked_to_stop_leaves_the_rest_pending(
    httpserver: HTTPServer, db_path: Path
) -> None:
    """Ctrl-C during a run: the alert pass stops between two deliveries (it used to send every
    alert first); what it did not hand over is sent by the next pass, once."""
    hook = Receiver(httpserver)
    settings = settings_with("webhook+" + httpserver.url_for("/hook"))
    land(db_path, URLS, ["hook"])
    config = config_for(db_path.parent, settings)
    report = send_alerts(db_path, config, stop=lambda: len(hook.received) >= 1)
    assert report.sent == 1 and report.pending == 1 and len(hook.received) == 1
    assert send_alerts(db_path, config).sent == 1
    assert len(hook.received) == 2 and len(set(hook.keys)) == 2


def test_a_cancelled_run_sends_no_alert(httpserver: HTTPServer, db_path: Path) -> None:
    """The run's task cancelled (what asyncio does with the first Ctrl-C): no delivery starts,
    and the cancellation surfaces instead of a report."""
    hook = Receiver(httpserver)
    config = config_for(db_path.parent, settings_with("webhook+" + httpserver.url_for("/hook")))
    land(db_path, URLS, ["hook"])
    ruleset = load_ruleset(config.rules_path, config.entities_path)

    async def cancelled_then_sending() -> None:
        task = asyncio.current_task()
        assert task is not None
        task.cancel()
        await Steps().send_alerts(RunRequest(config, ruleset, db_path))

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(cancelled_then_sending())
    assert hook.received == []
    assert [s for s, _ in statuses(db_path)] == ["pending", "pending"]


def test_pending_alerts_fit_a_narrow_terminal(db_path: Path) -> None:
    """Eight columns folded into 80: each alert took some fifteen lines."""
    land(db_path, URLS, ["hook"])
    listed = CliRunner().invoke(
        app, ["alerts", "pending", "--db", str(db_path)], env={"COLUMNS": "80"}
    )
    lines = listed.output.splitlines()
    assert listed.exit_code == 0 and lines[0] == "2 alert(s) not delivered"
    assert max(len(line) for line in lines) <= 80
    assert len(lines) <= 2 + 2 * 9 + 1  # a block of nine lines per alert, and the hint
    assert sum(line.startswith("title") for line in lines) == 2
