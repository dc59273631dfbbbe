"""Structure in the rules (issue 22): sentence and paragraph scopes, the lead, periods of time,
salience, $definitions, and `rules eval` (per-rule precision, errors with evidence, diffs)."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest

from pipelines.config import DEFAULT_CONFIG_DIR
from pipelines.errors import RuleError
from pipelines.rules import load_ruleset
from pipelines.rules.compiled import FieldText
from pipelines.rules.evaluate import diff, evaluate, published_of
from pipelines.rules.structure import PeriodError, parse_period

REPO = Path(__file__).resolve().parent.parent
NEWSWATCH = REPO / ".venv" / "bin" / "newswatch"
ENTITIES = """entities:
  - id: istanbul
    type: place
    names: {en: [Istanbul, Dolmabahce], uk: [Стамбул]}
  - id: russia
    type: place
    names: {en: [Russia, Russian, Kremlin]}
  - id: kharkiv
    type: place
    names: {en: [Kharkiv]}
"""


def write_rules(where: Path, topic: dict, define: dict | None = None) -> tuple[Path, Path]:
    where.mkdir(parents=True, exist_ok=True)
    body = {"define": define or {}, "topics": [{"id": "t", **topic}]}
    (where / "rules.yaml").write_text(json.dumps(body, ensure_ascii=False), "utf-8")
    (where / "entities.yaml").write_text(ENTITIES, "utf-8")
    return where / "rules.yaml", where / "entities.yaml"


def ruleset(tmp_path: Path, query: str, **topic):  # type: ignore[no-untyped-def]
    return load_ruleset(*write_rules(tmp_path, {"rules": [{"id": "r", "query": query}], **topic}))


def fires(rs, text: str, title: str = "", published: date | None = None) -> bool:  # type: ignore[no-untyped-def]
    return any(h.topic == "t" for h in rs.match(title, text, None, published))


# --- sentences and paragraphs ----------------------------------------------------------------


def test_sentence_boundaries_skip_initials_abbreviations_and_lower_case() -> None:
    text = (
        "Mr. Putin met U.S. envoys. They talked, i.e. at length. New round!\n"
        "Terms: - withdrawal; - recognition"
    )
    f = FieldText("text", text)
    b = f.boundaries
    words = [text[slice(*f.span(i, i))] for i in range(b.words)]
    starts = [words[i] for i in b.sentences]
    assert starts == ["They", "New", "Terms", "withdrawal", "recognition"]
    assert [words[i] for i in b.paragraphs] == ["Terms"]
    assert b.sentence_count == 6


def test_boundaries_count_in_matcher_words_when_some_fold_to_nothing() -> None:
    f = FieldText("text", "ь Talks began. Ь Russia spoke.")
    b = f.boundaries
    assert b.words == 4 and b.sentences == (2,)  # words: talks began russia spoke


def test_sentence_scope_requires_one_sentence(tmp_path: Path) -> None:
    rs = ruleset(tmp_path, "SENTENCE(@istanbul AND talks AND @russia)")
    assert fires(rs, "Russian talks opened in Istanbul on Friday.")
    assert not fires(rs, "Talks opened in Istanbul. Russia said nothing.")
    assert not fires(rs, "Talks opened in Istanbul", title="Russia")  # title is its own field


def test_not_inside_a_scope_is_judged_per_sentence(tmp_path: Path) -> None:
    """The sentence without a year is found although the article names a year elsewhere."""
    rs = ruleset(tmp_path, "SENTENCE(@istanbul AND talks AND NOT 2022)")
    assert fires(rs, "Talks were cut short in Istanbul in 2022. New talks open in Istanbul.")
    assert not fires(rs, "Talks were cut short in Istanbul in 2022.")


def test_para_scope_spans_sentences_not_paragraphs(tmp_path: Path) -> None:
    rs = ruleset(tmp_path, "PARA(memorandum AND withdrawal NEAR/3 @kharkiv)")
    assert fires(rs, "The memorandum lists terms. Withdrawal from Kharkiv is one.")
    assert not fires(rs, "The memorandum lists terms.\nWithdrawal from Kharkiv is one.")


def test_lead_field_is_title_and_first_two_sentences(tmp_path: Path) -> None:
    rs = ruleset(tmp_path, "lead:@istanbul")
    assert fires(rs, "One. Two in Istanbul. Three.")
    assert fires(rs, "One. Two. Three.", title="Istanbul")
    assert not fires(rs, "One. Two. Three in Istanbul.")


# --- time ------------------------------------------------------------------------------------


def test_periods() -> None:
    p = parse_period("2025-05..")
    assert date(2025, 5, 1) in p and date(2025, 4, 30) not in p and date(2030, 1, 1) in p
    assert date(2024, 2, 29) in parse_period("2024-02") and date(2024, 3, 1) not in parse_period(
        "2024-02"
    )
    assert list(parse_period("2021..2022").years()) == [2021, 2022]
    for bad in ("2025-13", "..", "May", "2025..2024"):
        with pytest.raises(PeriodError):
            parse_period(bad)


def test_date_conditions_and_undated_articles(tmp_path: Path) -> None:
    rs = ruleset(tmp_path / "r", "talks AND date:2025-05..", exclude=["talks AND date:..2022"])
    assert fires(rs, "talks", published=date(2025, 6, 2))
    assert not fires(rs, "talks", published=date(2025, 4, 30))
    # Undated: the rule's date condition holds, the exclusion's does not.
    assert fires(rs, "talks")
    rs = ruleset(tmp_path / "x", "talks", exclude=["date:..2022 AND talks"])
    assert not fires(rs, "talks", published=date(2022, 3, 29))
    assert fires(rs, "talks") and fires(rs, "talks", published=date(2025, 5, 16))
    hit = rs.match("", "talks", None, datetime(2025, 5, 16, 9, 30))[0]
    assert hit.topic == "t"


def test_years_written_in_the_text(tmp_path: Path) -> None:
    rs = ruleset(tmp_path, "talks AND year:2014..2024 AND NOT year:2025..")
    assert fires(rs, "The 2022 talks in Istanbul")
    assert not fires(rs, "The 2022 talks and the 2025 talks")
    assert not fires(rs, "The talks of 1999")
    (hit,) = rs.match("", "talks held in 2022")
    assert {h["query"] for h in hit.evidence["hits"]} == {"talks", "year:2014..2024"}


def test_period_errors_point_at_the_period(tmp_path: Path) -> None:
    with pytest.raises(RuleError) as info:
        ruleset(tmp_path, "talks AND date:2025-13..")
    assert "bad period '2025-13..'" in str(info.value) and "hint:" in str(info.value)
    with pytest.raises(RuleError, match="expected a period after 'year:'"):
        ruleset(tmp_path, "talks AND year: (x)")


# --- salience --------------------------------------------------------------------------------

LONG = ". ".join(f"Filler sentence number {i} about the weather" for i in range(11))


def test_passing_mention_scores_low_and_min_salience_drops_it(tmp_path: Path) -> None:
    rs = ruleset(tmp_path, "@istanbul AND talks", min_salience=0.6)
    text = LONG + ". Talks in Istanbul are planned."
    (hit,) = rs.match("Weather", text, keep_suppressed=True)
    score = hit.evidence["score"]
    assert score["in_title"] is False and score["in_lead"] is False
    assert (score["sentences"], score["sentences_with_evidence"]) == (12, 1)
    assert score["salience"] == pytest.approx(1 / 12 / 0.25, abs=1e-3)
    assert hit.evidence["suppressed"].startswith("salience 0.33 < min_salience 0.6")
    assert not fires(rs, text, title="Weather")
    assert fires(rs, "Talks in Istanbul are planned. " + LONG)  # the lead makes it the subject
    # A title alone (no lead, one sentence of the body) is half salient: "strikes hit
    # Kharkiv as talks begin" names the talks without being about them.
    (titled,) = rs.match("Strikes as Istanbul talks begin", text, keep_suppressed=True)
    assert titled.evidence["score"]["salience"] == 0.5 and titled.evidence["suppressed"]
    assert fires(rs, "", title="Talks in Istanbul")  # a title with no text is all there is


def test_one_body_sentence_is_a_passing_mention_in_a_short_article(tmp_path: Path) -> None:
    """A five-sentence battlefield report whose last sentence names the talks covers a fifth
    of the article (0.8 by coverage) but is capped at 0.5: neither title nor lead names them."""
    rs = ruleset(tmp_path, "@istanbul AND talks", min_salience=0.6)
    body = ". ".join(f"Shelling hit village number {i}" for i in range(4))
    (hit,) = rs.match("Front report", body + ". Talks in Istanbul are due.", keep_suppressed=True)
    assert hit.evidence["score"]["salience"] == 0.5 and hit.evidence["suppressed"]
    two = body + ". Talks in Istanbul are due. Istanbul talks may bring a truce."
    assert fires(rs, two, title="Front report")  # two sentences of six: 0.33 / 0.25 -> 1.0


def test_threshold_applies_to_points_times_salience(tmp_path: Path) -> None:
    rs = ruleset(tmp_path, "@istanbul AND talks", threshold=1.0)
    assert fires(rs, "Talks in Istanbul. " + LONG)  # 2 points x 1.0
    assert not fires(rs, LONG + ". Talks in Istanbul.")  # 2 points x 0.33


def test_focus_query_decides_where_the_evidence_sits(tmp_path: Path) -> None:
    """Entities named all through an article do not make a passing mention salient."""
    rs = ruleset(tmp_path, "@istanbul AND talks AND @russia", focus="talks", min_salience=0.6)
    russian = [f"Russian shelling hit village {i}" for i in range(9)]
    passing = ". ".join([*russian, "Talks in Istanbul are planned"])
    assert not fires(rs, passing)  # 1 of 10 sentences: salience 0.4
    covered = ". ".join([*russian, "Talks in Istanbul are planned", "Talks matter", "Talks"])
    assert fires(rs, covered)  # 3 of 12 sentences: salience 1.0


# --- definitions -----------------------------------------------------------------------------


def test_definitions_are_reused_and_unknown_ones_are_errors(tmp_path: Path) -> None:
    rules, entities = write_rules(
        tmp_path,
        {"rules": [{"id": "r", "query": "SENTENCE($venue AND $talk)"}]},
        define={"talk": "talk* OR negotiat*", "venue": "@istanbul OR Bosphorus"},
    )
    rs = load_ruleset(rules, entities)
    assert fires(rs, "Negotiators met on the Bosphorus.")
    assert not fires(rs, "Negotiators met. The Bosphorus was calm.")
    write_rules(tmp_path, {"rules": [{"id": "r", "query": "$tallk"}]}, define={"talk": "talks"})
    with pytest.raises(RuleError) as info:
        load_ruleset(rules, entities)
    assert "unknown definition '$tallk'" in str(info.value)
    assert "did you mean $talk?" in str(info.value)


# --- evaluation ------------------------------------------------------------------------------


def test_eval_reports_rules_errors_with_evidence_and_reads_dates(tmp_path: Path) -> None:
    rules, entities = write_rules(
        tmp_path,
        {
            "rules": [
                {"id": "venue", "query": "@istanbul AND talks"},
                {"id": "kremlin", "query": "@russia AND talks"},
            ],
            "exclude": ["date:..2022"],
        },
    )
    rs = load_ruleset(rules, entities)
    records = [
        {"id": 1, "title": "", "text": "Talks in Istanbul.", "labels": ["t"]},
        {"id": 2, "title": "", "text": "Kremlin talks.", "labels": []},
        {"id": 3, "text": "Talks in Istanbul.", "labels": ["t"], "published": "2022-03-29"},
    ]
    report = evaluate(rs, records, ["t"])
    t = report["topics"]["t"]
    assert (t["tp"], t["fp"], t["fn"]) == (1, 1, 1)
    assert report["rules"]["t.venue"] == {"fired": 1, "correct": 1, "precision": 1.0}
    assert report["rules"]["t.kremlin"] == {"fired": 1, "correct": 0, "precision": 0.0}
    (fa,) = t["false_alarms"]
    assert fa["rule"] == "t.kremlin" and "[Kremlin]" in fa["snippet"]
    assert fa["score"]["points"] == 2 and fa["terms"] == ["Kremlin ← @russia", "talks ← talks"]
    (miss,) = t["misses"]
    assert miss["id"] == 3 and miss["suppressed"] == "excluded by t.exclude1"
    assert published_of({"published_at": "2025-05-16T10:00:00Z"}) == date(2025, 5, 16)
    assert published_of({"published": "soon"}) is None


def test_diff_lists_the_articles_that_change_label(tmp_path: Path) -> None:
    old = load_ruleset(*write_rules(tmp_path / "old", {"rules": [{"id": "r", "query": "talks"}]}))
    new = ruleset(tmp_path / "new", "talks AND @istanbul")
    records = [
        {"id": "a", "text": "Talks in Istanbul.", "labels": ["t"]},
        {"id": "b", "text": "Football talks.", "labels": []},
        {"id": "c", "text": "Talks somewhere."},
    ]
    changes = diff(old, new, records)
    assert [(c.id, c.before, c.after, c.better) for c in changes] == [
        ("b", True, False, True),
        ("c", True, False, None),
    ]


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(
        [str(NEWSWATCH), "rules", *args], capture_output=True, text=True, cwd=cwd, env=env
    )


def test_cli_eval_diff_against_a_git_revision_and_a_directory(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write_rules(repo / "config", {"rules": [{"id": "r", "query": "talks"}]})
    labelled = tmp_path / "l.jsonl"
    labelled.write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                {"id": "a", "title": "", "text": "Talks in Istanbul.", "labels": ["t"]},
                {"id": "b", "title": "Football talks", "text": "Football talks.", "labels": []},
            ]
        ),
        "utf-8",
    )
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "old rules"], check=True)
    write_rules(repo / "config", {"rules": [{"id": "r", "query": "talks AND @istanbul"}]})
    out = run_cli(
        "eval", "-i", str(labelled), "--config-dir", "config", "--diff-against", "HEAD", cwd=repo
    )
    assert out.returncode == 0, out.stderr
    assert "1 label change(s) against HEAD" in out.stdout
    assert "better     t no longer fires: b Football talks" in out.stdout
    assert "t.r" in out.stdout and "1.000" in out.stdout  # the per-rule table
    as_json = run_cli(
        "eval",
        "-i",
        str(labelled),
        "--config-dir",
        "config",
        "--json",
        "--diff-against",
        str(tmp_path / "repo" / "config"),
        cwd=repo,
    )
    assert json.loads(as_json.stdout)["diff"]["changes"] == []
    bad = run_cli(
        "eval", "-i", str(labelled), "--config-dir", "config", "--diff-against", "nope", cwd=repo
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "--diff-against nope: not a directory, a rules file, or a git revision" in bad.stderr


# --- the shipped rules on the error classes of issue 22 --------------------------------------


@pytest.fixture(scope="module")
def shipped():  # type: ignore[no-untyped-def]
    return load_ruleset(DEFAULT_CONFIG_DIR / "rules.yaml", DEFAULT_CONFIG_DIR / "entities.yaml")


def topics(rs, title: str, text: str, published: date | None = None) -> set[str]:  # type: ignore[no-untyped-def]
    return {h.topic for h in rs.match(title, text, "en", published)}


def test_shipped_rules_drop_a_passing_mention_of_the_talks(shipped) -> None:  # type: ignore[no-untyped-def]
    filler = "Rescue workers searched the rubble. Power was cut in two districts. " * 3
    text = (
        "Russian missiles struck Odesa port overnight. "
        + filler
        + "The strikes came before talks in Istanbul between Russian and Ukrainian delegations."
    )
    assert "istanbul_talks" not in topics(shipped, "Strikes on Odesa", text)
    assert "istanbul_talks" not in topics(shipped, "Strikes as Istanbul talks near", text)
    lead = "Russian and Ukrainian delegations meet in Istanbul next week. " + text
    assert "istanbul_talks" in topics(shipped, "Strikes on Odesa", lead)


def test_shipped_rules_tell_2022_from_2025(shipped) -> None:  # type: ignore[no-untyped-def]
    retro = (
        "In March 2022, Russian and Ukrainian negotiators met at Dolmabahce Palace in Istanbul. "
        "The Istanbul talks collapsed after the killings in Bucha."
    )
    resumed = (
        "Russia proposed to resume the direct negotiations with Ukraine that were interrupted "
        "in Istanbul in 2022. The Kremlin said its delegation would meet in Istanbul on Thursday."
    )
    assert "istanbul_talks" not in topics(shipped, "Three years on", retro)
    assert "istanbul_talks" in topics(shipped, "Moscow proposes talks", resumed)
    dated = "Russian and Ukrainian delegations met in Istanbul for a third round of talks."
    assert "istanbul_talks" in topics(shipped, "Talks", dated, date(2025, 7, 23))
    assert "istanbul_talks" not in topics(shipped, "Talks", dated, date(2022, 3, 29))


def test_shipped_rules_want_a_russian_demand_not_a_ukrainian_one(shipped) -> None:  # type: ignore[no-untyped-def]
    kyiv = (
        "Ukraine's delegation insisted that Russian troops must withdraw from all occupied "
        "territory before any settlement, Ukrainian officials said."
    )
    moscow = (
        "The Kremlin said a ceasefire would be possible only after Kyiv pulls its forces out "
        "of Donetsk and Luhansk."
    )
    assert "territorial_demands" not in topics(shipped, "Kyiv's terms", kyiv)
    assert "territorial_demands" in topics(shipped, "Moscow's terms", moscow)


def test_shipped_rules_on_memoranda_and_exchanges(shipped) -> None:  # type: ignore[no-untyped-def]
    budapest = (
        "Ukraine gave up its nuclear arsenal under the 1994 Budapest Memorandum in return for "
        "assurances from Russia, the United States and Britain. Zelensky said any new talks "
        "must offer stronger guarantees than the memorandum did."
    )
    agreed = (
        "Ukraine and Russia exchanged 390 prisoners each on Friday, the first stage of the "
        "swap the two delegations agreed at the talks last week, Zelensky said."
    )
    emirates = (
        "Russia and Ukraine exchanged 150 prisoners each in a swap mediated by the UAE, which "
        "the two sides agreed after talks in Abu Dhabi."
    )
    assert "istanbul_talks" not in topics(shipped, "Thirty years on", budapest)
    assert "istanbul_talks" in topics(shipped, "390 return", agreed, date(2025, 5, 23))
    assert "istanbul_talks" not in topics(shipped, "UAE swap", emirates, date(2025, 6, 20))
