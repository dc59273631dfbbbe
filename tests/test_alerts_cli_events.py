"""`newswatch alerts test|pending` and the Prefect match events."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner

from flows import events
from flows.cli import app
from pipelines.run.summary import NewMatch
from tests.test_alerts import land

runner = CliRunner()


def test_alerts_test_sends_to_the_named_channel(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    (tmp_path / "settings.yaml").write_text(
        "alerts:\n  channels:\n"
        f"    hook:\n      url: webhook+{httpserver.url_for('/hook')}\n"
        "    dead:\n      url: webhook+http://127.0.0.1:9/x\n",
        "utf-8",
    )
    ok = runner.invoke(app, ["alerts", "test", "--config-dir", str(tmp_path), "--channel", "hook"])
    assert ok.exit_code == 0 and "sent hook" in ok.output
    body = json.loads(httpserver.log[-1][0].get_data())
    assert body["schema_version"] == 1 and body["alert_id"] == "test"
    bad = runner.invoke(app, ["alerts", "test", "--config-dir", str(tmp_path)])
    assert bad.exit_code == 1 and "failed dead" in bad.output
    missing = runner.invoke(
        app, ["alerts", "test", "--config-dir", str(tmp_path), "--channel", "nope"]
    )
    assert missing.exit_code == 2 and "no channel 'nope'" in missing.output


def test_alerts_pending_lists_undelivered(db_path: Path) -> None:
    land(db_path, ["https://a.example/1"], ["slack"])
    result = runner.invoke(app, ["alerts", "pending", "--db", str(db_path)])
    assert result.exit_code == 0 and "1 alert(s) not delivered" in result.output
    assert "slack" in result.output


def test_one_event_per_new_match(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(events, "emit_event", lambda **kw: sent.append(kw))
    new = {
        "territorial_demands": [
            NewMatch(
                article_id="a1",
                title="T",
                url="https://x/1",
                outlet="O",
                rule="r",
                snippet="[Kharkiv]",
                entities=["kharkiv"],
            )
        ]
    }
    assert events.emit_match_events(new) == 1
    (event,) = sent
    assert event["event"] == "newswatch.match.created"
    assert event["resource"]["prefect.resource.id"] == "newswatch.article.a1"
    assert event["related"][0]["prefect.resource.id"] == "newswatch.topic.territorial_demands"
    assert event["payload"]["entities"] == ["kharkiv"]


def test_match_events_stop_at_the_budget_per_topic_and_count_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A backfill's thousands of matches must not become thousands of Prefect events: at most
    `events_per_topic` per topic and run, then one `newswatch.match.more` per topic."""
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(events, "emit_event", lambda **kw: sent.append(kw))

    def rows(topic: str, n: int, start: int = 0) -> list[NewMatch]:
        return [
            NewMatch(
                article_id=f"{topic}{i}",
                title="T",
                url="u",
                outlet="o",
                rule="r",
                snippet="s",
                entities=[],
            )
            for i in range(start, start + n)
        ]

    run = events.MatchEvents(per_topic=3)
    assert run.emit({"a": rows("a", 2), "b": rows("b", 1)}) == 3
    assert run.emit({"a": rows("a", 4, 2), "b": rows("b", 1, 1)}) == 2  # a: 1 more, b: 1
    assert run.finish() == 1
    created = [e["resource"]["prefect.resource.id"] for e in sent[:-1]]
    assert created == [f"newswatch.article.{x}" for x in ["a0", "a1", "b0", "a2", "b1"]]
    assert sent[-1]["event"] == "newswatch.match.more"
    assert sent[-1]["payload"] == {"topic": "a", "more_matches": 3, "events": 3}

    sent.clear()
    off = events.MatchEvents(per_topic=0)
    assert off.emit({"a": rows("a", 5)}) == 0 and off.finish() == 0 and not sent
