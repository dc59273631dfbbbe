"""The learned claims reader (pipelines/claims/model.py): what it adds to the cues on text
it was not trained on, how a claim it adds is explained, and how its file is checked,
trained and reloaded."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.claims import ClaimsError, cached_claim_rules, load_claim_rules
from pipelines.claims.evaluate import evaluate, read_labelled
from pipelines.claims.extract import claims_in
from pipelines.language import primary_language, script_language
from pipelines.rules import checked, load_ruleset
from pipelines.rules.loader import LoadedRules
from tests.claims_support import FOUR, REPO
from tests.test_cli_demands import NEWSWATCH, newswatch

LABELLED = REPO / "tests/data/labelled"
HELD_OUT = {"blind7.jsonl": (0.8, 0.72), "blind8.jsonl": (0.83, 0.7)}
"""Sets written blind after the model and the cues of this version were settled, never
trained on (BLIND7.md, BLIND8.md), with the precision and recall of the triples the reader
must keep on each (a little under what it measured)."""


TRAIN_LIBS = Path(sys.executable).parent.parent / "train-libs"
"""scikit-learn, installed beside the venv by `make train-libs` (a dependency of `make
test`), so that numpy stays off a run's import path."""


def train(*args: str) -> subprocess.CompletedProcess[str]:
    """`newswatch demands train …` with scikit-learn on its path."""
    assert (TRAIN_LIBS / "sklearn").is_dir(), f"{TRAIN_LIBS}: run `make train-libs`"
    env = {**os.environ, "PYTHONPATH": str(TRAIN_LIBS)}
    return subprocess.run(
        [str(NEWSWATCH), "demands", "train", *args],
        cwd=REPO, capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip


@pytest.fixture(scope="module")
def gazetteer() -> LoadedRules:
    return load_ruleset(REPO / "config/rules.yaml", REPO / "config/entities.yaml").loaded


def test_the_shipped_model_was_not_trained_on_the_held_out_set() -> None:
    model = json.loads((REPO / "config/claims_model.json").read_text(encoding="utf-8"))
    assert not set(HELD_OUT) & set(model["trained_on"])
    assert all((LABELLED / name).exists() for name in model["trained_on"])


@pytest.mark.parametrize("held_out", sorted(HELD_OUT))
def test_on_held_out_text_the_model_finds_more_claims_than_the_cues(rules, held_out) -> None:
    articles, _ = read_labelled(LABELLED / held_out)
    cues = evaluate(articles, rules, learned=False).total
    both = evaluate(articles, rules).total
    assert both.recall >= cues.recall + 0.05, (cues, both)
    assert both.precision >= cues.precision - 0.05, (cues, both)
    precision, recall = HELD_OUT[held_out]
    assert both.precision >= precision and both.recall >= recall, both


def test_a_claim_the_cues_miss_is_added_with_its_sentence_and_reasons(rules) -> None:
    text = (
        "The Kremlin repeated its terms. Since 2022 Russia has seized large parts of four "
        "Ukrainian regions and officially declared them Russian territory."
    )
    assert claims_in("", text, "en", rules, learned=False) == []
    claims = claims_in("", text, "en", rules)
    assert {(c.region, c.action) for c in claims} == {(r, "recognise") for r in FOUR}
    for c in claims:
        assert c.sentence.startswith("Since 2022") and text[c.start : c.end] == c.sentence
        assert re.fullmatch(r"model 0\.\d\d: \S.*", c.cue), c.cue
        assert c.rules_version == rules.version


@pytest.mark.parametrize(
    "text",
    [
        "A Russian drone strike killed nine civilians in the Sumy region on Saturday.",
        "Ukraine demands that Russia withdraw its troops from Zaporizhzhia and Kherson.",
        "Heavy rain is expected in Odesa and Mykolaiv on Tuesday, forecasters said.",
    ],
)
def test_battlefield_ukraines_demands_and_weather_stay_out(rules, text) -> None:
    assert claims_in("", text, "en", rules) == []


def test_claims_yaml_without_a_model_reads_with_the_cues_alone(tmp_path, gazetteer) -> None:
    text = (REPO / "config/claims.yaml").read_text(encoding="utf-8")
    own = tmp_path / "claims.yaml"
    own.write_text(re.sub(r"\nmodel:\n(  .*\n)+", "\n", text), "utf-8")
    rules = load_claim_rules(own, gazetteer)
    assert rules.model is None
    sentence = "They believe that Ukraine must hand over the Donetsk and Luhansk provinces."
    assert claims_in("", sentence, "en", rules) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, r"claims\.yaml:\d+:\d+: cannot read the claims model .*own\.json"),
        ("{not json", r"claims\.yaml:\d+:\d+: .*not a claims model \(not JSON"),
        (
            '{"format": 9, "actions": [], "threshold": 0.5, "intercepts": [], "weights": {}}',
            r"not a claims model of format 1: format 9",
        ),
    ],
)
def test_a_bad_model_file_is_named_at_its_line(tmp_path, gazetteer, content, message) -> None:
    text = (REPO / "config/claims.yaml").read_text(encoding="utf-8")
    own = tmp_path / "claims.yaml"
    own.write_text(text.replace("file: claims_model.json", "file: own.json"), "utf-8")
    if content is not None:
        (tmp_path / "own.json").write_text(content, "utf-8")
    with pytest.raises(ClaimsError, match=message):
        load_claim_rules(own, gazetteer)


