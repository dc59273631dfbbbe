"""What a user meets in everyday use (issue 16): the real `newswatch` command in a subprocess,
its stdout, stderr and exit code."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipelines import store
from pipelines.models import FeedState

BIN = Path(sys.executable).parent
NEWSWATCH = str(BIN / "newswatch")


def newswatch(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [NEWSWATCH, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )


def one_clear_line(result: subprocess.CompletedProcess[str]) -> str:
    """The run failed with exit code 2 and a single `error:` line, no traceback."""
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


# --- item 6: paths that cannot be used -------------------------------------------------------


def unusable_paths(tmp_path: Path) -> list[Path]:
    """Database paths that fail for root too: a file standing where a directory must be, and
    a directory in a filesystem nobody can create directories in (sysfs)."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", "utf-8")
    paths = [blocker / "sub" / "news.duckdb"]
    if Path("/sys/kernel").is_dir():
        paths.append(Path("/sys/kernel/newswatch-test/news.duckdb"))
    return paths


def test_run_with_an_unusable_db_path_is_one_line_before_anything_starts(
    tmp_path: Path, seed_base_url: str
) -> None:
    from flows.seed_server import SEEDS_DIR

    for db in unusable_paths(tmp_path):
        result = newswatch(
            "run", "--config-dir", str(SEEDS_DIR / "config"), "--db", str(db), timeout=60
        )
        line = one_clear_line(result)
        assert str(db) in line and "--db" in line
        if "a-file" in str(db):
            assert "a file stands where a directory must be" in line


def test_a_config_dir_that_is_a_file_says_so(tmp_path: Path) -> None:
    a_file = tmp_path / "settings.yaml"
    a_file.write_text("fetch: {}\n", "utf-8")
    line = one_clear_line(newswatch("run", "--config-dir", str(a_file), "--db", "x.sqlite"))
    assert f"{a_file} is a file" in line


def test_a_lake_catalog_that_cannot_be_created_is_one_line(
    tmp_path: Path, seed_base_url: str
) -> None:
    """/proc passes the directory checks (it exists, root may write it), then SQLite cannot
    create the catalog there: that was a sqlite3.OperationalError traceback."""
    from flows.seed_server import SEEDS_DIR

    db = "/proc/newswatch-test.sqlite"
    result = newswatch("run", "--config-dir", str(SEEDS_DIR / "config"), "--db", db, timeout=60)
    line = one_clear_line(result)
    assert "cannot create the lake's catalog /proc/newswatch-test.sqlite" in line


def test_an_empty_query_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    with store.open_store(db):
        pass
    for sql in ("", "  ;"):
        assert "the query is empty" in one_clear_line(newswatch("query", sql, "--db", str(db)))


def test_export_to_an_unusable_directory_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    with store.open_store(db):
        pass
    for target in unusable_paths(tmp_path):
        line = one_clear_line(newswatch("export", str(target.parent), "--db", str(db)))
        assert "cannot export" in line


def test_query_output_to_an_unusable_file_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    with store.open_store(db):
        pass
    target = unusable_paths(tmp_path)[0]
    line = one_clear_line(
        newswatch("query", "SELECT 1", "--db", str(db), "-f", "csv", "-o", str(target))
    )
    assert str(target) in line


# --- item 5: a query waiting for a locked database --------------------------------------------

