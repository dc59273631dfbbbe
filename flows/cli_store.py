"""`newswatch query | search | export | rematch`: working with the DuckDB dataset."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import duckdb
import typer

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

store_app = typer.Typer()


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


CUT_HINT = "values cut to fit: --format csv|json or -o FILE gives them in full"


def _open_read_only(db: Path, wait_s: float) -> duckdb.DuckDBPyConnection:
    from pipelines import store
    from pipelines.store import search

    con = store.connect(db, read_only=True, on_wait=lock_notice(db, wait_s), max_wait_s=wait_s)
    search.load_fts(con)
    return con


@store_app.command()
def query(
    sql: Annotated[str, typer.Argument(help="A SQL query (read-only).")],
    db: DbPath = DB_DEFAULT,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file.")
    ] = None,
    limit: Annotated[int, typer.Option(help="Rows shown in table format.")] = 100,
    wait: WaitSeconds = DEFAULT_WAIT_S,
) -> None:
    """Run SQL on the database, opened read-only.

    On the default store (a lake) queries and runs never wait for each other. On a single
    DuckDB file (`--db PATH.duckdb`) a query waits while a run writes (and says so), and a run
    waits while you hold the file open (one writer or many readers): keep long interactive
    sessions in a copy of such a file."""
    if fmt is Format.parquet and output is None:
        raise fail("--format parquet needs --output FILE.parquet")
    if not sql.strip().rstrip(";").strip():
        raise fail("the query is empty: give a SQL statement, e.g. 'SELECT count(*) FROM articles'")
    con = _open_read_only(db, wait)
    try:
        if fmt is Format.parquet:
            assert output is not None
            copied = con.execute(
                f"COPY ({sql.rstrip().rstrip(';')}) TO '{output}' (FORMAT parquet)"
            ).fetchone()
            _wrote(copied[0] if copied else 0, output)
            return
        cur = con.execute(sql)
        if cur is None or cur.description is None:
            return
        cols = [d[0] for d in cur.description]
        rows = cur.fetchall()
    except duckdb.Error as exc:
        raise fail(f"{type(exc).__name__}: {exc}".replace("\n", " ")) from None
    finally:
        con.close()
    try:
        out = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    except OSError as exc:
        raise fail(f"cannot write {output}: {exc.strerror or exc}") from None
    try:
        if fmt is Format.csv:
            import csv

            writer = csv.writer(out)
            writer.writerow(cols)
            writer.writerows(rows)
        elif fmt is Format.json:
            for row in rows:
                out.write(
                    json.dumps(dict(zip(cols, row, strict=True)), ensure_ascii=False, default=str)
                    + "\n"
                )
        else:
            print_rows(cols, rows[:limit], CUT_HINT)
            if len(rows) > limit:
                console.print(f"[dim]{len(rows) - limit} more rows (use --limit or --format)[/]")
    finally:
        if output:
            out.close()
    if output:
        _wrote(len(rows), output)


def _wrote(rows: int, output: Path) -> None:
    """Say on stderr what a command wrote to a file (stdout may be the data itself)."""
    err_console.print(f"wrote {rows} row{'' if rows == 1 else 's'} to {output}", highlight=False)


@store_app.command()
def search(
    words: Annotated[str, typer.Argument(help="Words to look for (BM25 full-text search).")],
    db: DbPath = DB_DEFAULT,
    limit: Annotated[int, typer.Option(help="Number of results.")] = 20,
    wait: WaitSeconds = DEFAULT_WAIT_S,
) -> None:
    """Full-text search (BM25) over article titles and texts.

    The index is rebuilt first when articles landed since it was last built."""
    from pipelines.store.search import ensure_index, index_is_stale
    from pipelines.store.search import search as run_search

    # Opened first with --wait and its notice: while a run held the file, the index check
    # waited in silence for as long as the store retries (about 80 s), whatever --wait said.
    con = _open_read_only(db, wait)
    try:
        stale = index_is_stale(con)
        results = [] if stale else run_search(con, words, limit)
    finally:
        con.close()
    if stale:
        with console.status("updating the search index…"):
            indexed = ensure_index(db)
        if indexed is not None:
            err_console.print(f"search index rebuilt over {indexed} articles", highlight=False)
        con = _open_read_only(db, wait)
        try:
            results = run_search(con, words, limit)
        finally:
            con.close()
    if not results:
        console.print("no article matches")
    for _, title, url, score in results:
        console.print(f"{score:6.2f}  {title}\n        {url}", markup=False, highlight=False)


@store_app.command()
def export(
    out_dir: Annotated[Path, typer.Argument(help="Directory for the Parquet dataset.")] = Path(
        "data/export"
    ),
    db: DbPath = DB_DEFAULT,
    wait: WaitSeconds = DEFAULT_WAIT_S,
) -> None:
    """Write articles and matches as Parquet, partitioned by publication day."""
    con = _open_read_only(db, wait)
    try:
        for name, sql in (
            (
                "articles",
                "SELECT *, CAST(coalesce(published_at, fetched_at) AS DATE) AS day FROM articles",
            ),
            (
                "matches",
                "SELECT m.*, CAST(coalesce(a.published_at, a.fetched_at) AS DATE) AS day "
                "FROM matches m JOIN articles a USING (article_id)",
            ),
        ):
            target = out_dir / name
            try:
                target.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise fail(
                    f"cannot export to {out_dir}: {exc.strerror or exc} "
                    f"({exc.filename or target}); choose a directory you can write"
                ) from None
            copied = con.execute(
                f"COPY ({sql}) TO '{target}' "
                "(FORMAT parquet, PARTITION_BY (day), OVERWRITE_OR_IGNORE)"
            ).fetchone()
            console.print(f"wrote {copied[0] if copied else 0} {name} to {target}/day=*/")
    except duckdb.Error as exc:
        raise fail(f"export failed: {exc}") from None
    finally:
        con.close()


@store_app.command()
def rematch(
    config_dir: ConfigDir = CONFIG_DIR_DEFAULT,
    db: DbPath = DB_DEFAULT,
    since: Annotated[
        datetime | None,
        typer.Option(help="Only articles fetched on or after this date.", formats=["%Y-%m-%d"]),
    ] = None,
    topic: Annotated[str | None, typer.Option(help="Only this topic.")] = None,
    wait: WaitSeconds = DEFAULT_WAIT_S,
) -> None:
    """Re-run the current rules over stored articles and update matches (no alerts)."""
    from pipelines import store
    from pipelines.claims import article_claims, load_claim_rules
    from pipelines.config import claims_path, load_settings, rules_paths
    from pipelines.rules import load_ruleset
    from pipelines.store.claims import rematch_claims
    from pipelines.store.rematch import rematch as run_rematch

    usable_db_path(db)
    existing_db(db)
    ruleset = load_ruleset(*rules_paths(config_dir))
    claim_rules = load_claim_rules(claims_path(config_dir), ruleset.loaded)
    settings = load_settings(config_dir)
    with store.open_store(
        db, settings=settings.store, on_wait=lock_notice(db, wait), max_wait_s=wait
    ) as con:
        day: date | None = since.date() if since else None
        report = run_rematch(con, ruleset, day, topic)
        claims = rematch_claims(
            con,
            lambda topics, title, text, lang: article_claims(
                topics, title, text, lang, claim_rules
            ),
            claim_rules.version,
            datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None,
        )
    console.print(
        f"rematched {report.articles} articles with rules {report.rules_version}: "
        f"{report.added} added, {report.updated} updated, {report.removed} removed "
        "(kept in match_history); no alerts queued"
    )
    console.print(
        f"demand claims (claims rules {claims.rules_version}): {claims.added} added, "
        f"{claims.removed} removed, {claims.kept} kept; no escalation alerts queued"
    )
