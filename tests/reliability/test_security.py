"""Security properties shown end to end: channel secrets never leave the channel URL, and
article text is data (never SQL, never markup) wherever it goes."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner
from werkzeug import Request, Response

from flows.cli import app

SECRET = "nw_S3cr3t.T0k~Q7x"
"""An alert channel token: '.' and '~' are legal in URLs and cut naive token patterns."""
BOT_TOKEN = "7331992041:AAF4nwBotT0kenXyZ_q9s8r7-LmNoPqRs"
"""A Telegram-style bot token (digits, colon, token), another shape of secret."""
SECRET_CORES = ("S3cr3t", "AAF4nwBotT0ken")
"""Distinctive parts of both secrets: half a secret shown is a secret shown."""

ARTICLE_TEXT = (
    "Russian and Ukrainian delegations met in Istanbul on Friday for the first direct peace "
    "talks since 2022. The Russian delegation, led by Vladimir Medinsky, threatened to seize "
    "the Kharkiv and Sumy regions if Kyiv refused to withdraw from four regions, according to "
    "participants in the negotiations at the Dolmabahce palace. Ukrainian officials called "
    "the demands unacceptable and said the talks had produced only a prisoner exchange. "
) * 3


def page(title: str, text: str) -> str:
    from html import escape

    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title></head><body><article>"
        f"<h1>{escape(title)}</h1>"
        + "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n"))
        + "</article></body></html>"
    )


def feed(base: str, items: list[tuple[str, str]]) -> str:
    from html import escape

    entries = "".join(
        f"<item><title>{escape(title)}</title><link>{base}{path}</link>"
        f"<guid>{base}{path}</guid><pubDate>Fri, 16 May 2025 10:00:00 +0000</pubDate></item>"
        for path, title in items
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel>"
        f"<title>Local desk</title><link>{base}/</link>{entries}</channel></rss>"
    )


@pytest.fixture
def newsroom() -> Iterator[HTTPServer]:
    """A loopback server of its own: a feed, its pages, and the alert receivers."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    try:
        yield server
    finally:
        server.clear()
        server.stop()


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port bound but never listening: every connection is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def write_config(config_dir: Path, feed_url: str, channels: dict[str, str]) -> Path:
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "feeds.yaml").write_text(
        f"feeds:\n  - url: {feed_url}\n    name: Local desk\n    language: en\n", "utf-8"
    )
    lines = [
        "fetch:",
        "  allow_private_networks: true",
        "alerts:",
        "  retry_base_s: 0",
        "  channels:",
    ]
    for name, url in channels.items():
        lines += [f"    {name}:", f"      url: '{url}'"]
    (config_dir / "settings.yaml").write_text("\n".join(lines) + "\n", "utf-8")
    return config_dir


def run_flow(config_dir: Path, db: Path) -> tuple[dict[str, Any], str]:
    """The monitor flow in the Prefect harness; returns its summary and flow run id."""
    from flows.monitor import monitor_flow

    state = asyncio.run(
        monitor_flow(config_dir=str(config_dir), db_path=str(db), force_all=True, return_state=True)
    )
    summary = state.result()
    return summary, str(state.state_details.flow_run_id)


def api_logs_and_artifacts(flow_run_id: str) -> tuple[list[str], list[str]]:
    """Everything the Prefect API stored for the run: log messages and artifacts."""
    from uuid import UUID

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        LogFilter,
        LogFilterFlowRunId,
    )
    from prefect.logging.handlers import APILogHandler

    async def read() -> tuple[list[str], list[str]]:
        await APILogHandler.aflush()
        run_id = UUID(flow_run_id)
        async with get_client() as client:
            logs = await client.read_logs(
                log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id]))
            )
            artifacts = await client.read_artifacts(
                artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
            )
        return [log.message for log in logs], [a.model_dump_json() for a in artifacts]

    return asyncio.run(read())


def every_value(db: Path) -> str:
    """Every value of every table of the database, as one text."""
    with duckdb.connect(str(db), read_only=True) as con:
        tables = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' ORDER BY ALL"
        ).fetchall()
        assert len(tables) >= 8
        return "\n".join(
            repr(con.execute(f'SELECT * FROM "{schema}"."{name}"').fetchall())
            for schema, name in tables
        )


def leaked(text: str) -> list[str]:
    return [s for s in (SECRET, BOT_TOKEN, *SECRET_CORES) if s in text]


