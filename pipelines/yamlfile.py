"""YAML files read with their positions, so that every problem names path:line:column.

The one reader of newswatch's YAML: `settings.yaml` and `feeds.yaml` (`pipelines.config`) and
`rules.yaml` and `entities.yaml` (`pipelines.rules.loader`). Each caller passes the error class
its problems are raised as (`ConfigError`, `RuleError`). `${NAME}` references in values are
expanded here too (`expand_env_in`), so an unset one is reported at its line and column.
"""

from __future__ import annotations

import difflib
import os
import re
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from pipelines.errors import ConfigError

M = TypeVar("M", bound=BaseModel)

MAX_DEPTH = 64
"""rules.yaml needs five levels; the bound keeps PyYAML's recursive composer off the stack
limit."""


@dataclass(frozen=True, slots=True)
class YamlSource:
    """A YAML file and its text: errors point at path:line:column of the text."""

    path: Path
    text: str


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
    """The pure-Python loader: it describes every problem of a file (see `parse`)."""


_FastLoader: type | None = (
    type("_FastLoader", (_PositionedValueErrors, yaml.CSafeLoader), {})
    if getattr(yaml, "__with_libyaml__", False)
    else None
)
"""The same loader on libyaml's C parser (PyYAML's wheels ship it): it reads rules.yaml several
times faster, which every run and every extraction worker does as it starts."""


def at(path: Path, text: str, offset: int) -> str:
    """path:line:column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"{path}:{line}:{column}"


def _marked(path: Path, mark: Any) -> str:
    """path:line:column of a PyYAML mark (pure-Python or C flavour), or path:1:1 without one."""
    return f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else f"{path}:1:1"


def read_source(path: Path, error: type[ConfigError] = ConfigError) -> YamlSource:
    """The file's text; a missing, unreadable or non-UTF-8 file raises `error`."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise error(f"{path}: file not found") from exc
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc}") from exc
    try:
        return YamlSource(path, raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        before = raw[: exc.start].decode("utf-8", "replace")
        byte = raw[exc.start]
        raise error(
            f"{at(path, before, len(before))}: not UTF-8: {exc.reason} (byte {byte:#04x})"
            "\n  hint: save the file as UTF-8"
        ) from exc


def _check_depth(source: YamlSource, loader: type, error: type[ConfigError]) -> None:
    depth = 0
    for event in yaml.parse(source.text, Loader=loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise error(
                    f"{_marked(source.path, event.start_mark)}: YAML nested deeper than "
                    f"{MAX_DEPTH} levels\n  hint: look for unclosed [ or {{ brackets"
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _read(
    source: YamlSource, loader: type, error: type[ConfigError]
) -> tuple[Any, yaml.Node | None]:
    """The data and the node tree of a file, parsed once (the data is built from the nodes,
    which keep the positions errors point at)."""
    _check_depth(source, loader, error)
    reader = loader(source.text)
    try:
        root = reader.get_single_node()
        _check_unique_keys(source, root, error)
        return (reader.construct_document(root) if root is not None else None), root
    finally:
        reader.dispose()


def _check_unique_keys(
    source: YamlSource, root: yaml.Node | None, error: type[ConfigError]
) -> None:
    """A key written twice in one mapping is an error at its second place: YAML keeps the last
    and drops the first without a word (a second `fetch:` section lost the first one's
    `allow_private_networks`)."""
    todo = [root]
    visited: set[int] = set()
    while todo:
        node = todo.pop()
        if id(node) in visited:  # an alias points at a node already read
            continue
        visited.add(id(node))
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, yaml.Node] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    first = seen.setdefault(key.value, key)
                    if first is not key:
                        raise error(
                            f"{where(source, key)}: the key {key.value!r} is already set at "
                            f"line {first.start_mark.line + 1}; YAML would keep only this one\n"
                            "  hint: merge the two into one"
                        )
                todo.append(value)
        elif isinstance(node, yaml.SequenceNode):
            todo.extend(node.value)


def parse(
    source: YamlSource, error: type[ConfigError] = ConfigError
) -> tuple[Any, yaml.Node | None]:
    """The file's data and its node tree; invalid YAML raises `error` at path:line:column."""
    if _FastLoader is not None:
        try:
            return _read(source, _FastLoader, error)
        except yaml.YAMLError:
            pass  # the pure-Python loader below says what is wrong, and where, in its words
    try:
        return _read(source, _Loader, error)
    except yaml.reader.ReaderError as exc:
        raise error(
            f"{at(source.path, source.text, exc.position)}: invalid YAML: character "
            f"#x{exc.character:04x} is not allowed: {exc.reason}\n"
            "  hint: remove it (a YAML file is plain UTF-8 text)"
        ) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or exc
        raise error(f"{_marked(source.path, mark)}: invalid YAML: {problem}") from exc


def node_at(
    root: yaml.Node | None, loc: tuple[Any, ...], key_node: bool = False
) -> yaml.Node | None:
    """The node at a pydantic error location, or the deepest one on its way that exists (the
    mapping that lacks a required key). With `key_node`, the last key itself rather than its
    value (an unknown key is wrong where it is written, not where its value starts)."""
    node = root
    for depth, key in enumerate(loc):
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == key), None)
            if pair is None:
                return node
            node = pair[0] if key_node and depth == len(loc) - 1 else pair[1]
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


