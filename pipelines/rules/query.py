"""The rule query language: tokenizer and recursive-descent parser producing an AST.

    query   := or
    or      := and ("OR" and)*
    and     := near (["AND"] near)*          adjacent operands are ANDed
    near    := unary ("NEAR/" n unary)*       unordered, within n words, same field
    unary   := "NOT" unary | scope "(" or ")" | period | field? primary
    scope   := "SENTENCE" | "PARA"            all of it inside one sentence / paragraph
    period  := ("date:" | "year:") PERIOD     publication date / a year written in the text
    field   := ("title:" | "lead:" | "text:")
    primary := "(" or ")" | "quoted phrase" | word* | word | @entity | $name
                                              $name: a query defined under `define:`

Operators are upper case (AND, OR, NOT, NEAR/n, SENTENCE, PARA); lower-case "and"/"or"/"not"
are words. PERIOD is 2025, 2025-05, 2025-05-16, or a range A..B with either end left open.
Every error carries the offset of the offending character (and its line and column) and a hint.
Nesting is bounded (MAX_DEPTH) so that neither this parser nor the matcher, both recursive, can
run out of stack on a hostile or mistaken query.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from pipelines.errors import RuleError
from pipelines.rules.structure import PeriodError, parse_period

FIELDS = ("title", "lead", "text")
PERIOD_FIELDS = ("date", "year")
SCOPES = ("sentence", "para")
MAX_DEPTH = 50


class QuerySyntaxError(RuleError):
    """A query that does not parse. offset is 0-based; line and column are 1-based."""

    def __init__(self, message: str, offset: int, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.hint = hint
        self.line = 1
        self.column = offset + 1

    def locate(self, source: str) -> None:
        """Set line and column of the offset within `source`."""
        line_start = source.rfind("\n", 0, self.offset) + 1
        self.line = source.count("\n", 0, self.offset) + 1
        self.column = self.offset - line_start + 1


@dataclass(frozen=True, slots=True)
class Atom:
    """A leaf: kind is 'term', 'phrase', 'prefix', 'entity', 'date' (publication date in a
    period) or 'year' (a year of the period written in the text); for the last two `value` is
    the period as written."""

    kind: str
    value: str
    field: str | None
    offset: int

    @property
    def label(self) -> str:
        scope = f"{self.field}:" if self.field else ""
        shown = {
            "phrase": f'"{self.value}"',
            "prefix": f"{self.value}*",
            "entity": f"@{self.value}",
            "date": f"date:{self.value}",
            "year": f"year:{self.value}",
        }.get(self.kind, self.value)
        return scope + shown


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


@dataclass(frozen=True, slots=True)
class Near:
    left: Node
    right: Node
    distance: int


@dataclass(frozen=True, slots=True)
class Scope:
    """`child` must hold with all its evidence inside one sentence ('sentence') or one
    paragraph ('para') of one field."""

    unit: str
    child: Node


Node = Atom | And | Or | Not | Near | Scope

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<phrase>"[^"]*"?)
  | (?P<near>NEAR(?:/\S*)?)(?=[\s()"]|$)
  | (?P<op>AND|OR|NOT)(?=[\s()"]|$)
  | (?P<scope>SENTENCE|PARA)(?=\s*\()
  | (?P<field>[A-Za-z_]+:)
  | (?P<entity>@[\w.-]*)
  | (?P<macro>\$[\w.-]*)
  | (?P<word>[^\s()"@]+)
    """,
    re.VERBOSE | re.UNICODE,
)


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str
    text: str
    offset: int


def _lex(source: str) -> list[_Tok]:
    toks = []
    pos = 0
    while pos < len(source):
        m = _TOKEN.match(source, pos)
        if m is None:  # pragma: no cover - the word class accepts everything else
            raise QuerySyntaxError(f"unexpected character {source[pos]!r}", pos)
        kind = m.lastgroup or ""
        if kind != "ws":
            toks.append(_Tok(kind, m.group(), pos))
        pos = m.end()
    return toks


