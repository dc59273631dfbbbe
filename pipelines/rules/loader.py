"""rules.yaml and entities.yaml → validated models, with file:line:column errors and hints."""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipelines.errors import RuleError
from pipelines.rules.query import Node, QuerySyntaxError, atoms, parse_query

ENTITY_TYPES = ("place", "person", "organisation", "event", "other")
# rules.yaml needs five levels; the bound keeps PyYAML's recursive composer off the stack limit.
MAX_YAML_DEPTH = 64


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


class _PositionedValueErrors:
    """Loader mixin: value errors carry a position. PyYAML raises a bare ValueError for an
    impossible date such as 2025-13-45."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)  # type: ignore[misc]
        except yaml.YAMLError:
            raise
        except (ValueError, TypeError, OverflowError) as exc:
            what = repr(node.value) if isinstance(node, yaml.ScalarNode) else node.tag
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read {what}: {exc}", node.start_mark
            ) from exc


class _Loader(_PositionedValueErrors, yaml.SafeLoader):
    """The pure-Python loader: it describes every problem of a file (see `_compose`)."""


_FastLoader: type | None = (
    type("_FastLoader", (_PositionedValueErrors, yaml.CSafeLoader), {})
    if getattr(yaml, "__with_libyaml__", False)
    else None
)
"""The same loader on libyaml's C parser (PyYAML's wheels ship it): reads rules.yaml ~5 times
faster, which every run and every extraction worker does as it starts."""


@dataclass(frozen=True, slots=True)
class _Source:
    """A YAML file and its text: errors point at path:line:column of the text."""

    path: Path
    text: str


def _at(path: Path, text: str, offset: int) -> str:
    """path:line:column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"{path}:{line}:{column}"


def _marked(path: Path, mark: Any) -> str:
    """path:line:column of a PyYAML mark (pure-Python or C flavour), or path:1:1 without one."""
    return f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else f"{path}:1:1"


def _check_depth(source: _Source, loader: type) -> None:
    depth = 0
    for event in yaml.parse(source.text, Loader=loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise RuleError(
                    f"{_marked(source.path, event.start_mark)}: YAML nested deeper than "
                    f"{MAX_YAML_DEPTH} levels\n  hint: look for unclosed [ or {{ brackets"
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _read_yaml(source: _Source, loader: type) -> tuple[Any, yaml.Node | None]:
    """The data and the node tree of a file, parsed once (the data is built from the nodes,
    which keep the positions errors point at)."""
    _check_depth(source, loader)
    reader = loader(source.text)
    try:
        root = reader.get_single_node()
        return (reader.construct_document(root) if root is not None else None), root
    finally:
        reader.dispose()


def _compose(source: _Source) -> tuple[Any, yaml.Node | None]:
    if _FastLoader is not None:
        try:
            return _read_yaml(source, _FastLoader)
        except yaml.YAMLError:
            pass  # the pure-Python loader below says what is wrong, and where, in its words
    try:
        return _read_yaml(source, _Loader)
    except yaml.reader.ReaderError as exc:
        raise RuleError(
            f"{_at(source.path, source.text, exc.position)}: invalid YAML: character "
            f"#x{exc.character:04x} is not allowed: {exc.reason}\n"
            "  hint: remove it (a rules file is plain UTF-8 text)"
        ) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or exc
        raise RuleError(f"{_marked(source.path, mark)}: invalid YAML: {problem}") from exc


def _node_at(root: yaml.Node | None, loc: tuple[Any, ...]) -> yaml.Node | None:
    node = root
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == key), None)
            if pair is None:
                return node
            node = pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            return node
    return node


def _source_index(node: yaml.ScalarNode, text: str, offset: int) -> int:
    """The index in the YAML text of character `offset` of a scalar's value.

    Folding, block indentation and line breaks only change whitespace, so the n-th
    non-blank character of the value is the n-th non-blank character of the scalar's text.
    """
    pos, end = node.start_mark.index, node.end_mark.index
    if node.style in ("|", ">"):
        header_end = text.find("\n", pos, end)
        pos = end if header_end < 0 else header_end + 1
    elif node.style in ("'", '"'):
        pos += 1
    wanted = sum(not c.isspace() for c in node.value[:offset])
    while pos < end and (wanted or text[pos].isspace()):
        wanted -= not text[pos].isspace()
        pos += 1
    return pos


def _where(source: _Source, node: yaml.Node | None, offset: int = 0) -> str:
    if node is None:
        return f"{source.path}:1:1"
    if isinstance(node, yaml.ScalarNode):
        return _at(source.path, source.text, _source_index(node, source.text, offset))
    return _marked(source.path, node.start_mark)


