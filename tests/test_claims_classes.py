"""Classes of construction the claims extractor reads in all three languages (issue 21's
recall pass on blind2): each test is one class, on sentences written for it, with a
look-alike that must stay out; and blind2's floor per language."""

from __future__ import annotations

import pytest

from pipelines.claims.evaluate import evaluate, read_labelled
from tests.claims_support import FOUR, REPO, pairs  # the `rules` fixture: tests/conftest.py


def withdraw(*regions: str) -> set[tuple[str, str]]:
    return {(r, "withdraw") for r in regions}


@pytest.mark.parametrize(
    "text",
    [
        "Russia demanded the withdrawal of Ukrainian forces from four temporarily occupied "
        "regions.",
        "Росія вимагала, щоб українські війська вийшли з чотирьох «анексованих» регіонів.",
        "Путин требует вывести войска из четырех новых российских регионов.",
    ],
)
def test_four_regions_with_words_between(rules, text) -> None:
    assert pairs(rules, text) == withdraw(*FOUR)


def test_four_of_something_else_is_not_the_four_regions(rules) -> None:
    text = "Russia demanded that Ukraine leave four villages in the Kharkiv region."
    assert pairs(rules, text) == withdraw("kharkiv")


@pytest.mark.parametrize(
    "text",
    [
        "Kremlin: Russians told us: we demand four regions today.",
        "«Росіяни казали: сьогодні ми вимагаємо чотири області», — розповів він.",
        "Россияне заявили: мы требуем четыре области.",
    ],
)
def test_a_demand_whose_object_is_the_regions_is_a_demand_to_cede(rules, text) -> None:
    assert pairs(rules, text) == {(r, "recognise") for r in FOUR}


def test_a_demand_of_a_region_gives_way_to_what_is_demanded_of_it(rules) -> None:
    text = "Кремль вимагає, щоб Україна залишила Донеччину."
    assert pairs(rules, text, title="Кремль вимагає Донеччину") == withdraw("donetsk")


@pytest.mark.parametrize(
    "text",
    [
        "Putin said the condition is the withdrawal of Ukrainian troops from the regions "
        "Russia claims under its constitution — Donetsk, Luhansk, Zaporizhzhia and Kherson.",
        "Путін заявив, що умовою стане вихід українських військ з областей, на які Росія "
        "претендує згідно з Конституцією РФ, — Донецької, Луганської, Запорізької та "
        "Херсонської.",
        "Путин заявил, что условием станет вывод украинских войск из регионов, на которые "
        "претендует Россия, — ДНР, ЛНР, Запорожской и Херсонской областей.",
    ],
)
def test_a_list_after_a_dash_names_the_regions_of_the_action(rules, text) -> None:
    assert pairs(rules, text) == withdraw(*FOUR)


@pytest.mark.parametrize(
    "text",
    [
        "Peskov said the memorandum's main provisions are: recognition of Crimea as part "
        "of Russia; a ban on NATO membership.",
        '"Recognition of Crimea as part of Russia; a ban on NATO membership," the '
        "Kremlin's memorandum says, Peskov said.",
    ],
)
def test_inline_lists_and_quotes_governed_by_the_demand_around_them(rules, text) -> None:
    assert pairs(rules, text) == {("crimea", "recognise")}


@pytest.mark.parametrize(
    "text",
    [
        "Crimea is a Russian region, Peskov said. This needs to be recognised de facto.",
        "Крим — російський регіон, заявив Пєсков. Це треба визнати де-факто.",
        "О Крыме Песков сказал, что это российский регион. «Это нужно признавать», — "
        "подчеркнул он.",
    ],
)
def test_a_sentence_opening_with_a_pronoun_refers_to_the_sentence_before(rules, text) -> None:
    assert pairs(rules, text) == {("crimea", "recognise")}


def test_a_pronoun_subject_inside_the_sentence_does_not_refer_back(rules) -> None:
    text = (
        "Peskov said Ukraine must leave the Donetsk region. Russia will fight as long as it "
        "takes, he said."
    )
    assert pairs(rules, text) == withdraw("donetsk")


