"""What the class tests of the claims extractor share: the shipped claim rules (a fixture,
imported by each test module) and small helpers to write the expected claims."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.claims import ClaimRules, load_claim_rules
from pipelines.claims.extract import claims_in
from pipelines.rules import load_ruleset

REPO = Path(__file__).resolve().parent.parent
FOUR = ("donetsk", "luhansk", "zaporizhzhia", "kherson")


@pytest.fixture(scope="module")
def rules() -> ClaimRules:
    gazetteer = load_ruleset(REPO / "config/rules.yaml", REPO / "config/entities.yaml").loaded
    return load_claim_rules(REPO / "config/claims.yaml", gazetteer)


def pairs(rules: ClaimRules, text: str, title: str = "") -> set[tuple[str, str]]:
    """The cue reader's (region, action) pairs: the class tests are of the cues, the
    learned reader is measured on held-out text (tests/test_claims_model.py)."""
    return {(c.region, c.action) for c in claims_in(title, text, None, rules, learned=False)}


def of(action: str, *regions: str) -> set[tuple[str, str]]:
    return {(r, action) for r in regions}
