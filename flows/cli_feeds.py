"""`newswatch feeds`: feed health that fits a terminal, with the full record on request."""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from flows.cli_common import (
    DB_DEFAULT,
    DEFAULT_WAIT_S,
    DbPath,
    WaitSeconds,
    console,
    existing_db,
    fail,
    lock_notice,
    usable_db_path,
)

feeds_app = typer.Typer()


class FeedsFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class Health(StrEnum):
    healthy = "healthy"
    quiet = "quiet"
    failing = "failing"
    disabled = "disabled"
    new = "new"


@dataclass(frozen=True)
class FeedRow:
    """One row of `feed_state`, as the command shows it."""

    name: str | None
    feed_url: str
    health: str
    last_http_status: int | None
    consecutive_failures: int
    items_seen: int
    last_polled_at: datetime | None
    last_new_item_at: datetime | None
    next_poll_at: datetime | None
    problem: str | None


_SQL = """
SELECT name, feed_url,
       CASE WHEN disabled THEN 'disabled'
            WHEN consecutive_failures > 0 THEN 'failing'
            WHEN last_status IS NULL THEN 'new'
            WHEN last_new_item_at IS NULL OR last_new_item_at < now() - INTERVAL 7 DAY
                 THEN 'quiet'
            ELSE 'healthy' END,
       last_http_status, consecutive_failures, items_seen, last_polled_at, last_new_item_at,
       next_poll_at, coalesce(disabled_reason, last_error)
FROM feed_state ORDER BY name, feed_url
"""


def relative_time(moment: datetime | None, now: datetime) -> str:
    """`5 min ago`, `in 3 h`, `now`: minute precision, as a person reads a schedule."""
    if moment is None:
        return "-"
    seconds = (moment - now).total_seconds()
    span = abs(seconds)
    if span < 60:
        return "now"
    if span < 3600:
        amount = f"{span // 60:.0f} min"
    elif span < 2 * 86400:
        amount = f"{span // 3600:.0f} h"
    else:
        amount = f"{span // 86400:.0f} d"
    return f"in {amount}" if seconds > 0 else f"{amount} ago"


