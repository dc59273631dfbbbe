"""`newswatch rules …`: check, match, eval and explain the topic rules."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from rich.markup import escape
from rich.table import Table

from flows.cli_common import CONFIG_DIR_DEFAULT, RulesConfigDir, console, err_console
from pipelines.config import rules_paths

rules_app = typer.Typer(
    help="Check the rule files, run rules over articles, measure them on labelled data.",
    no_args_is_help=True,
)
InputFile = Annotated[
    str, typer.Option("--input", "-i", help="JSON Lines file, or - for standard input.")
]


def _load(config_dir: Path):  # type: ignore[no-untyped-def]
    rules_path, entities_path = rules_paths(config_dir)
    return _load_paths(rules_path, entities_path)


def _load_paths(rules_path: Path, entities_path: Path):  # type: ignore[no-untyped-def]
    from pipelines.rules import load_ruleset

    return load_ruleset(rules_path, entities_path)


def _load_other(spec: str, config_dir: Path, scratch: Path):  # type: ignore[no-untyped-def]
    """The rule set to compare with: a config directory, a rules.yaml (its directory's
    entities.yaml if there is one, else the current one), or a git revision of the current
    rules files (HEAD~1, a tag, a commit)."""
    rules_path, entities_path = rules_paths(config_dir)
    given = Path(spec)
    if given.is_dir():
        return _load(given)
    if given.is_file():
        sibling = given.parent / "entities.yaml"
        return _load_paths(given, sibling if sibling.is_file() else entities_path)
    import subprocess

    copies = []
    for path in (rules_path, entities_path):
        where = path.resolve().parent
        top = subprocess.run(
            ["git", "-C", str(where), "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            check=False,
        )
        shown = subprocess.run(
            ["git", "-C", str(where), "show", f"{spec}:./{path.name}"],
            capture_output=True,
            check=False,
        )
        if top.returncode or shown.returncode:
            err_console.print(
                f"[bold red]error:[/] --diff-against {spec}: not a directory, a rules file, "
                f"or a git revision holding {path.name} "
                f"({(shown.stderr or top.stderr.encode()).decode(errors='replace').strip()})",
                highlight=False,
            )
            raise typer.Exit(2)
        copy = scratch / path.name
        copy.write_bytes(shown.stdout)
        copies.append(copy)
    return _load_paths(copies[0], copies[1])


def _records(source: str) -> Iterator[tuple[int, dict[str, Any]]]:
    stream: TextIO
    if source == "-" and sys.stdin.isatty():
        # Reading a terminal would wait, without a word, for lines the user never meant to type.
        err_console.print(
            "[bold red]error:[/] no --input: name a JSON Lines file (--input FILE.jsonl) or "
            "pipe one in (< FILE.jsonl)",
            highlight=False,
        )
        raise typer.Exit(2)
    if source == "-":
        stream = sys.stdin
    else:
        try:
            stream = open(source, encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            err_console.print(f"[bold red]error:[/] cannot read {source}: {exc}", highlight=False)
            raise typer.Exit(2) from None
    with stream:
        for lineno, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                err_console.print(
                    f"[bold red]error:[/] {source}:{lineno}: invalid JSON: {exc.msg}",
                    highlight=False,
                )
                raise typer.Exit(2) from None
            if not isinstance(record, dict) or ("text" not in record and "title" not in record):
                err_console.print(
                    f"[bold red]error:[/] {source}:{lineno}: expected an object with "
                    "'title' and/or 'text'",
                    highlight=False,
                )
                raise typer.Exit(2)
            record.setdefault("id", lineno)
            yield lineno, record


@rules_app.command()
def check(
    config_dir: RulesConfigDir = CONFIG_DIR_DEFAULT,
    strict: Annotated[
        bool, typer.Option("--strict", help="Fail (exit 1) on warnings too, not only errors.")
    ] = False,
) -> None:
    """Validate rules.yaml, entities.yaml and claims.yaml; print topics, rules and entities,
    and warn about rules that can never match or use lower-case and/or/not."""
    from pipelines.rules.lint import lint_rules

    ruleset = _load(config_dir)
    rules_path, entities_path = rules_paths(config_dir)
    warnings = lint_rules(ruleset.loaded, rules_path)
    console.print(f"[green]OK[/] {rules_path} + {entities_path}  (version {ruleset.version})")
    table = Table(title="Topics")
    for col in ("topic", "rules", "exclusions", "threshold", "min_salience", "focus"):
        table.add_column(col)
    for t in ruleset.topics:
        table.add_row(
            t.id,
            str(len(t.rules)),
            str(len(t.exclude)),
            f"{t.threshold:g}",
            f"{t.min_salience:g}",
            "yes" if t.focus else "no",
        )
    console.print(table)
    for t in ruleset.topics:
        console.print(f"[bold]{t.id}[/]: {escape(t.description)}", highlight=False)
        for r in t.rules:
            console.print(f"  • {r.id}: {' '.join(r.query.split())}", highlight=False, markup=False)
    kinds: dict[str, int] = {}
    for e in ruleset.entities.values():
        kinds[e.type] = kinds.get(e.type, 0) + 1
    aliases = sum(len(e.aliases) for e in ruleset.entities.values())
    by_kind = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    groups = ", ".join(ruleset.loaded.groups) or "none"
    console.print(
        f"Entities: {len(ruleset.entities)} ({by_kind}), {aliases} names and aliases; "
        f"groups: {groups}"
    )
    from pipelines.claims import load_claim_rules
    from pipelines.config import claims_path

    claims = load_claim_rules(claims_path(config_dir), ruleset.loaded)
    console.print(
        f"[green]OK[/] {claims_path(config_dir)}  (demand claims, version {claims.version}; "
        f"read for topics {', '.join(sorted(claims.topics))})"
    )
    for warning in warnings:
        err_console.print(f"[bold yellow]warning:[/] {escape(str(warning))}", highlight=False)
    if warnings:
        verdict = "failing the check (--strict)" if strict else "not failing the check"
        err_console.print(f"{len(warnings)} warning(s), {verdict}", highlight=False)
        if strict:
            raise typer.Exit(1)


@rules_app.command()
def match(input: InputFile = "-", config_dir: RulesConfigDir = CONFIG_DIR_DEFAULT) -> None:
    """Print one JSON line per input article: id, topics that matched, evidence."""
    from pipelines.rules.evaluate import published_of

    ruleset = _load(config_dir)
    for _, rec in _records(input):
        hits = ruleset.match(
            str(rec.get("title") or ""),
            str(rec.get("text") or ""),
            rec.get("lang"),
            published_of(rec),
        )
        out = {
            "id": rec["id"],
            "topics": [h.topic for h in hits],
            "evidence": {h.topic: {"rule": h.rule, "score": h.score, **h.evidence} for h in hits},
        }
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")


@rules_app.command("eval")
def evaluate(
    input: InputFile = "-",
    config_dir: RulesConfigDir = CONFIG_DIR_DEFAULT,
    as_json: Annotated[bool, typer.Option("--json", help="Print figures as JSON.")] = False,
    diff_against: Annotated[
        str | None,
        typer.Option(
            "--diff-against",
            help="Another rules version (a git revision such as HEAD~1, a config directory or "
            "a rules.yaml): list the articles whose predicted topics changed.",
        ),
    ] = None,
) -> None:
    """Precision, recall and F1 per topic and precision per rule on a labelled JSONL set;
    the misses and false alarms with their evidence; optionally the label changes against
    another rules version."""
    import tempfile

    from pipelines.rules.evaluate import diff
    from pipelines.rules.evaluate import evaluate as run_eval

    ruleset = _load(config_dir)
    records = [rec for _, rec in _records(input)]
    missing = [r["id"] for r in records if "labels" not in r]
    if missing:
        err_console.print(f"[bold red]error:[/] records without 'labels': {missing[:5]}")
        raise typer.Exit(2)
    report = run_eval(ruleset, records)
    changes = None
    if diff_against is not None:
        with tempfile.TemporaryDirectory() as scratch:
            other = _load_other(diff_against, config_dir, Path(scratch))
        changes = diff(other, ruleset, records)
        report["diff"] = {
            "against": diff_against,
            "version": other.version,
            "changes": [
                {
                    "id": c.id,
                    "topic": c.topic,
                    "before": c.before,
                    "after": c.after,
                    "labelled": c.labelled,
                }
                for c in changes
            ],
        }
    if as_json:
        sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        return
    _print_report(report, len(records), ruleset.version)
    if changes is not None:
        _print_changes(changes, diff_against or "", report["diff"]["version"])


def _print_report(report: dict[str, Any], articles: int, version: str) -> None:
    table = Table(title=f"{articles} labelled articles, rules version {version}")
    for col in ("topic", "precision", "recall", "F1", "tp", "fp", "fn"):
        table.add_column(col)
    for topic, m in report["topics"].items():
        table.add_row(
            topic,
            f"{m['precision']:.3f}",
            f"{m['recall']:.3f}",
            f"{m['f1']:.3f}",
            str(m["tp"]),
            str(m["fp"]),
            str(m["fn"]),
        )
    console.print(table)
    rules = Table(title="Rules (among the rules of a fired topic)")
    for col in ("rule", "fired", "correct", "precision"):
        rules.add_column(col)
    for rule, r in report["rules"].items():
        rules.add_row(rule, str(r["fired"]), str(r["correct"]), f"{r['precision']:.3f}")
    console.print(rules)
    for topic, m in report["topics"].items():
        for miss in m["misses"]:
            console.print(
                f"[yellow]miss[/] {topic} {escape(str(miss['id']))}: {escape(miss['title'])}",
                highlight=False,
            )
            if miss.get("suppressed"):
                _print_why(miss)
        for fa in m["false_alarms"]:
            console.print(
                f"[red]false alarm[/] {topic} {escape(str(fa['id']))}: {escape(fa['title'])}",
                highlight=False,
            )
            _print_why(fa)


def _print_why(error: dict[str, Any]) -> None:
    score = error["score"]
    parts = (
        f"points {score.get('points', 0):g} × salience {score.get('salience', 0):g} = "
        f"{score.get('score', 0):g} (title {score.get('in_title')}, lead {score.get('in_lead')}, "
        f"{score.get('sentences_with_evidence')}/{score.get('sentences')} sentences)"
    )
    lines = [
        f"    rule {error['rule']} (matched: {', '.join(error['rules'])}); {parts}",
        *([f"    suppressed: {error['suppressed']}"] if error["suppressed"] else []),
        f"    terms: {'; '.join(error['terms'])}",
        f"    {error['snippet']}",
    ]
    console.print("\n".join(lines), highlight=False, markup=False)


def _print_changes(changes: list[Any], against: str, version: str) -> None:
    end = ":" if changes else ": the labelled articles are matched as they were."
    console.print(
        f"\n{len(changes)} label change(s) against {escape(against)} (version {version}){end}",
        highlight=False,
    )
    for c in changes:
        verdict = {True: "better", False: "worse", None: "unlabelled"}[c.better]
        move = "now fires" if c.after else "no longer fires"
        console.print(
            f"  {verdict:10} {c.topic} {move}: {c.id} {c.title}", highlight=False, markup=False
        )


_MARKUP = re.compile(rb"<\s*(html|body|p|div|article|head|!doctype)\b", re.IGNORECASE)


def _plain_text(path: Path, content: bytes) -> bool:
    """A local file that is not a web page: a .txt/.md file, or one without HTML tags."""
    if path.suffix.lower() in (".html", ".htm", ".xhtml"):
        return False
    return path.suffix.lower() in (".txt", ".md", ".text") or not _MARKUP.search(content[:4096])


def _text_page(source: str, content: bytes) -> dict[str, Any]:
    """A plain-text file as a page: its first line is the title, the rest the text (all of it
    when it is one line)."""
    text = content.decode("utf-8", errors="replace").strip()
    if not text:
        err_console.print(f"[bold red]error:[/] {source} is empty", highlight=False)
        raise typer.Exit(1)
    first, _, rest = text.partition("\n")
    body = rest.strip() or first
    return {"text": body, "title": first.strip() if rest.strip() else "", "language": None}


def read_page(source: str, config_dir: Path) -> dict[str, Any]:
    """Fetch (a URL, through the fetcher with the config's fetch settings: SSRF guard, size
    cap, deadline) or read (a file) one page and extract it; a clear error and exit when that
    fails. Shared by `rules explain` and `demands explain`."""
    from pipelines.config import load_settings
    from pipelines.extract import extract_one
    from pipelines.ingest.fetch import fetch_one

    if source.startswith(("http://", "https://")):
        fetched = fetch_one(source, load_settings(config_dir).fetch)
        content, url = fetched.content, fetched.final_url
        ctype = fetched.headers.get("content-type")
    else:
        path = Path(source)
        if not path.is_file():
            err_console.print(f"[bold red]error:[/] {source}: no such file", highlight=False)
            raise typer.Exit(2)
        content, url, ctype = path.read_bytes(), path.resolve().as_uri(), None
        if _plain_text(path, content):
            return _text_page(source, content)
    page = extract_one(content, url, ctype)
    if not page.get("text"):
        err_console.print(f"[bold red]error:[/] no article text could be extracted from {source}")
        raise typer.Exit(1)
    return page


@rules_app.command()
def explain(
    source: Annotated[str, typer.Argument(help="A URL or a local HTML/text file.")],
    config_dir: RulesConfigDir = CONFIG_DIR_DEFAULT,
) -> None:
    """Fetch or read one page, extract it, and show which rules fire and why."""
    ruleset = _load(config_dir)
    page = read_page(source, config_dir)
    console.print(
        f"[bold]{page.get('title') or '(no title)'}[/]  "
        f"[dim]{page.get('language') or '?'} · {len(page['text'])} chars[/]"
    )
    hits = ruleset.match(page.get("title") or "", page["text"], page.get("language"))
    if not hits:
        console.print("No topic matched.")
    for hit in hits:
        console.print(
            f"\n[bold green]{hit.topic}[/] via rule [bold]{hit.rule}[/] (score {hit.score:g})"
        )
        console.print(f"  {hit.evidence['snippet']}", highlight=False, markup=False)
        terms = sorted({f"{h['term']} ← {h['query']}" for h in hit.evidence["hits"]})
        console.print("  terms: " + "; ".join(terms), highlight=False, markup=False)
        if hit.evidence["entities"]:
            console.print("  entities: " + ", ".join(hit.evidence["entities"]))