def test_a_copied_claims_yaml_reads_the_shipped_model(tmp_path, gazetteer) -> None:
    shutil.copy(REPO / "config/claims.yaml", tmp_path / "claims.yaml")
    rules = load_claim_rules(tmp_path / "claims.yaml", gazetteer)
    assert rules.model is not None
    assert rules.model.path == REPO / "config/claims_model.json"


def test_a_changed_model_is_read_again_and_checked_again(tmp_path, gazetteer) -> None:
    shutil.copy(REPO / "config/claims.yaml", tmp_path / "claims.yaml")
    model = tmp_path / "claims_model.json"
    shutil.copy(REPO / "config/claims_model.json", model)
    files = [REPO / "config/rules.yaml", REPO / "config/entities.yaml", tmp_path / "claims.yaml"]
    before = cached_claim_rules(tmp_path / "claims.yaml", gazetteer)
    printed = checked.fingerprint(files)
    data = json.loads(model.read_text(encoding="utf-8"))
    data["threshold"] = 0.9
    model.write_text(json.dumps(data), "utf-8")
    os.utime(model, ns=(before.model.stamp + 10**9, before.model.stamp + 10**9))  # type: ignore[union-attr]
    after = cached_claim_rules(tmp_path / "claims.yaml", gazetteer)
    assert after is not before and after.model is not None and after.model.threshold == 0.9
    assert after.version != before.version
    assert checked.fingerprint(files) != printed


def test_train_writes_the_shipped_model_from_the_sets_it_names(tmp_path) -> None:
    """Within rounding: another scikit-learn or BLAS may differ in the last digits."""
    shipped = REPO / "config/claims_model.json"
    expected = json.loads(shipped.read_text(encoding="utf-8"))
    out = tmp_path / "model.json"
    args = [a for n in expected["trained_on"] for a in ("--input", str(LABELLED / n))]
    settings = ("--threshold", str(expected["threshold"]), "--c", str(expected["c"]))
    done = train(*args, *settings, "--output", str(out))
    assert done.returncode == 0, done.stderr
    assert f"wrote {out}" in done.stdout
    got = json.loads(out.read_text(encoding="utf-8"))
    assert {k: v for k, v in got.items() if k not in ("weights", "intercepts")} == {
        k: v for k, v in expected.items() if k not in ("weights", "intercepts")
    }
    assert set(got["weights"]) == set(expected["weights"])
    pairs = [
        (a, b)
        for f, w in got["weights"].items()
        for a, b in zip(w, expected["weights"][f], strict=True)
    ]
    pairs += list(zip(got["intercepts"], expected["intercepts"], strict=True))
    assert max(abs(a - b) for a, b in pairs) < 0.01
    assert not list(tmp_path.glob(".*partial"))


def test_train_and_cues_only_work_while_the_model_is_broken(tmp_path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    shutil.copy(REPO / "config/claims.yaml", config / "claims.yaml")
    (config / "claims_model.json").write_text("[]", "utf-8")
    check = newswatch("rules", "check", "--config-dir", str(config))
    assert check.returncode == 2 and "Traceback" not in check.stderr
    assert "a JSON object is expected, not list" in check.stderr
    assert "newswatch demands train" in check.stderr
    cues = newswatch(
        "demands", "eval", "-i", str(LABELLED / "claims_dev.jsonl"), "--cues-only",
        "--config-dir", str(config),
    )  # fmt: skip
    assert cues.returncode == 0, cues.stderr
    done = train(
        "-i", str(LABELLED / "claims_dev.jsonl"),
        "-o", str(config / "claims_model.json"), "--config-dir", str(config),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert newswatch("rules", "check", "--config-dir", str(config)).returncode == 0


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda m: m.pop("weights"), r"missing 'weights'"),
        (lambda m: m.update(threshold=0), r"threshold 0: a probability between 0 and 1"),
        (lambda m: m.update(threshold=5), r"threshold 5: a probability"),
        (lambda m: m.update(intercepts=[0, 0]), r"intercepts: a list of 5 numbers"),
        (lambda m: m["weights"].update(x=[1, 2, 3, 4, "a"]), r"weights\['x'\]: a list of 5"),
        (lambda m: m["weights"].update(x=[1, 2, 3, 4, float("nan")]), r"5 finite numbers"),
    ],
)
def test_a_model_file_that_is_not_right_says_what(tmp_path, gazetteer, edit, message) -> None:
    model = json.loads((REPO / "config/claims_model.json").read_text(encoding="utf-8"))
    edit(model)
    (tmp_path / "claims_model.json").write_text(json.dumps(model), "utf-8")
    shutil.copy(REPO / "config/claims.yaml", tmp_path / "claims.yaml")
    with pytest.raises(ClaimsError, match=message):
        load_claim_rules(tmp_path / "claims.yaml", gazetteer)


