"""Warnings about rules that load but probably do not do what their author meant.

`rules check` prints them; they fail the check only with `--strict`. Three kinds:

- a query with no positive term (`NOT ceasefire`, `NOT a AND NOT b`) can never match: the
  matcher only considers a rule when one of the terms outside every NOT is in the article
  (checked on the query with its `$name` definitions expanded);
- a word that looks like a misspelt operator (`NEAR15`, `near/15`, `ADN`, `NAER/5`) is
  searched as a word, and the rule quietly means something else;
- a lower-case `and`/`or`/`not` between terms is searched as a word (operators are upper
  case), which is rarely what was meant: `talks or negotiations` needs the word "or" (checked
  on the text of every query, definitions included, so each is reported where it is written).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipelines.errors import RuleError
from pipelines.rules.loader import LoadedRules
from pipelines.rules.query import _lex, positive_atoms
from pipelines.yamlfile import node_at, parse, read_source, where

OPERATOR_WORDS = {"and": "AND", "or": "OR", "not": "NOT"}
OPERATORS = ("AND", "OR", "NOT", "NEAR", "SENTENCE", "PARA")
_NEAR_LIKE = re.compile(r"near/?(\d+)", re.IGNORECASE)


def _one_edit_apart(a: str, b: str) -> bool:
    """Whether `a` becomes `b` by one insertion, deletion, substitution or swap of neighbours."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diff) == 1 or (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def misspelt_operator(word: str) -> str | None:
    """The operator a word in a query was probably meant to be (`NEAR15`, `near/15`, `ADN`,
    `NAER/5`), or None. Such a word is searched as a word, so the rule quietly changes."""
    near = _NEAR_LIKE.fullmatch(word)
    if near:
        return f"NEAR/{near.group(1)}"
    head = word.split("/", 1)[0]
    if not head.isupper() or len(head) < 2:
        return None
    for op in OPERATORS:
        if _one_edit_apart(head, op):
            return op + word[len(head) :]
    return None


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
    defines = node_at(root, ("define",))
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
    source = read_source(rules_path, RuleError)
    _, root = parse(source, RuleError)
    warnings = []
    for ti, topic in enumerate(loaded.topics):
        for what, rules, loc in (
            ("rule", topic.rules, ("rules", "query")),
            ("exclusion", topic.exclude, ("exclude",)),
        ):
            for i, rule in enumerate(rules):
                if positive_atoms(rule.node):
                    continue
                node = node_at(root, ("topics", ti, loc[0], i, *loc[1:]))
                warnings.append(
                    RuleWarning(
                        where(source, node),
                        rule.id,
                        f"this {what} can never match: its query has no term outside NOT (a "
                        "bare NOT matches nothing); add what it must contain, e.g. "
                        "`talks AND NOT football`",
                    )
                )
    for name, text, loc in _queries(loaded, root):
        node = node_at(root, loc)
        for tok in _lex(text):
            if tok.kind != "word":
                continue
            meant = misspelt_operator(tok.text)
            if meant is not None:
                warnings.append(
                    RuleWarning(
                        where(source, node, tok.offset),
                        name,
                        f"{tok.text!r} is searched as a word; did you mean the operator {meant}?"
                        f' (quote it, "{tok.text}", to search the word)',
                    )
                )
                continue
            operator = OPERATOR_WORDS.get(tok.text.lower())
            if operator is not None and tok.text != operator:
                warnings.append(
                    RuleWarning(
                        where(source, node, tok.offset),
                        name,
                        f"{tok.text!r} is searched as a word, not as the operator {operator} "
                        f"(operators are upper case); write {operator}, or quote it "
                        f'("{tok.text}") to search the word',
                    )
                )
    return warnings
