"""Config loading: validation errors name file and line; env references; defaults."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipelines.config import DEFAULT_CONFIG_DIR, load_config, load_settings
from pipelines.errors import ConfigError


def write(d: Path, name: str, text: str) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_text(text, encoding="utf-8")
    return d


def test_minimal_config_falls_back_to_shipped_rules(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, "feeds.yaml", "feeds:\n  - url: https://e.example/rss\n"))
    assert [f.url for f in cfg.feeds] == ["https://e.example/rss"]
    assert cfg.feeds[0].name == "https://e.example/rss"
    assert cfg.rules_path == DEFAULT_CONFIG_DIR / "rules.yaml"
    assert cfg.settings.fetch.per_host_limit == 2
    assert cfg.settings.fetch.allow_private_networks is False


def test_yaml_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    write(tmp_path, "feeds.yaml", "feeds:\n  - url: https://e.example/rss\n   name: [broken\n")
    with pytest.raises(ConfigError, match=r"feeds\.yaml:3:\d+: invalid YAML"):
        load_config(tmp_path)


def test_typo_in_setting_is_reported_with_line(tmp_path: Path) -> None:
    write(tmp_path, "feeds.yaml", "feeds:\n  - url: https://e.example/rss\n")
    write(tmp_path, "settings.yaml", "fetch:\n  per_host_limt: 3\n")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert "settings.yaml:2" in str(info.value)
    assert "per_host_limt" in str(info.value)
    assert "unknown key; did you mean per_host_limit?" in str(info.value)
    assert "expected one of: user_agent, max_connections" in str(info.value)


def test_an_unknown_key_is_placed_where_it_is_written(tmp_path: Path) -> None:
    """It was placed at its value: the next line for a section, the value's column else."""
    write(tmp_path, "feeds.yaml", "feeds:\n  - url: https://e.example/rss\n")
    write(tmp_path, "settings.yaml", "# settings\n\nfecth:\n  max_conections: 10\n")
    with pytest.raises(ConfigError, match=r"settings\.yaml:3:1: fecth: unknown key"):
        load_config(tmp_path)
    write(tmp_path, "settings.yaml", "fetch:\n  max_conections: 10\n")
    with pytest.raises(ConfigError, match=r"settings\.yaml:2:3: fetch\.max_conections: unknown"):
        load_config(tmp_path)


def test_typo_in_a_feed_or_a_channel_names_the_key_meant(tmp_path: Path) -> None:
    """Through list items (feeds) and dict values (alert channels): the closest known key."""
    write(tmp_path, "feeds.yaml", "feeds:\n  - urll: https://e.example/rss\n")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert "feeds.yaml:2:5: feeds.0.urll: unknown key; did you mean url?" in str(info.value)
    assert "(expected one of: url, name, language, enabled)" in str(info.value)
    write(tmp_path, "feeds.yaml", "feeds:\n  - url: https://e.example/rss\n")
    write(
        tmp_path,
        "settings.yaml",
        "alerts:\n  channels:\n    desk:\n      url: console://\n      topic: [x]\n",
    )
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert "settings.yaml:5:7: alerts.channels.desk.topic: unknown key; did you mean topics?" in (
        str(info.value)
    )


def test_bad_feed_url_and_duplicates(tmp_path: Path) -> None:
    write(tmp_path, "feeds.yaml", "feeds:\n  - url: ftp://e.example/rss\n")
    with pytest.raises(ConfigError, match=r"feeds\.yaml:2:10: feeds\.0\.url"):
        load_config(tmp_path)
    write(tmp_path, "feeds.yaml", "feeds:\n  - url: https://a/rss\n  - url: https://a/rss\n")
    with pytest.raises(ConfigError, match="listed twice"):
        load_config(tmp_path)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://exa mple.org/rss", "contains a space"),
        ("https:///rss", "names no host"),
        ("https://example.org:port/rss", "is malformed"),
    ],
)
def test_a_feed_url_that_cannot_be_fetched_stops_before_the_run(
    tmp_path: Path, url: str, problem: str
) -> None:
    """These passed the check and failed at every poll ("cannot resolve host 'exa mple.org'")."""
    write(tmp_path, "feeds.yaml", f"feeds:\n  - url: {url}\n")
    with pytest.raises(ConfigError, match=rf"feeds\.yaml:2:10: feeds\.0\.url: .*{problem}"):
        load_config(tmp_path)


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ("english", "not a language code (did you mean en?)"),
        ("en_GB!", "not a language code: write an ISO 639-1 code"),
    ],
)
def test_a_feed_language_must_be_a_code(tmp_path: Path, given: str, problem: str) -> None:
    """`language: english` was accepted and never used."""
    write(
        tmp_path, "feeds.yaml", f"feeds:\n  - url: https://e.example/rss\n    language: {given}\n"
    )
    with pytest.raises(
        ConfigError, match=rf"feeds\.yaml:3:\d+: feeds\.0\.language: .*{re.escape(problem)}"
    ):
        load_config(tmp_path)
    write(tmp_path, "feeds.yaml", "feeds:\n  - url: https://e.example/rss\n    language: UK\n")
    assert load_config(tmp_path).feeds[0].language == "uk"


