"""The rules engine: a boolean query language with entities, multilingual matching and evidence.

    ruleset = load_ruleset(rules_path, entities_path)   # RuleError on any problem
    for hit in ruleset.match(title, text, lang, published):
        ...   # TopicHit(topic, rule, score, evidence); published (a date) is optional

See docs/RULES.md for the language.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from pipelines.rules.loader import Entity, LoadedRules, Rule, Topic, load_rules
from pipelines.rules.matcher import Matcher, TopicHit

__all__ = ["Entity", "Rule", "RuleSet", "Topic", "TopicHit", "load_ruleset"]


@dataclass(frozen=True)
class RuleSet:
    loaded: LoadedRules
    matcher: Matcher

    @property
    def version(self) -> str:
        return self.loaded.version

    @property
    def topics(self) -> tuple[Topic, ...]:
        return self.loaded.topics

    @property
    def entities(self) -> dict[str, Entity]:
        return self.loaded.entities

    def match(
        self,
        title: str,
        text: str,
        lang: str | None = None,
        published: date | datetime | None = None,
        keep_suppressed: bool = False,
    ) -> list[TopicHit]:
        return self.matcher.match(title, text, lang, published, keep_suppressed)


def load_ruleset(rules_path: Path, entities_path: Path) -> RuleSet:
    loaded = load_rules(Path(rules_path), Path(entities_path))
    return RuleSet(loaded, Matcher(loaded))


_CACHED: dict[tuple[str, str], tuple[tuple[int, int], RuleSet]] = {}


def cached_ruleset(rules_path: Path, entities_path: Path) -> RuleSet:
    """`load_ruleset`, once per process for a given state of the two files."""
    key = (str(rules_path), str(entities_path))
    stamp = (os.stat(rules_path).st_mtime_ns, os.stat(entities_path).st_mtime_ns)
    found = _CACHED.get(key)
    if found is None or found[0] != stamp:
        found = _CACHED[key] = (stamp, load_ruleset(rules_path, entities_path))
    return found[1]
