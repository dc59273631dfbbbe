"""Classes of construction from issue 21's recall pass on blind3 (tuning set from then on):
each test is one class, on sentences written for it in English, Ukrainian and Russian, with
a look-alike that must stay out."""

from __future__ import annotations

import pytest

from tests.claims_support import FOUR, of, pairs  # the `rules` fixture: tests/conftest.py


@pytest.mark.parametrize(
    "text",
    [
        "The Kremlin said the fighting in Ukraine would stop only if Kyiv handed over "
        "Zaporizhzhia.",
        "У Кремлі сказали, що бої в Україні припиняться лише якщо Київ віддасть Запоріжжя.",
        "В Кремле сказали, что бои в Украине прекратятся только если Киев отдаст Запорожье.",
    ],
)
def test_a_party_named_as_a_place_does_not_voice_the_demand(rules, text) -> None:
    assert pairs(rules, text) == of("recognise", "zaporizhzhia")


@pytest.mark.parametrize(
    "text",
    [
        "Moscow's draft provides for recognition of Kherson as Russian territory, and "
        "the withdrawal of Ukrainian units from that territory.",
        "Москва вимагає визнати Херсонщину російською з повним виведенням українських "
        "військ з цієї території.",
        "Москва требует признать Херсонскую область российской с полным выводом "
        "украинских войск с этой территории.",
    ],
)
def test_a_second_action_joined_by_with_or_after_a_comma(rules, text) -> None:
    assert pairs(rules, text) == of("recognise", "kherson") | of("withdraw", "kherson")


def test_russias_own_withdrawal_stays_out(rules) -> None:
    text = "Kyiv demands the withdrawal of Russian troops from Kherson."
    assert pairs(rules, text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "Russia will agree to a truce only upon the withdrawal of Ukrainian troops from Luhansk.",
        "Росія погодиться на перемир'я лише при виведенні українських військ з Луганщини.",
        "Россия согласится на перемирие лишь при выводе украинских войск из Луганской области.",
    ],
)
def test_a_condition_phrase_governs_the_action(rules, text) -> None:
    assert pairs(rules, text) == of("withdraw", "luhansk")


def test_a_condition_on_russias_own_troops_stays_out(rules) -> None:
    text = "Kyiv will agree to a truce only upon the withdrawal of Russian troops from Luhansk."
    assert pairs(rules, text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "Peskov said that Donetsk and Luhansk are Russian regions and will forever remain "
        "part of Russia.",
        "Пєсков заявив, що Донеччина та Луганщина назавжди залишаться у складі Росії.",
        "Песков заявил, что Донецкая область, а также Луганская область являются регионами России.",
    ],
)
def test_a_russian_assertion_of_sovereignty_is_a_demand_to_recognise(rules, text) -> None:
    assert pairs(rules, text) == of("recognise", "donetsk", "luhansk")


@pytest.mark.parametrize(
    "text",
    [
        "Zelensky said Donetsk and Luhansk will never be part of Russia.",
        "Зеленський заявив, що Донеччина та Луганщина ніколи не будуть частиною Росії.",
        "Russian forces shelled Donetsk from Russian territory, the Ukrainian army said.",
        "Russian lands on both sides of the Dnipro and Crimea were named in the speech.",
    ],
)
def test_sovereignty_denied_or_in_battlefield_news_stays_out(rules, text) -> None:
    assert pairs(rules, text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "The Kremlin wants to retain control of Kherson and Zaporizhzhia.",
        "Кремль хоче залишити за собою Херсонщину та Запоріжжя.",
        "Кремль хочет оставить за собой Херсонскую и Запорожскую области.",
    ],
)
def test_keeping_a_region_is_a_demand_to_recognise_not_to_leave(rules, text) -> None:
    assert pairs(rules, text) == of("recognise", "kherson", "zaporizhzhia")


@pytest.mark.parametrize(
    "text",
    [
        "Option 1: the withdrawal of Ukrainian units from the territory of the Russian "
        "Federation, including Donetsk and Luhansk, the Russian draft reads.",
        "Варіант 1: виведення українських підрозділів з території Російської Федерації, "
        "зокрема з Донеччини та Луганщини, йдеться в російському проєкті.",
        "Вариант 1: вывод украинских подразделений с территории Российской Федерации, "
        "в том числе из Донецкой и Луганской областей, говорится в российском проекте.",
    ],
)
def test_a_numbered_option_and_a_region_past_words_of_a_place(rules, text) -> None:
    assert pairs(rules, text) == of("withdraw", "donetsk", "luhansk")


