"""Demand claims: the structured (region, action, actor) reading of Russia's territorial
demands in an article, for the escalation signal (docs/DEMANDS.md).

    rules = load_claim_rules(Path("config/claims.yaml"), ruleset.loaded)   # ClaimsError
    for claim in extract_claims(title, text, lang, rules):                 # DemandClaim
        ...
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from pipelines.claims.extract import claims_in
from pipelines.claims.lexicon import (
    ACTIONS,
    Action,
    ClaimRules,
    ClaimsError,
    load_claim_rules,
    model_path,
)
from pipelines.claims.model import ClaimModel
from pipelines.models import DemandClaim
from pipelines.rules.loader import LoadedRules

extract_claims = claims_in


def article_claims(
    topics: Iterable[str], title: str, text: str, lang: str | None, rules: ClaimRules
) -> tuple[DemandClaim, ...]:
    """The claims of an article that matched `topics`: none unless one of them is a claims
    topic (claims.yaml `topics`)."""
    if rules.topics.isdisjoint(topics):
        return ()
    return tuple(claims_in(title, text, lang, rules))


_CACHE: dict[tuple[str, int, str], ClaimRules] = {}


def cached_claim_rules(path: Path, gazetteer: LoadedRules) -> ClaimRules:
    """`load_claim_rules`, once per process for a given file state (claims.yaml and the
    model it names) and gazetteer."""
    try:
        stamp = os.stat(path).st_mtime_ns
    except OSError:
        return load_claim_rules(Path(path), gazetteer)  # says what is wrong with the file
    key = (str(path), stamp, gazetteer.version)
    rules = _CACHE.get(key)
    if rules is not None and rules.model is not None and not _same(rules.model, Path(path)):
        rules = None
    if rules is None:
        _CACHE.clear()
        rules = _CACHE[key] = load_claim_rules(Path(path), gazetteer)
    return rules


def _same(model: ClaimModel, claims_file: Path) -> bool:
    """The model file the rules read is still the one claims.yaml resolves to (a model
    written beside it since takes the shipped one's place), unchanged."""
    try:
        return (
            model_path(claims_file, model.name) == model.path
            and os.stat(model.path).st_mtime_ns == model.stamp
        )
    except OSError:
        return False


__all__ = [
    "ACTIONS",
    "Action",
    "ClaimRules",
    "ClaimsError",
    "DemandClaim",
    "article_claims",
    "cached_claim_rules",
    "extract_claims",
    "load_claim_rules",
]
