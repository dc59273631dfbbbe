"""Property-based fuzzing of the two parsers that read outside input: feeds and rules.

- parse_feed on arbitrary bytes and on generated RSS / RSS 1.0 / Atom, intact (the first
  max_items entries come back exactly) and mutated (truncated, bytes inserted, slices dropped
  or repeated): it always returns, with items or an error, and only http(s) URLs;
- the rule query parser on arbitrary and query-like text: a query, or a RuleError whose line
  and column lie inside the input — never another exception, however deep the nesting;
- the rules loader on mutated copies of config/rules.yaml: it loads, or raises a RuleError
  that starts with file:line:column.

Examples are derandomized and no database is kept, so CI runs the same cases every time.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.config import DEFAULT_CONFIG_DIR
from pipelines.errors import RuleError
from pipelines.ingest.feeds import ParsedFeed, parse_feed
from pipelines.rules import load_ruleset
from pipelines.rules.loader import load_rules
from pipelines.rules.query import MAX_DEPTH, QuerySyntaxError, atoms, parse_query

FEED_URL = "https://fuzz.example/feed"
SHIPPED_RULES = (DEFAULT_CONFIG_DIR / "rules.yaml").read_text(encoding="utf-8")
ENTITIES = DEFAULT_CONFIG_DIR / "entities.yaml"


def fuzz(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# --- feeds -----------------------------------------------------------------------------------

# Latin-1 letters are left out: feedparser deliberately "repairs" text that is valid UTF-8 once
# re-encoded as Latin-1 ('Â¡' becomes '¡'), so those titles do not round-trip by design.
titles = st.text(
    alphabet=st.characters(
        categories=["L", "N", "Zs", "Pd", "Po"], exclude_characters="&'\""
    ).filter(lambda c: not "\x80" <= c <= "\xff"),
    max_size=30,
)
entries = st.lists(
    st.tuples(titles, st.integers(0, 10**6), st.booleans()),
    max_size=12,
    unique_by=lambda e: e[1],
)


def build_feed(kind: str, items: list[tuple[str, int, bool]]) -> str:
    """An RSS 2.0, RSS 1.0 or Atom document; a trap entry hides closing tags in CDATA."""
    parts = []
    for title, n, trap in items:
        link = f"https://fuzz.example/{n}"
        hidden = "<![CDATA[ </item></entry></channel> ]]>" if trap else "plain"
        if kind == "atom":
            parts.append(
                f'<entry><title>{escape(title)}</title><link href="{link}"/>'
                f"<id>urn:fuzz:{n}</id><summary>{hidden}</summary></entry>"
            )
        else:
            about = f' rdf:about="{link}"' if kind == "rdf" else ""
            parts.append(
                f"<item{about}><title>{escape(title)}</title><link>{link}</link>"
                f"<description>{hidden}</description></item>"
            )
    body = "".join(parts)
    if kind == "atom":
        return f'<feed xmlns="http://www.w3.org/2005/Atom"><title>F</title>{body}</feed>'
    if kind == "rdf":
        return (
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns="http://purl.org/rss/1.0/"><channel rdf:about="https://fuzz.example/">'
            f"<title>F</title><link>https://fuzz.example/</link></channel>{body}</rdf:RDF>"
        )
    return f'<rss version="2.0"><channel><title>F</title>{body}</channel></rss>'


def encode(doc: str, encoding: str) -> bytes:
    declaration = f'<?xml version="1.0" encoding="{encoding}"?>\n'
    return (declaration + doc).encode(encoding, "xmlcharrefreplace")


feeds = st.tuples(
    st.sampled_from(["rss", "rdf", "atom"]),
    entries,
    st.sampled_from(["utf-8", "utf-16", "windows-1251", "iso-8859-1"]),
)
payloads = st.sampled_from(
    [
        b"&",
        b"<",
        b"]]>",
        b"&a;",
        b"\x00",
        b"\xff\xfe",
        b"<item>",
        b"</item>",
        b"</entry>",
        b"<![CDATA[",
        b"<!--",
        b'<!DOCTYPE x [<!ENTITY a "aaaaaaaa">]>',
        b"<?xml version='1.0' encoding='utf-16'?>",
        b"<?xml version='1.0' encoding='utf\x00-8'?>",
        b"<?xml version='1.0' encoding='\xff'?>",
        b"<?xml version='1.0' encoding='undefined'?>",
    ]
) | st.binary(max_size=8)
mutations = st.lists(
    st.tuples(st.sampled_from(["cut", "insert", "drop", "repeat"]), st.floats(0, 1), payloads),
    min_size=1,
    max_size=4,
)


def mutate(data: bytes, steps: list[tuple[str, float, bytes]]) -> bytes:
    for kind, where, payload in steps:
        at = int(where * len(data))
        if kind == "cut":
            data = data[:at]
        elif kind == "insert":
            data = data[:at] + payload + data[at:]
        elif kind == "drop":
            data = data[:at] + data[at + len(payload) + 1 :]
        else:
            data = data[:at] + data[at : at + 64] * 3 + data[at + 64 :]
    return data


def check_contract(parsed: ParsedFeed, content: bytes, max_items: int) -> None:
    """What every caller relies on, whatever the input."""
    assert isinstance(parsed, ParsedFeed)
    if parsed.items:
        assert parsed.error is None
    else:  # an error, or a well-formed feed that lists nothing (a healthy feed)
        assert (parsed.error and parsed.error.strip()) or parsed.listed == 0
    assert len(parsed.items) <= max_items
    for item in parsed.items:
        assert item.url.startswith(("http://", "https://")), item.url
    # No entity expansion: whatever feedparser re-serialises, the text stays near input size.
    prose = sum(len(i.title) + len(i.summary) for i in parsed.items)
    assert prose <= 10 * len(content) + 100


@fuzz(1000)
@given(st.binary(max_size=4096), st.integers(1, 50))
def test_parse_feed_on_arbitrary_bytes(content: bytes, max_items: int) -> None:
    check_contract(parse_feed(content, {}, FEED_URL, max_items), content, max_items)


@fuzz(200)
@given(feeds, st.integers(1, 15))
def test_intact_feeds_yield_exactly_their_first_entries(
    feed: tuple[str, list[tuple[str, int, bool]], str], max_items: int
) -> None:
    kind, items, encoding = feed
    content = encode(build_feed(kind, items), encoding)
    parsed = parse_feed(content, {}, FEED_URL, max_items)
    check_contract(parsed, content, max_items)
    expected = [(t.strip(), f"https://fuzz.example/{n}") for t, n, _ in items[:max_items]]
    assert [(i.title, i.url) for i in parsed.items] == expected
    if len(items) > max_items:  # the entries not read are announced, and nothing else
        assert parsed.warning and f"the {len(items) - max_items} more" in parsed.warning
        assert ";" not in parsed.warning
    else:
        assert parsed.warning is None
    assert parsed.listed == len(items)
    if not items:  # a well-formed feed that lists nothing is healthy: no error
        assert parsed.error is None and parsed.items == []


@fuzz(800)
@given(feeds, mutations, st.integers(1, 15))
def test_mutated_feeds_never_crash(
    feed: tuple[str, list[tuple[str, int, bool]], str],
    steps: list[tuple[str, float, bytes]],
    max_items: int,
) -> None:
    kind, items, encoding = feed
    content = mutate(encode(build_feed(kind, items), encoding), steps)
    check_contract(parse_feed(content, {}, FEED_URL, max_items), content, max_items)


# --- rule queries ----------------------------------------------------------------------------

query_like = st.lists(
    st.sampled_from(
        [
            "a",
            "Kyiv",
            "Харків",
            " ",
            "\n",
            '"',
            "(",
            ")",
            "*",
            "@",
            "@kyiv",
            ":",
            "title:",
            "text:",
            "AND",
            "OR",
            "NOT",
            "NEAR/",
            "NEAR/3",
            "0",
            "9",
            "/",
            "\t",
        ]
    ),
    max_size=30,
).map("".join)


def check_query(source: str) -> None:
    try:
        node = parse_query(source)
    except RuleError as exc:
        assert isinstance(exc, QuerySyntaxError)
        lines = source.split("\n")
        assert 1 <= exc.line <= len(lines), (exc.line, source)
        assert 1 <= exc.column <= len(lines[exc.line - 1]) + 1, (exc.column, source)
        assert 0 <= exc.offset <= len(source)
        assert exc.message
    else:
        for atom in atoms(node):
            assert 0 <= atom.offset < len(source)


@fuzz(1500)
@given(st.text(max_size=200) | query_like)
def test_query_parser_returns_a_query_or_a_located_rule_error(source: str) -> None:
    check_query(source)


@fuzz(60)
@given(
    st.sampled_from(["({})", "NOT {}", "{} NEAR/2 a", "title:({})", "a AND ({} OR b)"]),
    st.integers(1, 3000),
)
def test_deep_nesting_is_refused_with_a_rule_error_not_a_recursion_error(
    shape: str, depth: int
) -> None:
    source = "x"
    for _ in range(depth):
        source = shape.format(source)
    check_query(source)


def test_deepest_accepted_query_compiles_and_matches(tmp_path: Path) -> None:
    """MAX_DEPTH must be low enough for the recursive matcher too, not only for the parser."""
    query = "kyiv"
    for _ in range(MAX_DEPTH):
        query = f"({query} OR zzz)"
    parse_query(query)
    deeper = f"({query} OR zzz)"
    try:
        parse_query(deeper)
    except QuerySyntaxError as exc:
        assert "nested too deeply" in exc.message
    else:
        raise AssertionError("one level past MAX_DEPTH must be refused")
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "topics:\n  - id: t\n    rules:\n      - id: r\n        query: '" + query + "'\n", "utf-8"
    )
    ruleset = load_ruleset(rules, ENTITIES)
    assert [hit.topic for hit in ruleset.match("", "talks in Kyiv")] == ["t"]
    assert ruleset.match("", "talks in Lviv") == []


# --- rules.yaml ------------------------------------------------------------------------------

yaml_bits = st.sampled_from(
    [
        ":",
        ": ",
        "- ",
        "-",
        "[",
        "]",
        "{",
        "}",
        "&a ",
        "*a",
        "!!python/object ",
        "\t",
        "\x00",
        "\x01",
        "2025-13-45",
        "'",
        '"',
        "|",
        ">-",
        "%YAML 1.1\n",
        "@",
        "@nowhere",
        "NEAR/",
        "(",
        ")",
        "#",
        "\n",
        "\n  ",
        "? ",
        "<<: ",
        "~",
        ".nan",
        "1e999",
        "\ufeff",
        "\u2028",
    ]
) | st.text(max_size=6)
line_edits = st.lists(
    st.tuples(
        st.sampled_from(["insert", "drop_line", "dup_line", "indent", "cut"]),
        st.floats(0, 1),
        yaml_bits,
    ),
    min_size=1,
    max_size=3,
)


def edit(text: str, steps: list[tuple[str, float, str]]) -> str:
    for kind, where, bit in steps:
        lines = text.split("\n")
        row = min(int(where * len(lines)), len(lines) - 1)
        at = int(where * len(text))
        if kind == "insert":
            text = text[:at] + bit + text[at:]
        elif kind == "drop_line":
            text = "\n".join(lines[:row] + lines[row + 1 :])
        elif kind == "dup_line":
            text = "\n".join(lines[: row + 1] + lines[row:])
        elif kind == "indent":
            text = "\n".join([*lines[:row], " " + lines[row], *lines[row + 1 :]])
        else:
            text = text[:at]
    return text


LOCATED = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): ")
WORKDIR = Path(tempfile.mkdtemp(prefix="newswatch-fuzz-rules-"))


@fuzz(80)
@given(line_edits)
def test_rules_loader_raises_only_located_rule_errors(steps: list[tuple[str, float, str]]) -> None:
    text = edit(SHIPPED_RULES, steps)
    rules = WORKDIR / "rules.yaml"
    rules.write_text(text, encoding="utf-8")
    try:
        load_rules(rules, ENTITIES)
    except RuleError as exc:
        found = LOCATED.match(str(exc))
        assert found, f"no file:line:column in {str(exc)[:200]!r}"
        assert found["path"] == str(rules)
        assert 1 <= int(found["line"]) <= text.count("\n") + 1
        assert int(found["col"]) >= 1


def test_rules_loader_locates_bytes_that_are_not_utf8() -> None:
    raw = SHIPPED_RULES.encode("utf-8")
    at = raw.index(b"threshold")
    rules = WORKDIR / "latin1.yaml"
    rules.write_bytes(raw[:at] + b"\xe9" + raw[at:])
    try:
        load_rules(rules, ENTITIES)
    except RuleError as exc:
        line = raw[:at].count(b"\n") + 1
        assert str(exc).startswith(f"{rules}:{line}:")
        assert "not UTF-8" in str(exc)
    else:
        raise AssertionError("a file that is not UTF-8 must be refused")


query_lines = st.lists(
    st.lists(
        st.sampled_from(["talks", "kyiv", "peace", "round", "delegat*"]), min_size=1, max_size=4
    ),
    min_size=1,
    max_size=5,
)


@fuzz(100)
@given(st.sampled_from([">-", "|", ">", "plain", "'"]), query_lines, st.data())
def test_rule_error_points_at_the_character_in_any_scalar_style(
    style: str, lines: list[list[str]], data: st.DataObject
) -> None:
    """An unknown @entity anywhere in a multi-line query is reported at its own line:column."""
    lines[0].insert(0, "talks")  # a plain YAML scalar cannot start with '@'
    row = data.draw(st.integers(0, len(lines) - 1))
    at = data.draw(st.integers(1 if row == 0 else 0, len(lines[row])))
    lines[row].insert(at, "@nowhere")
    texts = [" ".join(words) for words in lines]
    head = "topics:\n  - id: t\n    rules:\n      - id: r\n        query: "
    indent = " " * 10
    if style in (">-", "|", ">"):
        body = style + "\n" + "\n".join(indent + t for t in texts) + "\n"
        first_line, first_col = 6, len(indent) + 1
    else:
        quote = "'" if style == "'" else ""
        body = quote + f"\n{indent}".join(texts) + quote + "\n"
        first_line, first_col = 5, len(head.rsplit("\n", 1)[1]) + len(quote) + 1
    rules, entities = WORKDIR / "located.yaml", WORKDIR / "one_entity.yaml"
    rules.write_text(head + body, encoding="utf-8")
    entities.write_text("entities:\n  - {id: kyiv, type: place, names: {en: [Kyiv]}}\n", "utf-8")
    line = first_line + row
    col = (first_col if row == 0 else len(indent) + 1) + len(" ".join([*lines[row][:at], ""]))
    try:
        load_rules(rules, entities)
    except RuleError as exc:
        assert str(exc).startswith(f"{rules}:{line}:{col}: unknown entity @nowhere"), str(exc)
    else:
        raise AssertionError("@nowhere is not a known entity")
