"""The demand-claim extractor on sentences that show each decision it makes, the seed
article, the labelled dev set, and claims.yaml validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.claims import ClaimsError, extract_claims, load_claim_rules
from pipelines.claims.evaluate import evaluate, read_labelled
from pipelines.claims.extract import claims_in
from pipelines.rules import load_ruleset

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def gazetteer():
    return load_ruleset(REPO / "config/rules.yaml", REPO / "config/entities.yaml").loaded


@pytest.fixture(scope="module")
def rules(gazetteer):
    return load_claim_rules(REPO / "config/claims.yaml", gazetteer)


def pairs(rules, text: str, title: str = "") -> set[tuple[str, str]]:
    """The cue reader's (region, action) pairs: the class tests are of the cues, the
    learned reader is measured on held-out text (tests/test_claims_model.py)."""
    return {(c.region, c.action) for c in claims_in(title, text, None, rules, learned=False)}


def test_seed_article_escalation(rules) -> None:
    text = (
        "ISW recalled that during the May 16 talks in Istanbul, the Russian delegation "
        "threatened to capture Ukraine’s Kharkiv and Sumy regions.\n"
        "At the meeting, Putin’s representatives stated that Ukraine must hand over full "
        "control of the Luhansk, Donetsk, Zaporizhzhia, and Kherson regions to Russia before "
        "Moscow agrees to a ceasefire."
    )
    claims = extract_claims("", text, "en", rules)
    assert {(c.region, c.action) for c in claims} == {
        ("kharkiv", "seize_threat"),
        ("sumy", "seize_threat"),
        ("luhansk", "recognise"),
        ("donetsk", "recognise"),
        ("zaporizhzhia", "recognise"),
        ("kherson", "recognise"),
    }
    cede = next(c for c in claims if c.region == "kherson")
    assert cede.actor == "putin"
    assert text[cede.start : cede.end] == cede.sentence
    assert cede.sentence.startswith("At the meeting")
    assert cede.rules_version == rules.version
    assert next(c for c in claims if c.region == "sumy").actor == "russia"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Мединський погрожував захопити Харківщину.", {("kharkiv", "seize_threat")}),
        ("Мединский пригрозил захватить часть Сумской области.", {("sumy", "seize_threat")}),
        ("Putin threatened to take Kharkov.", {("kharkiv", "seize_threat")}),
        ("Песков: Киев должен отдать Запорожье.", {("zaporizhzhia", "recognise")}),
    ],
)
def test_region_names_resolve_with_the_rules_morphology(rules, text, expected) -> None:
    assert pairs(rules, text) == expected


def test_four_regions_unnamed_resolve_to_the_four(rules) -> None:
    four = {"donetsk", "luhansk", "zaporizhzhia", "kherson"}
    for text in (
        "Lavrov demanded that Ukraine withdraw from the four regions.",
        "Пєсков заявив, що Україна має вийти з чотирьох областей.",
        "Москва требует вывести войска из четырех регионов.",
    ):
        assert {r for r, a in pairs(rules, text) if a == "withdraw"} == four, text


def test_a_region_outside_the_demand_clause_is_not_claimed(rules) -> None:
    text = (
        "The Kremlin insisted that Ukraine pull out of Donetsk, while Ukrainian units kept "
        "defending Kharkiv and Sumy."
    )
    assert pairs(rules, text) == {("donetsk", "withdraw")}


@pytest.mark.parametrize(
    "text",
    [
        "Russian troops captured two villages in the Donetsk region and shelled Kharkiv.",
        "Zelensky demanded that Russia withdraw its forces from Zaporizhzhia and Kherson.",
        "The EU called for the withdrawal of Russian troops from Crimea.",
        "Donald Trump said Ukraine should give up Crimea to reach a deal.",
        "Israel said the army would create a buffer zone inside Gaza; Russian drones hit Odesa.",
        "Zelensky said Ukraine would never recognise Russia's claims to Kherson.",
        "Зеленський вимагає виведення російських військ із Запорізької області.",
        "Умєров заявив, що Україна не віддасть Донеччину.",
    ],
)
def test_look_alikes_are_not_claims(rules, text) -> None:
    assert pairs(rules, text) == set()


def test_a_2022_ultimatum_is_a_claim(rules) -> None:
    text = (
        "In March 2022 Moscow demanded that Kyiv recognise Crimea as Russian and hand over the "
        "Donetsk and Luhansk regions."
    )
    assert pairs(rules, text) == {
        ("crimea", "recognise"),
        ("donetsk", "recognise"),
        ("luhansk", "recognise"),
    }


def test_the_speaker_of_the_previous_sentence_carries_over(rules) -> None:
    text = "Dmitry Peskov spoke to reporters. The demand is that Ukraine leave Donbas."
    claims = extract_claims("", text, "en", rules)
    assert [(c.region, c.action, c.actor) for c in claims] == [("donbas", "withdraw", "peskov")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # regions before a passive verb
        (
            "Zaporozhye and Kherson must be handed over in full, Medvedev wrote.",
            {("zaporizhzhia", "recognise"), ("kherson", "recognise")},
        ),
        (
            "Херсонщина і Запоріжжя мають бути передані Росії, написав Медведєв.",
            {("kherson", "recognise"), ("zaporizhzhia", "recognise")},
        ),
        # "next": a threat without a verb of seizing
        (
            "Medvedev wrote that Dnipropetrovsk and Odesa would be next if Kyiv kept fighting.",
            {("dnipropetrovsk", "seize_threat"), ("odesa", "seize_threat")},
        ),
        (
            "Медведев написал, что следующими могут стать Днепропетровская область и Одесса.",
            {("dnipropetrovsk", "seize_threat"), ("odesa", "seize_threat")},
        ),
        # a threat conditioned after the verb, the future in the verb itself
        (
            "Росія захопить усю Запорізьку область, якщо Київ не погодиться, заявив Медведєв.",
            {("zaporizhzhia", "seize_threat")},
        ),
        # a second action coordinated with a governed one
        (
            "Russia’s memorandum requires Ukraine to withdraw from the parts of Donetsk and "
            "Luhansk "
            "it still holds and to recognise the annexation of Crimea.",
            {("donetsk", "withdraw"), ("luhansk", "withdraw"), ("crimea", "recognise")},
        ),
        # a seizure threat "if Ukraine does not withdraw": a withdrawal demand too
        (
            "Putin said Russia would take the rest of the Zaporizhzhia and Kherson regions by "
            "force if Ukraine did not withdraw its troops.",
            {
                ("zaporizhzhia", "seize_threat"),
                ("kherson", "seize_threat"),
                ("zaporizhzhia", "withdraw"),
                ("kherson", "withdraw"),
            },
        ),
        # the speaker addressed, not speaking: "told Donald Trump … if Ukraine handed over"
        (
            "Putin told Donald Trump he would end the war if Ukraine handed over the rest of "
            "the Donetsk region.",
            {("donetsk", "recognise")},
        ),
        # morphology the gazetteer's stems miss
        (
            "Путін наказав створити буферну зону на кордоні з Сумською та Харківською областями.",
            {("sumy", "buffer_zone"), ("kharkiv", "buffer_zone")},
        ),
        # a Russian demand quoted by a Ukrainian ("us" is not the US)
        (
            "“They want us to leave our own land in Zaporizhzhia and Kherson,” Zelensky said.",
            {("zaporizhzhia", "withdraw"), ("kherson", "withdraw")},
        ),
    ],
)
def test_demand_constructions(rules, text, expected) -> None:
    assert pairs(rules, text) == expected


def test_an_inline_list_of_terms_and_those_territories(rules) -> None:
    text = (
        "The Russian memorandum lists Moscow's terms: • recognition of Crimea, the Donetsk "
        "and Luhansk republics as part of Russia; • the withdrawal of Ukrainian units from "
        "those territories; • neutrality."
    )
    regions = {"crimea", "donetsk", "luhansk"}
    assert pairs(rules, text) == {(r, a) for r in regions for a in ("recognise", "withdraw")}


def test_a_speaker_named_in_an_earlier_sentence_after_a_party(rules) -> None:
    text = (
        "If Kyiv rejects the terms, the goals will be reached by force, Vladimir Putin said. "
        "Ukraine must leave Donbas, and the Kharkov and Dnepropetrovsk regions are next."
    )
    claims = extract_claims("", text, "en", rules)
    assert {(c.region, c.action, c.actor) for c in claims} == {
        ("donbas", "withdraw", "putin"),
        ("kharkiv", "seize_threat", "putin"),
        ("dnipropetrovsk", "seize_threat", "putin"),
    }


def test_a_demand_clause_ended_by_another_action_and_a_clause_word(rules) -> None:
    text = "Кремль требует от Киева отказаться от Донецкой области, тогда как под Сумами бои."
    assert pairs(rules, text) == {("donetsk", "recognise")}


@pytest.mark.parametrize(
    "name",
    ["claims_dev.jsonl", "claims_dev2.jsonl", "claims_dev2_heldout.jsonl", "claims_probes.jsonl"],
)
def test_dev_set_precision_and_recall_per_language(rules, name) -> None:
    articles, _ = read_labelled(REPO / "tests/data/labelled" / name)
    report = evaluate(articles, rules, learned=False)
    assert set(report.languages) == {"en", "uk", "ru"}
    for score in report.languages.values():
        assert score.precision >= 0.85 and score.recall >= 0.8, score


def test_claims_yaml_errors_name_file_and_line(tmp_path, gazetteer) -> None:
    bad = tmp_path / "claims.yaml"
    text = (REPO / "config/claims.yaml").read_text(encoding="utf-8")
    bad.write_text(text.replace("regions: ukrainian_regions", "regions: no_such_group"), "utf-8")
    with pytest.raises(ClaimsError, match=r"claims\.yaml:\d+:\d+: regions: unknown group"):
        load_claim_rules(bad, gazetteer)
    line = text[: text.index("    en: [withdraw*")].count("\n") + 1
    bad.write_text(text.replace("[withdraw*,", "[with*draw,"), "utf-8")
    with pytest.raises(ClaimsError, match=rf"claims\.yaml:{line}:\d+: cues\.withdraw\.en: "):
        load_claim_rules(bad, gazetteer)
    bad.write_text(text.replace("cues:", "cuez:"), "utf-8")
    with pytest.raises(
        ClaimsError, match=r"claims\.yaml:\d+:\d+: cuez: unknown key; did you mean cues\?"
    ):
        load_claim_rules(bad, gazetteer)


def test_donbas_gives_way_to_its_named_parts(rules) -> None:
    only = "Peskov said Ukraine must leave Donbas."
    assert pairs(rules, only) == {("donbas", "withdraw")}
    both = "Peskov said Ukraine must leave Donbas. He named the Donetsk and Luhansk regions."
    assert ("donbas", "withdraw") not in pairs(rules, both)


def test_a_list_of_demands_and_those_territories(rules) -> None:
    text = (
        "Moscow published its memorandum on Monday. Its main points:\n"
        "• recognition of Crimea and the Kherson region as part of Russia;\n"
        "• the withdrawal of Ukrainian troops from those territories."
    )
    assert pairs(rules, text) == {
        ("crimea", "recognise"),
        ("kherson", "recognise"),
        ("crimea", "withdraw"),
        ("kherson", "withdraw"),
    }


def test_threats_without_a_threat_word(rules) -> None:
    assert pairs(rules, "Ukraine risks losing Odesa and Mykolaiv, Medvedev said.") == {
        ("odesa", "seize_threat"),
        ("mykolaiv", "seize_threat"),
    }
    assert pairs(rules, "If Kyiv refuses, Lavrov said, Russia could take the Sumy region.") == {
        ("sumy", "seize_threat")
    }
    assert pairs(rules, "Putin did not rule out taking Sumy.") == {("sumy", "seize_threat")}
    assert pairs(rules, "Ukrainian troops could take back villages in the Kharkiv region.") == set()


def test_a_config_with_its_own_topics_and_no_claims_yaml_runs_without_claims(
    tmp_path: Path,
) -> None:
    """The shipped claims.yaml names the shipped topics: a config directory with rules of its
    own and no claims.yaml must not fail on them, it reads claims for no topic."""
    import subprocess
    import sys

    (tmp_path / "feeds.yaml").write_text(
        "feeds:\n  - url: https://example.org/feed.xml\n    enabled: false\n", "utf-8"
    )
    (tmp_path / "rules.yaml").write_text(
        "topics:\n  - id: elections\n    rules:\n      - id: vote\n        query: ballot\n",
        "utf-8",
    )
    for args in (["rules", "check"], ["run", "--db", str(tmp_path / "x.duckdb")]):
        proc = subprocess.run(
            [sys.executable, "-m", "flows.cli", *args, "--config-dir", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        assert "claims.yaml" not in proc.stderr and "Traceback" not in proc.stderr
