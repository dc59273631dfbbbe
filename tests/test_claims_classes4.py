"""Classes of construction from issue 21's recall pass on dev6 (sentences written for each
class, never taken from a labelled set): each test is one class in English, Ukrainian and
Russian, with a look-alike that must stay out."""

from __future__ import annotations

import pytest

from tests.claims_support import FOUR, of, pairs  # the `rules` fixture: tests/conftest.py


@pytest.mark.parametrize(
    "text",
    [
        "Medvedev said Russia will take Dnipro, Nikolaev and Kharkiv sooner or later.",
        "Медведев заявив, що Росія забере Дніпро, Миколаїв і Харків рано чи пізно.",
        "Медведев заявил, что Россия заберет Днепр, Николаев и Харьков рано или поздно.",
    ],
)
def test_cities_in_a_list_stand_for_their_regions(rules, text) -> None:
    assert pairs(rules, text) == of("seize_threat", "dnipropetrovsk", "mykolaiv", "kharkiv")


@pytest.mark.parametrize(
    "text",
    [
        "Peskov said Russian troops will take positions on both banks of the Dnipro.",
        "Пєсков сказав, що російські війська займуть позиції на обох берегах Дніпра.",
        "Песков сказал, что российские войска займут позиции на обоих берегах Днепра.",
    ],
)
def test_the_dnipro_after_a_river_word_a_few_words_back_is_the_river(rules, text) -> None:
    assert pairs(rules, text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "Lavrov said Zaporizhzhia and Kherson are an inseparable part of our country.",
        "Лавров сказав, що Запоріжжя і Херсонщина історично наші.",
        "Лавров сказал, что Запорожская и Херсонская области — субъекты Российской Федерации.",
    ],
)
def test_sovereignty_stated_as_fact_by_a_russian_official(rules, text) -> None:
    assert pairs(rules, text) == of("recognise", "zaporizhzhia", "kherson")


@pytest.mark.parametrize(
    "text",
    [
        "Zelensky said Zaporizhzhia and Kherson are an inseparable part of our country.",
        "Зеленський сказав, що Запоріжжя і Херсонщина історично наші.",
    ],
)
def test_sovereignty_stated_by_ukraine_is_no_claim(rules, text) -> None:
    assert pairs(rules, text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "«Росія в будь-якому разі звільнить Херсонщину», — сказав Пєсков.",
        "«Россия в любом случае освободит Херсонскую область», — сказал Песков.",
    ],
)
def test_liberate_in_the_future_is_a_seizure_threat(rules, text) -> None:
    assert pairs(rules, text) == of("seize_threat", "kherson")


@pytest.mark.parametrize(
    "text",
    [
        '"Kyiv, the Ukrainian army must leave Zaporizhzhia. That is the condition," Peskov added.',
        "«Київ, українська армія мають покинути Запоріжжя. Це умова», — додав Пєсков.",
        "«Киев, украинская армия должны покинуть Запорожье. Это условие», — добавил Песков.",
    ],
)
def test_a_quote_over_two_sentences_is_the_speakers_named_after_it(rules, text) -> None:
    assert pairs(rules, text) == of("withdraw", "zaporizhzhia")


@pytest.mark.parametrize(
    "text",
    [
        "«Київ має покинути Запоріжжя. Це умова», — додав Зеленський.",
        "«Киев должен покинуть Запорожье. Это условие», — добавил Зеленский.",
    ],
)
def test_a_quote_over_two_sentences_by_ukraine_is_no_claim(rules, text) -> None:
    assert pairs(rules, text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "The Russian draft demands recognition of Crimea and Kherson as Russian. It also "
        "demands the withdrawal of Ukrainian troops from the said regions.",
        "Російський проєкт вимагає визнати Крим і Херсонщину російськими. Він також вимагає "
        "виведення українських військ із зазначених регіонів.",
        "Российский проект требует признать Крым и Херсонскую область российскими. Он также "
        "требует вывода украинских войск из указанных регионов.",
    ],
)
def test_the_said_regions_are_those_of_the_claim_before(rules, text) -> None:
    assert pairs(rules, text) == of("recognise", "crimea", "kherson") | of(
        "withdraw", "crimea", "kherson"
    )