def test_a_withdrawal_from_a_place_then_another_clause_stays_out(rules) -> None:
    text = (
        "Option 1 was a withdrawal of Ukrainian units from the front, the Kremlin said, "
        "while shelling hit Donetsk."
    )
    assert pairs(rules, text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "Peskov said Ukraine must withdraw its troops. Their withdrawal from Donetsk and "
        "Luhansk would open the way to a truce.",
        "Пєсков заявив, що Україна має вивести війська. Виведення з Донеччини та Луганщини "
        "відкрило б шлях до перемир'я.",
        "Песков заявил, что Украина должна вывести войска. Вывод из Донецкой и Луганской "
        "областей открыл бы путь к перемирию.",
    ],
)
def test_regions_named_in_the_sentence_after_the_demand(rules, text) -> None:
    assert pairs(rules, text) == of("withdraw", "donetsk", "luhansk")


@pytest.mark.parametrize(
    "text",
    [
        "Zelensky said Russia must withdraw its troops. Their withdrawal from Donetsk and "
        "Luhansk would open the way to a truce.",
        "Peskov said Ukraine must withdraw its troops.\nA withdrawal from Donetsk and Luhansk "
        "began in 2022, a historian wrote.",
        "Зеленський заявив, що Росія має вивести війська. Виведення з Донеччини та "
        "Луганщини відкрило б шлях до перемир'я.",
    ],
)
def test_the_sentence_before_voices_no_russian_demand(rules, text) -> None:
    assert pairs(rules, text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "Zelensky said that Russia plans to seize Odesa.",
        "According to ISW, Putin intends to capture Kharkiv.",
        "Зеленський заявив, що Росія планує захопити Одесу.",
        "Зеленский заявил, что Россия хочет создать буферную зону в Сумской области.",
    ],
)
def test_an_aim_read_off_by_another_party_is_not_a_russian_claim(rules, text) -> None:
    assert pairs(rules, text) == set()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Peskov said that Russia plans to seize Odesa if Kyiv refuses.",
            ("odesa", "seize_threat"),
        ),
        (
            "Зеленський заявив, що Росія вимагає вивести війська з Донеччини.",
            ("donetsk", "withdraw"),
        ),
        (
            "Песков заявил, что Россия хочет создать буферную зону в Сумской области.",
            ("sumy", "buffer_zone"),
        ),
    ],
)
def test_an_aim_said_by_russia_or_a_demand_reported_by_others_stays(rules, text, expected) -> None:
    assert pairs(rules, text) == {expected}


@pytest.mark.parametrize(
    "text",
    [
        "Peskov gave no answer on whether Ukraine must also leave Kherson.",
        "Пєсков не відповів, чи має Україна піти також із Херсонщини.",
        "Песков не ответил, должна ли Украина уйти также из Херсонской области.",
    ],
)
def test_an_open_question_is_no_demand(rules, text) -> None:
    assert pairs(rules, text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "The Kremlin set out two options. The first is the withdrawal of Ukrainian forces "
        "from Zaporizhzhia and Kherson.",
        "Кремль виклав два варіанти. Перший – виведення українських військ із Запорізької "
        "та Херсонської областей.",
        "Кремль изложил два варианта. Первый – вывод украинских войск из Запорожской и "
        "Херсонской областей.",
    ],
)
def test_options_listed_in_sentences_by_ordinal(rules, text) -> None:
    assert pairs(rules, text) == of("withdraw", "zaporizhzhia", "kherson")


def test_an_ordinal_after_no_russian_demand_stays_out(rules) -> None:
    text = (
        "Kyiv set out two options. The first is the withdrawal of Russian forces from "
        "Zaporizhzhia and Kherson."
    )
    assert pairs(rules, text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "Peskov said Kyiv must accept the new realities. He named among them "
        "the recognition of Crimea as Russian.",
        "Пєсков заявив, що Київ має визнати нові реалії. Він назвав серед них визнання "
        "Криму російським.",
        "Песков заявил, что Киев должен признать новые реалии. Он назвал среди них "
        "признание Крыма российским.",
    ],
)
def test_new_realities_to_be_recognised_then_named(rules, text) -> None:
    assert pairs(rules, text) == of("recognise", "crimea")


@pytest.mark.parametrize(
    "text",
    [
        "Medvedev wrote that Russia will take Kharkiv.",
        "Медведєв написав, що Росія забере Харківщину.",
        "Медведев написал, что Россия заберет Харьков.",
    ],
)
def test_a_russian_seizure_in_the_future_tense_is_a_threat(rules, text) -> None:
    assert pairs(rules, text) == of("seize_threat", "kharkiv")