def test_a_model_written_beside_a_copied_claims_yaml_replaces_the_shipped_one(
    tmp_path, gazetteer
) -> None:
    shutil.copy(REPO / "config/claims.yaml", tmp_path / "claims.yaml")
    before = cached_claim_rules(tmp_path / "claims.yaml", gazetteer)
    assert before.model is not None and before.model.path == REPO / "config/claims_model.json"
    model = json.loads((REPO / "config/claims_model.json").read_text(encoding="utf-8"))
    model["threshold"] = 0.95
    (tmp_path / "claims_model.json").write_text(json.dumps(model), "utf-8")
    after = cached_claim_rules(tmp_path / "claims.yaml", gazetteer)
    assert after.model is not None and after.model.path == tmp_path / "claims_model.json"
    assert after.model.threshold == 0.95


def test_a_model_file_name_with_a_folder_is_refused(tmp_path, gazetteer) -> None:
    text = (REPO / "config/claims.yaml").read_text(encoding="utf-8")
    own = tmp_path / "claims.yaml"
    own.write_text(text.replace("file: claims_model.json", "file: ../m.json"), "utf-8")
    with pytest.raises(ClaimsError, match=r"claims\.yaml:\d+:\d+: .*model\.file"):
        load_claim_rules(own, gazetteer)


def test_train_without_labelled_claims_says_so(tmp_path) -> None:
    done = train("--input", str(LABELLED / "articles.jsonl"), "-o", str(tmp_path / "m"))
    assert done.returncode == 2
    assert "no line has a `claims` label" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "m").exists()


def test_explain_names_the_learned_reader(tmp_path) -> None:
    page = tmp_path / "page.txt"
    page.write_text(
        "Talks\n\nThe Kremlin repeated its terms. Since 2022 Russia has seized large parts of "
        "four Ukrainian regions and officially declared them Russian territory.",
        "utf-8",
    )
    done = newswatch("demands", "explain", str(page), "--lang", "en")
    assert done.returncode == 0, done.stderr
    assert "learned reader, 0." in done.stdout and "donetsk" in done.stdout
    unknown = newswatch("demands", "explain", str(page))
    assert "does not say its language" in unknown.stdout and "--lang" in unknown.stdout
    bad = newswatch("demands", "explain", str(page), "--lang", "english!")
    assert bad.returncode == 2 and "--lang" in bad.stderr and "Traceback" not in bad.stderr


def test_eval_cues_only_scores_without_the_model() -> None:
    both = newswatch("demands", "eval", "-i", str(LABELLED / "blind8.jsonl"), "--json")
    cues = newswatch(
        "demands", "eval", "-i", str(LABELLED / "blind8.jsonl"), "--json", "--cues-only"
    )
    a, b = json.loads(both.stdout), json.loads(cues.stdout)
    assert (a["reader"], b["reader"]) == ("cues+model", "cues")
    assert a["languages"]["all"]["recall"] > b["languages"]["all"]["recall"]


def test_train_without_scikit_learn_says_how_to_get_it(tmp_path) -> None:
    done = newswatch(
        "demands", "train", "-i", str(LABELLED / "claims_dev.jsonl"), "-o", str(tmp_path / "m")
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "training needs scikit-learn" in done.stderr and "make train-libs" in done.stderr
    assert not (tmp_path / "m").exists()


def test_the_model_names_regions_never_the_four_regions_entity(rules) -> None:
    """ "The four regions" is an entity of the gazetteer's regions group that stands for the
    four: a claim names the four, never `four_regions` itself."""
    regions = rules.regions - {"four_regions"}
    seen: set[str] = set()
    for name in ("blind4.jsonl", *HELD_OUT, "dev6.jsonl"):
        for art in read_labelled(LABELLED / name)[0]:
            seen |= {c.region for c in claims_in(art.title, art.text, art.lang, rules)}
    assert seen and seen <= regions, seen - regions
    text = "Moscow wants Kyiv to give up the four annexed regions before any ceasefire."
    found = {c.region for c in claims_in("", text, "en", rules)}
    assert found == set(FOUR)


def test_script_language_tells_the_three_languages_of_every_labelled_article() -> None:
    wrong = []
    for path in LABELLED.glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row.get("lang") in ("en", "uk", "ru"):
                text = f"{row.get('title') or ''}\n{row['text']}"
                if script_language(text) != row["lang"]:
                    wrong.append(row["id"])
    assert wrong == []
    assert primary_language("en-GB", "") == "en" and primary_language("uk_UA", "") == "uk"
    assert primary_language(None, "Росія вимагає, щоб Україна вийшла з Донбасу.") == "uk"


def test_the_model_reads_an_article_without_a_language_code_as_its_letters_say(rules) -> None:
    """A page without `lang` (or with "en-GB") was scored as a language the model never saw."""
    for row in read_labelled(LABELLED / "blind4.jsonl")[0][:60]:
        expected = {(c.region, c.action) for c in claims_in(row.title, row.text, row.lang, rules)}
        for lang in (None, f"{row.lang}-XX"):
            got = {(c.region, c.action) for c in claims_in(row.title, row.text, lang, rules)}
            assert got == expected, (row.id, lang)
