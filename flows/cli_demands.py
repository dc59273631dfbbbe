"""`newswatch demands …`: the escalation signal in the terminal (region × week timeline),
the claims of one article with their sentences, and precision/recall on labelled data."""

from __future__ import annotations

import csv
import json
import sys
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import duckdb
import typer
from rich.markup import escape
from rich.table import Table

from flows.cli_common import (
    CONFIG_DIR_DEFAULT,
    DB_DEFAULT,
    DEFAULT_WAIT_S,
    ConfigDir,
    DbPath,
    console,
    fail,
    lock_notice,
)
from pipelines.claims import ACTIONS, ClaimRules
from pipelines.claims.model import DEFAULT_C, DEFAULT_THRESHOLD

demands_app = typer.Typer(
    help="The escalation signal: which regions Russia demands, how, and when that changes.",
    invoke_without_command=True,
)
FIRST = "▲"
"""Marks the week a (region, action) appears for the first time, or again after a quiet
period (an escalation)."""


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def _claim_rules(config_dir: Path, with_model: bool = True) -> ClaimRules:
    from pipelines.claims import load_claim_rules
    from pipelines.config import claims_path, rules_paths
    from pipelines.rules import load_ruleset

    ruleset = load_ruleset(*rules_paths(config_dir))
    return load_claim_rules(claims_path(config_dir), ruleset.loaded, with_model)


def _weekly(db: Path, since: date | None, action: str | None) -> tuple[list[dict], set[tuple]]:
    from pipelines import store

    con = store.connect(
        db, read_only=True, on_wait=lock_notice(db, DEFAULT_WAIT_S), max_wait_s=DEFAULT_WAIT_S
    )
    where: list[str] = ["true"]
    params: list[object] = []
    if since is not None:
        where.append("week >= date_trunc('week', ?::DATE)")
        params.append(since)
    if action is not None:
        where.append("action = ?")
        params.append(action)
    try:
        cur = con.execute(
            "SELECT week, region, action, articles, outlets, first_seen, last_seen "
            f"FROM demand_regions_weekly WHERE {' AND '.join(where)} ORDER BY week, region",
            params,
        )
        cols = [d[0] for d in cur.description or []]
        rows = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
        marks = {
            (r[0], r[1], r[2])
            for r in con.execute(
                "SELECT date_trunc('week', period_start), region, action FROM demand_escalations"
            ).fetchall()
        }
    except duckdb.CatalogException:
        raise fail(
            f"{db} has no demand claims yet (an older schema): run `newswatch run` or "
            "`newswatch rematch` once with write access"
        ) from None
    finally:
        con.close()
    for row in rows:
        row["escalation"] = (row["week"], row["region"], row["action"]) in marks
    return rows, marks