def where(source: YamlSource, node: yaml.Node | None, offset: int = 0) -> str:
    """path:line:column of a node (of character `offset` of a scalar's value)."""
    if node is None:
        return f"{source.path}:1:1"
    if isinstance(node, yaml.ScalarNode):
        return at(source.path, source.text, _source_index(node, source.text, offset))
    return _marked(source.path, node.start_mark)


def validate(
    source: YamlSource,
    model: type[M],
    data: Any,
    root: yaml.Node | None,
    error: type[ConfigError] = ConfigError,
) -> M:
    """Validate parsed YAML against a model; each problem is one line of `error` naming
    path:line:column, the field and what is wrong."""
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            dotted = ".".join(str(p) for p in loc) or "(top level)"
            message = err["msg"]
            unknown = err["type"] == "extra_forbidden" and bool(loc)
            if unknown:
                message = unknown_key_message(str(loc[-1]), known_keys(model, loc[:-1]))
            lines.append(f"{where(source, node_at(root, loc, unknown))}: {dotted}: {message}")
        raise error("\n".join(lines)) from exc


def unknown_key_message(key: str, known: list[str]) -> str:
    """What to say about a key the model does not have: the closest known key when there is
    one (a typo), and the keys that exist there, instead of pydantic's "Extra inputs are not
    permitted", which says neither what is wrong nor what was expected."""
    if not known:
        return "unknown key"
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    guess = f"; did you mean {close[0]}?" if close else ""
    return f"unknown key{guess} (expected one of: {', '.join(known)})"


def known_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys the mapping at `loc` (a pydantic error location without its last part) may
    have, following fields, list items and dict values of `model`; [] when unknown."""
    current: Any = model
    for part in loc:
        current = _model_or_type(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            fields = {f.alias or name: f for name, f in current.model_fields.items()}
            field = fields.get(part) if isinstance(part, str) else None
            if field is None:
                return []
            current = field.annotation
            continue
        args = get_args(current)
        if get_origin(current) in (list, tuple, set, frozenset) and args:
            current = args[0]
        elif get_origin(current) is dict and len(args) == 2:
            current = args[1]
        else:
            return []
    current = _model_or_type(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or name for name, f in current.model_fields.items()]
    return []


def _model_or_type(annotation: Any) -> Any:
    """`X` of `Annotated[X, …]`, and the model among the members of `X | None`."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        models = [a for a in members if isinstance(a, type) and issubclass(a, BaseModel)]
        return (models or members)[0]
    return annotation


_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def expand_env(value: Any, loc: tuple[Any, ...] = ()) -> Any:
    """Replace `${NAME}` / `${NAME:-default}` in every string of a parsed YAML tree; a name
    that is not set raises an UnsetVariable with the location (`loc`) of its value."""
    if isinstance(value, str):

        def _sub(m: re.Match[str]) -> str:
            name, default = m.group(1), m.group(2)
            if name in os.environ:
                return os.environ[name]
            if default is not None:
                return default
            raise UnsetVariable(
                f"environment variable {name} is referenced here but not set; "
                f"export it or write ${{{name}:-default}}",
                loc,
            )

        return _ENV_REF.sub(_sub, value)
    if isinstance(value, list):
        return [expand_env(v, (*loc, i)) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {k: expand_env(v, (*loc, k)) for k, v in value.items()}
    return value


class UnsetVariable(ConfigError):
    """`${NAME}` in a YAML value, NAME not set: `loc` is where (keys and list indexes)."""

    def __init__(self, message: str, loc: tuple[Any, ...]) -> None:
        super().__init__(message)
        self.loc = loc


def expand_env_in(source: YamlSource, data: Any, root: Any) -> Any:
    """`expand_env` of a file's data; an unset variable is reported at its file:line:column."""
    try:
        return expand_env(data)
    except UnsetVariable as exc:
        raise ConfigError(f"{where(source, node_at(root, exc.loc))}: {exc}") from None
