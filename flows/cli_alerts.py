"""`newswatch alerts test | pending | retry`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.markup import escape

from flows.cli_common import (
    CONFIG_DIR_DEFAULT,
    DB_DEFAULT,
    DEFAULT_WAIT_S,
    ConfigDir,
    DbPath,
    WaitSeconds,
    console,
    err_console,
    existing_db,
    fail,
    lock_notice,
    print_rows,
    usable_db_path,
)

CHANNEL_EXAMPLE = """\
alerts:
  channels:
    console:
      url: console://                  # print each alert in the terminal
    desk:
      url: json://localhost:8080/hook  # any Apprise URL; secrets as ${NAME}"""

alerts_app = typer.Typer(
    help="Send a test alert, list alerts not delivered, queue failed ones again.",
    no_args_is_help=True,
)


@alerts_app.command()
def test(
    config_dir: ConfigDir = CONFIG_DIR_DEFAULT,
    channel: Annotated[str | None, typer.Option(help="Only this channel.")] = None,
) -> None:
    """Send a sample alert to every configured channel (or one) and report each result."""
    from pipelines.alerts import channel_named, deliver, format_message, redact
    from pipelines.config import load_settings
    from pipelines.store import PendingAlert

    settings = load_settings(config_dir)
    channels = settings.alerts.channels
    if channel is not None:
        channels = {channel: channel_named(channels, channel)}
    if not channels:
        path = config_dir / "settings.yaml"
        todo = (
            f"{path} does not exist; create it with a channel"
            if not path.exists()
            else f"{path} has no alerts.channels; add one"
        )
        err_console.print(
            f"[bold red]error:[/] no alert channels to test: {escape(todo)}, for example "
            "(every kind of channel: README.md, Alerts):",
            highlight=False,
        )
        err_console.print(CHANNEL_EXAMPLE, highlight=False, markup=False)
        raise typer.Exit(2)
    sample = PendingAlert(
        alert_id="test",
        article_id="test",
        story_id="test",
        topic="istanbul_talks",
        channel="",
        attempts=0,
        title="newswatch test alert",
        url="https://example.org/test",
        site_name="newswatch",
        feed_url=None,
        published_at=datetime.now(UTC),
        rule="test.rule",
        score=1.0,
        evidence={"snippet": "this is a [test] of the alert channel", "entities": [], "hits": []},
        outlets=["newswatch"],
        created_at=datetime.now(UTC),
    )
    failed = 0
    for name, ch in channels.items():
        error = deliver(ch.url, format_message(sample))
        if error is None:
            console.print(
                f"[green]sent[/] {escape(name)} ({escape(redact(ch.url))})", highlight=False
            )
        else:
            failed += 1
            console.print(
                f"[red]failed[/] {escape(name)} ({escape(redact(ch.url))}): {escape(error)}",
                highlight=False,
            )
    if failed:
        raise typer.Exit(1)


@alerts_app.command()
def pending(db: DbPath = DB_DEFAULT, wait: WaitSeconds = DEFAULT_WAIT_S) -> None:
    """List alerts not delivered (waiting, given up, uncertain) with their last error.

    Uncertain: a sender stopped between handing the alert to its channel and recording it."""
    from pipelines import store

    with store.open_store(
        db, read_only=True, on_wait=lock_notice(db, wait), max_wait_s=wait
    ) as con:
        rows = con.execute(
            "SELECT al.alert_id, al.channel, al.topic, a.title, al.status, al.attempts, "
            "al.last_error, al.next_attempt_at FROM alerts al JOIN articles a "
            "USING (article_id) WHERE al.status IN ('pending', 'failed', 'uncertain') "
            "ORDER BY al.created_at"
        ).fetchall()
    if not rows:
        console.print("nothing pending: every alert was delivered")
        return
    console.print(f"{len(rows)} alert(s) not delivered", highlight=False)
    print_rows(
        ["id", "channel", "topic", "title", "status", "attempts", "last error", "next try"],
        rows,
        "values cut to fit: `newswatch query` on the alerts table gives them in full",
    )
    if any(r[4] in ("failed", "uncertain") for r in rows):
        console.print(
            "`newswatch alerts retry ID…` (or `--all`) queues failed or uncertain alerts again."
        )


@alerts_app.command()
def retry(
    alert_ids: Annotated[
        list[str] | None, typer.Argument(help="Alert ids (from `alerts pending`).")
    ] = None,
    every: Annotated[bool, typer.Option("--all", help="Every failed or uncertain alert.")] = False,
    db: DbPath = DB_DEFAULT,
    wait: WaitSeconds = DEFAULT_WAIT_S,
) -> None:
    """Queue failed or uncertain alerts again; the next run sends them."""
    from pipelines import store
    from pipelines.alerts import outbox

    if not alert_ids and not every:
        raise fail("name the alerts to retry (ids from `newswatch alerts pending`) or use --all")
    usable_db_path(db)
    existing_db(db)
    with store.open_store(db, on_wait=lock_notice(db, wait), max_wait_s=wait) as con:
        queued = outbox.retry(con, alert_ids or [], datetime.now(UTC), every=every)
    unknown = sorted(set(alert_ids or []) - set(queued))
    if queued or not unknown:
        console.print(f"queued {len(queued)} alert(s) again; the next run sends them")
    if unknown:
        raise fail(
            "not failed or uncertain (unknown id, still pending, or already sent): "
            + ", ".join(unknown)
        )