@pytest.mark.parametrize(
    "text",
    [
        "Zelensky said Russia will take Kharkiv unless the West helps.",
        "Зеленський заявив, що Росія забере Харківщину.",
        "Ukraine will take back Kharkiv, Syrskyi said.",
    ],
)
def test_a_future_seizure_read_off_by_others_or_by_ukraine_stays_out(rules, text) -> None:
    assert pairs(rules, text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "Peace will come only if Ukrainian troops leave Donetsk, Peskov said.",
        "Мир настане, якщо українські війська вийдуть з Донеччини, сказав Пєсков.",
        "Мир наступит, если украинские войска выйдут из Донецкой области, сказал Песков.",
    ],
)
def test_a_withdrawal_in_the_future_tense_as_a_condition(rules, text) -> None:
    assert pairs(rules, text) == of("withdraw", "donetsk")


@pytest.mark.parametrize(
    "text",
    [
        "Moscow demanded a withdrawal of troops. That means Donetsk and Luhansk.",
        "Москва вимагала виведення військ. Ідеться про Донеччину та Луганщину.",
        "Москва потребовала вывода войск. Речь идёт о Донецкой и Луганской областях.",
    ],
)
def test_a_sentence_that_names_the_regions_of_the_demand_before(rules, text) -> None:
    assert pairs(rules, text) == of("withdraw", "donetsk", "luhansk")


@pytest.mark.parametrize(
    "text",
    [
        "Kyiv demanded a withdrawal of Russian troops. That means Donetsk and Luhansk.",
        "Russian troops shelled the front. That means Donetsk and Luhansk again.",
    ],
)
def test_regions_explained_after_no_russian_demand_stay_out(rules, text) -> None:
    assert pairs(rules, text) == set()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Kherson and Zaporizhzhia must be transferred to Russia, Lavrov said.",
            of("recognise", "kherson", "zaporizhzhia"),
        ),
        (
            "Ukrainian troops are to be withdrawn from Donetsk, according to Peskov.",
            of("withdraw", "donetsk"),
        ),
        (
            "Херсонщина і Запоріжжя мають бути передані Росії, заявив Лавров.",
            of("recognise", "kherson", "zaporizhzhia"),
        ),
        (
            "Украинские войска должны быть выведены из Донецкой области, по словам Пескова.",
            of("withdraw", "donetsk"),
        ),
    ],
)
def test_passive_demands(rules, text, expected) -> None:
    assert pairs(rules, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Peskov spoke on Monday. Crimea, he said, is part of Russia.",
        "Пєсков виступив у понеділок. Крим, за його словами, є частиною Росії.",
        "Песков выступил в понедельник. Крым, по его словам, является частью России.",
    ],
)
def test_by_his_words_between_the_region_and_the_assertion(rules, text) -> None:
    assert pairs(rules, text) == of("recognise", "crimea")


def test_by_his_words_after_a_ukrainian_speaker_stays_out(rules) -> None:
    text = "Zelensky spoke on Monday. Crimea, he said, will never be part of Russia."
    assert pairs(rules, text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "Ushakov said the AFU must leave Donbas.",
        "Ушаков заявив, що ЗСУ мають піти з Донбасу.",
        "Ушаков заявил, что ВСУ должны уйти из Донбасса.",
    ],
)
def test_a_russian_speaker_before_said_is_not_the_one_who_must(rules, text) -> None:
    assert pairs(rules, text) == of("withdraw", "donbas")


def test_ukraine_before_an_aside_it_said_is_the_one_who_must(rules) -> None:
    text = "The Kremlin spoke on Friday. Ukraine, it said, must abandon Kherson."
    assert pairs(rules, text) == of("withdraw", "kherson")


@pytest.mark.parametrize(
    "text",
    [
        "The Kremlin wants to obtain all of Donetsk region.",
        "Кремль хоче отримати всю Донецьку область.",
        "Кремль хочет получить всю Донецкую область.",
    ],
)
def test_getting_a_region_is_a_demand_to_cede_it(rules, text) -> None:
    assert pairs(rules, text) == of("recognise", "donetsk")


def test_ukraine_getting_a_region_back_stays_out(rules) -> None:
    assert pairs(rules, "Kyiv wants to obtain the return of Donetsk region.") == set()