@pytest.fixture
def debug_logging() -> Iterator[None]:
    """Flow and task run loggers at DEBUG, so everything they could say reaches the API."""
    import prefect.main  # noqa: F401  (configures logging first, which would reset the levels)

    names = ("prefect.flow_runs", "prefect.task_runs")
    old = {n: logging.getLogger(n).level for n in names}
    for n in names:
        logging.getLogger(n).setLevel(logging.DEBUG)
    try:
        yield
    finally:
        for n, level in old.items():
            logging.getLogger(n).setLevel(level)


def test_channel_secrets_never_reach_logs_artifacts_payloads_tables_or_cli(
    tmp_path: Path,
    newsroom: HTTPServer,
    closed_port: int,
    prefect_harness: None,
    debug_logging: None,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from apprise.plugins.telegram import NotifyTelegram

    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("NEWSWATCH_TEST_SECRET", SECRET)
    monkeypatch.setenv("NEWSWATCH_TEST_BOT_TOKEN", BOT_TOKEN)
    # Telegram's API is a closed port on loopback: the channel fails, offline
    monkeypatch.setattr(NotifyTelegram, "notify_url", f"http://127.0.0.1:{closed_port}/bot")
    base = newsroom.url_for("").rstrip("/")
    newsroom.expect_request("/feed.xml").respond_with_data(
        feed(base, [("/a/talks.html", "Delegations meet in Istanbul")]),
        content_type="application/rss+xml",
    )
    newsroom.expect_request("/a/talks.html").respond_with_data(
        page("Delegations meet in Istanbul", ARTICLE_TEXT), content_type="text/html"
    )
    received: list[Request] = []

    def receive(request: Request) -> Response:
        received.append(request)
        return Response("ok")

    newsroom.expect_request("/hook", method="POST").respond_with_handler(receive)
    newsroom.expect_request(f"/hooks/{SECRET}", method="POST").respond_with_handler(receive)
    host, down = f"127.0.0.1:{newsroom.port}", f"127.0.0.1:{closed_port}"
    config_dir = write_config(
        tmp_path / "config",
        f"{base}/feed.xml",
        {
            "json_ok": f"json://{host}/hook?+X-Token=${{NEWSWATCH_TEST_SECRET}}",
            "webhook_ok": f"webhook+http://{host}/hooks/${{NEWSWATCH_TEST_SECRET}}",
            "json_down": f"json://newswatch:${{NEWSWATCH_TEST_SECRET}}@{down}/hook"
            "?+X-Token=${NEWSWATCH_TEST_SECRET}",
            "webhook_down": f"webhook+http://{down}/hooks/${{NEWSWATCH_TEST_SECRET}}"
            "?token=${NEWSWATCH_TEST_SECRET}",
            "telegram_down": "tgram://${NEWSWATCH_TEST_BOT_TOKEN}/12345678",
        },
    )
    db = tmp_path / "newswatch.duckdb"

    summary, flow_run_id = run_flow(config_dir, db)

    # the secrets were really used: the working channels delivered with them
    # one alert per new match (one article: one per topic) and per demand escalation
    topics = len(summary["new_matches"]) + len(summary["escalations"])
    assert topics >= 1 and summary["alerts_queued"] == 5 * topics
    assert summary["alerts_sent"] == 2 * topics and summary["alerts_failed"] == 3 * topics
    assert {r.path for r in received} == {"/hook", f"/hooks/{SECRET}"}
    assert all(r.headers.get("X-Token") == SECRET for r in received if r.path == "/hook")
    # ... and the failing ones failed, with errors that say something
    failing = {e.split(": ", 1)[0] for e in summary["alert_errors"] if len(e.split(": ", 1)[1]) > 8}
    assert failing == {"json_down", "webhook_down", "telegram_down"}

    assert leaked(json.dumps(summary)) == [], "run summary"
    for request in received:
        assert leaked(request.get_data(as_text=True)) == [], "alert payload"
    logs, artifacts = api_logs_and_artifacts(flow_run_id)
    assert logs and artifacts  # the run did log and publish
    assert leaked("\n".join(logs)) == [], "Prefect logs"
    assert leaked("\n".join(artifacts)) == [], "Prefect artifacts"
    assert leaked(every_value(db)) == [], "DuckDB tables"

    runner = CliRunner(env={"COLUMNS": "1000"})  # wide tables: no secret folded over lines
    pending = runner.invoke(app, ["alerts", "pending", "--db", str(db)])
    assert pending.exit_code == 0 and f"{3 * topics} alert(s) not delivered" in pending.output
    assert leaked(pending.output) == [], "newswatch alerts pending"
    tested = runner.invoke(app, ["alerts", "test", "--config-dir", str(config_dir)])
    assert tested.exit_code == 1 and tested.output.count("failed") == 3
    assert tested.output.count("sent") == 2
    assert leaked(tested.output) == [], "newswatch alerts test"

    # werkzeug is the receiving end (the stand-in for the external service), not newswatch
    ours = [r for r in caplog.records if r.name != "werkzeug"]
    records = "\n".join(f"{r.name}: {r.getMessage()}" for r in ours)
    assert "telegram" in records.lower()  # the channel libraries did log
    assert leaked(records) == [], "captured logs"


@pytest.mark.parametrize(
    ("url", "secret", "shown"),
    [
        (f"tgram://{BOT_TOKEN}/12345678", BOT_TOKEN.split(":")[1], "tgram://***/***"),
        (f"json://127.0.0.1:8080/hook?+X-Token={SECRET}", SECRET, "127.0.0.1:8080"),
        (f"json://newswatch:{SECRET}@127.0.0.1:8080/hook", SECRET, "json://***@127.0.0.1:8080"),
        (f"webhook+https://hooks.example.org/in/{SECRET}?sig={SECRET}", SECRET, "example.org"),
        ("slack://T1ABCDEFG/B2ABCDEFG/xoxbS3cr3tT0k3nV4lu3/#news", "xoxbS3cr3t", "slack://"),
        ("https://hooks.slack.com/services/T00/B00/S3cr3tS3cr3tS3cr3t", "S3cr3t", "slack.com"),
        ("ntfy://ntfy.sh/newsroom-S3cr3t-topic", "S3cr3t", "ntfy://ntfy.sh/***"),
        ("discord://123456789012345678/S3cr3t_webhook_token", "S3cr3t", "discord://"),
        ("mailto://alerts:S3cr3t.pw@mail.example.org?to=desk@example.org", "S3cr3t", "mail"),
    ],
)
def test_redact_keeps_the_service_and_hides_every_secret_part(
    url: str, secret: str, shown: str
) -> None:
    from pipelines.alerts import redact

    text = redact(f"failed posting to {url}: connection refused")
    assert secret not in text
    assert shown in text and text.endswith(": connection refused")


# ---------------------------------------------------------------------------------------------
# Article text is data: never SQL, never markup

HOSTILE_TITLE = (
    "Istanbul talks'); DROP TABLE articles; -- <script>alert(1)</script> **bold** "
    '[click](http://evil.example/x) <!channel> @everyone <b>tg</b> <a href="http://evil.example">x</a>'
)
HOSTILE_PARAGRAPH = (
    'Readers wrote "); DELETE FROM matches; -- and <img src=x onerror=alert(1)> and *stars* '
    "and `code` and <!here> and <@&123456> & friends."
)
RAW_MARKUP = ("<script>", "<!channel>", "<b>tg</b>", "<a href", "<img", "<!here>")


def test_article_text_lands_verbatim_and_is_escaped_for_every_channel(
    tmp_path: Path,
    newsroom: HTTPServer,
    prefect_harness: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SQL and markup in a real article, through the real flow: landed as written, sent as
    text to Slack and Telegram, without mentions to Discord (their APIs are the loopback
    server here), and as data in JSON payloads."""
    from apprise.plugins.discord import NotifyDiscord
    from apprise.plugins.slack import NotifySlack
    from apprise.plugins.telegram import NotifyTelegram

    monkeypatch.setattr(NotifySlack, "webhook_url", newsroom.url_for("/slack"))
    monkeypatch.setattr(NotifyTelegram, "notify_url", newsroom.url_for("/tg/bot"))
    monkeypatch.setattr(NotifyDiscord, "notify_url", newsroom.url_for("/discord"))
    base = newsroom.url_for("").rstrip("/")
    newsroom.expect_request("/feed.xml").respond_with_data(
        feed(base, [("/a/hostile.html", HOSTILE_TITLE)]), content_type="application/rss+xml"
    )
    newsroom.expect_request("/a/hostile.html").respond_with_data(
        page(HOSTILE_TITLE, ARTICLE_TEXT + "\n\n" + HOSTILE_PARAGRAPH), content_type="text/html"
    )
    received: dict[str, list[Any]] = {}

    def receiver(name: str, answer: str):  # type: ignore[no-untyped-def]
        def handle(request: Request) -> Response:
            received.setdefault(name, []).append(json.loads(request.get_data()))
            return Response(answer, content_type="application/json")

        return handle

    for name, path, answer in [
        ("slack", "/slack/T1ABCDEFG/B2ABCDEFG/abcdefghijklmnopqrstuvwx", "ok"),
        ("telegram", "/tg/bot123456789:AAFabcdefghijklmnopqrstuvwxyz0123/sendMessage", "{}"),
        ("discord", "/discord/1234567890/abcdefghijklmnop", "{}"),
        ("json", "/json", "{}"),
        ("webhook", "/webhook", "{}"),
    ]:
        newsroom.expect_request(path, method="POST").respond_with_handler(receiver(name, answer))
    host = f"127.0.0.1:{newsroom.port}"
    config_dir = write_config(
        tmp_path / "config",
        f"{base}/feed.xml",
        {
            "slack": "slack://T1ABCDEFG/B2ABCDEFG/abcdefghijklmnopqrstuvwx/#news",
            "telegram": "tgram://123456789:AAFabcdefghijklmnopqrstuvwxyz0123/12345",
            "discord": "discord://1234567890/abcdefghijklmnop",
            "json": f"json://{host}/json",
            "webhook": f"webhook+http://{host}/webhook",
        },
    )
    db = tmp_path / "newswatch.duckdb"

    summary, _ = run_flow(config_dir, db)

    assert summary["articles_landed"] == 1 and summary["alerts_failed"] == 0
    kinds = len(summary["new_matches"]) + len(summary["escalations"])
    assert summary["alerts_sent"] == 5 * kinds > 0
    with duckdb.connect(str(db), read_only=True) as con:
        ((title, text),) = con.execute("SELECT title, text FROM articles").fetchall()
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        matches = con.execute("SELECT count(*) FROM matches").fetchone()
    assert title == HOSTILE_TITLE  # landed as written: the quote and DROP are just text
    assert HOSTILE_PARAGRAPH in text
    assert {"articles", "matches", "alerts", "seen_entries"} <= tables
    assert matches is not None and matches[0] == len(summary["new_matches"])

    slack = received["slack"][0]
    slack_text = json.dumps(slack, ensure_ascii=False)
    assert slack["mrkdwn"] is False
    assert "&lt;!channel&gt;" in slack_text and "&lt;script&gt;" in slack_text
    telegram = received["telegram"][0]
    assert telegram["parse_mode"] == "HTML"
    assert "&lt;b&gt;tg&lt;/b&gt;" in telegram["text"] and "&lt;a href=" in telegram["text"]
    discord = received["discord"][0]
    assert "allow_mentions" not in discord and "@\u200beveryone" in discord["content"]
    for name, text_sent in [("slack", slack_text), ("telegram", telegram["text"])]:
        leftovers = [m for m in RAW_MARKUP if m in text_sent]
        assert leftovers == [], f"{name} received raw markup {leftovers}"
    assert "@everyone" not in discord["content"] and "<@&" not in discord["content"]
    # Discord renders Markdown in plain content: it arrives escaped, so it shows literally
    assert "\\[click\\]\\(http://evil\\.example/x\\)" in discord["content"]
    assert "\\*\\*bold\\*\\*" in discord["content"] and "**bold**" not in discord["content"]
    for name in ("json", "webhook"):  # JSON is data: the title is sent exactly as written
        titles = {p.get("title") or p["article"]["title"] for p in received[name]}
        assert any(HOSTILE_TITLE in t for t in titles), (name, titles)

    runner = CliRunner()
    shown = runner.invoke(
        app, ["query", "--db", str(db), "--format", "json", "SELECT title, text FROM articles"]
    )
    assert shown.exit_code == 0 and json.loads(shown.output)["title"] == HOSTILE_TITLE


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM articles",
        "DROP TABLE articles",
        "UPDATE articles SET title = 'x'",
        "INSERT INTO matches SELECT * FROM matches",
        "CREATE TABLE pwned AS SELECT 1",
    ],
)
def test_query_opens_the_database_read_only(sql: str, tmp_path: Path) -> None:
    from pipelines import store
    from tests.test_store import article, batch_for

    db = tmp_path / "newswatch.duckdb"
    with store.open_store(db) as con:
        store.land_batch(con, batch_for([article("https://a.example/1")], ("t",), {}))
    result = CliRunner().invoke(app, ["query", "--db", str(db), sql])
    assert result.exit_code == 2
    assert "read-only" in result.output and "Traceback" not in result.output
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (1,)
        assert con.execute("SELECT count(*) FROM matches").fetchone() == (1,)
        assert con.execute("SELECT title FROM articles").fetchone() == (
            "Title of https://a.example/1",
        )
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert "pwned" not in tables and "articles" in tables
