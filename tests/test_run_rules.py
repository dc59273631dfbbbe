"""The run's rules in its main process (pipelines/extract/run_rules.py): versions read off the
files equal the compiled ones, nothing is compiled while the workers match, and a worker that
matched with other rules is caught and its articles matched here with honest versions."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipelines import claims as claims_package
from pipelines import rules as rules_package
from pipelines.claims import load_claim_rules
from pipelines.claims.lexicon import ClaimsError, claims_version
from pipelines.config import DEFAULT_CONFIG_DIR, ExtractSettings
from pipelines.extract import Extraction
from pipelines.extract.run_rules import RunRules
from pipelines.rules import load_ruleset
from pipelines.rules.loader import RuleError, rules_version
from pipelines.run.steps import match
from tests.test_extract import _pages_for_matching

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def config_copy(folder: Path, claims_text: str | None = None) -> tuple[Path, Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = (folder / "rules.yaml", folder / "entities.yaml", folder / "claims.yaml")
    for f in files:
        shutil.copy(DEFAULT_CONFIG_DIR / f.name, f)
    if claims_text is not None:
        files[2].write_text(claims_text, encoding="utf-8")
    return files


def compiled_versions(files: tuple[Path, Path, Path]) -> tuple[str, str]:
    ruleset = load_ruleset(files[0], files[1])
    return ruleset.version, load_claim_rules(files[2], ruleset.loaded).version


def test_versions_read_off_the_files_are_the_compiled_ones(tmp_path: Path) -> None:
    shipped = (
        DEFAULT_CONFIG_DIR / "rules.yaml",
        DEFAULT_CONFIG_DIR / "entities.yaml",
        DEFAULT_CONFIG_DIR / "claims.yaml",
    )
    shipped_text = shipped[2].read_text(encoding="utf-8")
    without_model = "\n".join(
        line
        for line in shipped_text.splitlines()
        if not line.startswith("model:") and not line.startswith("  file: claims_model")
    )
    assert "claims_model.json" in shipped_text and "claims_model.json" not in without_model
    cases = {
        "shipped": shipped,
        "a copy, the shipped model": config_copy(tmp_path / "copy"),
        "no model": config_copy(tmp_path / "none", without_model),
    }
    beside = config_copy(tmp_path / "beside")
    model = json.loads((DEFAULT_CONFIG_DIR / "claims_model.json").read_text(encoding="utf-8"))
    model["threshold"] = 0.7
    (beside[2].parent / "claims_model.json").write_text(json.dumps(model), encoding="utf-8")
    cases["a model of its own beside claims.yaml"] = beside
    seen = set()
    for name, files in cases.items():
        version = rules_version(files[0], files[1])
        got = (version, claims_version(files[2], version))
        assert got == compiled_versions(files), name
        seen.add(got[1])
    assert len(seen) == 3  # the model's bytes are part of the version: "beside" differs


def test_unreadable_files_say_what_is_wrong(tmp_path: Path) -> None:
    files = config_copy(tmp_path / "c")
    with pytest.raises(RuleError, match="file not found"):
        rules_version(files[0], tmp_path / "missing.yaml")
    files[2].write_text("model:\n  file: nowhere.json\n", encoding="utf-8")
    with pytest.raises(ClaimsError, match=r"nowhere\.json"):
        claims_version(files[2], "v")
    files[2].write_text("model: [unclosed\n", encoding="utf-8")
    with pytest.raises(ClaimsError):
        claims_version(files[2], "v")


def test_of_files_says_which_file_it_cannot_read(tmp_path: Path) -> None:
    files = config_copy(tmp_path / "c")
    files[2].write_text("model: [unclosed\n", encoding="utf-8")
    with pytest.raises(ClaimsError, match=r"claims\.yaml:2:1: invalid YAML"):
        RunRules.of_files(*files)
    files[1].unlink()
    with pytest.raises(RuleError, match=r"entities\.yaml: file not found"):
        RunRules.of_files(*files)


def extract_and_match(rules: RunRules, files: tuple[Path, Path, Path]) -> tuple[list, list]:
    extraction = Extraction(ExtractSettings(workers=2), rules=rules, rules_files=files)
    for feed_item, fetched in _pages_for_matching():
        extraction.add(feed_item, fetched)
    articles = extraction.articles()
    return articles, extraction.matches(articles, NOW)


def test_while_the_workers_match_the_main_process_compiles_nothing(tmp_path: Path) -> None:
    files = config_copy(tmp_path / "c")
    rules_package._CACHED.clear()
    claims_package._CACHE.clear()
    rules = RunRules.of_files(*files)
    articles, found = extract_and_match(rules, files)

    assert not rules_package._CACHED and not claims_package._CACHE  # nothing compiled here
    ruleset = load_ruleset(files[0], files[1])
    assert found and found == match(ruleset, articles, NOW)
    claimed = [c for a in articles for c in a.claims]
    assert claimed and {c.rules_version for c in claimed} == {rules.claims_version}


def test_rules_changed_during_the_run_are_matched_here_with_their_own_version(
    tmp_path: Path,
) -> None:
    """The run read the versions; then the files changed, so the workers matched with other
    rules. The main process matches those articles itself, with the rules as they are now,
    and each match and claim says which version found it."""
    files = config_copy(tmp_path / "c")
    rules = RunRules.of_files(*files)
    for f in files:
        f.write_text(f.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    new_rules, new_claims = compiled_versions(files)
    assert new_rules != rules.version and new_claims != rules.claims_version

    articles, found = extract_and_match(rules, files)

    now_compiled = load_ruleset(files[0], files[1])
    assert found == match(now_compiled, articles, NOW)
    assert {m.rules_version for m in found} == {new_rules}
    claimed = [c for a in articles for c in a.claims]
    assert claimed and {c.rules_version for c in claimed} == {new_claims}


def test_checked_rules_compile_new_files_once_and_stop_a_typo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What `newswatch run` and the Prefect flow check before a run: files never compiled are
    compiled (and remembered), files that compiled before are left to the workers, and a
    changed file with a typo stops the run with the compiler's error."""
    from flows.seed_server import SEEDS_DIR
    from pipelines.config import load_config
    from pipelines.run.compose import checked_rules

    monkeypatch.setenv("NEWSWATCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("NEWSWATCH_DEMO_BASE_URL", "http://127.0.0.1:9")
    config_dir = tmp_path / "config"
    shutil.copytree(SEEDS_DIR / "config", config_dir)
    for name in ("rules.yaml", "entities.yaml", "claims.yaml"):
        shutil.copy(DEFAULT_CONFIG_DIR / name, config_dir / name)
    config = load_config(config_dir)

    first = checked_rules(config)
    assert first is not None and first.version == rules_version(*config.worker_files[:2])
    assert checked_rules(config) is None  # remembered: nothing compiled

    rules = config_dir / "rules.yaml"
    rules.write_text(
        rules.read_text("utf-8").replace("@claimed_regions", "@claimed_regoins", 1), "utf-8"
    )
    with pytest.raises(RuleError, match="unknown entity @claimed_regoins"):
        checked_rules(config)
