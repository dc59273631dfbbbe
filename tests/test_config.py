"""Config loading: validation errors name file and line; env references; defaults."""

from __future__ import annotations

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
    assert "Extra inputs are not permitted" in str(info.value)


def test_bad_feed_url_and_duplicates(tmp_path: Path) -> None:
    write(tmp_path, "feeds.yaml", "feeds:\n  - url: ftp://e.example/rss\n")
    with pytest.raises(ConfigError, match=r"feeds\.yaml:2: feeds\.0\.url"):
        load_config(tmp_path)
    write(tmp_path, "feeds.yaml", "feeds:\n  - url: https://a/rss\n  - url: https://a/rss\n")
    with pytest.raises(ConfigError, match="listed twice"):
        load_config(tmp_path)


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