@pytest.mark.parametrize(
    "text",
    [
        "Pushilin demanded that Ukraine hand over Mykolaiv.",
        "Пушилін вимагав, щоб Україна віддала Миколаївщину.",
        "Пушилин потребовал, чтобы Украина отдала Николаевскую область.",
    ],
)
def test_russian_officials_outside_the_gazetteer_voice_russias_demand(rules, text) -> None:
    assert pairs(rules, text) == of("recognise", "mykolaiv")


@pytest.mark.parametrize(
    "text",
    [
        "Небензя сказав, що всі мають визнати входження чотирьох «нових регіонів» до складу Росії.",
        "Небензя сказал, что все должны признать вхождение четырех «новых регионов» в "
        "состав России.",
    ],
)
def test_new_regions_read_as_the_gazetteers_entity_are_the_four(rules, text) -> None:
    assert pairs(rules, text) == of("recognise", *FOUR)


@pytest.mark.parametrize(
    "text",
    [
        "The Russian memorandum demands that Kyiv recognise the five regions as Russian.",
        "Російський меморандум вимагає, щоб Київ визнав п'ять регіонів російськими.",
        "Российский меморандум требует, чтобы Киев признал пять регионов российскими.",
    ],
)
def test_the_five_regions_are_the_four_and_crimea(rules, text) -> None:
    assert pairs(rules, text) == of("recognise", *FOUR, "crimea")


@pytest.mark.parametrize(
    "text",
    [
        "Volodin said Russia will take back Odesa and Kharkiv in time.",
        "Володін заявив, що Росія з часом поверне собі Одесу і Харків.",
        "Володин заявил, что Россия со временем вернет себе Одессу и Харьков.",
    ],
)
def test_taking_back_in_the_future_is_a_seizure_threat(rules, text) -> None:
    assert pairs(rules, text) == of("seize_threat", "odesa", "kharkiv")


@pytest.mark.parametrize(
    "text",
    [
        "Pushilin spoke of the need to take Odesa and Mykolaiv under control.",
        "Пушилін заявив про необхідність взяти під контроль Одесу і Миколаїв.",
        "Пушилин заявил о необходимости взять под контроль Одессу и Николаев.",
    ],
)
def test_the_need_to_take_a_region_is_a_call_to_seize_it(rules, text) -> None:
    assert pairs(rules, text) == of("seize_threat", "odesa", "mykolaiv")


@pytest.mark.parametrize(
    "text",
    [
        "Zelensky spoke of the need to take back Kherson and Zaporizhzhia.",
        "Зеленський заявив про необхідність повернути собі Херсонщину і Запоріжжя.",
    ],
)
def test_ukraines_aim_to_take_back_its_regions_is_no_claim(rules, text) -> None:
    assert pairs(rules, text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "Lavrov demanded recognition of the new realities that arose after the accession "
        "to Russia of Crimea and Kherson.",
        "Лавров вимагає визнати нові реалії, які склалися після приєднання до Росії Криму "
        "і Херсонщини.",
        "Лавров требует признать новые реалии, которые сложились после присоединения к "
        "России Крыма и Херсонской области.",
    ],
)
def test_a_relative_clause_that_goes_on_with_the_same_action(rules, text) -> None:
    assert pairs(rules, text) == of("recognise", "crimea", "kherson")


@pytest.mark.parametrize(
    "text",
    [
        "Lavrov said Crimea and Kherson are inseparable, equal parts of Russia.",
        "Лавров сказав, що Крим і Херсонщина — невід'ємні, рівноправні частини Росії.",
        "Лавров сказал, что Крым и Херсонская область — неотъемлемые, равноправные части России.",
    ],
)
def test_an_inseparable_part_with_words_between(rules, text) -> None:
    assert pairs(rules, text) == of("recognise", "crimea", "kherson")


