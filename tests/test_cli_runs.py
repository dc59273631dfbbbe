"""`newswatch run` / `demo` as a user meets them: the real command in a fresh process.

Without a configured Prefect API a run is the run composition in the CLI's own process: no
temporary API to start or to stop (and none of its shutdown noise), alerts on the terminal.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb

from flows.seed_server import SEEDS_DIR


def newswatch(
    *args: str, home: Path, extra_env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(home / "prefect-home")
    env.update(extra_env or {})
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        cwd=home,
    )


def alerts_sent(stdout: str) -> int:
    found = re.search(r"Alerts: sent (\d+)", stdout)
    assert found, stdout
    return int(found.group(1))


def test_demo_prints_every_alert_with_its_evidence_and_starts_no_prefect_api(
    tmp_path: Path,
) -> None:
    db = tmp_path / "demo.duckdb"
    proc = newswatch("demo", "--db", str(db), home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    # Nothing on stderr but, when another program holds the demo's port, the note saying so.
    noise = [line for line in proc.stderr.splitlines() if line.strip() and "port" not in line]
    assert noise == [], proc.stderr
    sent = alerts_sent(proc.stdout)
    assert sent > 0
    # Each alert the console channel sent is on the terminal: a match with its bracketed
    # evidence, a demand escalation with its sentence.
    assert proc.stdout.count("🔔") == sent
    why = [line for line in proc.stdout.splitlines() if line.startswith("Why:")]
    sentence = [line for line in proc.stdout.splitlines() if line.startswith("Sentence:")]
    assert why and sentence and len(why) + len(sentence) == sent
    assert all(re.search(r"\[[^\]]+\]", line) for line in why)
    # No temporary Prefect API was started: it would have created its database here.
    assert not (tmp_path / "prefect-home" / "prefect.db").exists()
    with duckdb.connect(str(db), read_only=True) as con:
        runs = con.execute("SELECT run_id, summary FROM runs").fetchall()
    assert len(runs) == 1
    assert json.loads(runs[0][1])["alerts_sent"] == sent


def test_a_prefect_flow_run_prints_its_console_alerts_too(tmp_path: Path) -> None:
    """Under Prefect the flow's `log_prints` turned the console channel's output into log
    records, which the CLI keeps quiet: the alerts were sent but never seen."""
    proc = newswatch("demo", "--prefect", "--db", str(tmp_path / "d.duckdb"), home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    sent = alerts_sent(proc.stdout)
    assert sent > 0 and proc.stdout.count("🔔") == sent


def test_repeated_runs_with_nothing_new_print_no_traceback(
    tmp_path: Path, seed_base_url: str
) -> None:
    env = {"NEWSWATCH_DEMO_BASE_URL": seed_base_url}
    db = str(tmp_path / "db.duckdb")
    config = str(SEEDS_DIR / "config")
    first = newswatch(
        "run", "--all", "--config-dir", config, "--db", db, home=tmp_path, extra_env=env
    )
    assert first.returncode == 0, first.stderr
    for args in (["--all"], [], ["--all"], []):
        proc = newswatch(
            "run", *args, "--config-dir", config, "--db", db, home=tmp_path, extra_env=env
        )
        assert proc.returncode == 0, proc.stderr
        assert "Traceback" not in proc.stdout + proc.stderr
        assert proc.stderr.strip() == "", proc.stderr
        assert "New entries: 0" in proc.stdout
        # a run that polled nothing says why, and what to do (it printed "Feeds polled: 0")
        none_due = f"none due: each feed waits for its next poll (`newswatch feeds --db {db}`"
        assert (none_due in proc.stdout) == (args == []), proc.stdout


def test_a_run_where_every_feed_fails_is_one_line_and_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "feeds.yaml").write_text(
        "feeds:\n  - url: http://127.0.0.1:9/feed.xml\n    name: closed port\n", "utf-8"
    )
    (config / "settings.yaml").write_text("fetch:\n  allow_private_networks: true\n", "utf-8")
    proc = newswatch(
        "run", "--config-dir", str(config), "--db", str(tmp_path / "x.duckdb"), home=tmp_path
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith("error: every due feed failed")


def test_ctrl_c_says_what_happened_and_the_next_run_lands_the_rest_once(tmp_path: Path) -> None:
    import signal

    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    db = tmp_path / "demo.duckdb"
    proc = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "demo", "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
        start_new_session=True,
    )
    assert proc.stdout is not None
    assert "Serving the demo corpus" in proc.stdout.readline()  # the run is under way
    # as Ctrl-C in a terminal does: to the whole process group (the extraction forkserver and
    # its workers too, which printed tracebacks of their own)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    if proc.returncode == 0:  # it finished before the signal arrived: nothing to check
        return
    assert proc.returncode == 130, err
    assert "Traceback" not in out + err
    assert err.strip().startswith("error: interrupted.") and len(err.strip().splitlines()) == 1
    again = newswatch("demo", "--db", str(db), home=tmp_path)
    assert again.returncode == 0, again.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        articles, distinct = con.execute(
            "SELECT count(*), count(DISTINCT canonical_url) FROM articles"
        ).fetchone()
        alerts = con.execute("SELECT count(*), count(DISTINCT alert_id) FROM alerts").fetchone()
    assert articles == distinct > 0 and alerts[0] == alerts[1]


def test_ctrl_c_while_the_command_line_is_imported_is_one_line(tmp_path: Path) -> None:
    """The `newswatch` entry point (pyproject's script): a real SIGINT while flows.cli is
    being imported (it once gave a traceback, an ImportError from DuckDB's initialisation or a
    crash), and a KeyboardInterrupt before a command's own handling, each end with one line
    and exit code 130."""
    import tomllib

    project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    assert project["project"]["scripts"]["newswatch"] == "flows.entry:main"
    during_import = (
        "import os, signal, sys\n"
        "class Interrupt:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'flows.cli':\n"
        "            os.kill(os.getpid(), signal.SIGINT)\n"
        "sys.meta_path.insert(0, Interrupt())\n"
        "from flows.entry import main\n"
        "main()\n"
    )
    before_command = (
        "import flows.cli\n"
        "def interrupted():\n"
        "    raise KeyboardInterrupt\n"
        "flows.cli.main = interrupted\n"
        "from flows.entry import main\n"
        "main()\n"
    )
    for script, said in (
        (during_import, "error: interrupted while starting; nothing was done.\n"),
        (before_command, "error: interrupted.\n"),
    ):
        done = subprocess.run(
            [sys.executable, "-c", script, "--help"],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=60,
        )
        assert done.returncode == 130, done.stderr
        assert done.stderr == said


def test_rules_compiled_once_are_not_compiled_again_until_they_change(tmp_path: Path) -> None:
    """A run with rule files that compiled before skips the up-front check (a good part of a
    run with nothing to do) and leaves them to the workers, where they match as before; a
    changed file is checked again, so a typo still stops the run before anything starts."""
    import shutil

    from pipelines.config import DEFAULT_CONFIG_DIR

    cache = tmp_path / "cache"
    env = {"NEWSWATCH_CACHE_DIR": str(cache)}
    for name in ("a.duckdb", "b.duckdb"):
        done = newswatch("demo", "--db", str(tmp_path / name), home=tmp_path, extra_env=env)
        assert done.returncode == 0, done.stderr
        markers = list((cache / "compiled-rules").iterdir())
        assert len(markers) == 1  # the second run found its files checked, and added none
    matched = []
    for name in ("a.duckdb", "b.duckdb"):
        with duckdb.connect(str(tmp_path / name), read_only=True) as con:
            matched.append(
                con.execute("SELECT topic, rule, article_id FROM matches ORDER BY ALL").fetchall()
            )
    assert matched[0] == matched[1] and matched[0]

    config = tmp_path / "config"
    shutil.copytree(SEEDS_DIR / "config", config)
    for name in ("rules.yaml", "entities.yaml", "claims.yaml"):
        shutil.copy(DEFAULT_CONFIG_DIR / name, config / name)
    rules = config / "rules.yaml"
    typoed = rules.read_text("utf-8").replace("@claimed_regions", "@claimed_regoins", 1)
    rules.write_text(typoed, "utf-8")
    typo = newswatch(
        "run",
        "--config-dir",
        str(config),
        "--db",
        str(tmp_path / "c.duckdb"),
        home=tmp_path,
        extra_env={**env, "NEWSWATCH_DEMO_BASE_URL": "http://127.0.0.1:9"},
    )
    assert typo.returncode == 2 and "unknown entity @claimed_regoins" in typo.stderr
    assert not (tmp_path / "c.duckdb").exists()  # stopped before the store was made


def test_a_run_without_alert_channels_says_its_matches_went_nowhere(
    tmp_path: Path, seed_base_url: str
) -> None:
    """The shipped config has no settings.yaml: a run found matches and printed "Alerts:
    sent 0, failed 0, pending 0" with nothing to say that no channel exists."""
    import shutil

    config = tmp_path / "config"
    shutil.copytree(SEEDS_DIR / "config", config)
    settings = config / "settings.yaml"
    settings.write_text(settings.read_text().split("alerts:")[0])
    env = {"NEWSWATCH_DEMO_BASE_URL": seed_base_url}
    db = str(tmp_path / "news.duckdb")
    args = ("run", "--all", "--config-dir", str(config), "--db", db)
    first = newswatch(*args, home=tmp_path, extra_env=env)
    assert first.returncode == 0, first.stderr
    matches = sum(map(int, re.findall(r": (\d+) new match\(es\)", first.stdout)))
    escalations = int(re.search(r"Demand escalations: (\d+)", first.stdout).group(1))  # type: ignore[union-attr]
    assert matches and escalations
    said = (
        f"no alert channel is configured, so none of the {matches + escalations} new match(es) "
        f"and escalation(s) went out: add one under `alerts: channels:` in {settings}"
    )
    assert said in " ".join(first.stdout.split()), first.stdout
    # a run with nothing new has nothing to say about it
    again = newswatch(*args, home=tmp_path, extra_env=env)
    assert again.returncode == 0 and "no alert channel" not in again.stdout


def test_a_run_says_what_its_channels_topics_and_kinds_leave_out(
    tmp_path: Path, seed_base_url: str
) -> None:
    """A console channel for territorial demands' matches only: the talks' matches and the
    escalations of the demo go to no channel, and the run says which."""
    import shutil

    config = tmp_path / "config"
    shutil.copytree(SEEDS_DIR / "config", config)
    settings = config / "settings.yaml"
    settings.write_text(
        settings.read_text().split("alerts:")[0]
        + "alerts:\n  channels:\n    console:\n      url: console://\n"
        + "      topics: [territorial_demands]\n      kinds: [match]\n"
    )
    env = {"NEWSWATCH_DEMO_BASE_URL": seed_base_url}
    args = ("run", "--all", "--config-dir", str(config), "--db", str(tmp_path / "news.duckdb"))
    done = newswatch(*args, home=tmp_path, extra_env=env)
    assert done.returncode == 0, done.stderr
    talks = int(re.search(r"istanbul_talks: (\d+) new match", done.stdout).group(1))  # type: ignore[union-attr]
    escalations = int(re.search(r"Demand escalations: (\d+)", done.stdout).group(1))  # type: ignore[union-attr]
    demands = int(re.search(r"territorial_demands: (\d+) new match", done.stdout).group(1))  # type: ignore[union-attr]
    assert alerts_sent(done.stdout) == demands
    said = (
        f"no alert channel takes {talks + escalations} of them (istanbul_talks, escalations): "
        f"the channels' `topics` and `kinds` in {settings} leave them out"
    )
    assert said in " ".join(done.stdout.split()), done.stdout


def test_a_run_with_many_failing_feeds_lists_twenty_and_says_how_to_see_the_rest(
    tmp_path: Path,
) -> None:
    """A first run over 2,107 feeds printed 1,362 failure lines; now twenty of each list,
    and the `newswatch feeds` filter that shows the others."""
    from flows.cli_common import console
    from flows.cli_summary import LISTED_FEEDS, print_summary
    from pipelines.run.summary import FeedError, FeedWarning, RunSummary

    summary = RunSummary(
        feeds_polled=60,
        feeds_failed=45,
        feed_errors=[FeedError(feed=f"http://f.example/{i}", error="HTTP 500") for i in range(45)],
        feed_warnings=[FeedWarning(feed=f"http://w.example/{i}", warning="odd") for i in range(23)],
    )
    db = tmp_path / "x.sqlite"
    with console.capture() as captured:
        print_summary(summary, db)
    out = captured.get()
    assert out.count("! http://f.example/") == LISTED_FEEDS == 20
    assert out.count("~ http://w.example/") == 20
    assert (
        "… and 25 more (failed feeds): newswatch feeds --health failing --health disabled "
        f"--wide --db {db}" in out
    )
    assert (
        f"… and 3 more (feeds with a warning): newswatch feeds --problems --wide --db {db}" in out
    )
