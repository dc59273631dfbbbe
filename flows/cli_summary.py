"""The account `newswatch run` prints of one run: feeds, articles, matches, escalations,
alerts; long lists are cut, with the command that shows the rest."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING

from rich.markup import escape

from flows.alert_coverage import AlertCoverage
from flows.cli_common import DB_DEFAULT, command_name, console

if TYPE_CHECKING:
    from pipelines.run.summary import RunSummary

LISTED_FEEDS = 20
"""Failed feeds, and feeds with a warning, listed one per line; `newswatch feeds --health`
shows the rest (a first run over a few thousand feeds can fail hundreds)."""


def print_summary(
    summary: RunSummary, db_path: Path, channels: AlertCoverage | None = None
) -> None:
    """A readable account of one run: feeds, articles, matches per topic, alerts, and
    (given the run's `channels`) what no channel took."""
    console.print(
        f"[bold]Feeds polled:[/] {summary.feeds_polled}  "
        f"(ok {summary.feeds_ok}, not modified {summary.feeds_not_modified}, "
        f"failed {summary.feeds_failed})"
    )
    if summary.feeds_held_elsewhere:
        console.print(
            f"  {len(summary.feeds_held_elsewhere)} due feed(s) skipped: another run is polling "
            "them",
            highlight=False,
        )
    elif summary.feeds_polled == 0:
        me = command_name()
        console.print(
            f"  none due: each feed waits for its next poll (`{me} feeds{_db_option(db_path)}` "
            f"shows when); `{me} run --all` polls every feed now",
            highlight=False,
            markup=False,
        )
    for err in summary.feed_errors[:LISTED_FEEDS]:
        console.print(f"  [yellow]! {escape(err.feed)}[/]: {escape(str(err.error))}")
    _rest(len(summary.feed_errors), "failed feeds", "--health failing --health disabled", db_path)
    for warn in summary.feed_warnings[:LISTED_FEEDS]:
        console.print(f"  [dim]~ {escape(warn.feed)}: {escape(str(warn.warning))}[/]")
    _rest(len(summary.feed_warnings), "feeds with a warning", "--problems", db_path)
    console.print(
        f"[bold]New entries:[/] {summary.new_entries}   "
        f"[bold]articles extracted:[/] {summary.articles_extracted}   "
        f"[bold]landed:[/] {summary.articles_landed}"
    )
    unlisted = summary.articles_failed_count - len(summary.articles_failed)
    for bad in summary.articles_failed:
        console.print(
            f"  [yellow]! {escape(bad.url)}[/]: {bad.status}: {escape(str(bad.error))}",
        )
    if unlisted > 0:
        by_status = ", ".join(f"{k}: {v}" for k, v in summary.articles_failed_by_status.items())
        console.print(
            f"  [yellow]! … and {unlisted} more[/] ({by_status}); "
            + query_hint(
                db_path,
                "SELECT url, extract_status, extract_error FROM articles "
                "WHERE extract_status <> 'ok'",
            ),
            highlight=False,
        )
    if not summary.new_matches:
        console.print("[bold]New matches:[/] none")
    for topic, rows in summary.new_matches.items():
        total = summary.new_match_counts.get(topic, len(rows))
        console.print(f"[bold green]{topic}[/]: {total} new match(es)")
        for row in rows:
            console.print(f"  • {row.title}\n    {row.url}", highlight=False, markup=False)
        if total > len(rows):
            console.print(
                f"  … and {total - len(rows)} more: "
                + query_hint(db_path, f"SELECT * FROM latest_matches WHERE topic = '{topic}'"),
                highlight=False,
                markup=False,
            )
    if summary.escalations:
        console.print(
            f"[bold magenta]Demand escalations[/]: {len(summary.escalations)} (claims landed: "
            f"{summary.demand_claims_landed}; see `newswatch demands`)"
        )
        for e in summary.escalations:
            novelty = "first time" if e.first_ever else "again"
            console.print(
                f"  ▲ {e.region} / {e.action} ({novelty}, since {e.period_start:%Y-%m-%d}, "
                f"{e.actor}, {e.outlets} outlet(s))",
                highlight=False,
                markup=False,
            )
    line = (
        f"[bold]Alerts:[/] sent {summary.alerts_sent}, failed {summary.alerts_failed}, "
        f"pending {summary.alerts_pending}"
    )
    if summary.alerts_failed and summary.alerts_pending:
        line += " (failed: not delivered by this run; pending: later runs send them)"
    console.print(line)
    if channels is not None:
        for line in channels.left_out(summary):
            console.print(f"  {line}", highlight=False, markup=False)
    errors = summary.alert_errors
    for error in errors[:5]:  # one per channel (and the uncertain ones): each says what to fix
        console.print(f"  [yellow]! {escape(error)}[/]", highlight=False)
    if len(errors) > 5:
        console.print(f"  (and {len(errors) - 5} other error(s))", highlight=False)
    if summary.alerts_failed or summary.alerts_pending:
        console.print(
            f"  which alerts, and why: {command_name()} alerts pending{_db_option(db_path)}",
            highlight=False,
            markup=False,
        )
    timings = ", ".join(f"{k} {v:.2f}s" for k, v in summary.timings_s.items())
    console.print(f"[dim]Timings: {timings}[/]")
    console.print(
        f"[dim]Database: {escape(str(db_path))}  (query it: "
        f"{escape(query_hint(db_path, 'SELECT ...'))})[/]",
        highlight=False,
    )


def _rest(count: int, what: str, which: str, db_path: Path) -> None:
    """The line that stands for the feeds of a list past LISTED_FEEDS, with the `feeds`
    command that shows them all (`which`: its filter)."""
    if count > LISTED_FEEDS:
        console.print(
            f"  … and {count - LISTED_FEEDS:,} more ({what}): "
            f"{command_name()} feeds {which} --wide{_db_option(db_path)}",
            highlight=False,
            markup=False,
        )


def _db_option(db: Path) -> str:
    return "" if db == DB_DEFAULT else f" --db {shlex.quote(str(db))}"


def query_hint(db: Path, sql: str) -> str:
    """A `newswatch query` command line the user can paste as it is."""
    quoted = f'"{sql}"' if not any(c in sql for c in '"$`\\!') else shlex.quote(sql)
    return f"{command_name()} query{_db_option(db)} {quoted}"