@pytest.mark.parametrize(
    "text",
    [
        "Російські війська захопили два села на Сумщині, заявили в Москві.",
        "Российские войска захватили два села в Сумской области.",
        "Russian troops took two villages in Sumy region.",
    ],
)
def test_a_seizure_in_the_past_tense_is_battlefield_news(rules, text) -> None:
    assert pairs(rules, text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "Russia demands that Ukraine withdraw from Donetsk. Also from Luhansk and Kherson.",
        "Росія вимагає, щоб Україна вийшла з Донеччини. А також із Луганщини та Херсонщини.",
        "Россия требует, чтобы Украина ушла из Донецкой области. А также из Луганской и "
        "Херсонской.",
        "Песков сказал, что Киев должен уйти из Донецкой области, а затем и из Луганской и "
        "Херсонской.",
    ],
)
def test_a_list_spread_across_sentences(rules, text) -> None:
    assert pairs(rules, text) == of("withdraw", "donetsk", "luhansk", "kherson")


def test_also_after_no_claim_stays_out(rules) -> None:
    text = "Russian drones hit Donetsk overnight. Also Luhansk and Kherson were shelled."
    assert pairs(rules, text) == set()


def test_a_demand_an_analyst_reports_is_still_russias(rules) -> None:
    text = "ISW noted that the Russian draft requires Ukraine to withdraw from Kherson."
    assert pairs(rules, text) == of("withdraw", "kherson")


@pytest.mark.parametrize(
    "text",
    [
        "Russia will stop if Kyiv recognises Crimea as Russian territory, and Donetsk too.",
        "Росія зупиниться, якщо Київ визнає Крим російською територією, а Донеччину — незалежною.",
        "Россия остановится, если Киев признает Крым российской территорией, а ДНР — независимой.",
    ],
)
def test_a_recognition_runs_on_past_as_russian_territory(rules, text) -> None:
    assert pairs(rules, text) == of("recognise", "crimea", "donetsk")


@pytest.mark.parametrize(
    "text",
    [
        "Kartapolov spoke on Monday. The buffer zone should cover the border areas. That is, "
        "the Sumy and Kharkiv regions, he said.",
        "Картаполов виступив у понеділок. Буферна зона має охопити прикордонні райони. "
        "Тобто Сумщину та Харківщину, сказав він.",
        "Картаполов выступил в понедельник. Буферная зона должна охватить приграничные "
        "районы. То есть Сумскую и Харьковскую области, сказал он.",
    ],
)
def test_a_zone_that_should_cover_regions_named_after(rules, text) -> None:
    assert pairs(rules, text) == of("buffer_zone", "sumy", "kharkiv")


def test_a_zone_named_after_a_ukrainian_speaker_stays_out(rules) -> None:
    text = (
        "Zelensky spoke on Monday. The buffer zone should cover the border areas. That is, "
        "the Sumy and Kharkiv regions, he said."
    )
    assert pairs(rules, text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "Ushakov said Donbas is territory of the Russian Federation.",
        "Ушаков заявив, що Донбас є територією Російської Федерації.",
        "Ушаков заявил, что Донбасс является территорией Российской Федерации.",
    ],
)
def test_territory_of_russia_is_an_assertion_of_sovereignty(rules, text) -> None:
    assert pairs(rules, text) == of("recognise", "donbas")


@pytest.mark.parametrize(
    "text",
    [
        "Putin said there is no task to take Sumy now, but he did not rule out it.",
        "Путін сказав, що планів брати Суми немає, але не виключив такого розвитку подій.",
        "Путин сказал, что планов брать Сумы нет, но не исключил такого развития событий.",
    ],
)
def test_a_denied_aim_then_not_ruled_out_is_a_threat(rules, text) -> None:
    assert pairs(rules, text) == of("seize_threat", "sumy")


def test_a_seizure_then_something_not_ruled_out_is_battlefield_news(rules) -> None:
    text = "Russian troops took two villages near Sumy, but the governor did not rule out more."
    assert pairs(rules, text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "Lavrov said any settlement must start with the recognition of the new realities. "
        "That means, first of all, Crimea and Kherson.",
        "Лавров сказав, що врегулювання має початися з визнання нових реалій. Ідеться "
        "насамперед про Крим і Херсонщину.",
        "Лавров сказал, что урегулирование должно начаться с признания новых реалий. Речь "
        "идет прежде всего о Крыме и Херсонской области.",
    ],
)
def test_words_between_the_explaining_phrase_and_the_regions(rules, text) -> None:
    assert pairs(rules, text) == of("recognise", "crimea", "kherson")


@pytest.mark.parametrize(
    "text",
    [
        "A Russian lawmaker said Moscow could seize Odesa if Kyiv refused to accept its terms.",
        "Putin met Medvedev on Tuesday. Analysts warned that Russian forces could capture "
        "Pokrovsk in the Donetsk region.",
        "Путин встретился с Медведевым. Аналитики предупредили, что российские войска могут "
        "захватить Покровск в Донецкой области.",
    ],
)
def test_accepting_terms_or_an_analysts_warning_is_no_claim(rules, text) -> None:
    assert ("odesa", "recognise") not in pairs(rules, text)
    assert ("donetsk", "seize_threat") not in pairs(rules, text)


