"""Classes of construction from issue 21's seventh pass, on blind6's misses (sentences written
for each class, never taken from a labelled set), each with a look-alike that must stay out."""

from __future__ import annotations

import pytest

from tests.claims_support import FOUR, of, pairs  # the `rules` fixture: tests/conftest.py


@pytest.mark.parametrize(
    "text",
    [
        "Medinsky said Russia would fight an endless war against Ukraine and threatened to "
        "seize the Sumy and Kharkiv regions.",
        "Мединський сказав, що Росія воюватиме проти України вічно, і пригрозив захопленням "
        "Сумської та Харківської областей.",
    ],
)
def test_a_party_after_against_is_no_speaker(rules, text) -> None:
    assert pairs(rules, text) == of("seize_threat", "sumy", "kharkiv")


@pytest.mark.parametrize(
    "text",
    [
        "Путін наказав військам звільнити Донбас, Херсонську та Запорізьку області.",
        "Путин приказал войскам освободить Донбасс, Херсонскую и Запорожскую области.",
        "Putin ordered the troops to capture Donbas and the Kherson and Zaporizhzhia regions.",
    ],
)
def test_an_order_to_take_regions_is_a_threat(rules, text) -> None:
    assert pairs(rules, text) == of("seize_threat", "donbas", "kherson", "zaporizhzhia")


@pytest.mark.parametrize(
    "text",
    [
        "Зеленський наказав ЗСУ звільнити Херсонщину.",
        "Zelensky ordered the troops to liberate Kherson.",
    ],
)
def test_an_order_by_ukraine_is_no_claim(rules, text) -> None:
    assert pairs(rules, text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "Путін: у Росії на сьогодні немає планів брати Харків.",
        "Путин: у России на сегодня нет планов взятия Харькова.",
        "Putin said Russia has no plans to take Kharkiv.",
    ],
)
def test_no_plans_to_take_a_region_is_no_threat(rules, text) -> None:
    assert pairs(rules, text) == set()


def test_a_condition_before_the_negation_keeps_the_demand(rules) -> None:
    text = (
        "У Кремлі заявили, що не сприймуть жодного плану, якщо він не передбачатиме "
        "анексії Херсонської та Запорізької областей."
    )
    assert pairs(rules, text) == of("recognise", "kherson", "zaporizhzhia")


@pytest.mark.parametrize(
    "text",
    [
        "Толстой: «Росія має повернути свої Одеську та Харківську області».",
        "Толстой: «Россия должна вернуть свои Одесскую и Харьковскую области».",
    ],
)
def test_russia_must_return_its_own_regions_is_a_threat(rules, text) -> None:
    assert pairs(rules, text) == of("seize_threat", "odesa", "kharkiv")


@pytest.mark.parametrize(
    "text",
    [
        "Путін заявив, що Росія створить зони безпеки в Сумській області.",
        "Putin said Russia would create security zones in the Sumy region.",
    ],
)
def test_security_zones_in_the_plural(rules, text) -> None:
    assert pairs(rules, text) == of("buffer_zone", "sumy")


@pytest.mark.parametrize(
    "text",
    [
        "Сальдо подчеркнул, что Донбасс и Новороссия по Конституции РФ вошли в состав России.",
        "Ушаков заявив: «Донбас — це територія Росії».",
        "Peskov said Donbas is under the constitution part of Russia.",
    ],
)
def test_sovereignty_past_the_constitution_and_novorossiya(rules, text) -> None:
    assert pairs(rules, text) == of("recognise", "donbas")


def test_the_constitution_of_ukraine_is_no_claim(rules) -> None:
    text = "Zelensky said Donbas is under the constitution part of Ukraine."
    assert pairs(rules, text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "Боевые действия прекратятся тогда, когда ВСУ уйдут из Донецкой, Луганской, "
        "Запорожской и Херсонской областей, заявил Путин.",
        "Тогда речь шла о выводе украинских войск из Донецкой, Луганской, Запорожской и "
        "Херсонской областей, заявил Песков.",
        "The memorandum foresees the withdrawal of Ukrainian troops from the Donetsk, Luhansk, "
        "Zaporizhzhia and Kherson regions, Medinsky said.",
    ],
)
def test_more_ways_to_voice_a_withdrawal_demand(rules, text) -> None:
    assert pairs(rules, text) == of("withdraw", *FOUR)


def test_a_ukrainian_word_is_not_read_by_a_russian_cue(rules) -> None:
    """«треба» (uk: one must) is not «требует» (ru: demands)."""
    assert pairs(rules, "Медведєв: треба йти на Київ і Харків.") == set()


@pytest.mark.parametrize(
    "text",
    [
        "Путин поручил взять на особый контроль восстановление Херсонской и Запорожской областей.",
        "Путін доручив звільнити мешканців Херсонської та Запорізької областей від податків.",
        "Putin ordered his government to take care of residents of the Kherson and "
        "Zaporizhzhia regions.",
        "Putin ordered the troops to take up defensive positions along the border with the "
        "Sumy region.",
    ],
)
def test_orders_that_take_no_region_are_no_threat(rules, text) -> None:
    assert pairs(rules, text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "Peskov said Russia has no demands beyond the withdrawal of Ukrainian troops from the "
        "Donetsk and Luhansk regions.",
        "Песков: у Москвы нет условий, кроме одного: вывода ВСУ из Донецкой и Луганской областей.",
        "Пєсков: Росія не вимагає нічого, крім виведення ЗСУ з Донецької та Луганської областей.",
    ],
)
def test_no_demand_but_one_keeps_that_one(rules, text) -> None:
    assert pairs(rules, text) == of("withdraw", "donetsk", "luhansk")


def test_against_a_russian_demand_keeps_russia_as_who_demands(rules) -> None:
    text = "Zelensky pushed back against Russia's demand that Ukraine withdraw from Donetsk."
    assert pairs(rules, text) == of("withdraw", "donetsk")
