"""Channel secrets from a Prefect Secret block, resolved in the Prefect layer."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from flows.secret_refs import resolve_secret_refs
from pipelines.config import load_config
from pipelines.errors import ConfigError


def config_with(tmp_path: Path, url: str):  # type: ignore[no-untyped-def]
    (tmp_path / "feeds.yaml").write_text("feeds:\n  - url: https://e.example/rss\n", "utf-8")
    (tmp_path / "settings.yaml").write_text(
        f"alerts:\n  channels:\n    hook:\n      url: '{url}'\n", "utf-8"
    )
    return load_config(tmp_path)


def test_secret_block_reference_is_filled_in(tmp_path: Path, prefect_harness: None) -> None:
    from prefect.blocks.system import Secret

    Secret(value="s3cr3t-token").save("newswatch-test-hook", overwrite=True)
    config = config_with(
        tmp_path, "webhook+https://hooks.example/{prefect-secret:newswatch-test-hook}"
    )
    resolved = asyncio.run(resolve_secret_refs(config))
    assert resolved.settings.alerts.channels["hook"].url == (
        "webhook+https://hooks.example/s3cr3t-token"
    )
    assert "{prefect-secret:" in config.settings.alerts.channels["hook"].url  # input unchanged


def test_missing_secret_block_is_a_clear_error(tmp_path: Path, prefect_harness: None) -> None:
    config = config_with(tmp_path, "json://host/{prefect-secret:no-such-block}")
    with pytest.raises(ConfigError, match="Secret block 'no-such-block'"):
        asyncio.run(resolve_secret_refs(config))