HOLD = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
sys.stdin.read()
"""


@contextmanager
def held_by_another_process(db: Path) -> Iterator[None]:
    """A new DuckDB file at `db`, held open for writing by another process until the block
    ends."""
    with store.open_store(db):
        pass
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"holding\n"
        yield
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)


def test_query_says_at_once_that_it_waits_then_answers_when_the_lock_goes(
    tmp_path: Path,
) -> None:
    db = tmp_path / "locked.duckdb"
    with held_by_another_process(db):
        query = subprocess.Popen(
            [NEWSWATCH, "query", "SELECT 42 AS answer", "--db", str(db), "--wait", "120"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert query.stderr is not None
        first = query.stderr.readline()
        # said while still waiting (the lock is held until we close the holder below)
        assert query.poll() is None
        assert first.startswith(f"waiting for {db}: another process holds it"), first
        assert "--wait" in first
    out, err = query.communicate(timeout=150)
    assert query.returncode == 0, err
    assert "42" in out and "Traceback" not in err


def test_query_gives_up_after_wait_with_the_clear_message(tmp_path: Path) -> None:
    db = tmp_path / "locked.duckdb"
    with held_by_another_process(db):
        result = newswatch("query", "SELECT 1", "--db", str(db), "--wait", "2")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("waiting for"), result.stderr
    assert lines[-1].startswith("error: ") and "locked by another process" in lines[-1]


def test_demo_says_at_once_that_its_database_is_held_and_stops_after_wait(
    tmp_path: Path,
) -> None:
    """The demo once waited twice, in silence (reading the previous port, then the run), about
    three minutes in all, before it said anything."""
    db = tmp_path / "demo.duckdb"
    with held_by_another_process(db):
        result = newswatch("demo", "--db", str(db), "--wait", "2", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith(f"waiting for {db}: another process holds it"), result.stderr
    assert lines[-1].startswith("error: ") and "locked by another process" in lines[-1]
    assert "Serving the demo corpus" not in result.stdout


def test_search_rematch_and_retry_wait_as_long_as_wait_says_and_say_so(tmp_path: Path) -> None:
    """They once waited in silence for as long as the store retries (about 80 s), whatever
    --wait said (search), or with no --wait at all (rematch, alerts retry)."""
    db = tmp_path / "locked.duckdb"
    with held_by_another_process(db):
        results = [
            newswatch(*args, "--db", str(db), "--wait", "2")
            for args in (["search", "Sumy"], ["rematch"], ["alerts", "retry", "--all"])
        ]
    for result in results:
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.args
        lines = result.stderr.strip().splitlines()
        assert lines[0].startswith(f"waiting for {db}: another process holds it"), lines
        assert "up to 2 s (--wait)" in lines[0]
        assert lines[-1].startswith("error: ") and "locked by another process" in lines[-1]


def test_a_run_says_at_once_that_its_database_is_held(tmp_path: Path) -> None:
    """A run waited for a held database (the store's retries, over a minute by default) and
    said nothing until it gave up."""
    config = tmp_path / "config"
    config.mkdir()
    (config / "feeds.yaml").write_text("feeds:\n  - url: https://e.example/rss\n", "utf-8")
    (config / "settings.yaml").write_text("store:\n  lock_retries: 2\n", "utf-8")
    db = tmp_path / "locked.duckdb"
    with held_by_another_process(db):
        result = newswatch("run", "--config-dir", str(config), "--db", str(db))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith(f"waiting for {db}: another process holds it"), result.stderr
    assert lines[0].endswith("The run tries again for about 1 s (store.lock_retries)…")
    assert lines[-1].startswith("error: ") and "locked by another process" in lines[-1]
    # and nothing is said when the file is free
    free = newswatch("run", "--config-dir", str(config), "--db", str(db))
    assert "waiting for" not in free.stderr


# --- item 7: `newswatch feeds` at 80 columns ---------------------------------------------------


def feeds_db(path: Path) -> None:
    now = datetime.now(UTC)
    states = [
        FeedState(
            "https://www.a-very-long-outlet-name.example.org/feeds/rss/world/europe/ukraine.xml",
            name="A very long outlet name that goes on and on and on",
            consecutive_failures=3,
            last_status="error",
            last_http_status=503,
            last_error="HTTP 503 Service Unavailable from https://www.a-very-long-outlet-name."
            "example.org/feeds/rss/world/europe/ukraine.xml after 3 attempts: upstream timed out",
            next_poll_at=now + timedelta(minutes=7, seconds=30),
            last_new_item_at=now - timedelta(hours=5, seconds=3),
        ),
        FeedState(
            "https://b.example/rss",
            name="B",
            last_status="not_modified",
            last_http_status=304,
            items_seen=40,
            next_poll_at=now + timedelta(minutes=4, seconds=30),
            last_new_item_at=now - timedelta(days=3, hours=1),
        ),
    ]
    with store.open_store(path) as con:
        store.land_batch(con, store.LandingBatch(feed_states=states))


def test_feeds_fits_80_columns_one_line_per_feed(tmp_path: Path) -> None:
    feeds_db(tmp_path / "f.duckdb")
    result = newswatch("feeds", "--db", "f.duckdb", cwd=tmp_path, env={"COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.rstrip("\n").splitlines()
    assert max(len(line) for line in lines) <= 80, result.stdout
    # title, header, rule, one line per feed: nothing wraps
    assert len(lines) == 5, result.stdout
    long_row = next(line for line in lines if line.startswith("A very long"))
    assert "failing (3)" in long_row and "503" in long_row and "…" in long_row
    assert "5 h ago" in long_row and "in 7 min" in long_row
    assert "HTTP 503" in long_row
    b_row = next(line for line in lines if line.startswith("B "))
    assert "healthy" in b_row and "304" in b_row and "3 d ago" in b_row and "in 4 min" in b_row
    assert "." not in b_row.split("304", 1)[1]  # no fractional seconds anywhere


def test_feeds_wide_and_formats_show_everything(tmp_path: Path) -> None:
    feeds_db(tmp_path / "f.duckdb")
    wide = newswatch("feeds", "--db", "f.duckdb", "--wide", cwd=tmp_path, env={"COLUMNS": "500"})
    assert wide.returncode == 0, wide.stderr
    assert "upstream timed out" in wide.stdout and "https://b.example/rss" in wide.stdout
    assert " UTC" in wide.stdout
    assert "┃ name" in wide.stdout  # a table where it fits
    # at 80 columns, one block per feed, every value whole, not ten columns folded thin
    narrow = newswatch("feeds", "--db", "f.duckdb", "--wide", cwd=tmp_path, env={"COLUMNS": "80"})
    assert narrow.returncode == 0, narrow.stderr
    blocks = narrow.stdout.split("── ")
    assert len(blocks) == 3 and "┃" not in narrow.stdout, narrow.stdout
    long_feed = next(b for b in blocks if b.startswith("A very long outlet name"))
    assert (
        "url        https://www.a-very-long-outlet-name.example.org/feeds/rss/world/europe/"
        "ukraine.xml\n"
    ) in long_feed
    assert "problem    HTTP 503" in long_feed and "upstream timed out" in long_feed
    as_csv = newswatch("feeds", "--db", "f.duckdb", "--format", "csv", cwd=tmp_path)
    assert as_csv.returncode == 0, as_csv.stderr
    header, *rows = as_csv.stdout.strip().splitlines()
    assert header.startswith("name,feed_url,health") and len(rows) == 2
    as_json = newswatch("feeds", "--db", "f.duckdb", "--format", "json", cwd=tmp_path)
    assert '"problem": "HTTP 503' in as_json.stdout


def test_feeds_health_and_problems_pick_the_feeds_to_show(tmp_path: Path) -> None:
    feeds_db(tmp_path / "f.duckdb")
    failing = newswatch(
        "feeds", "--db", "f.duckdb", "--health", "failing", "-f", "json", cwd=tmp_path
    )
    assert failing.returncode == 0, failing.stderr
    assert [r["health"] for r in json.loads(failing.stdout)] == ["failing"]
    both = newswatch(
        "feeds",
        "--db",
        "f.duckdb",
        "--health",
        "failing",
        "--health",
        "healthy",
        "-f",
        "csv",
        cwd=tmp_path,
    )
    assert len(both.stdout.strip().splitlines()) == 3  # header and both feeds
    problems = newswatch("feeds", "--db", "f.duckdb", "--problems", "-f", "json", cwd=tmp_path)
    assert [r["problem"][:8] for r in json.loads(problems.stdout)] == ["HTTP 503"]
    none = newswatch("feeds", "--db", "f.duckdb", "--health", "disabled", cwd=tmp_path)
    assert none.returncode == 0 and none.stdout.splitlines()[-1] == "no disabled feed"
    typo = newswatch("feeds", "--db", "f.duckdb", "--health", "broken", cwd=tmp_path)
    assert typo.returncode == 2 and "'broken' is not one of" in typo.stderr
    assert "Traceback" not in typo.stderr


# --- item 9: rules check warnings ---------------------------------------------------------------

LINT_RULES = """\
topics:
  - id: territorial_demands
    rules:
      - id: bare
        query: NOT football
      - id: words
        query: talks or negotiations
      - id: fine
        query: talks AND (Istanbul OR "and") AND NOT football
  - id: istanbul_talks
    rules:
      - id: fine
        query: $talks AND Istanbul
define:
  talks: negotiat* or talks
"""


def test_rules_check_warns_about_rules_that_cannot_match_and_lower_case_operators(
    tmp_path: Path,
) -> None:
    (tmp_path / "rules.yaml").write_text(LINT_RULES, "utf-8")
    result = newswatch("rules", "check", "--config-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 3, result.stderr
    rules = tmp_path / "rules.yaml"
    assert f"{rules}:5:16: territorial_demands.bare: this rule can never match" in warnings[0]
    assert f"{rules}:7:22: territorial_demands.words: 'or' is searched as a word" in warnings[2]
    # in a definition: reported once, where it is written, not in each rule that uses it
    assert f"{rules}:15:20: talks: 'or' is searched as a word" in warnings[1]
    assert "not failing the check" in result.stderr
    strict = newswatch("rules", "check", "--config-dir", str(tmp_path), "--strict")
    assert strict.returncode == 1 and "failing the check (--strict)" in strict.stderr


MISSPELT_OPERATORS = """\
topics:
  - id: territorial_demands
    rules:
      - id: near
        query: (threat* NEAR15 seize) OR (demand near/10 withdraw*) OR (Kharkiv ADN Sumy)
"""


def test_rules_check_warns_about_misspelt_operators(tmp_path: Path) -> None:
    """`NEAR15` or `ADN` load fine as words and quietly change what the rule means: a new
    user's typo cut the demands rule's recall from 1.0 to 0.47 with `rules check` saying OK."""
    (tmp_path / "rules.yaml").write_text(MISSPELT_OPERATORS, "utf-8")
    result = newswatch("rules", "check", "--config-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 3, result.stderr
    assert "'NEAR15' is searched as a word; did you mean the operator NEAR/15?" in warnings[0]
    assert "did you mean the operator NEAR/10?" in warnings[1]
    assert "'ADN' is searched as a word; did you mean the operator AND?" in warnings[2]
    strict = newswatch("rules", "check", "--config-dir", str(tmp_path), "--strict")
    assert strict.returncode == 1


def test_shipped_rules_pass_strict_check() -> None:
    result = newswatch("rules", "check", "--strict")
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr


# --- items 2 and 8: the demo, twice, in its own database ----------------------------------------


def outside_the_venv() -> dict[str, str]:
    """A PATH without the venv's bin directory, as in a new shell where it is not activated."""
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if Path(p) != BIN]
    return {"PATH": os.pathsep.join(path), "NEWSWATCH_DB": "/nonexistent/real.duckdb"}