def test_env_references_and_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NW_TEST_BASE", "http://127.0.0.1:9999")
    write(tmp_path, "feeds.yaml", "feeds:\n  - url: ${NW_TEST_BASE}/feed.xml\n")
    write(
        tmp_path,
        "settings.yaml",
        "alerts:\n  channels:\n    hook:\n      url: json://${NW_HOOK:-localhost:1}/x\n",
    )
    cfg = load_config(tmp_path)
    assert cfg.feeds[0].url == "http://127.0.0.1:9999/feed.xml"
    assert cfg.settings.alerts.channels["hook"].url == "json://localhost:1/x"


def test_missing_env_reference_is_explained(tmp_path: Path) -> None:
    write(tmp_path, "feeds.yaml", "feeds:\n  - url: ${NW_SURELY_UNSET_VAR}/feed.xml\n")
    with pytest.raises(ConfigError, match="NW_SURELY_UNSET_VAR is referenced"):
        load_config(tmp_path)


def test_private_network_env_switch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWATCH_ALLOW_PRIVATE_NETWORKS", "1")
    assert load_settings(tmp_path).fetch.allow_private_networks is True


def test_environment_overrides_settings_yaml_key_by_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NEWSWATCH_<SECTION>__<KEY> wins over settings.yaml for that key only; nested maps
    (alert channels) and lower-case names work too; empty values count as unset."""
    write(tmp_path, "settings.yaml", "fetch:\n  timeout_s: 3\n  per_host_limit: 4\n")
    monkeypatch.setenv("NEWSWATCH_FETCH__TIMEOUT_S", "7.5")
    monkeypatch.setenv("newswatch_store__lock_retries", "2")
    monkeypatch.setenv("NEWSWATCH_ALERTS__CHANNELS__OPS__URL", "console://")
    monkeypatch.setenv("NEWSWATCH_POLL__MIN_INTERVAL_S", "")
    settings = load_settings(tmp_path)
    assert settings.fetch.timeout_s == 7.5
    assert settings.fetch.per_host_limit == 4  # from the file
    assert settings.store.lock_retries == 2
    assert settings.alerts.channels["ops"].url == "console://"
    assert settings.poll.min_interval_s == 300


def test_older_variable_names_still_work_and_the_full_name_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSWATCH_DASK_ADDRESS", "tcp://old:8786")
    assert load_settings(tmp_path).extract.dask_address == "tcp://old:8786"
    monkeypatch.setenv("NEWSWATCH_EXTRACT__DASK_ADDRESS", "tcp://new:8786")
    assert load_settings(tmp_path).extract.dask_address == "tcp://new:8786"
    write(tmp_path, "settings.yaml", "fetch:\n  allow_private_networks: false\n")
    monkeypatch.setenv("NEWSWATCH_ALLOW_PRIVATE_NETWORKS", "yes")
    assert load_settings(tmp_path).fetch.allow_private_networks is True


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("NEWSWATCH_STORE__LOCK_RETRIES", "many", "valid integer"),
        (
            "NEWSWATCH_FETCH__TIMEOUT",
            "3",
            "not a setting; did you mean NEWSWATCH_FETCH__TIMEOUT_S?",
        ),
        ("NEWSWATCH_FECH__TIMEOUT_S", "3", "did you mean NEWSWATCH_FETCH__TIMEOUT_S?"),
        ("NEWSWATCH_ALLOW_PRIVATE_NETWORKS", "perhaps", "valid boolean"),
    ],
)
def test_a_bad_environment_value_names_the_variable_not_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str, problem: str
) -> None:
    write(tmp_path, "settings.yaml", "fetch:\n  timeout_s: 3\n")
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path)
    first = str(info.value).splitlines()[0]
    assert first.startswith(f"environment variable {name}: ") and problem in first
    assert "settings.yaml" not in str(info.value)


def test_newswatch_run_with_a_bad_environment_value_stops_with_its_name(tmp_path: Path) -> None:
    """Through the real command: exit 2, the variable named on stderr, nothing written."""
    import os
    import subprocess
    import sys

    write(tmp_path / "config", "feeds.yaml", "feeds:\n  - url: https://e.example/rss\n")
    db = tmp_path / "data" / "x.duckdb"
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", "--config-dir", str(tmp_path / "config")],
        env={**os.environ, "NEWSWATCH_DB": str(db), "NEWSWATCH_FETCH__TIMEOUT_S": "soon"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert "environment variable NEWSWATCH_FETCH__TIMEOUT_S: " in done.stderr
    assert not db.exists()


def test_the_deployments_code_directory_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pipelines.config import HostEnvironment

    monkeypatch.delenv("NEWSWATCH_HOME", raising=False)
    assert HostEnvironment().home is None
    monkeypatch.setenv("NEWSWATCH_HOME", "/opt/newswatch")
    assert HostEnvironment().home == Path("/opt/newswatch")


def test_missing_config_dir_is_clear(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope")


def test_shipped_config_is_valid() -> None:
    cfg = load_config(DEFAULT_CONFIG_DIR)
    assert len(cfg.feeds) >= 10
    assert all(f.url.startswith("https://") and f.language for f in cfg.feeds)
    assert cfg.settings.fetch.allow_private_networks is False


def test_settings_reference_is_in_sync_with_the_models() -> None:
    """docs/SETTINGS.md is rendered from the models; regenerate it when a setting changes:
    `python -m pipelines.settings_reference > docs/SETTINGS.md`."""
    from pipelines.config import ChannelSettings, Settings
    from pipelines.settings_reference import render

    doc = (Path(__file__).resolve().parents[1] / "docs" / "SETTINGS.md").read_text(encoding="utf-8")
    assert doc == render()
    for section, field in Settings.model_fields.items():
        for key, setting in field.annotation.model_fields.items():  # type: ignore[union-attr]
            assert f"`{section}.{key}`" in doc
            assert setting.description, f"{section}.{key} has no description"
    assert all(f.description for f in ChannelSettings.model_fields.values())


def test_an_unset_variable_is_reported_where_the_file_uses_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It once said "referenced in the config" without naming the file or the line."""
    monkeypatch.delenv("NW_TEST_UNSET", raising=False)
    write(tmp_path, "feeds.yaml", "feeds:\n  - url: https://e.example/rss\n")
    write(
        tmp_path,
        "settings.yaml",
        "alerts:\n  channels:\n    desk:\n      url: json://${NW_TEST_UNSET}/hook\n",
    )
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert str(info.value).startswith(
        f"{tmp_path / 'settings.yaml'}:4:12: environment variable NW_TEST_UNSET is referenced "
        "here but not set"
    )
    (tmp_path / "settings.yaml").unlink()
    write(
        tmp_path,
        "feeds.yaml",
        "feeds:\n  - url: https://e.example/rss\n  - url: ${NW_TEST_UNSET}\n",
    )
    with pytest.raises(ConfigError, match=r"feeds\.yaml:3:10: environment variable NW_TEST_UNSET"):
        load_config(tmp_path)


def test_a_key_written_twice_is_an_error_where_it_is_written_again(tmp_path: Path) -> None:
    """A second `fetch:` section replaced the first without a word (its
    `allow_private_networks` lost, every feed then refused by the SSRF guard)."""
    from pipelines.config import load_settings

    (tmp_path / "settings.yaml").write_text(
        "fetch:\n  allow_private_networks: true\npoll:\n  max_items_per_feed: 10\n"
        "fetch:\n  timeout_s: 5\n",
        "utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path)
    assert str(caught.value) == (
        f"{tmp_path / 'settings.yaml'}:5:1: the key 'fetch' is already set at line 1; YAML "
        "would keep only this one\n  hint: merge the two into one"
    )
    (tmp_path / "settings.yaml").write_text(
        "alerts:\n  channels:\n    a:\n      url: console://\n      url: json://x\n", "utf-8"
    )
    with pytest.raises(ConfigError, match=r"settings.yaml:5:7: the key 'url' is already set"):
        load_settings(tmp_path)