@demands_app.callback()
def timeline(
    ctx: typer.Context,
    db: DbPath = DB_DEFAULT,
    since: Annotated[
        datetime | None,
        typer.Option(help="Only weeks from this date on.", formats=["%Y-%m-%d"]),
    ] = None,
    action: Annotated[
        str | None, typer.Option(help=f"Only this action: {', '.join(ACTIONS)}.")
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
) -> None:
    """Region × week: articles claiming each region, ▲ where a (region, action) appears for
    the first time or again after the quiet period (an escalation)."""
    if ctx.invoked_subcommand is not None:
        return
    if action is not None and action not in ACTIONS:
        raise fail(f"--action {action!r}: use one of {', '.join(ACTIONS)}")
    rows, _ = _weekly(db, since.date() if since else None, action)
    if fmt is Format.json:
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        return
    if fmt is Format.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(list(rows[0]) if rows else ["week", "region", "action", "articles"])
        writer.writerows([list(r.values()) for r in rows])
        return
    if not rows:
        narrowed = [
            *([f"since {since:%Y-%m-%d}"] if since is not None else []),
            *([f"of action {action}"] if action is not None else []),
        ]
        console.print(
            f"No demand claims {' and '.join(narrowed)}." if narrowed else "No demand claims yet."
        )
        return
    weeks = sorted({r["week"] for r in rows})
    lines = sorted({(r["region"], r["action"]) for r in rows})
    shown = _weeks_that_fit(lines, len(weeks), console.width)
    hidden, weeks = len(weeks) - shown, weeks[-shown:]
    cells = {(r["week"], r["region"], r["action"]): r for r in rows}
    table = Table(title="Russian territorial demands: articles per week", show_lines=False)
    table.add_column("region", no_wrap=True)
    table.add_column("action", no_wrap=True)
    for week in weeks:
        table.add_column(f"{week:%m-%d}", justify="right")
    for region, act in lines:
        cols = []
        for week in weeks:
            cell = cells.get((week, region, act))
            if cell is None:
                cols.append("[dim]·[/]")
            elif cell["escalation"]:
                cols.append(f"[bold magenta]{FIRST}{cell['articles']}[/]")
            else:
                cols.append(str(cell["articles"]))
        table.add_row(region, act, *cols)
    console.print(table)
    if hidden:
        console.print(
            f"[dim]The last {shown} weeks: {hidden} earlier one(s) do not fit {console.width} "
            "columns; see them with --since, in a wider terminal or with --format csv.[/]"
        )
    console.print(
        f"[dim]{FIRST} = first claim of this (region, action), or first after the quiet period"
        " (demands.quiet_days); weeks start on Monday. Details: demand_escalations view.[/]"
    )


def _weeks_that_fit(lines: list[tuple[str, str]], weeks: int, width: int) -> int:
    """How many week columns fit `width` beside the region and action columns (at least one).

    Rich squeezes a table wider than the terminal by cutting column headers ("06-…") and, with
    months of weeks, every cell; the latest weeks whole are worth more than all of them cut."""
    region = max(len("region"), *(len(r) for r, _ in lines)) + 3  # padding and border
    action = max(len("action"), *(len(a) for _, a in lines)) + 3
    week = len("05-12") + 3
    return max(1, min(weeks, (width - 1 - region - action) // week))


@demands_app.command()
def explain(
    source: Annotated[str, typer.Argument(help="A URL or a local HTML/text file.")],
    config_dir: ConfigDir = CONFIG_DIR_DEFAULT,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="The article's language (en, uk, ru) when the page does not say it, as a "
            "feed's `language` tells a run.",
        ),
    ] = None,
) -> None:
    """Extract one page and show its demand claims, with the sentence each comes from."""
    from flows.cli_rules import read_page
    from pipelines.claims.extract import claims_in
    from pipelines.language import language_code, script_language

    rules = _claim_rules(config_dir)
    page = read_page(source, config_dir)
    if lang is not None:
        try:
            lang = language_code(lang)
        except ValueError as exc:
            raise fail(f"--lang {lang!r}: {exc}") from exc
    title, text = page.get("title") or "", page["text"]
    lang = page.get("language") or lang
    console.print(f"[bold]{escape(title or '(no title)')}[/]  [dim]{lang or '?'}[/]")
    if lang is None and rules.model is not None:
        guess = script_language(f"{title}\n{text}")
        console.print(
            f"[dim]The page does not say its language: the learned reader reads it as {guess} "
            "from its letters, as a run would; --lang en|uk|ru to choose.[/]"
        )
    claims = claims_in(title, text, lang, rules)
    if not claims:
        console.print("No demand claim found.")
        return
    by_sentence: dict[tuple[str, int], list[Any]] = {}
    for c in claims:
        by_sentence.setdefault((c.field, c.start), []).append(c)
    for (field, start), group in by_sentence.items():
        first = group[0]
        console.print(
            f"\n[dim]{field} {start}–{first.end}[/]  {escape(first.sentence)}", highlight=False
        )
        for c in group:
            why = (
                f"learned reader, {c.cue.removeprefix('model ')}"
                if c.cue.startswith("model ")
                else f"action word: {c.cue}"
            )
            console.print(
                f"  [bold green]{c.region}[/] · {c.action} · by [bold]{c.actor}[/]"
                f"  [dim]({escape(why)})[/]",
                highlight=False,
            )
    console.print(f"\n[dim]claims rules version {rules.version}[/]")


@demands_app.command("eval")
def evaluate(
    input: Annotated[
        Path, typer.Option("--input", "-i", help="Labelled JSON Lines with `claims`.")
    ],
    config_dir: ConfigDir = CONFIG_DIR_DEFAULT,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    show_errors: Annotated[
        bool, typer.Option("--errors", help="List the false positives and negatives.")
    ] = False,
    cues_only: Annotated[
        bool,
        typer.Option("--cues-only", help="Score the cue reader alone, without the model."),
    ] = False,
) -> None:
    """Precision and recall of (article, region, action) triples, per language."""
    from pipelines.claims.evaluate import evaluate as run_eval
    from pipelines.claims.evaluate import read_labelled

    rules = _claim_rules(config_dir, with_model=not cues_only)
    articles, skipped = read_labelled(input)
    if not articles:
        # Precision and recall of nothing would print as 1.000 / 1.000.
        raise fail(
            f"{input}: no line has a `claims` label ({skipped} line(s) without one), so there "
            "is nothing to measure; claims sets look like tests/data/labelled/claims_dev.jsonl"
        )
    report = run_eval(articles, rules)
    scores = [*report.languages.values(), report.total]
    if as_json:
        out = {
            "input": str(input),
            "claims_rules_version": rules.version,
            "reader": "cues" if rules.model is None else "cues+model",
            "skipped_without_claims_label": skipped,
            "languages": {
                s.lang: {
                    "articles": s.articles,
                    "true_positives": s.true_positives,
                    "false_positives": s.false_positives,
                    "false_negatives": s.false_negatives,
                    "precision": round(s.precision, 3),
                    "recall": round(s.recall, 3),
                }
                for s in scores
            },
            "false_positives": report.false_positives,
            "false_negatives": report.false_negatives,
        }
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
        return
    reader = "cues only" if rules.model is None else "cues and model"
    table = Table(title=f"Demand claims on {input} (claims version {rules.version}, {reader})")
    for col in ("lang", "articles", "TP", "FP", "FN", "precision", "recall"):
        table.add_column(col, justify="right" if col != "lang" else "left")
    for s in scores:
        table.add_row(
            s.lang,
            str(s.articles),
            str(s.true_positives),
            str(s.false_positives),
            str(s.false_negatives),
            f"{s.precision:.3f}",
            f"{s.recall:.3f}",
        )
    console.print(table)
    if skipped:
        console.print(f"[dim]{skipped} line(s) without a `claims` label skipped[/]")
    if show_errors:
        for kind, rows in (("FP", report.false_positives), ("FN", report.false_negatives)):
            for article_id, region, act in rows:
                console.print(f"  {kind} {article_id}: {region} / {act}", highlight=False)


@demands_app.command()
def train(
    inputs: Annotated[
        list[Path],
        typer.Option("--input", "-i", help="Labelled JSON Lines with `claims` (repeatable)."),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="The model file to write (replaced whole; claims.yaml `model: {file: …}` "
            "names it).",
        ),
    ],
    threshold: Annotated[
        float,
        typer.Option(min=0.01, max=0.99, help="The probability a claim needs."),
    ] = DEFAULT_THRESHOLD,
    c: Annotated[
        float, typer.Option("--c", min=0.001, help="Inverse regularisation strength.")
    ] = DEFAULT_C,
    config_dir: ConfigDir = CONFIG_DIR_DEFAULT,
) -> None:
    """Train the learned claims reader on labelled sets (needs scikit-learn: `make train-libs`
    and PYTHONPATH=.venv/train-libs, or `pip install 'newswatch\\[train]'`).

    Keep a labelled set out of training to measure the model on it with `demands eval`."""
    from pipelines.claims.evaluate import read_labelled
    from pipelines.claims.train import require_scikit_learn, write_model
    from pipelines.claims.train import train as run_train

    require_scikit_learn()
    rules = _claim_rules(config_dir, with_model=False)
    if output.is_dir():
        raise fail(f"{output} is a directory: give the model file's path")
    articles = []
    for path in inputs:
        found, _ = read_labelled(path)
        if not found:
            raise fail(f"{path}: no line has a `claims` label: nothing to learn from")
        articles += found
    console.print(f"training on {len(articles)} articles from {len(inputs)} file(s)…")
    model, report = run_train(articles, rules, [p.name for p in inputs], c, threshold)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        write_model(output, model)
    except OSError as exc:
        raise fail(f"cannot write {output}: {exc.strerror or exc}") from exc
    positives = ", ".join(f"{a} {n}" for a, n in report.positives.items())
    never = [a for a, n in report.positives.items() if not n]
    if never:
        console.print(
            f"[yellow]no labelled example of {', '.join(never)}: this model never claims it[/]",
            highlight=False,
        )
    console.print(
        f"wrote {output}: {report.features} features, from {report.examples} "
        f"(sentence, region) examples ({positives})\n"
        f"  use it: `model: {{file: {output.name}}}` in claims.yaml beside it; measure it with "
        "`newswatch demands eval --input <a set left out of training>`",
        highlight=False,
    )
