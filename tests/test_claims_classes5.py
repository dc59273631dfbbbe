"""Classes of construction from issue 21's pass on blind5's misses (sentences written for
each class, never taken from a labelled set): each test is one class in English, Ukrainian
and Russian, with a look-alike that must stay out."""

from __future__ import annotations

import pytest

from tests.claims_support import FOUR, of, pairs  # the `rules` fixture: tests/conftest.py


@pytest.mark.parametrize(
    "text",
    [
        "Moscow demands the withdrawal of Ukrainian troops from the areas it has partly "
        "captured (Donetsk, Luhansk, Zaporizhzhia and Kherson).",
        "The Kremlin insists on the pullout of Kyiv's forces from the lands it calls its "
        "own: Donetsk, Luhansk, Zaporizhzhia and Kherson.",
        "Москва вимагає виведення українських військ з територій, які вона частково "
        "захопила (Донецької, Луганської, Запорізької та Херсонської областей).",
        "Кремль требует вывода украинских войск с территорий, которые считает своими: "
        "Донецкой, Луганской, Запорожской и Херсонской областей.",
    ],
)
def test_a_list_in_brackets_or_after_a_colon_names_the_territories(rules, text) -> None:
    assert pairs(rules, text) == of("withdraw", *FOUR)


def test_a_bracket_after_the_territories_that_names_no_region_adds_none(rules) -> None:
    text = (
        "Russia demands that Ukraine withdraw its troops from the territories near the "
        "border (the shelling of Kharkiv went on overnight)."
    )
    assert pairs(rules, text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "The Kremlin will not return Zaporizhzhia and Kherson to Ukraine, Peskov said.",
        "Lavrov said Russia cannot give up Zaporizhzhia and Kherson.",
        "Москва не віддасть Запоріжжя і Херсонщину, заявив Медведєв.",
        "Кремль не собирается возвращать Украине Запорожскую и Херсонскую области.",
        "По словам Лаврова, Москва не может отказаться от Запорожской и Херсонской областей.",
    ],
)
def test_russia_refusing_to_give_regions_up_claims_them(rules, text) -> None:
    assert pairs(rules, text) == of("recognise", "zaporizhzhia", "kherson")


@pytest.mark.parametrize(
    "text",
    [
        "Zelensky said Ukraine will never give up Zaporizhzhia or Kherson.",
        "Зеленський заявив, що Україна не віддасть Запоріжжя і Херсонщину.",
        "Зеленский заявил, что Украина никогда не откажется от Запорожья и Херсона.",
        "Residents of Kherson did not return to their homes after the Russian shelling.",
        "Жители Херсона не вернулись домой после российских обстрелов.",
        "Russian troops did not leave Kherson until November.",
        "Russian troops never returned to Kharkiv after the 2022 counteroffensive.",
        "Russia has not returned the bodies of soldiers killed near Zaporizhzhia.",
        "Russia will not return the children deported from Kherson, Lvova-Belova said.",
        "Russia will not return to Kharkiv, Peskov said, denying plans for a new offensive.",
        "Russia will never give up attacking Odesa, Medvedev said.",
        "Ukrainian troops, under heavy Russian fire, will not leave Kharkiv, Syrskyi said.",
        "Russian troops cannot leave Crimea by land now that the bridge is damaged.",
        "Россия не вернет тела погибших под Херсоном, заявили в Минобороны РФ.",
        "Росія не поверне дітей, вивезених з Херсонщини, заявила Львова-Бєлова.",
        "Россия не откажется от ударов по Одессе, заявил Песков.",
    ],
)
def test_a_refusal_by_others_or_a_past_fact_is_no_claim(rules, text) -> None:
    assert pairs(rules, text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "Peskov said the status of Crimea is not up for discussion.",
        "Пєсков заявив, що питання належності Криму не є предметом дискусій.",
        "Песков заявил, что вопрос принадлежности Крыма не обсуждается.",
    ],
)
def test_a_region_whose_status_russia_will_not_discuss_is_claimed(rules, text) -> None:
    assert pairs(rules, text) == of("recognise", "crimea")


def test_a_status_ukraine_will_not_discuss_is_no_claim(rules) -> None:
    text = "Zelensky said the status of Crimea is not up for discussion."
    assert pairs(rules, text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "Russia demands that Ukraine leave the Donetsk People's Republic (DPR); Kharkiv was "
        "shelled overnight.",
        "Moscow demands the withdrawal of Ukrainian troops from the border areas (Sumy was "
        "shelled again on Tuesday, killing two).",
    ],
)
def test_a_bracket_or_colon_beyond_the_claim_adds_no_region(rules, text) -> None:
    assert {r for r, _ in pairs(rules, text)} <= {"donetsk"}


@pytest.mark.parametrize(
    "text",
    [
        "Медведєв заявив, що армія РФ візьме Харків, і закликав Київ визнати його поразку.",
        "Kharkiv is Russian-speaking, but its residents reject Moscow, the mayor said.",
        "Russian forces are seeking full control of the Donetsk region, the ISW said.",
        "Russian officials said Donetsk is already part of Russia's rail network.",
    ],
)
def test_look_alikes_of_the_new_cues_claim_nothing_new(rules, text) -> None:
    assert not {a for _, a in pairs(rules, text)} & {"recognise"}


@pytest.mark.parametrize(
    "text",
    [
        "Zaporizhzhia and Kherson are officially part of Russia, Medinsky said.",
        "Medinsky said Zaporizhzhia and Kherson are legally part of Russia.",
        "Мединский заявил, что Запорожье и Херсон официально являются частью России.",
    ],
)
def test_an_adverb_between_the_regions_and_part_of_russia(rules, text) -> None:
    assert pairs(rules, text) == of("recognise", "zaporizhzhia", "kherson")


@pytest.mark.parametrize(
    "text",
    [
        "Peskov said any settlement must take into account the realities on the ground, "
        "including the new regions.",
        "Лавров заявил, что договоренности должны учитывать нынешние реалии, включая новые "
        "регионы в составе России.",
    ],
)
def test_realities_on_the_ground_are_a_demand_to_recognise(rules, text) -> None:
    assert pairs(rules, text) == of("recognise", *FOUR)


def test_realities_on_the_ground_in_battle_news_are_no_claim(rules) -> None:
    text = "Zelensky said the realities on the ground in Kherson are difficult."
    assert pairs(rules, text) == set()


def test_a_party_after_with_is_no_speaker(rules) -> None:
    text = (
        "Росія на переговорах зі США вимагає виведення українських військ з Донецької "
        "та Луганської областей."
    )
    assert pairs(rules, text) == of("withdraw", "donetsk", "luhansk")


def test_claims_to_have_annexed_is_no_claim_to(rules) -> None:
    text = "Russia claims to have annexed the four regions after staging sham referendums."
    assert not {a for _, a in pairs(rules, text)} & {"other"}


def test_donbas_becomes_its_parts_only_when_the_article_names_both(rules) -> None:
    one = "Putin said Ukraine must leave Donbas. Fighting went on near Donetsk overnight."
    both = (
        "Putin said Ukraine must leave Donbas. Donbas is made up of the Donetsk and Luhansk "
        "regions."
    )
    assert pairs(rules, one) == of("withdraw", "donbas")
    assert pairs(rules, both) == of("withdraw", "donetsk", "luhansk")
