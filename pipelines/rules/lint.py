"""Warnings about rules that load but probably do not do what their author meant.

`rules check` prints them; they fail the check only with `--strict`. Two kinds:

- a query with no positive term (`NOT ceasefire`, `NOT a AND NOT b`) can never match: the
  matcher only considers a rule when one of the terms outside every NOT is in the article
  (checked on the query with its `$name` definitions expanded);
- a lower-case `and`/`or`/`not` between terms is searched as a word (operators are upper
  case), which is rarely what was meant: `talks or negotiations` needs the word "or" (checked
  on the text of every query, definitions included, so each is reported where it is written).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipelines.rules.loader import LoadedRules, _compose, _node_at, _Source, _where
from pipelines.rules.query import _lex, positive_atoms

OPERATOR_WORDS = {"and": "AND", "or": "OR", "not": "NOT"}


@dataclass(frozen=True, slots=True)
class RuleWarning:
    """`where` is path:line:column; `rule` names the query (topic.rule, topic.excludeN, …)."""

    where: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.rule}: {self.message}"


def _queries(loaded: LoadedRules, root: Any) -> Iterator[tuple[str, str, tuple[Any, ...]]]:
    """(name, source text, YAML location) of every query in the rules file."""
    defines = _node_at(root, ("define",))
    if isinstance(defines, yaml.MappingNode):
        for key, value in defines.value:
            if isinstance(value, yaml.ScalarNode):
                yield key.value, value.value, ("define", key.value)
    for ti, topic in enumerate(loaded.topics):
        for ri, rule in enumerate(topic.rules):
            yield rule.id, rule.query, ("topics", ti, "rules", ri, "query")
        for ei, rule in enumerate(topic.exclude):
            yield rule.id, rule.query, ("topics", ti, "exclude", ei)
        if topic.focus is not None:
            yield topic.focus.id, topic.focus.query, ("topics", ti, "focus")


def lint_rules(loaded: LoadedRules, rules_path: Path) -> list[RuleWarning]:
    """Every warning for the rules of `loaded`, which were read from `rules_path`."""
    source = _Source(rules_path, rules_path.read_text("utf-8"))
    _, root = _compose(source)
    warnings = []
    for ti, topic in enumerate(loaded.topics):
        for what, rules, loc in (
            ("rule", topic.rules, ("rules", "query")),
            ("exclusion", topic.exclude, ("exclude",)),
        ):
            for i, rule in enumerate(rules):
                if positive_atoms(rule.node):
                    continue
                node = _node_at(root, ("topics", ti, loc[0], i, *loc[1:]))
                warnings.append(
                    RuleWarning(
                        _where(source, node),
                        rule.id,
                        f"this {what} can never match: its query has no term outside NOT (a "
                        "bare NOT matches nothing); add what it must contain, e.g. "
                        "`talks AND NOT football`",
                    )
                )
    for name, text, loc in _queries(loaded, root):
        node = _node_at(root, loc)
        for tok in _lex(text):
            operator = OPERATOR_WORDS.get(tok.text.lower()) if tok.kind == "word" else None
            if operator is not None and tok.text != operator:
                warnings.append(
                    RuleWarning(
                        _where(source, node, tok.offset),
                        name,
                        f"{tok.text!r} is searched as a word, not as the operator {operator} "
                        f"(operators are upper case); write {operator}, or quote it "
                        f'("{tok.text}") to search the word',
                    )
                )
    return warnings