@pytest.mark.parametrize(
    "text",
    [
        "Putin demanded recognition of the occupied Crimea and Donetsk region.",
        "Путін вимагав визнання контролю Росії над окупованим Кримом та Донецькою областю.",
        "Путин требует признания контроля над оккупированным Крымом и Донецкой областью.",
    ],
)
def test_occupied_before_a_region_is_an_adjective(rules, text) -> None:
    assert pairs(rules, text) == {("crimea", "recognise"), ("donetsk", "recognise")}


def test_a_party_who_voices_nothing_does_not_speak_for_the_next_sentence(rules) -> None:
    text = (
        "Medinsky handed over Russia's memorandum. Ukraine promised to answer within a "
        "week. The document demands the withdrawal of troops from the Kherson region."
    )
    assert pairs(rules, text) == withdraw("kherson")
    voiced = (
        "Zelensky rejected the memorandum. The document demands the withdrawal of troops "
        "from the Kherson region."
    )
    assert pairs(rules, voiced) == set()


def test_a_party_inside_the_claims_clause_is_not_its_speaker(rules) -> None:
    text = (
        "Путин назвал условия. Главное требование — вывести войска с территорий ДНР и ЛНР "
        "в границах на момент их вхождения в состав Украины."
    )
    assert pairs(rules, text) == withdraw("donetsk", "luhansk")


@pytest.mark.parametrize(
    "text",
    [
        "Kadyrov called for seizing Odesa and Kharkiv.",
        "Кадиров закликав забрати Одесу та Харків.",
        "Кадыров призвал забрать Одессу и Харьков.",
    ],
)
def test_a_call_to_seize_is_a_seizure_threat(rules, text) -> None:
    assert pairs(rules, text) == {("odesa", "seize_threat"), ("kharkiv", "seize_threat")}


def test_a_battlefield_aim_is_no_seizure_threat(rules) -> None:
    text = "Moscow wants to capture Pokrovsk in the Donetsk region before winter."
    assert pairs(rules, text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "Картаполов заявил, что Украина рискует потерять Одессу и Харьков.",
        "Картаполов заявив, що Україна ризикує втратити Одесу та Харків.",
    ],
)
def test_risks_losing_with_an_infinitive(rules, text) -> None:
    assert pairs(rules, text) == {("odesa", "seize_threat"), ("kharkiv", "seize_threat")}


def test_donbas_reads_as_the_parts_the_article_names(rules) -> None:
    text = (
        "Peskov said Ukraine must withdraw its forces from Donbass. Donbass refers to the "
        "Donetsk and Luhansk republics."
    )
    assert pairs(rules, text) == withdraw("donetsk", "luhansk")


def test_a_list_set_out_a_paragraph_an_item(rules) -> None:
    text = (
        "Putin's proposal includes the following demands:\n\n"
        "Ukraine must withdraw from the Donetsk region.\n\n"
        "Russia will return areas it occupies in the Sumy region.\n\n"
        "Recognition of Russian sovereignty over Crimea."
    )
    assert pairs(rules, text) == {("donetsk", "withdraw"), ("crimea", "recognise")}


BLIND2_FLOOR = {  # measured after tuning on blind2 (BLIND2.md); precision, recall
    "en": (0.99, 0.85),
    "uk": (0.92, 0.98),
    "ru": (0.96, 0.83),
}


def test_blind2_floor_per_language(rules) -> None:
    articles, _ = read_labelled(REPO / "tests/data/labelled/blind2.jsonl")
    report = evaluate(articles, rules, learned=False)
    for lang, (precision, recall) in BLIND2_FLOOR.items():
        score = report.languages[lang]
        assert score.precision >= precision and score.recall >= recall, (lang, score)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Россия требует отвести войска за Днепр.", set()),
        ("Россия требует отвести войска за Днепр из Херсонской области.", {"kherson"}),
        ("Картаполов заявил, что Украина рискует потерять Днепр и Харьков.", None),
    ],
)
def test_a_city_named_like_a_river_is_the_river_after_a_river_word(rules, text, expected):
    found = pairs(rules, text)
    if expected is None:
        assert found == {("dnipropetrovsk", "seize_threat"), ("kharkiv", "seize_threat")}
    else:
        assert found == withdraw(*expected)
