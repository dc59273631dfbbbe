"""Alerts through a real webhook receiver on 127.0.0.1: once, retried, nothing lost."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipelines import store
from pipelines.alerts import format_message, redact, send_pending
from pipelines.config import AlertSettings, ChannelSettings
from tests.test_store import article, batch_for


class Receiver:
    """A webhook endpoint that can be told to fail; records what it accepted."""

    def __init__(self, server: HTTPServer) -> None:
        self.received: list[dict] = []
        self.keys: list[str] = []
        self.fail_next = 0
        server.expect_request("/hook", method="POST").respond_with_handler(self.handle)

    def handle(self, request: Request) -> Response:
        if self.fail_next:
            self.fail_next -= 1
            return Response("busy", status=503)
        self.received.append(json.loads(request.get_data()))
        self.keys.append(request.headers.get("Idempotency-Key", ""))
        return Response("ok")


def settings_for(*channels: tuple[str, str], **extra: int) -> AlertSettings:
    return AlertSettings(
        channels={name: ChannelSettings(url=url, **extra) for name, url in channels},
        retry_base_s=0,
    )


def land(
    db: Path,
    urls: list[str],
    channels: list[str],
    topic: str = "territorial_demands",
    texts: list[str] | None = None,
) -> None:
    texts = texts or [
        f"Article number {i} about something else entirely {u}" for i, u in enumerate(urls)
    ]
    arts = [article(u, t) for u, t in zip(urls, texts, strict=True)]
    with store.open_store(db) as con:
        store.land_batch(con, batch_for(arts, (topic,), {c: [] for c in channels}))


def drain(db: Path, settings: AlertSettings, now: datetime | None = None) -> list:
    with store.open_store(db) as con:
        pending = store.pending_alerts(con, now)
        outcomes = send_pending(
            pending, settings, now=now, sent_last_hour=store.sent_last_hour(con)
        )
        store.record_alert_outcomes(con, outcomes)
    return outcomes


def test_webhook_delivered_once_across_reruns(httpserver: HTTPServer, db_path: Path) -> None:
    hook = Receiver(httpserver)
    settings = settings_for(("hook", "webhook+" + httpserver.url_for("/hook")))
    land(db_path, ["https://a.example/1"], ["hook"])
    drain(db_path, settings)
    land(db_path, ["https://a.example/1"], ["hook"])  # a rerun lands the same match again
    drain(db_path, settings)
    assert len(hook.received) == 1
    body = hook.received[0]
    assert body["schema_version"] == 1 and body["topic"] == "territorial_demands"
    assert body["article"]["url"] == "https://a.example/1"
    assert hook.keys == [body["alert_id"]]


def test_failure_is_retried_and_delivered_once(httpserver: HTTPServer, db_path: Path) -> None:
    hook = Receiver(httpserver)
    hook.fail_next = 1
    settings = settings_for(("hook", "webhook+" + httpserver.url_for("/hook")))
    land(db_path, ["https://a.example/1"], ["hook"])
    (first,) = drain(db_path, settings)
    assert not first.ok and first.error == "webhook answered HTTP 503"
    (second,) = drain(db_path, settings, datetime.now(UTC) + timedelta(seconds=1))
    assert second.ok
    drain(db_path, settings, datetime.now(UTC) + timedelta(hours=1))
    assert len(hook.received) == 1
    with store.open_store(db_path) as con:
        assert con.execute("SELECT status, attempts FROM alerts").fetchall() == [("sent", 2)]


def test_receiver_down_for_a_run_loses_nothing(httpserver: HTTPServer, db_path: Path) -> None:
    settings = settings_for(("hook", "webhook+http://127.0.0.1:9/hook"))  # nothing listens
    land(db_path, ["https://a.example/1", "https://a.example/2"], ["hook"])
    outcomes = drain(db_path, settings)
    assert [o.ok for o in outcomes] == [False, False]
    hook = Receiver(httpserver)
    back = settings_for(("hook", "webhook+" + httpserver.url_for("/hook")))
    drain(db_path, back, datetime.now(UTC) + timedelta(minutes=5))
    assert sorted(b["article"]["url"] for b in hook.received) == [
        "https://a.example/1",
        "https://a.example/2",
    ]


def test_one_channel_down_does_not_block_another(httpserver: HTTPServer, db_path: Path) -> None:
    hook = Receiver(httpserver)
    settings = settings_for(
        ("dead", "webhook+http://127.0.0.1:9/x"), ("hook", "webhook+" + httpserver.url_for("/hook"))
    )
    land(db_path, ["https://a.example/1"], ["dead", "hook"])
    drain(db_path, settings)
    assert len(hook.received) == 1
    with store.open_store(db_path) as con:
        rows = dict(con.execute("SELECT channel, status FROM alerts").fetchall())
    assert rows == {"dead": "pending", "hook": "sent"}


def test_apprise_json_scheme_against_local_receiver(httpserver: HTTPServer, db_path: Path) -> None:
    got: list[dict] = []

    def handler(request: Request) -> Response:
        got.append(json.loads(request.get_data()))
        return Response("ok")

    httpserver.expect_request("/apprise", method="POST").respond_with_handler(handler)
    url = f"json://{httpserver.host}:{httpserver.port}/apprise"
    land(db_path, ["https://a.example/1"], ["apprise"])
    outcomes = drain(db_path, settings_for(("apprise", url)))
    assert [o.ok for o in outcomes] == [True]
    assert len(got) == 1 and "territorial_demands" in got[0]["title"]
    assert "Link: https://a.example/1" in got[0]["message"]


def test_syndicated_story_alerts_once_listing_outlets(
    httpserver: HTTPServer, db_path: Path
) -> None:
    hook = Receiver(httpserver)
    text = (
        "Russia demanded that Ukraine withdraw from the Donetsk region, officials said "
        "on Monday after talks that lasted several hours in the capital."
    )
    land(db_path, ["https://a.example/1"], ["hook"], texts=[text])
    with store.open_store(db_path) as con:
        copy = article("https://b.example/copy", text, site="Outlet B")
        store.land_batch(con, batch_for([copy], ("territorial_demands",), {"hook": []}))
    drain(db_path, settings_for(("hook", "webhook+" + httpserver.url_for("/hook"))))
    assert len(hook.received) == 1


def test_rate_limit_defers_not_drops(httpserver: HTTPServer, db_path: Path) -> None:
    hook = Receiver(httpserver)
    settings = settings_for(("hook", "webhook+" + httpserver.url_for("/hook")), max_per_hour=2)
    land(db_path, [f"https://a.example/{i}" for i in range(5)], ["hook"])
    outcomes = drain(db_path, settings)
    assert sum(o.ok for o in outcomes) == 2 and sum(o.deferred for o in outcomes) == 3
    assert len(hook.received) == 2
    with store.open_store(db_path) as con:
        assert con.execute(
            "SELECT count(*) FROM alerts WHERE status = 'pending' AND attempts = 0"
        ).fetchone() == (3,)


def test_digest_mode_sends_one_message(httpserver: HTTPServer, db_path: Path) -> None:
    hook = Receiver(httpserver)
    settings = settings_for(("hook", "webhook+" + httpserver.url_for("/hook")), digest_minutes=30)
    land(db_path, [f"https://a.example/{i}" for i in range(3)], ["hook"])
    assert drain(db_path, settings) == []  # too early: the digest waits
    outcomes = drain(db_path, settings, datetime.now(UTC) + timedelta(minutes=31))
    assert len(outcomes) == 3 and all(o.ok for o in outcomes)
    assert len(hook.received) == 1 and hook.received[0]["digest"] is True
    assert len(hook.received[0]["alerts"]) == 3


def test_secrets_never_appear_in_errors(db_path: Path) -> None:
    secret = "xoxb-1234567890-abcdefghijklmnopqrstuvwxyz"
    url = f"webhook+http://user:{secret}@127.0.0.1:9/hooks/{secret}"
    land(db_path, ["https://a.example/1"], ["slack"])
    (outcome,) = drain(db_path, settings_for(("slack", url)))
    assert outcome.error and secret not in outcome.error
    assert secret not in redact(f"failed posting to {url}")


def test_message_marks_terms_and_lists_entities(db_path: Path) -> None:
    land(db_path, ["https://a.example/1"], ["c"])
    with store.open_store(db_path) as con:
        (alert,) = store.pending_alerts(con)
    msg = format_message(alert)
    assert "[Kharkiv]" in msg.body and "Link: https://a.example/1" in msg.body
    assert msg.title.startswith("[newswatch] territorial_demands:")


@pytest.mark.parametrize("missing", ["gone"])
def test_unconfigured_channel_gives_up(db_path: Path, missing: str) -> None:
    land(db_path, ["https://a.example/1"], [missing])
    (outcome,) = drain(db_path, settings_for(("other", "console://")))
    assert outcome.give_up and "no longer configured" in (outcome.error or "")


def test_alerts_of_one_run_go_out_in_publication_order(db_path: Path) -> None:
    """They went out in the order of their ids (a hash): a story told over weeks arrived
    shuffled."""
    urls = [f"https://a.example/{i}" for i in range(6)]
    arts = [article(u, f"Article {i} on a subject of its own, {u}") for i, u in enumerate(urls)]
    start = datetime(2025, 3, 1, tzinfo=UTC)
    for i, art in enumerate(arts):
        art.published_at = start + timedelta(days=(i * 5) % 6)
    with store.open_store(db_path) as con:
        store.land_batch(con, batch_for(arts, ("territorial_demands",), {"hook": []}))
        pending = store.pending_alerts(con)
    published = [p.published_at for p in pending]
    assert len(published) == 6 and published == sorted(published)


def test_a_snippet_drops_the_headline_and_the_paragraph_mark_after_it() -> None:
    from pipelines.alerts.messages import without_title

    snippet = "[Kremlin] repeats [demand] that Ukraine quit ¶ [Kremlin] spokesman said so"
    title = "Kremlin repeats demand that Ukraine quit"
    assert without_title(snippet, title) == "[Kremlin] spokesman said so"
    assert without_title("Other words ¶ then", title) == "Other words ¶ then"