def minute_time(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def _unnamed(row: FeedRow) -> bool:
    """A feed without a name of its own (feeds.yaml's `name` defaults to the URL)."""
    return not row.name or row.name == row.feed_url


def _url_label(url: str) -> str:
    """A feed without a name, as its URL without the scheme: the host and path tell feeds
    apart, where "http://127.0.0…" did not."""
    return url.split("://", 1)[-1]


def _middle_cut(text: str, width: int) -> str:
    """A URL label within `width`, cut in the middle: its host and the end of its path are
    what tell it apart (a name is cut at its end, as every cell is)."""
    if len(text) <= width or "/" not in text or width < 12:
        return text
    host = text.split("/", 1)[0][: max(width // 2, width - 20)]
    return f"{host}…{text[-(width - len(host) - 1) :]}"


def compact_lines(rows: list[FeedRow], width: int, now: datetime) -> list[str]:
    """The default view: one line per feed within `width` columns; the feed's name and its
    problem are cut with … to fit, times are relative to `now` at minute precision."""
    headers = ("feed", "health", "http", "new item", "next poll", "problem")
    cells = [
        (
            _url_label(r.feed_url) if _unnamed(r) else r.name or r.feed_url,
            f"{r.health} ({r.consecutive_failures})" if r.health == "failing" else r.health,
            "" if r.last_http_status is None else str(r.last_http_status),
            relative_time(r.last_new_item_at, now),
            relative_time(r.next_poll_at, now),
            " ".join((r.problem or "").split()),
        )
        for r in rows
    ]
    widths = [max([len(h), *(len(c[i]) for c in cells)]) for i, h in enumerate(headers)]
    flexible = width - sum(widths[1:5]) - 2 * (len(headers) - 1)
    problem_share = min(widths[5], int(flexible * 0.6))  # what problems there are, first
    widths[0] = min(widths[0], 40, max(8, int(flexible * 0.4), flexible - problem_share - 2))
    cells = [
        (_middle_cut(c[0], widths[0]) if _unnamed(r) else c[0], *c[1:])
        for r, c in zip(rows, cells, strict=True)
    ]
    widths[5] = max(min(widths[5], flexible - widths[0]), 7)
    right = {2}

    def line(values: tuple[str, ...]) -> str:
        parts = [
            _cut(v, w).rjust(w) if i in right else _cut(v, w).ljust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    return [line(headers), "  ".join("─" * w for w in widths), *(line(c) for c in cells)]


WIDE_HEADERS = (
    "name",
    "url",
    "health",
    "http",
    "fails",
    "items",
    "polled",
    "last new",
    "next poll",
    "problem",
)


def _wide_cells(r: FeedRow) -> tuple[str, ...]:
    return (
        r.name or "",
        r.feed_url,
        r.health,
        "" if r.last_http_status is None else str(r.last_http_status),
        str(r.consecutive_failures),
        str(r.items_seen),
        minute_time(r.last_polled_at),
        minute_time(r.last_new_item_at),
        minute_time(r.next_poll_at),
        r.problem or "",
    )


def wide_table(rows: list[FeedRow], db: Path) -> Table:
    """Every column in full: URL, minute-precision UTC times, whole errors (cells wrap)."""
    table = Table(title=f"Feeds in {db}", title_justify="left")
    for header in WIDE_HEADERS:
        table.add_column(header, overflow="fold")
    for r in rows:
        table.add_row(*map(escape, _wide_cells(r)))
    return table


def print_wide(rows: list[FeedRow], db: Path) -> None:
    """The wide table when it fits the terminal whole; else one feed per block, one
    `field  value` line each, values in full: folded into 80 columns, ten columns of URLs,
    times and errors came out a few letters wide and dozens of lines tall."""
    table = wide_table(rows, db)
    unbounded = console.options.update_width(1_000_000)  # measure caps at the width given
    if console.measure(table, options=unbounded).maximum <= console.width:
        console.print(table)
        return
    console.print(f"Feeds in {db}", highlight=False, markup=False)
    key = max(len(h) for h in WIDE_HEADERS[1:])
    for r in rows:
        name, *values = _wide_cells(r)
        console.print(f"[dim]── {escape(name or r.feed_url)} ──[/]", highlight=False)
        for header, value in zip(WIDE_HEADERS[1:], values, strict=True):
            line = f"{header.ljust(key)}  {value}".rstrip()
            console.print(line, highlight=False, markup=False)


@feeds_app.command()
def feeds(
    db: DbPath = DB_DEFAULT,
    fmt: Annotated[
        FeedsFormat, typer.Option("--format", "-f", help="table, or every field as csv / json.")
    ] = FeedsFormat.table,
    wide: Annotated[
        bool,
        typer.Option(
            "--wide",
            help="Every field in full: a table, or one block per feed when that does not fit.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", hidden=True)] = False,
    enable: Annotated[
        str | None,
        typer.Option("--enable", help="Re-enable a disabled feed (by URL) and poll it next run."),
    ] = None,
    health: Annotated[
        list[Health] | None,
        typer.Option("--health", help="Only feeds of this health (repeat for several)."),
    ] = None,
    problems: Annotated[
        bool,
        typer.Option(
            "--problems", help="Only feeds with a problem: an error, a warning, why disabled."
        ),
    ] = False,
    wait: WaitSeconds = DEFAULT_WAIT_S,
) -> None:
    """Show feed health: health, HTTP code, failures, last new item, next poll, problem.

    The table fits the terminal (long names and errors are cut with …); `--wide` shows every
    column in full, `--format csv|json` every field."""
    from pipelines.store import open_store

    if as_json:
        fmt = FeedsFormat.json
    if enable is not None:
        usable_db_path(db)
        existing_db(db)
        with open_store(db, on_wait=lock_notice(db, wait), max_wait_s=wait) as con:
            # No RETURNING: a DuckLake table does not support it on an UPDATE.
            found = con.execute(
                "SELECT feed_url FROM feed_state WHERE feed_url = ?", [enable]
            ).fetchall()
            if found:
                con.execute(
                    "UPDATE feed_state SET disabled = false, disabled_reason = NULL, "
                    "consecutive_failures = 0, next_poll_at = NULL WHERE feed_url = ?",
                    [enable],
                )
        if not found:
            raise fail(f"no feed {enable} in {db}; `newswatch feeds` lists them")
        console.print(f"re-enabled {enable}", highlight=False)
    with open_store(db, read_only=True, on_wait=lock_notice(db, wait), max_wait_s=wait) as con:
        rows = [FeedRow(*row) for row in con.execute(_SQL).fetchall()]
    polled = bool(rows)
    if health:
        rows = [r for r in rows if r.health in health]
    if problems:
        rows = [r for r in rows if r.problem]
    if fmt is FeedsFormat.json:
        records = [asdict(r) for r in rows]
        sys.stdout.write(json.dumps(records, default=str, indent=2, ensure_ascii=False) + "\n")
    elif fmt is FeedsFormat.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow([f for f in FeedRow.__dataclass_fields__])
        writer.writerows(asdict(r).values() for r in rows)
    elif wide:
        print_wide(rows, db)
    else:
        console.print(f"Feeds in {db}", highlight=False, markup=False)
        if not polled:
            console.print("no feeds polled yet", highlight=False)
        elif not rows:
            kinds = " or ".join(health or ())
            some = f"no {kinds} feed" if kinds else "no feed"
            console.print(some + (" with a problem" if problems else ""), highlight=False)
        else:
            for text in compact_lines(rows, console.width, datetime.now(UTC)):
                console.print(text, highlight=False, markup=False)
