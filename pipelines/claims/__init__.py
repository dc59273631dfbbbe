"""Demand claims: the structured (region, action, actor) reading of Russia's territorial
demands in an article, for the escalation signal (docs/DEMANDS.md).

    rules = load_claim_rules(Path("config/claims.yaml"), ruleset.loaded)   # ClaimsError
    for claim in extract_claims(title, text, lang, rules):                 # DemandClaim
        ...
"""

from __future__ import annotations

from pipelines.claims.extract import DemandClaim, claims_in
from pipelines.claims.lexicon import ACTIONS, Action, ClaimRules, ClaimsError, load_claim_rules

extract_claims = claims_in

__all__ = [
    "ACTIONS",
    "Action",
    "ClaimRules",
    "ClaimsError",
    "DemandClaim",
    "extract_claims",
    "load_claim_rules",
]