@pytest.mark.parametrize(
    "text",
    [
        "Lavrov said it is important that the world recognise the integration into Russia "
        "of Kherson.",
        "Лавров сказав, що важливо, щоб світ визнав Херсонщину російською.",
        "Лавров сказал, что важно, чтобы мир признал Херсонскую область российской.",
    ],
)
def test_it_is_important_that_is_a_demand(rules, text) -> None:
    assert pairs(rules, text) == of("recognise", "kherson")


@pytest.mark.parametrize(
    "text",
    [
        "Fidan said Moscow had at first demanded from Ukraine the territories of Kherson.",
        "Фідан сказав, що Росія спершу вимагала від України території Херсонщини.",
        "Фидан сказал, что Россия сначала требовала от Украины территории Херсонской области.",
    ],
)
def test_a_demand_of_the_region_past_from_ukraine(rules, text) -> None:
    assert pairs(rules, text) == of("recognise", "kherson")


@pytest.mark.parametrize(
    "text",
    [
        "Putin said Russia must create in the Sumy region a security zone.",
        "Путін сказав, що Росія має створити в Сумській області зону безпеки.",
        "Путин сказал, что Россия должна создать в Сумской области зону безопасности.",
    ],
)
def test_a_zone_created_in_a_region_named_before_it(rules, text) -> None:
    assert pairs(rules, text) == of("buffer_zone", "sumy")


@pytest.mark.parametrize(
    "text",
    [
        "Shelling hit the Sumy region, where Ukraine wants to create a security zone.",
        "Обстріли зачепили Сумську область, де Україна хоче створити зону безпеки.",
    ],
)
def test_a_zone_that_is_not_russias_stays_out(rules, text) -> None:
    assert pairs(rules, text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "Putin said a security zone must be created along the Ukrainian border. That is, "
        "in the Sumy and Kharkiv regions.",
        "Путін сказав, що вздовж українського кордону треба створити зону безпеки. Ідеться "
        "про Сумську і Харківську області.",
        "Путин сказал, что вдоль украинской границы нужно создать зону безопасности. Речь "
        "идет о Сумской и Харьковской областях.",
    ],
)
def test_along_the_ukrainian_border_names_no_party(rules, text) -> None:
    assert pairs(rules, text) == of("buffer_zone", "sumy", "kharkiv")


@pytest.mark.parametrize(
    "text",
    [
        "Якщо Київ не погодиться, Україна може втратити ще кілька регіонів. Про це заявив "
        "Картаполов. Ідеться про Одесу і Миколаїв.",
        "Если Киев не согласится, Украина может потерять еще несколько регионов. Об этом "
        "заявил Картаполов. Речь идет об Одессе и Николаеве.",
    ],
)
def test_an_attribution_between_a_threat_and_its_regions(rules, text) -> None:
    assert pairs(rules, text) == of("seize_threat", "odesa", "mykolaiv")


@pytest.mark.parametrize(
    "title",
    [
        "Tolstoy: 'Russia must return its Odesa and Kharkiv regions'",
        "Толстой: Росія має повернути собі Одещину і Харківщину",
        "Толстой: Россия должна вернуть себе Одесскую и Харьковскую области",
    ],
)
def test_a_headline_demand_to_take_regions_back(rules, title) -> None:
    assert pairs(rules, "", title=title) == of("seize_threat", "odesa", "kharkiv")


@pytest.mark.parametrize(
    "text",
    [
        "Зеленський: Україна має повернути собі Херсонщину.",
        "Зеленский: Украина должна вернуть себе Херсонскую область.",
    ],
)
def test_ukraine_taking_its_regions_back_is_no_claim(rules, text) -> None:
    assert pairs(rules, text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "Депутат Держдуми сказав, що Росія має дійти до Одеси.",
        "Депутат Госдумы сказал, что России нужно дойти до Одессы.",
    ],
)
def test_russia_must_reach_a_region(rules, text) -> None:
    assert pairs(rules, text) == of("seize_threat", "odesa")