@pytest.mark.parametrize(
    "text",
    [
        "Lavrov said Kyiv must recognise the four oblasts as part of Russia.",
        "Nebenzia said all parties must acknowledge the four regions as Russian.",
    ],
)
def test_the_four_regions_entity_stands_for_the_four(rules, text) -> None:
    assert pairs(rules, text) == of("recognise", *FOUR)


@pytest.mark.parametrize(
    "text",
    [
        "Zelensky said that Putin wants Kyiv to pull out of Donetsk.",
        "Зеленський заявив, що Путін хоче, щоб Україна вийшла з Донеччини.",
        "Зеленский заявил, что Путин хочет, чтобы Украина ушла из Донецкой области.",
    ],
)
def test_a_demand_on_ukraine_reported_by_others_stays_a_claim(rules, text) -> None:
    assert pairs(rules, text) == of("withdraw", "donetsk")


def test_accepting_proposals_that_name_regions_is_no_recognition(rules) -> None:
    text = (
        "Lavrov said Ukraine must accept Moscow's proposals, including the removal of "
        "threats to the new territories – Luhansk and Donetsk."
    )
    assert pairs(rules, text) == set()


def test_coming_under_russian_control_not_ruled_out(rules) -> None:
    text = "Putin did not rule out that Sumy could come under Russian control."
    assert pairs(rules, text) == of("seize_threat", "sumy")


def test_coming_under_fire_is_battlefield_news(rules) -> None:
    assert pairs(rules, "Sumy could come under fire again, the governor warned.") == set()


@pytest.mark.parametrize(
    "text",
    [
        "ЄС закликав Росію вивести війська з Херсонщини.",
        "ЕС призвал Россию вывести войска из Херсонской области.",
        "The EU called on Russia to withdraw its troops from Kherson.",
    ],
)
def test_russia_as_the_object_of_a_call_is_not_the_demander(rules, text) -> None:
    assert pairs(rules, text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "Kartapolov spoke to reporters. He said Ukraine risks losing big regional centres. "
        "That means Odesa and Mykolaiv.",
        "Картаполов виступив перед журналістами. Він заявив, що Україна ризикує втратити "
        "великі обласні центри. Ідеться про Одесу та Миколаїв.",
        "Картаполов выступил перед журналистами. Он заявил, что Украина рискует потерять "
        "крупные областные центры. Речь идет об Одессе и Николаеве.",
    ],
)
def test_a_loss_whose_regions_the_next_sentence_names(rules, text) -> None:
    assert pairs(rules, text) == of("seize_threat", "odesa", "mykolaiv")


@pytest.mark.parametrize(
    "text",
    [
        "Russia plans to seize the Kharkiv region, Ukrainian intelligence believes.",
        "Росія планує захопити Харківщину, вважають у ГУР.",
        "Россия планирует захватить Харьковскую область, считают в ГУР.",
    ],
)
def test_an_aim_read_off_by_a_sayer_after_it_stays_out(rules, text) -> None:
    assert pairs(rules, text) == set()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Медведев: Россия рано или поздно заберет Одессу.", of("seize_threat", "odesa")),
        ("Медведєв: Росія рано чи пізно забере Одесу.", of("seize_threat", "odesa")),
        ("Лавров: Крим є частиною Російської Федерації.", of("recognise", "crimea")),
        ("Лавров: Крым является частью Российской Федерации.", of("recognise", "crimea")),
    ],
)
def test_words_between_the_subject_and_the_claim(rules, text, expected) -> None:
    assert pairs(rules, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Russia will take part in talks on the future of Kharkiv, Peskov said.",
        "Росія візьме участь у переговорах щодо Харківщини, сказав Пєсков.",
        "Россия возьмет паузу в переговорах по Харькову, сказал Песков.",
    ],
)
def test_an_idiom_with_an_action_word_is_no_action(rules, text) -> None:
    assert pairs(rules, text) == set()


def test_also_opening_a_sentence_of_its_own_stays_out(rules) -> None:
    text = "Medvedev threatened to seize Sumy. Also Kharkiv was shelled again overnight."
    assert pairs(rules, text) == of("seize_threat", "sumy")


def test_zazhadav_is_a_demand(rules) -> None:
    text = "Путін зажадав, щоб Україна відмовилася від Запоріжжя та Херсонщини."
    assert pairs(rules, text) == of("recognise", "zaporizhzhia", "kherson")
