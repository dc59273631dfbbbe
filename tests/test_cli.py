"""The command line: help, clear errors, rules commands (via typer's runner, in-process)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner

from flows.cli import app

runner = CliRunner()
REPO = Path(__file__).resolve().parent.parent


def test_help_lists_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("run", "demo", "feeds", "rules"):
        assert command in result.output


def test_run_with_invalid_config_is_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "feeds.yaml").write_text("feeds:\n  - url: nope\n", "utf-8")
    result = runner.invoke(
        app, ["run", "--config-dir", str(tmp_path), "--db", str(tmp_path / "x.duckdb")]
    )
    assert result.exit_code == 2
    assert "feeds.yaml:2" in result.output and "Traceback" not in result.output


def test_feeds_on_missing_database(tmp_path: Path) -> None:
    result = runner.invoke(app, ["feeds", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 2 and "does not exist yet" in result.output


def test_rules_check_prints_summary() -> None:
    result = runner.invoke(app, ["rules", "check"])
    assert result.exit_code == 0, result.output
    assert "istanbul_talks" in result.output and "territorial_demands" in result.output
    assert "Entities:" in result.output


def test_rules_check_reports_error_with_location(tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text(
        "topics:\n  - id: t\n    rules:\n      - id: r\n        query: (talks OR\n", "utf-8"
    )
    result = runner.invoke(app, ["rules", "check", "--config-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "rules.yaml:5:" in result.output and "hint:" in result.output


def test_rules_match_reads_stdin_jsonl() -> None:
    lines = "\n".join(
        json.dumps(r, ensure_ascii=False)
        for r in [
            {
                "id": "a",
                "title": "Talks in Istanbul",
                "text": "Russian and Ukrainian delegations met in Istanbul for negotiations.",
            },
            {"id": "b", "title": "Football", "text": "A match in Madrid."},
        ]
    )
    result = runner.invoke(app, ["rules", "match", "--input", "-"], input=lines)
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.splitlines()]
    assert out[0]["id"] == "a" and out[0]["topics"] == ["istanbul_talks"]
    assert out[0]["evidence"]["istanbul_talks"]["hits"]
    assert out[1] == {"id": "b", "topics": [], "evidence": {}}


def test_rules_match_bad_json_line_is_reported() -> None:
    result = runner.invoke(app, ["rules", "match"], input='{"id": 1, "text": "x"}\n{oops\n')
    assert result.exit_code == 2 and "-:2: invalid JSON" in result.output


def test_rules_eval_json_figures() -> None:
    path = REPO / "tests" / "data" / "labelled" / "heldout.jsonl"
    result = runner.invoke(app, ["rules", "eval", "--input", str(path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["articles"] == 30
    assert set(report["topics"]) == {"istanbul_talks", "territorial_demands"}


def test_rules_explain_local_file(tmp_path: Path) -> None:
    page = (REPO / "seeds" / "site" / "articles" / "isw-territorial-demands.html").read_text()
    local = tmp_path / "page.html"
    local.write_text(page.replace("{{BASE_URL}}", "https://example.org"), "utf-8")
    result = runner.invoke(app, ["rules", "explain", str(local)])
    assert result.exit_code == 0, result.output
    assert "istanbul_talks via rule" in result.output
    assert "territorial_demands via rule" in result.output
    assert "[Kharkiv]" in result.output


@pytest.mark.parametrize("name", ["note.txt", "note"])
def test_explain_reads_a_plain_text_file(tmp_path: Path, name: str) -> None:
    """Both explains said "no article text could be extracted" from a text file."""
    local = tmp_path / name
    local.write_text(
        "Kremlin demands Kyiv withdraw\n\nAt the Istanbul talks Russia's delegation demanded "
        "that Ukraine withdraw its troops from the Donetsk, Luhansk, Zaporizhzhia and Kherson "
        "regions and threatened to seize Kharkiv and Sumy.\n",
        "utf-8",
    )
    rules = runner.invoke(app, ["rules", "explain", str(local)])
    assert rules.exit_code == 0, rules.output
    assert "Kremlin demands Kyiv withdraw" in rules.output
    assert "territorial_demands via rule" in rules.output
    demands = runner.invoke(app, ["demands", "explain", str(local)])
    assert demands.exit_code == 0, demands.output
    assert "donetsk · withdraw" in demands.output


def test_rules_check_with_a_missing_config_dir_fails(tmp_path: Path) -> None:
    """A mistyped --config-dir checked the shipped rules and said OK."""
    result = runner.invoke(app, ["rules", "check", "--config-dir", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "does not exist" in result.output and "OK" not in result.output


def test_rules_explain_missing_file() -> None:
    result = runner.invoke(app, ["rules", "explain", "/nonexistent/page.html"])
    assert result.exit_code == 2 and "no such file" in result.output


@pytest.mark.parametrize("name", ["f.duckdb", "f.sqlite"])
def test_feeds_enable_re_enables_a_disabled_feed(tmp_path: Path, name: str) -> None:
    """On the default lake too: its UPDATE once asked for RETURNING, which a DuckLake table
    does not support, and every --enable ended in a traceback."""
    from pipelines import store
    from pipelines.models import FeedState

    db = tmp_path / name
    state = FeedState(
        "https://f.example/rss",
        name="F",
        disabled=True,
        disabled_reason="disabled after 10 consecutive failures",
        consecutive_failures=10,
    )
    with store.open_store(db) as con:
        store.land_batch(con, store.LandingBatch(feed_states=[state]))
    result = runner.invoke(
        app, ["feeds", "--db", str(db), "--enable", "https://f.example/rss", "--json"]
    )
    assert result.exit_code == 0, result.output
    with store.open_store(db) as con:
        loaded = store.load_feed_states(con)["https://f.example/rss"]
    assert not loaded.disabled and loaded.consecutive_failures == 0
    unknown = runner.invoke(app, ["feeds", "--db", str(db), "--enable", "https://g.example/"])
    assert unknown.exit_code == 2 and "Traceback" not in unknown.output
    assert "no feed https://g.example/ in" in unknown.output


def test_rules_explain_fetches_through_the_guarded_fetcher(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    """A URL goes through the fetcher with the config's fetch settings: the SSRF guard
    refuses loopback unless the settings allow it, and a failed fetch is one error line."""
    page = (REPO / "seeds" / "site" / "articles" / "isw-territorial-demands.html").read_text()
    httpserver.expect_request("/a.html").respond_with_data(
        page.replace("{{BASE_URL}}", "https://example.org"), content_type="text/html"
    )
    httpserver.expect_request("/gone.html").respond_with_data("gone", status=404)
    url = httpserver.url_for("/a.html")
    refused = runner.invoke(app, ["rules", "explain", url, "--config-dir", str(tmp_path)])
    assert refused.exit_code == 2 and "refused by the SSRF guard" in refused.output
    assert refused.output.count("error:") == 1 and not httpserver.log
    (tmp_path / "settings.yaml").write_text("fetch:\n  allow_private_networks: true\n", "utf-8")
    explained = runner.invoke(app, ["rules", "explain", url, "--config-dir", str(tmp_path)])
    assert explained.exit_code == 0, explained.output
    assert "territorial_demands via rule" in explained.output
    gone = httpserver.url_for("/gone.html")
    missing = runner.invoke(app, ["rules", "explain", gone, "--config-dir", str(tmp_path)])
    assert missing.exit_code == 2
    assert f"error: cannot fetch {gone}: HTTP 404" in " ".join(missing.output.split())


def test_writing_commands_refuse_a_missing_database(tmp_path: Path) -> None:
    """rematch, alerts retry and feeds --enable once created an empty database at a mistyped
    --db and reported "0 done"; they now stop as the read-only commands do, creating nothing."""
    db = tmp_path / "newswatch.duckdb"
    (tmp_path / "demo.duckdb").write_bytes(b"")
    for args in (
        ["rematch", "--db", str(db)],
        ["alerts", "retry", "--all", "--db", str(db)],
        ["feeds", "--enable", "https://example.org/rss", "--db", str(db)],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "does not exist yet" in result.output
        assert f"add --db {tmp_path / 'demo.duckdb'}" in result.output
        assert not db.exists()
    lake = tmp_path / "newswatch.sqlite"
    (tmp_path / "demo.sqlite").write_bytes(b"")
    result = runner.invoke(app, ["rematch", "--db", str(lake)])
    assert result.exit_code == 2 and f"add --db {tmp_path / 'demo.sqlite'}" in result.output
    assert not lake.exists()


def test_every_command_has_a_one_line_summary_in_the_command_list() -> None:
    """A docstring whose first paragraph spans two lines broke the command list mid-sentence
    (`search`: "… rebuilt first when" / "articles landed …")."""
    import typer.main

    commands = getattr(typer.main.get_command(app), "commands", {})
    assert "search" in commands
    for name, command in commands.items():
        summary = (command.help or "").split("\n\n")[0]
        assert "\n" not in summary.strip(), f"{name}: {summary!r}"


def test_rules_eval_without_input_at_a_terminal_says_what_it_needs(tmp_path: Path) -> None:
    """`newswatch rules eval` (or match) typed without --input waited, silently, for JSON
    Lines on the terminal."""
    import os
    import subprocess
    import sys

    for command in ("eval", "match"):
        primary, secondary = os.openpty()
        try:
            done = subprocess.run(
                [sys.executable, "-m", "flows.cli", "rules", command],
                stdin=secondary,
                capture_output=True,
                text=True,
                timeout=60,
                cwd=REPO,
            )
        finally:
            os.close(primary)
            os.close(secondary)
        assert done.returncode == 2, done.stderr
        assert "error: no --input: name a JSON Lines file (--input FILE.jsonl)" in done.stderr


def test_version() -> None:
    from importlib.metadata import version

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"newswatch {version('newswatch')}"


def test_help_paragraphs_are_wrapped_by_the_terminal_not_the_source() -> None:
    """typer kept a docstring's line breaks after its first paragraph: `demo --help` cut
    "a second demo into the / same database" at the source's width."""
    import os
    import subprocess
    import sys

    from flows.cli_help import reflowed

    doc = "Short.\n\n    One paragraph\n    in two lines.\n\n    - a list\n    - kept"
    assert reflowed(doc) == "Short.\n\nOne paragraph in two lines.\n\n- a list\n- kept"
    done = subprocess.run(
        [sys.executable, "-m", "flows.entry", "demo", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=120,
    )
    assert "so a second demo into the same database gets 304" in done.stdout, done.stdout


def test_a_new_store_whose_name_says_no_kind_is_refused(tmp_path: Path) -> None:
    """`--db news.sqlit` (a typo) silently made a single DuckDB file where a lake was meant."""
    typo = tmp_path / "news.sqlit"
    result = runner.invoke(app, ["alerts", "retry", "--all", "--db", str(typo)])
    assert result.exit_code == 2
    said = " ".join(result.output.split())
    assert f"{typo}: a new store is named PATH.sqlite" in said
    assert f"`duckdb:{typo}` makes a DuckDB file under this very name" in said
    assert not typo.exists()
