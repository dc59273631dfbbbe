"""Alert channels checked before a run starts: URLs no sender takes, and topics that are no
topic of the rules, stop the run at their line and column (pipelines/alerts/check.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.alerts.check import check_channels, url_problem
from pipelines.config import ChannelSettings
from pipelines.errors import ConfigError
from tests.reliability.newsroom import run_newswatch


@pytest.mark.parametrize(
    "url",
    [
        "console://",
        "webhook+https://hooks.example/newswatch",
        "json://127.0.0.1:8080/path",
        "tgram://123456789:abcdefg_hijklmnop/12315544/",
        "mailto://user:secret@example.com",
        "tgram://{prefect-secret:bot-token}/123456789",  # filled in when the flow sends
        "{prefect-secret:whole-url}",
    ],
)
def test_urls_a_sender_takes_pass(url: str) -> None:
    assert url_problem(url) is None


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("notascheme://foo", "notascheme:// is no service Apprise knows"),
        ("tgram://nonsense", "the rest of it is not what tgram:// needs"),
        ("hooks.slack.com/services/x", "it has no scheme://"),
        ("webhook+ftp://files.example/x", "is no webhook+http(s)://HOST/… URL"),
        ("webhook+https://", "is no webhook+http(s)://HOST/… URL"),
        ("nosuch://{prefect-secret:x}", "nosuch:// is no service it knows"),
    ],
)
def test_urls_no_sender_takes_say_why(url: str, says: str) -> None:
    problem = url_problem(url)
    assert problem is not None and says in problem


def test_a_secret_in_a_bad_url_is_neither_said_nor_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    problem = url_problem("tgram://SECRETTOKENVALUE")
    assert problem is not None and problem.startswith("tgram://*** is no URL")
    assert "SECRETTOKENVALUE" not in problem + caplog.text


def test_every_problem_is_named_at_its_line(tmp_path: Path) -> None:
    settings = tmp_path / "settings.yaml"
    settings.write_text(
        "alerts:\n"
        "  channels:\n"
        "    desk:\n"
        "      url: console://\n"
        "      topics: [istanbul_talks, territorial_demand]\n"
        "    bad:\n"
        "      url: notascheme://foo\n",
        "utf-8",
    )
    channels = {
        "desk": ChannelSettings(url="console://", topics=["istanbul_talks", "territorial_demand"]),
        "bad": ChannelSettings(url="notascheme://foo"),
    }
    with pytest.raises(ConfigError) as caught:
        check_channels(
            channels, ["istanbul_talks", "territorial_demands"], settings, Path("rules.yaml")
        )
    lines = str(caught.value).splitlines()
    assert lines[0].startswith(f"{settings}:5:32: alerts.channels.desk.topics: ")
    assert "did you mean territorial_demands?" in lines[0]
    assert lines[1].startswith(f"{settings}:7:12: alerts.channels.bad.url: ")
    check_channels(
        {"desk": ChannelSettings(url="console://", topics=["istanbul_talks"])},
        ["istanbul_talks"],
        settings,
        Path("rules.yaml"),
    )


def test_a_run_with_a_channel_typo_stops_before_it_starts(tmp_path: Path) -> None:
    """It landed every article, then failed all 37 alerts and retried them for hours; or, for
    a topic typo, alerted on nothing and never said why."""
    config = tmp_path / "cfg"
    config.mkdir()
    (config / "feeds.yaml").write_text("feeds:\n  - url: http://127.0.0.1:9/feed\n", "utf-8")
    (config / "settings.yaml").write_text(
        "alerts:\n  channels:\n    desk:\n      url: console://\n"
        "      topics: [territorial_demand]\n",
        "utf-8",
    )
    db = tmp_path / "news.sqlite"
    done = run_newswatch(config, db, timeout=120, extra_env={"NEWSWATCH_CACHE_DIR": str(tmp_path)})
    assert done.code == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert "settings.yaml:5:16: alerts.channels.desk.topics: 'territorial_demand'" in done.stderr
    assert not db.exists()