def counts(db: Path) -> tuple[int, int, int]:
    with store.open_store(db, read_only=True) as con:
        row = con.execute(
            "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM matches), "
            "(SELECT count(*) FROM alerts)"
        ).fetchone()
    assert row is not None
    return row


def test_second_demo_polls_304s_lands_nothing_in_its_own_database(tmp_path: Path) -> None:
    env = outside_the_venv()
    first = newswatch("demo", cwd=tmp_path, env=env, timeout=240)
    assert first.returncode == 0, first.stdout + first.stderr
    demo_db = tmp_path / "data" / "demo.sqlite"
    # the demo keeps to its own file: not data/newswatch.sqlite, not $NEWSWATCH_DB
    assert demo_db.exists() and not (tmp_path / "data" / "newswatch.sqlite").exists()
    assert "Feeds polled: 3  (ok 3, not modified 0, failed 0)" in first.stdout
    after_first = counts(demo_db)
    assert after_first[0] >= 20 and after_first[1] > 0

    second = newswatch("demo", cwd=tmp_path, env=env, timeout=240)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Feeds polled: 3  (ok 0, not modified 3, failed 0)" in second.stdout, second.stdout
    assert "landed: 0" in second.stdout and "New matches: none" in second.stdout
    assert counts(demo_db) == after_first

    # the hint works as printed from a shell where the venv is not active
    hint = next(line for line in second.stdout.splitlines() if line.startswith("Try: "))
    argv = shlex.split(hint.removeprefix("Try: "))
    assert argv[0] == NEWSWATCH and argv[1:4] == ["query", "--db", "data/demo.sqlite"]
    answer = subprocess.run(
        argv, capture_output=True, text=True, cwd=tmp_path, env={**os.environ, **env}
    )
    assert answer.returncode == 0, answer.stderr
    assert "istanbul_talks" in answer.stdout and "territorial_demands" in answer.stdout
    # a query of the monitoring database, which the demo did not make, points to the demo's
    line = one_clear_line(
        newswatch("query", "SELECT 1", "--db", "data/newswatch.sqlite", cwd=tmp_path)
    )
    assert "add --db data/demo.sqlite" in line