class _Parser:
    def __init__(self, source: str, defined: Mapping[str, Node]) -> None:
        self.source = source
        self.defined = defined
        self.toks = _lex(source)
        self.i = 0
        self.depth = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def end_offset(self) -> int:
        return len(self.source)

    def deeper(self, tok: _Tok) -> None:
        """Enter one more level of parentheses, NOT or NEAR; refuse past MAX_DEPTH."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QuerySyntaxError(
                f"query nested too deeply (more than {MAX_DEPTH} levels of parentheses, "
                "NOT and NEAR)",
                tok.offset,
                "flatten it, or split it into several rules of the topic",
            )

    def parse(self) -> Node:
        if not self.toks:
            raise QuerySyntaxError("empty query", 0, "write at least one term")
        node = self.parse_or()
        tok = self.peek()
        if tok is not None:
            if tok.kind == "rparen":
                raise QuerySyntaxError(
                    "unbalanced parenthesis: ')' without a matching '('",
                    tok.offset,
                    "remove it or add the opening '('",
                )
            raise QuerySyntaxError(f"unexpected {tok.text!r}", tok.offset)  # pragma: no cover
        return node

    def parse_or(self) -> Node:
        parts = [self.parse_and()]
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.text == "OR":
            self.take()
            parts.append(self.parse_and(after=tok))
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def parse_and(self, after: _Tok | None = None) -> Node:
        parts = [self.parse_near(after)]
        while (tok := self.peek()) is not None:
            if tok.kind == "op" and tok.text == "AND":
                self.take()
                parts.append(self.parse_near(tok))
            elif tok.kind == "rparen" or (tok.kind == "op" and tok.text == "OR"):
                break
            else:
                parts.append(self.parse_near())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def parse_near(self, after: _Tok | None = None) -> Node:
        node = self.parse_unary(after)
        links = 0
        while (tok := self.peek()) is not None and tok.kind == "near":
            self.take()
            self.deeper(tok)
            links += 1
            m = re.fullmatch(r"NEAR/(\d+)", tok.text)
            if not m:
                raise QuerySyntaxError(
                    f"{tok.text!r}: NEAR needs a word distance",
                    tok.offset,
                    "write NEAR/5 for 'within 5 words, in any order'",
                )
            distance = int(m.group(1))
            if distance < 1:
                raise QuerySyntaxError("NEAR distance must be at least 1", tok.offset)
            node = Near(node, self.parse_unary(tok), distance)
        self.depth -= links
        return node

    def parse_unary(self, after: _Tok | None = None) -> Node:
        tok = self.peek()
        if tok is None:
            where = after.offset if after else self.end_offset()
            what = f"after {after.text!r}" if after else "at the end of the query"
            raise QuerySyntaxError(
                f"expected a term, phrase, @entity or '(' {what}",
                where,
                "an operator needs an operand on both sides",
            )
        if tok.kind == "op" and tok.text == "NOT":
            self.take()
            self.deeper(tok)
            node = Not(self.parse_unary(tok))
            self.depth -= 1
            return node
        if tok.kind == "scope":
            self.take()
            nxt = self.peek()
            assert nxt is not None and nxt.kind == "lparen"  # the lexer saw it
            self.deeper(tok)
            node = Scope(tok.text.lower(), self.parse_primary(None, tok))
            self.depth -= 1
            return node
        field = None
        if tok.kind == "field":
            self.take()
            field = tok.text[:-1].lower()
            if field in PERIOD_FIELDS:
                return self.parse_period(tok, field)
            if field not in FIELDS:
                raise QuerySyntaxError(
                    f"unknown field {tok.text!r}",
                    tok.offset,
                    "fields are title:, lead: and text:; periods are date: and year:",
                )
            nxt = self.peek()
            if nxt is None or nxt.kind not in ("word", "phrase", "entity", "macro", "lparen"):
                raise QuerySyntaxError(
                    f"expected a term, phrase, @entity or '(' after {tok.text!r}",
                    tok.offset + len(tok.text),
                    "write e.g. title:Istanbul or title:(talks OR negotiations)",
                )
        return self.parse_primary(field, after)

    def parse_period(self, tok: _Tok, field: str) -> Atom:
        nxt = self.peek()
        if nxt is None or nxt.kind != "word":
            raise QuerySyntaxError(
                f"expected a period after {tok.text!r}",
                tok.offset + len(tok.text),
                f"write e.g. {field}:2025-05.. or {field}:2022",
            )
        self.take()
        try:
            parse_period(nxt.text)
        except PeriodError as exc:
            raise QuerySyntaxError(
                f"bad period {nxt.text!r}", nxt.offset, f"{exc}; ranges are A..B, A.. or ..B"
            ) from None
        return Atom(field, nxt.text, None, tok.offset)

    def parse_primary(self, field: str | None, after: _Tok | None) -> Node:
        tok = self.peek()
        assert tok is not None
        if tok.kind == "lparen":
            self.take()
            if (nxt := self.peek()) is not None and nxt.kind == "rparen":
                raise QuerySyntaxError("empty parentheses", tok.offset, "put a query inside")
            self.deeper(tok)
            node = self.parse_or()
            self.depth -= 1
            close = self.peek()
            if close is None or close.kind != "rparen":
                raise QuerySyntaxError(
                    "unbalanced parenthesis: '(' is never closed",
                    tok.offset,
                    "add the missing ')'",
                )
            self.take()
            return _scoped(node, field) if field else node
        if tok.kind in ("op", "near", "rparen", "scope"):
            where = f"after {after.text!r}" if after else f"before {tok.text!r}"
            raise QuerySyntaxError(
                f"expected a term, phrase, @entity or '(' {where}",
                tok.offset,
                "an operator needs an operand on both sides; to search the word itself, "
                'quote it ("and") or write it in lower case',
            )
        self.take()
        if tok.kind == "phrase":
            if len(tok.text) < 2 or not tok.text.endswith('"'):
                raise QuerySyntaxError(
                    "unterminated phrase: missing closing '\"'",
                    tok.offset,
                    'close the phrase with "',
                )
            inner = tok.text[1:-1].strip()
            if not inner:
                raise QuerySyntaxError("empty phrase", tok.offset, 'write words between the ""')
            return Atom("phrase", inner, field, tok.offset)
        if tok.kind == "entity":
            name = tok.text[1:]
            if not name:
                raise QuerySyntaxError(
                    "'@' without an entity id",
                    tok.offset,
                    "write @kharkiv or a group such as @occupied_regions",
                )
            return Atom("entity", name, field, tok.offset)
        if tok.kind == "macro":
            node = self.defined.get(tok.text[1:])
            if node is None:
                close = difflib.get_close_matches(tok.text[1:], list(self.defined), n=3)
                raise QuerySyntaxError(
                    f"unknown definition {tok.text!r}",
                    tok.offset,
                    f"did you mean {', '.join('$' + c for c in close)}?"
                    if close
                    else "define it under `define:` in rules.yaml, before its first use",
                )
            return _scoped(node, field) if field else node
        if tok.kind == "field":  # pragma: no cover - handled in parse_unary
            raise QuerySyntaxError(f"unexpected {tok.text!r}", tok.offset)
        word = tok.text
        if word.endswith("*"):
            stem = word.rstrip("*")
            if "*" in stem or len(stem) < 3:
                raise QuerySyntaxError(
                    f"wildcard {word!r} is too short or misplaced",
                    tok.offset,
                    "a prefix wildcard needs at least 3 letters before a final * (negotiat*)",
                )
            return Atom("prefix", stem, field, tok.offset)
        if "*" in word:
            raise QuerySyntaxError(
                f"wildcard inside {word!r}", tok.offset, "only a final * is supported (negotiat*)"
            )
        return Atom("term", word, field, tok.offset)


def _scoped(node: Node, field: str) -> Node:
    """Apply a field scope to every atom under a parenthesised group."""
    if isinstance(node, Atom):
        return Atom(node.kind, node.value, node.field or field, node.offset)
    if isinstance(node, And):
        return And(tuple(_scoped(c, field) for c in node.children))
    if isinstance(node, Or):
        return Or(tuple(_scoped(c, field) for c in node.children))
    if isinstance(node, Not):
        return Not(_scoped(node.child, field))
    if isinstance(node, Scope):
        return Scope(node.unit, _scoped(node.child, field))
    return Near(_scoped(node.left, field), _scoped(node.right, field), node.distance)


def parse_query(source: str, defined: Mapping[str, Node] | None = None) -> Node:
    """Parse a query; raises QuerySyntaxError (a RuleError) with the offset, line and column
    of the problem. `defined` holds the parsed `define:` queries that $name refers to."""
    try:
        return _Parser(source, defined or {}).parse()
    except QuerySyntaxError as exc:
        exc.locate(source)
        raise


def atoms(node: Node) -> list[Atom]:
    if isinstance(node, Atom):
        return [node]
    if isinstance(node, And | Or):
        return [a for c in node.children for a in atoms(c)]
    if isinstance(node, Not | Scope):
        return atoms(node.child)
    return atoms(node.left) + atoms(node.right)


def positive_atoms(node: Node) -> list[Atom]:
    """Atoms not under a NOT: a rule can only fire if one of them is present."""
    if isinstance(node, Atom):
        return [node]
    if isinstance(node, And | Or):
        return [a for c in node.children for a in positive_atoms(c)]
    if isinstance(node, Not):
        return []
    if isinstance(node, Scope):
        return positive_atoms(node.child)
    return positive_atoms(node.left) + positive_atoms(node.right)