def test_a_region_that_must_come_under_russian_control(rules) -> None:
    text = 'Ushakov said Kherson "must come under full control of the Russian Federation".'
    assert pairs(rules, text) == of("recognise", "kherson")


@pytest.mark.parametrize(
    "text",
    [
        "Putin said international recognition of Russia's new regions, including Crimea, "
        "is important.",
        "Путін сказав, що міжнародне визнання нових регіонів РФ, зокрема Криму, важливе.",
        "Путин сказал, что международное признание новых регионов РФ, в том числе Крыма, важно.",
    ],
)
def test_recognition_said_to_be_important_is_a_demand(rules, text) -> None:
    assert pairs(rules, text) == of("recognise", *FOUR, "crimea")


@pytest.mark.parametrize(
    "text",
    [
        "Putin said the Kherson region, together with Crimea, became part of Russia.",
        "Путін сказав, що Херсонщина разом із Кримом нібито є частиною Росії.",
        "Путин сказал, что Херсонская область вместе с Крымом якобы является частью России.",
    ],
)
def test_a_subject_list_joined_by_together_with_or_hedged(rules, text) -> None:
    assert pairs(rules, text) == of("recognise", "kherson", "crimea")


@pytest.mark.parametrize(
    "text",
    [
        "Zakharova demanded the withdrawal of Ukrainian troops from the four new subjects.",
        "Захарова вимагала виведення українських військ із чотирьох нових суб'єктів.",
        "Захарова потребовала вывода украинских войск из четырех новых субъектов.",
    ],
)
def test_four_new_subjects_are_the_four(rules, text) -> None:
    assert pairs(rules, text) == of("withdraw", *FOUR)


@pytest.mark.parametrize(
    "text",
    [
        "Lavrov said that without the coup Ukraine would not have lost Crimea.",
        "Лавров сказав, що без перевороту Україна не втратила б Крим.",
        "Лавров сказал, что без переворота Украина не потеряла бы Крым.",
    ],
)
def test_a_negated_loss_is_no_threat(rules, text) -> None:
    assert pairs(rules, text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "It is unclear whether Russia will try to extend its claims to Kherson.",
        "Незрозуміло, чи Росія спробує поширити свої претензії на Херсонщину.",
        "Неясно, попытается ли Россия распространить свои претензии на Херсонскую область.",
    ],
)
def test_speculation_whether_russia_will_claim_is_no_claim(rules, text) -> None:
    assert pairs(rules, text) == set()


def test_a_ukrainian_commanders_reading_of_a_zone_is_no_claim(rules) -> None:
    text = "Syrsky said Russia was seeking to create a buffer zone in the Kharkiv region."
    assert pairs(rules, text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "Peskov warned: if Kyiv refuses — Ukraine will lose Kharkiv, and Sumy, and Odesa — "
        "he said.",
        "«Не захочуть — залишаться і без Харкова, і без Сум, і без Одеси», — сказав Картаполов.",
        "«Не захотят — останутся и без Харькова, и без Сум, и без Одессы», — сказал Картаполов.",
    ],
)
def test_a_list_inside_the_dashes_of_its_own_threat(rules, text) -> None:
    assert pairs(rules, text) == of("seize_threat", "kharkiv", "sumy", "odesa")


@pytest.mark.parametrize(
    "text",
    [
        "Zakharova said Russian troops will take the whole territory of Russia, which in her "
        "view includes Kherson and Zaporizhzhia.",
        "Захарова сказала, що російські війська візьмуть усю територію Росії, яка, на її "
        "думку, включає Херсонщину і Запоріжжя.",
        "Захарова сказала, что российские войска возьмут всю территорию России, которая, по "
        "ее мнению, включает Херсонскую и Запорожскую области.",
    ],
)
def test_a_clause_saying_what_the_object_includes(rules, text) -> None:
    assert pairs(rules, text) == of("seize_threat", "kherson", "zaporizhzhia")