def _validate(source: _Source, model: type[BaseModel], data: Any, root: yaml.Node | None) -> Any:
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            dotted = ".".join(str(p) for p in loc) or "(top level)"
            lines.append(f"{_where(source, _node_at(root, loc))}: {dotted}: {err['msg']}")
        raise RuleError("\n".join(lines)) from exc


def _suggest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    return (
        f"did you mean {', '.join('@' + c for c in close)}?"
        if close
        else ("define it in entities.yaml (entities: or groups:)")
    )


def load_rules(rules_path: Path, entities_path: Path) -> LoadedRules:
    """Read and check both files; every problem is a RuleError naming file:line:column."""
    texts = {}
    for p in (rules_path, entities_path):
        try:
            raw = p.read_bytes()
        except FileNotFoundError as exc:
            raise RuleError(f"{p}: file not found") from exc
        except OSError as exc:
            raise RuleError(f"{p}: cannot read: {exc}") from exc
        try:
            texts[p] = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            before = raw[: exc.start].decode("utf-8", "replace")
            byte = raw[exc.start]
            raise RuleError(
                f"{_at(p, before, len(before))}: not UTF-8: {exc.reason} (byte {byte:#04x})"
                "\n  hint: save the file as UTF-8"
            ) from exc
    ent_source = _Source(entities_path, texts[entities_path])
    ent_data, ent_root = _compose(ent_source)
    ents: EntitiesFile = _validate(ent_source, EntitiesFile, ent_data, ent_root)
    entities: dict[str, Entity] = {}
    for i, spec in enumerate(ents.entities):
        if spec.id in entities:
            node = _node_at(ent_root, ("entities", i, "id"))
            raise RuleError(f"{_where(ent_source, node)}: entity {spec.id!r} defined twice")
        aliases = tuple(dict.fromkeys(a for names in spec.names.values() for a in names if a))
        if not aliases:
            node = _node_at(ent_root, ("entities", i, "names"))
            raise RuleError(f"{_where(ent_source, node)}: entity {spec.id!r} has no names")
        entities[spec.id] = Entity(spec.id, spec.type, aliases)
    groups: dict[str, tuple[str, ...]] = {}
    for gname, members in ents.groups.items():
        if gname in entities:
            node = _node_at(ent_root, ("groups", gname))
            raise RuleError(f"{_where(ent_source, node)}: group {gname!r} has the id of an entity")
        for j, member in enumerate(members):
            if member not in entities:
                node = _node_at(ent_root, ("groups", gname, j))
                raise RuleError(
                    f"{_where(ent_source, node)}: group {gname!r} names unknown entity "
                    f"{member!r}\n  hint: {_suggest(member, list(entities))}"
                )
        groups[gname] = tuple(members)

    rules_source = _Source(rules_path, texts[rules_path])
    data, root = _compose(rules_source)
    parsed: RulesFile = _validate(rules_source, RulesFile, data, root)
    known = list(entities) + list(groups)
    defined: dict[str, Node] = {}

    def compile_query(source: str, loc: tuple[Any, ...], rule_id: str, weight: float) -> Rule:
        node_yaml = _node_at(root, loc)
        try:
            node = parse_query(source, defined)
        except QuerySyntaxError as exc:
            hint = f"\n  hint: {exc.hint}" if exc.hint else ""
            raise RuleError(
                f"{_where(rules_source, node_yaml, exc.offset)}: {exc.message}{hint}"
            ) from exc
        for atom in atoms(node):
            if atom.kind == "entity" and atom.value not in entities and atom.value not in groups:
                raise RuleError(
                    f"{_where(rules_source, node_yaml, atom.offset)}: unknown entity "
                    f"@{atom.value}\n  hint: {_suggest(atom.value, known)}"
                )
        return Rule(rule_id, source, node, weight)

    for name, source in parsed.define.items():
        if not re.fullmatch(r"[\w.-]+", name):
            node = _node_at(root, ("define", name))
            raise RuleError(f"{_where(rules_source, node)}: define: {name!r} is not a valid name")
        defined[name] = compile_query(source, ("define", name), name, 1.0).node
    topics = []
    seen_topics: set[str] = set()
    for ti, t in enumerate(parsed.topics):
        if t.id in seen_topics:
            node = _node_at(root, ("topics", ti, "id"))
            raise RuleError(f"{_where(rules_source, node)}: topic {t.id!r} defined twice")
        seen_topics.add(t.id)
        rule_ids: set[str] = set()
        rules = []
        for ri, r in enumerate(t.rules):
            if r.id in rule_ids:
                node = _node_at(root, ("topics", ti, "rules", ri, "id"))
                raise RuleError(f"{_where(rules_source, node)}: rule {r.id!r} defined twice")
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
    digest = hashlib.sha256()
    for p in (rules_path, entities_path):
        digest.update(texts[p].encode("utf-8"))
        digest.update(b"\0")
    return LoadedRules(tuple(topics), entities, groups, digest.hexdigest()[:16])