def test_demo_port_is_remembered_per_database() -> None:
    from flows.seed_server import DEMO_PORT, demo_port_in

    assert demo_port_in(["http://127.0.0.1:40123/feeds/world.xml"]) == 40123
    assert demo_port_in(["https://example.org/feeds/world.xml"]) is None
    assert 1024 < DEMO_PORT < 32768  # below Linux's ephemeral range: not taken by clients


# --- item 10: the small things ----------------------------------------------------------------


def test_a_feed_error_names_the_feed_url_once(tmp_path: Path) -> None:
    broken = "http://unresolvable.invalid/feed.xml"
    (tmp_path / "feeds.yaml").write_text(f"feeds:\n  - url: {broken}\n    name: B\n", "utf-8")
    result = newswatch(
        "run", "--config-dir", str(tmp_path), "--db", str(tmp_path / "r.duckdb"), timeout=240
    )
    assert result.returncode == 2, result.stdout + result.stderr
    error = result.stderr.splitlines()[0]
    assert error.startswith("error: every due feed failed (1)")
    assert error.count(broken) == 1 and "cannot resolve host" in error, error


def test_failed_alerts_show_the_first_error_and_where_to_look(
    tmp_path: Path, seed_base_url: str
) -> None:
    from flows.seed_server import SEEDS_DIR

    config = tmp_path / "config"
    config.mkdir()
    (config / "feeds.yaml").write_text(
        (SEEDS_DIR / "config" / "feeds.yaml").read_text("utf-8"), "utf-8"
    )
    (config / "settings.yaml").write_text(
        "fetch:\n  allow_private_networks: true\n"
        "alerts:\n  channels:\n    down:\n      url: json://127.0.0.1:9/hook\n",
        "utf-8",
    )
    db = tmp_path / "run.duckdb"
    result = newswatch(
        "run",
        "--config-dir",
        str(config),
        "--db",
        str(db),
        cwd=tmp_path,
        env=outside_the_venv(),
        timeout=240,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    alerts_at = next(i for i, line in enumerate(lines) if line.startswith("Alerts: sent 0"))
    failed = int(lines[alerts_at].split("failed ")[1].split(",")[0])
    assert failed > 0
    assert lines[alerts_at + 1].startswith("  ! down: ") and "127.0.0.1" in lines[alerts_at + 1]
    assert lines[alerts_at + 2] == f"  which alerts, and why: {NEWSWATCH} alerts pending --db {db}"
    listed = newswatch("alerts", "pending", "--db", str(db))
    assert listed.returncode == 0 and f"{failed} alert(s) not delivered" in listed.stdout


def test_alert_message_does_not_repeat_the_title() -> None:
    from pipelines.alerts import format_message
    from pipelines.store import PendingAlert

    title = "Kremlin insists Kyiv pull its troops out of four regions"
    alert = PendingAlert(
        alert_id="a",
        article_id="a",
        story_id="s",
        topic="territorial_demands",
        channel="c",
        attempts=0,
        title=title,
        url="https://a.example/1",
        site_name="A",
        feed_url=None,
        published_at=datetime(2025, 6, 1, 12, 0, tzinfo=UTC),
        rule="t.r",
        score=2.0,
        evidence={
            "snippet": "[Kremlin] insists Kyiv pull its troops out of four [regions] "
            "[Kremlin] spokesman said on Friday …",
            "entities": [],
            "hits": [],
        },
        outlets=["A"],
        created_at=datetime(2025, 6, 1, 12, 0, tzinfo=UTC),
    )
    message = format_message(alert)
    assert title in message.title
    assert "insists Kyiv" not in message.body
    why = next(line for line in message.body.splitlines() if line.startswith("Why: "))
    assert why == "Why: [Kremlin] spokesman said on Friday …"


def test_help_shows_no_bool_type_next_to_flags() -> None:
    for command in (["run"], ["demo"], ["feeds"], ["rules", "check"], ["alerts", "retry"]):
        result = newswatch(*command, "--help", env={"COLUMNS": "100"})
        assert result.returncode == 0, result.stderr
        assert "<bool>" not in result.stdout, result.stdout


def test_alerts_test_without_settings_says_how_to_create_it(tmp_path: Path) -> None:
    result = newswatch("alerts", "test", "--config-dir", str(tmp_path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    first, *example = result.stderr.splitlines()
    assert first.startswith("error: no alert channels to test: ")
    assert f"{tmp_path / 'settings.yaml'} does not exist; create it" in first
    # the example, saved as it is, is a working configuration
    (tmp_path / "settings.yaml").write_text("\n".join(example) + "\n", "utf-8")
    sent = newswatch("alerts", "test", "--config-dir", str(tmp_path), "--channel", "console")
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert "sent console" in sent.stdout


def test_installed_with_an_spdx_license_expression() -> None:
    """pyproject's license is an SPDX string (no deprecated table): setuptools >= 77 writes
    it as License-Expression, and installing prints no license deprecation wall."""
    from importlib.metadata import metadata

    meta = metadata("newswatch")
    assert meta["License-Expression"] == "Apache-2.0"
    assert meta["License-File"] == "LICENSE"


def test_a_wide_query_result_fits_80_columns_one_record_per_block(tmp_path: Path) -> None:
    """`SELECT * FROM latest_matches` folded into 80 columns made each row hundreds of lines;
    a result too wide for the terminal is shown one record per block, values cut."""
    db = tmp_path / "q.duckdb"
    with store.open_store(db):
        pass
    wide = ", ".join(f"{i} AS column_{i}" for i in range(8)) + ", repeat('word ', 200) AS snippet"
    result = newswatch("query", f"SELECT {wide}", "--db", str(db), env={"COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80, result.stdout
    assert lines[0].strip() == "── 1 ──" and "column_7" in result.stdout
    assert any(line.startswith("snippet") and line.endswith("…") for line in lines)
    narrow = newswatch("query", "SELECT 1 AS a, 2 AS b", "--db", str(db), env={"COLUMNS": "80"})
    assert "┃ a" in narrow.stdout  # a result that fits stays a table


def test_demo_on_a_taken_port_into_a_new_database_says_nothing_of_landing_again(
    tmp_path: Path,
) -> None:
    """The note said the database "gets the corpus again" on its very first demo."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        db = tmp_path / "first.duckdb"
        result = newswatch("demo", "--db", str(db), "--port", str(port), cwd=tmp_path, timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr
    note = result.stderr.strip().splitlines()[0]
    assert note.startswith(f"note: port {port} is in use, so the demo corpus is served on ")
    assert note.endswith(f"(later demos into {db} use that port too).") and "again" not in note


def test_a_second_demo_whose_port_is_taken_stops_instead_of_landing_again(
    tmp_path: Path,
) -> None:
    """It served the corpus on another port, whose URLs were new to the database: the whole
    corpus landed a second time (matches and alerts doubled)."""
    import socket

    db = tmp_path / "demo.sqlite"
    first = newswatch("demo", "--db", str(db), "--port", "0", "--json", cwd=tmp_path, timeout=240)
    assert first.returncode == 0, first.stderr
    with store.open_store(db, read_only=True) as con:
        urls = [r[0] for r in con.execute("SELECT feed_url FROM feed_state").fetchall()]
        before = con.execute("SELECT count(*) FROM articles").fetchone()
    port = int(urls[0].split(":")[2].split("/")[0])
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        again = newswatch("demo", "--db", str(db), cwd=tmp_path, timeout=240)
    line = one_clear_line(again)
    assert f"came from port {port}, which is in use" in line and "Nothing was run" in line
    assert f"Free port {port}" in line
    # another port asked for: the advice is to stop asking for it, not to free the old one
    other = newswatch("demo", "--db", str(db), "--port", "0", cwd=tmp_path, timeout=240)
    line = one_clear_line(other)
    assert f"came from port {port}, which was not asked for (--port 0)" in line
    assert f"Run again without --port (or with --port {port})" in line
    assert "Free port" not in line
    with store.open_store(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone() == before


def test_a_run_on_a_lake_others_have_open_says_nothing_about_waiting(
    tmp_path: Path, seed_base_url: str
) -> None:
    """A reader of the lake holds SQLite locks on its catalog; a run printed "another process
    holds it (… DuckDB allows one writer …)" although a lake makes no run wait for a reader."""
    import sqlite3

    from flows.seed_server import SEEDS_DIR

    db = tmp_path / "news.sqlite"
    with store.open_store(db):
        pass
    reader = sqlite3.connect(db)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM sqlite_master").fetchone()
        result = newswatch(
            "run", "--config-dir", str(SEEDS_DIR / "config"), "--db", str(db), timeout=120
        )
    finally:
        reader.close()
    assert result.returncode == 0, result.stderr
    assert "waiting for" not in result.stderr and "another process" not in result.stderr


def test_feeds_without_a_name_are_told_apart_by_host_and_path() -> None:
    """Unnamed feeds (named by their URL) all read "http://127.0.0…" at 80 columns."""
    from flows.cli_feeds import FeedRow, compact_lines

    now = datetime.now(UTC)
    rows = [
        FeedRow(url, url, "healthy", 200, 0, 3, now, now, now, None)
        for url in (
            "http://127.0.0.1:8901/feeds/world/europe/ukraine/rss.xml",
            "http://127.0.0.1:8901/feeds/world/europe/russia/rss.xml",
            "https://named.example/rss",
        )
    ]
    lines = compact_lines(rows, 80, now)[2:]
    labels = [line.split("  ")[0] for line in lines]
    assert len(set(labels)) == 3, labels
    assert labels[0].startswith("127.0") and labels[0].endswith("/rss.xml")
    assert labels[2] == "named.example/rss"
    assert all(len(line) <= 80 for line in lines)