def test_a_list_after_including_stays_a_list(rules) -> None:
    text = (
        "Moscow demands the withdrawal of Ukrainian forces from the territory of Russia, "
        "including Kherson and Zaporizhzhia, which it annexed in 2022."
    )
    assert pairs(rules, text) == of("withdraw", "kherson", "zaporizhzhia")


@pytest.mark.parametrize(
    "text",
    [
        "Putin ordered a buffer zone along the border. It covers regions such as Sumy and Kharkiv.",
        "Путін наказав створити буферну зону вздовж кордону. Вона охопить області, такі як "
        "Сумська і Харківська.",
        "Путин приказал создать буферную зону вдоль границы. Она охватит области, такие как "
        "Сумская и Харьковская.",
    ],
)
def test_such_as_names_the_regions_of_the_demand_before(rules, text) -> None:
    assert pairs(rules, text) == of("buffer_zone", "sumy", "kharkiv")


def test_such_as_after_a_zone_of_ukraines_stays_out(rules) -> None:
    text = (
        "Zelensky ordered a buffer zone along the border. Russian shelling hit regions "
        "such as Sumy and Kharkiv."
    )
    assert pairs(rules, text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "Peskov said Russia would accept no plan if it does not provide for the annexation "
        "of Kherson.",
        "Пєсков сказав, що Росія не прийме жодного плану, якщо він не передбачатиме анексії "
        "Херсонщини.",
        "Песков сказал, что Россия не примет никакого плана, если он не предусматривает "
        "аннексии Херсонской области.",
    ],
)
def test_a_condition_with_its_own_not_still_demands(rules, text) -> None:
    assert pairs(rules, text) == of("recognise", "kherson")


def test_an_anniversary_of_the_annexation_is_no_demand(rules) -> None:
    text = "У Сімферополі відзначили річницю анексії Криму, повідомили місцеві ЗМІ."
    assert pairs(rules, text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "Moscow has said it wants control of the whole of Zaporizhzhia.",
        "Москва заявила, що хоче контроль над усією Запорізькою областю.",
        "Формула, по словам источника в Кремле, подразумевает российский контроль над всей "
        "Запорожской областью.",
    ],
)
def test_wanting_control_of_a_whole_region_is_a_demand_to_cede_it(rules, text) -> None:
    assert pairs(rules, text) == of("recognise", "zaporizhzhia")


def test_taking_full_control_stays_a_seizure(rules) -> None:
    text = "Putin said Russia will take full control of Zaporizhzhia unless Kyiv pulls out."
    assert pairs(rules, text) == of("seize_threat", "zaporizhzhia") | of("withdraw", "zaporizhzhia")


@pytest.mark.parametrize(
    "text",
    [
        '"If not through talks, then by military means Zaporizhzhia will come under the '
        'full control of Russia," Ushakov said.',
        "«Якщо не шляхом переговорів, то військовим шляхом Запоріжжя перейде під повний "
        "контроль Росії», — сказав Ушаков.",
        "«Если не путем переговоров, то военным путем Запорожье перейдет под полный контроль "
        "России», — сказал Ушаков.",
    ],
)
def test_coming_under_control_in_the_future_is_a_seizure_threat(rules, text) -> None:
    assert ("zaporizhzhia", "seize_threat") in pairs(rules, text)


@pytest.mark.parametrize(
    "text",
    [
        "Zakharova named Kherson and Zaporizhzhia. The withdrawal of Ukrainian troops from "
        "these regions is what President Vladimir Putin sets as a condition.",
        "Захарова назвала Херсонщину і Запоріжжя. Виведення українських військ із цих "
        "регіонів — це те, що президент Володимир Путін ставить за умову.",
        "Захарова назвала Херсонскую область и Запорожье. Вывод украинских войск из этих "
        "регионов — это то, что президент Владимир Путин ставит условием.",
    ],
)
def test_a_condition_named_ten_words_after_its_action(rules, text) -> None:
    assert pairs(rules, text) == of("withdraw", "kherson", "zaporizhzhia")
