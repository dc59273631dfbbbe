"""The memory of rule files that compiled (pipelines/rules/checked.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.rules import checked


def test_a_changed_byte_or_a_missing_file_is_never_known_good(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSWATCH_CACHE_DIR", str(tmp_path / "cache"))
    rules = tmp_path / "rules.yaml"
    rules.write_text("topics: []\n", "utf-8")
    first = checked.fingerprint([rules])
    assert first is not None and not checked.known_good(first)
    checked.remember_good(first)
    assert checked.known_good(checked.fingerprint([rules]))
    rules.write_text("topics: [] \n", "utf-8")
    assert not checked.known_good(checked.fingerprint([rules]))
    assert checked.fingerprint([tmp_path / "missing.yaml"]) is None
    assert not checked.known_good(None)


def test_an_unwritable_cache_only_means_checking_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", "utf-8")
    monkeypatch.setenv("NEWSWATCH_CACHE_DIR", str(blocker / "cache"))
    rules = tmp_path / "rules.yaml"
    rules.write_text("topics: []\n", "utf-8")
    stamp = checked.fingerprint([rules])
    checked.remember_good(stamp)  # no error
    assert not checked.known_good(stamp)
