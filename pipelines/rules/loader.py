"""rules.yaml and entities.yaml → validated models, with file:line:column errors and hints."""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pipelines.errors import RuleError
from pipelines.rules.query import Node, QuerySyntaxError, atoms, parse_query
from pipelines.yamlfile import node_at, parse, read_source, validate, where

ENTITY_TYPES = ("place", "person", "organisation", "event", "other")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EntitySpec(_Strict):
    id: str = Field(pattern=r"^[\w.-]+$")
    type: str
    names: dict[str, list[str]] = Field(description="language code -> names and aliases")
    description: str = ""

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        if value not in ENTITY_TYPES:
            raise ValueError(f"type must be one of {', '.join(ENTITY_TYPES)}")
        return value


class EntitiesFile(_Strict):
    entities: list[EntitySpec]
    groups: dict[str, list[str]] = Field(default_factory=dict)


class RuleSpec(_Strict):
    id: str = Field(pattern=r"^[\w.-]+$")
    query: str
    weight: float = Field(default=1.0, allow_inf_nan=False)


class TopicSpec(_Strict):
    id: str = Field(pattern=r"^[\w.-]+$")
    description: str = ""
    rules: list[RuleSpec] = Field(min_length=1)
    exclude: list[str] = Field(default_factory=list)
    threshold: float = Field(default=0.0, allow_inf_nan=False)
    focus: str | None = Field(
        default=None, description="query whose hits mark what the article must be about"
    )
    min_salience: float = Field(default=0.0, ge=0.0, le=1.0, allow_inf_nan=False)


class RulesFile(_Strict):
    define: dict[str, str] = Field(
        default_factory=dict, description="name -> query, used in queries as $name"
    )
    topics: list[TopicSpec] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class Entity:
    id: str
    type: str
    aliases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    query: str
    node: Node
    weight: float


@dataclass(frozen=True, slots=True)
class Topic:
    id: str
    description: str
    rules: tuple[Rule, ...]
    exclude: tuple[Rule, ...]
    threshold: float
    focus: Rule | None = None
    min_salience: float = 0.0


@dataclass(frozen=True, slots=True)
class LoadedRules:
    topics: tuple[Topic, ...]
    entities: dict[str, Entity]
    groups: dict[str, tuple[str, ...]]
    version: str


def _suggest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    return (
        f"did you mean {', '.join('@' + c for c in close)}?"
        if close
        else ("define it in entities.yaml (entities: or groups:)")
    )


def load_rules(rules_path: Path, entities_path: Path) -> LoadedRules:
    """Read and check both files; every problem is a RuleError naming file:line:column."""
    sources = {p: read_source(p, RuleError) for p in (rules_path, entities_path)}
    ent_source = sources[entities_path]
    ent_data, ent_root = parse(ent_source, RuleError)
    ents: EntitiesFile = validate(ent_source, EntitiesFile, ent_data, ent_root, RuleError)
    entities: dict[str, Entity] = {}
    for i, spec in enumerate(ents.entities):
        if spec.id in entities:
            node = node_at(ent_root, ("entities", i, "id"))
            raise RuleError(f"{where(ent_source, node)}: entity {spec.id!r} defined twice")
        aliases = tuple(dict.fromkeys(a for names in spec.names.values() for a in names if a))
        if not aliases:
            node = node_at(ent_root, ("entities", i, "names"))
            raise RuleError(f"{where(ent_source, node)}: entity {spec.id!r} has no names")
        entities[spec.id] = Entity(spec.id, spec.type, aliases)
    groups: dict[str, tuple[str, ...]] = {}
    for gname, members in ents.groups.items():
        if gname in entities:
            node = node_at(ent_root, ("groups", gname))
            raise RuleError(f"{where(ent_source, node)}: group {gname!r} has the id of an entity")
        for j, member in enumerate(members):
            if member not in entities:
                node = node_at(ent_root, ("groups", gname, j))
                raise RuleError(
                    f"{where(ent_source, node)}: group {gname!r} names unknown entity "
                    f"{member!r}\n  hint: {_suggest(member, list(entities))}"
                )
        groups[gname] = tuple(members)

    rules_source = sources[rules_path]
    data, root = parse(rules_source, RuleError)
    parsed: RulesFile = validate(rules_source, RulesFile, data, root, RuleError)
    known = list(entities) + list(groups)
    defined: dict[str, Node] = {}

    def compile_query(source: str, loc: tuple[Any, ...], rule_id: str, weight: float) -> Rule:
        node_yaml = node_at(root, loc)
        try:
            node = parse_query(source, defined)
        except QuerySyntaxError as exc:
            hint = f"\n  hint: {exc.hint}" if exc.hint else ""
            raise RuleError(
                f"{where(rules_source, node_yaml, exc.offset)}: {exc.message}{hint}"
            ) from exc
        for atom in atoms(node):
            if atom.kind == "entity" and atom.value not in entities and atom.value not in groups:
                raise RuleError(
                    f"{where(rules_source, node_yaml, atom.offset)}: unknown entity "
                    f"@{atom.value}\n  hint: {_suggest(atom.value, known)}"
                )
        return Rule(rule_id, source, node, weight)

    for name, source in parsed.define.items():
        if not re.fullmatch(r"[\w.-]+", name):
            node = node_at(root, ("define", name))
            raise RuleError(f"{where(rules_source, node)}: define: {name!r} is not a valid name")
        defined[name] = compile_query(source, ("define", name), name, 1.0).node
    topics = []
    seen_topics: set[str] = set()
    for ti, t in enumerate(parsed.topics):
        if t.id in seen_topics:
            node = node_at(root, ("topics", ti, "id"))
            raise RuleError(f"{where(rules_source, node)}: topic {t.id!r} defined twice")
        seen_topics.add(t.id)
        rule_ids: set[str] = set()
        rules = []
        for ri, r in enumerate(t.rules):
            if r.id in rule_ids:
                node = node_at(root, ("topics", ti, "rules", ri, "id"))
                raise RuleError(f"{where(rules_source, node)}: rule {r.id!r} defined twice")
            rule_ids.add(r.id)
            rules.append(
                compile_query(
                    r.query, ("topics", ti, "rules", ri, "query"), f"{t.id}.{r.id}", r.weight
                )
            )
        exclude = [
            compile_query(q, ("topics", ti, "exclude", ei), f"{t.id}.exclude{ei + 1}", 0.0)
            for ei, q in enumerate(t.exclude)
        ]
        focus = (
            compile_query(t.focus, ("topics", ti, "focus"), f"{t.id}.focus", 1.0)
            if t.focus is not None
            else None
        )
        topics.append(
            Topic(
                t.id,
                t.description,
                tuple(rules),
                tuple(exclude),
                t.threshold,
                focus,
                t.min_salience,
            )
        )
    version = version_of([sources[p].text for p in (rules_path, entities_path)])
    return LoadedRules(tuple(topics), entities, groups, version)


def version_of(texts: list[str]) -> str:
    """The rules version of the texts of rules.yaml and entities.yaml: what a match records."""
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def rules_version(rules_path: Path, entities_path: Path) -> str:
    """The version `load_rules` gives these files, from their texts alone (nothing compiled);
    RuleError when one cannot be read."""
    return version_of([read_source(p, RuleError).text for p in (rules_path, entities_path)])
