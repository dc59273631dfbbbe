"""Build claims_dev2.jsonl and claims_dev2_heldout.jsonl (see CLAIMS_DEV2.md).

Each item: (title, text, claims, note); claims is "action=region,region; action=region" with
`four` standing for the four regions. Items are numbered per language; every third item
(index 2, 5, 8, … counting from 0) goes to the held-out file, which is never tuned on.

python tests/data/labelled/build_claims_dev2.py
"""

from __future__ import annotations

import json
from pathlib import Path

FOUR = ["donetsk", "luhansk", "zaporizhzhia", "kherson"]
HERE = Path(__file__).resolve().parent

EN = [
    (
        "Moscow insists Kyiv pull out of Donetsk before any truce",
        "Moscow insists that Kyiv pull its troops out of the rest of the Donetsk region before any "
        "ceasefire can take effect, Kremlin aide Yuri Ushakov said on Tuesday.",
        "withdraw=donetsk",
        "reported speech, insists",
    ),
    (
        "Russia wants Ukraine to give up Donbas, officials say",
        "Russia wants Ukraine to give up the part of Donbas it still controls, two officials "
        "briefed on the Alaska summit said.",
        "recognise=donbas",
        "wants, give up",
    ),
    (
        "What Moscow's memorandum asks for",
        "The Russian memorandum calls for the withdrawal of Ukrainian forces from the Donetsk, "
        "Luhansk, Zaporizhzhia and Kherson regions within 30 days of signing.",
        "withdraw=four",
        "calls for + nominal withdrawal",
    ),
    (
        "Kremlin's conditions",
        "Moscow's conditions include international recognition of Crimea and the four regions as "
        "Russian territory and Ukraine's neutrality.",
        "recognise=crimea,four",
        "conditions include, four regions",
    ),
    (
        "What is in Russia's memorandum",
        "The document handed over in Istanbul lists Moscow's terms for a settlement:\n\n"
        "- recognition of Crimea as part of Russia;\n"
        "- full withdrawal of the Armed Forces of Ukraine from the Donetsk, Luhansk, Zaporizhzhia "
        "and Kherson regions;\n- Ukraine's neutral, non-nuclear status.",
        "recognise=crimea; withdraw=four",
        "bullet list of terms",
    ),
    (
        "Putin repeats demand",
        "Putin repeated that Ukraine must withdraw from the four regions Moscow annexed in 2022 if "
        "it wants the fighting to stop.",
        "withdraw=four",
        "four regions unnamed",
    ),
    (
        "Peskov on the 'new regions'",
        "Peskov said the 'new regions' are Russian under the constitution and that Kyiv has to "
        "recognise this reality.",
        "recognise=four",
        "HARD: regions before the verb, new regions",
    ),
    (
        "The 2022 ultimatum",
        "In March 2022 the Kremlin set out its ultimatum: Ukraine was to recognise Crimea as "
        "Russian and the Donetsk and Luhansk 'republics' as independent states.",
        "recognise=crimea,donetsk,luhansk",
        "2022 ultimatum, dated claim",
    ),
    (
        "Lavrov: hand over the regions",
        'Lavrov said Kyiv should hand over Zaporizhzhia and Kherson "within their administrative '
        'borders".',
        "recognise=zaporizhzhia,kherson",
        "hand over",
    ),
    (
        "Medvedev on Telegram",
        "Zaporozhye and Kherson must be handed over in full, Medvedev wrote on Telegram.",
        "recognise=zaporizhzhia,kherson",
        "HARD: passive, regions before verb",
    ),
    (
        "Kremlin's main condition",
        "The Kremlin's main condition remains the withdrawal of Ukrainian troops from Donbas.",
        "withdraw=donbas",
        "nominal",
    ),
    (
        "Medinsky's threat",
        "Medinsky warned the Ukrainian delegation that Russia could also take Kharkiv and Sumy if "
        "the war went on.",
        "seize_threat=kharkiv,sumy",
        "could also take ... if",
    ),
    (
        "'Next' regions",
        "Medvedev wrote that Dnipropetrovsk and Odesa would be next if Kyiv kept fighting.",
        "seize_threat=dnipropetrovsk,odesa",
        "HARD: threat without a verb of seizing",
    ),
    (
        "Putin orders buffer zone",
        "Putin said he had ordered the army to create a buffer zone along the border in the Sumy "
        "and Kharkiv regions.",
        "buffer_zone=sumy,kharkiv",
        "buffer zone ordered",
    ),
    (
        "Buffer zone demanded",
        "Russian negotiators also demanded a demilitarised buffer zone inside the Kharkiv region.",
        "buffer_zone=kharkiv",
        "buffer zone demanded",
    ),
    (
        "Peskov after the call",
        "Dmitry Peskov spoke to reporters after the call. He said the Ukrainian army has to leave "
        "Donetsk and Luhansk for hostilities to end.",
        "withdraw=donetsk,luhansk",
        "actor in previous sentence, pronoun",
    ),
    (
        "Kremlin repeats position",
        "The Kremlin repeated its position on Friday. Ukraine, it said, must abandon the Kherson "
        "and Zaporizhzhia regions.",
        "withdraw=kherson,zaporizhzhia",
        "actor in previous sentence",
    ),
    (
        "Long list",
        "Russia demands that Ukraine cede the Donetsk region, the Luhansk region, Zaporizhzhia, "
        "Kherson and Crimea.",
        "recognise=four,crimea",
        "coordination list",
    ),
    (
        "Recognise as Russian",
        "The Kremlin wants Washington and Kyiv to recognise Crimea as Russian.",
        "recognise=crimea",
        "recognise as Russian",
    ),
    (
        "Putin to Witkoff",
        "Putin told Witkoff that Ukraine would have to give up its claim to the Donetsk region.",
        "recognise=donetsk",
        "give up its claim (not 'other')",
    ),
    (
        "Demand and a mention",
        "Moscow demanded Kyiv's withdrawal from Donetsk. Zelensky refused and said Ukrainian "
        "troops would keep defending Kharkiv.",
        "withdraw=donetsk",
        "region mentioned near a demand about another",
    ),
    (
        "Zelensky's condition",
        "Zelensky said any settlement must begin with the withdrawal of Russian troops from "
        "Zaporizhzhia and Kherson.",
        "",
        "look-alike: Ukraine's demand of Russia",
    ),
    (
        "Kyiv insists",
        "Kyiv insists that Russia leave Crimea and all occupied territory, including the Donetsk "
        "and Luhansk regions.",
        "",
        "look-alike: Ukraine's demand",
    ),
    (
        "Overnight shelling",
        "Russian forces shelled Kharkiv overnight and advanced near the border of the Sumy region, "
        "the General Staff said.",
        "",
        "look-alike: battlefield",
    ),
    (
        "Trump on Crimea",
        "Trump suggested Ukraine might have to give up Crimea, saying the peninsula was 'gone'.",
        "",
        "look-alike: another country's demand",
    ),
    (
        "IAEA on the plant",
        "The IAEA demanded that Russia withdraw its personnel from the Zaporizhzhia nuclear power "
        "plant.",
        "",
        "look-alike: nuclear plant staff",
    ),
    (
        "Energoatom",
        "Kyiv wants Russian staff to leave the Zaporizhzhia plant before it can be restarted, "
        "Energoatom said.",
        "",
        "look-alike: nuclear plant staff",
    ),
    (
        "Evacuation",
        "Authorities ordered families with children to leave 11 villages in the Sumy region as "
        "shelling intensified.",
        "",
        "look-alike: evacuation",
    ),
    (
        "Kherson 2022",
        "In November 2022 Russia withdrew its troops from the right bank of the Dnipro and the city "
        "of Kherson.",
        "",
        "look-alike: battlefield history",
    ),
    (
        "Andriivka",
        "Ukrainian troops withdrew from the village of Andriivka in the Donetsk region to avoid "
        "encirclement, the army said.",
        "",
        "look-alike: battlefield withdrawal",
    ),
    (
        "Ushakov on TV",
        '"The Ukrainian armed forces must leave the territory of Donbas and Novorossiya," Ushakov '
        "told Russian television.",
        "withdraw=donbas",
        "quote, speaker after",
    ),
    (
        "June 2024 speech",
        'Putin said Russia would order a ceasefire "as soon as Kyiv declares it is withdrawing '
        "troops from the Donetsk and Luhansk people's republics and the Zaporizhzhia and Kherson "
        'regions".',
        "withdraw=four",
        "as soon as",
    ),
    (
        "Medvedev: by force",
        "Russia will seize the whole of the Zaporizhzhia region by force if Kyiv does not agree to "
        "Moscow's terms, Medvedev said.",
        "seize_threat=zaporizhzhia",
        "explicit threat",
    ),
    (
        "Medinsky threatened gains",
        "Medinsky threatened further gains in the Kharkiv and Sumy regions, the Ukrainian "
        "delegation said.",
        "seize_threat=kharkiv,sumy",
        "HARD: nominal threat",
    ),
    (
        "Growing appetite",
        "Moscow's appetite is growing: Russian officials now speak of taking Odesa and Mykolaiv as "
        "well.",
        "seize_threat=odesa,mykolaiv",
        "HARD: speak of taking",
    ),
    (
        "Poland's demand",
        "Poland demanded that Russia withdraw from all of Ukraine, including Crimea.",
        "",
        "look-alike: another country's demand of Russia",
    ),
    (
        "Lavrov to RIA",
        "A ceasefire is possible only if Ukrainian units leave the Kherson and Zaporizhzhia "
        "regions, Lavrov told RIA Novosti.",
        "withdraw=kherson,zaporizhzhia",
        "only if, speaker after",
    ),
    (
        "Zelensky: they want us out",
        '"The Russians want us out of Donbas, and we will not leave," Zelensky said.',
        "withdraw=donbas",
        "HARD: Russian demand quoted by Zelensky",
    ),
    (
        "Not up for discussion",
        "The Kremlin's position is that recognition of the annexation of Crimea, Donetsk, Luhansk, "
        "Zaporizhzhia and Kherson is not up for discussion.",
        "recognise=crimea,four",
        "HARD: nominal recognition, negation after",
    ),
    (
        "Demand and drones",
        "Russia demanded Ukraine withdraw from Luhansk while its drones struck Odesa overnight.",
        "withdraw=luhansk",
        "clause break",
    ),
    (
        "Kremlin demands Kyiv hand over Zaporizhzhia",
        "The Kremlin said the city of Zaporizhzhia belongs to Russia under its constitution.",
        "recognise=zaporizhzhia",
        "claim in the title",
    ),
    (
        "Putin's ultimatum: Kyiv leaves four regions, drops NATO bid",
        "Vladimir Putin set out his terms on Friday: Ukrainian troops out of the four regions and "
        "no NATO membership.",
        "withdraw=four",
        "ultimatum, verbless 'out of'",
    ),
    (
        "Medvedev on Odesa",
        "Medvedev said Russia had a historical claim to Odesa.",
        "other=odesa",
        "claim to",
    ),
    (
        "Kyiv rejects demand",
        "Ukraine's foreign ministry rejected Moscow's demand to cede Kherson, calling it absurd.",
        "recognise=kherson",
        "HARD: Russian demand reported in a rejection",
    ),
    (
        "Yerevan airport",
        "Armenia asked Russian border guards to leave Yerevan airport.",
        "",
        "look-alike: other country",
    ),
    (
        "Lebanon buffer",
        "Israel said it would keep a buffer zone in southern Lebanon.",
        "",
        "look-alike: buffer zone elsewhere",
    ),
    (
        "US plan on Crimea",
        "The US plan would recognise Crimea as de facto Russian, according to a draft seen by "
        "reporters.",
        "",
        "look-alike: US proposal",
    ),
]

UK = [
    (
        "Москва наполягає на виході з Донеччини",
        "Москва наполягає, щоб Київ вивів війська з Донеччини, заявив Пєсков.",
        "withdraw=donetsk",
        "наполягає",
    ),
    (
        "Росія хоче решту Донбасу",
        "Росія хоче, щоб Україна віддала решту Донбасу, повідомили джерела.",
        "recognise=donbas",
        "хоче, віддала, Донбасу",
    ),
    (
        "Що передбачає меморандум",
        "Російський меморандум передбачає виведення українських військ із Донецької, Луганської, "
        "Запорізької та Херсонської областей.",
        "withdraw=four",
        "HARD: передбачає + віддієслівний",
    ),
    (
        "Умови Кремля",
        "Серед умов Кремля — визнання Криму та чотирьох областей російськими.",
        "recognise=crimea,four",
        "умови, чотирьох областей",
    ),
    (
        "Вимоги меморандуму",
        "Меморандум РФ, переданий у Стамбулі, містить такі вимоги:\n\n"
        "— міжнародне визнання Криму, Донецької та Луганської областей частиною Росії;\n"
        "— виведення ЗСУ з Запорізької та Херсонської областей;\n"
        "— нейтральний статус України.",
        "recognise=crimea,donetsk,luhansk; withdraw=zaporizhzhia,kherson",
        "список вимог",
    ),
    (
        "Путін повторив вимогу",
        "Путін знову заявив, що Україна має вийти з чотирьох областей, якщо хоче припинення вогню.",
        "withdraw=four",
        "чотирьох областей",
    ),
    (
        "Лавров про нові регіони",
        "Лавров заявив, що визнання «нових регіонів» Росії є обов'язковою умовою миру.",
        "recognise=four",
        "нових регіонів, віддієслівний",
    ),
    (
        "Ультиматум 2022 року",
        "У березні 2022 року Кремль висунув ультиматум: Київ мав визнати Крим російським, а так "
        "звані ЛНР і ДНР — незалежними.",
        "recognise=crimea,donetsk,luhansk",
        "ультиматум 2022",
    ),
    (
        "Мединський про Запоріжжя",
        "Мединський заявив, що Україна повинна передати Росії Запоріжжя і Херсонщину.",
        "recognise=zaporizhzhia,kherson",
        "передати",
    ),
    (
        "Медведєв у Telegram",
        "Херсонщина і Запоріжжя мають бути передані Росії, написав Медведєв.",
        "recognise=kherson,zaporizhzhia",
        "HARD: пасив, регіони перед дієсловом",
    ),
    (
        "Головна умова",
        "Головною умовою Кремля залишається виведення українських військ з Донбасу.",
        "withdraw=donbas",
        "віддієслівний",
    ),
    (
        "Погроза Мединського",
        "Мединський пригрозив, що Росія може захопити також Харківську та Сумську області.",
        "seize_threat=kharkiv,sumy",
        "пригрозив, захопити",
    ),
    (
        "Наступні області",
        "Медведєв написав, що наступними можуть стати Дніпропетровщина та Одещина.",
        "seize_threat=dnipropetrovsk,odesa",
        "HARD: без дієслова захоплення",
    ),
    (
        "Буферна зона",
        "Путін доручив створити буферну зону на території Сумщини та Харківщини.",
        "buffer_zone=sumy,kharkiv",
        "доручив створити",
    ),
    (
        "Демілітаризована зона",
        "Російська сторона вимагала демілітаризованої зони в Харківській області.",
        "buffer_zone=kharkiv",
        "HARD: демілітаризована зона",
    ),
    (
        "Пєсков про переговори",
        "Речник Кремля Дмитро Пєсков прокоментував переговори. За його словами, українська армія "
        "має залишити Донецьку і Луганську області.",
        "withdraw=donetsk,luhansk",
        "актор у попередньому реченні",
    ),
    (
        "Позиція Кремля",
        "Кремль повторив свою позицію. Київ, за словами речника, мусить відмовитися від "
        "Херсонської та Запорізької областей.",
        "recognise=kherson,zaporizhzhia",
        "актор у попередньому реченні",
    ),
    (
        "Довгий перелік",
        "Росія вимагає, щоб Україна поступилася Донецькою, Луганською, Запорізькою, Херсонською "
        "областями та Кримом.",
        "recognise=four,crimea",
        "перелік, орудний відмінок",
    ),
    (
        "Визнати Крим",
        "Кремль хоче, щоб США визнали Крим російським.",
        "recognise=crimea",
        "визнати російським",
    ),
    (
        "Путін і Віткофф",
        "Путін сказав Віткоффу, що Україна має відмовитися від Донеччини.",
        "recognise=donetsk",
        "відмовитися від",
    ),
    (
        "Вимога і згадка",
        "Москва вимагала виходу ЗСУ з Донеччини. Зеленський відмовився і наголосив, що українські "
        "військові й далі боронитимуть Харківщину.",
        "withdraw=donetsk",
        "згадка поруч",
    ),
    (
        "Умова Зеленського",
        "Зеленський заявив, що будь-яка угода має починатися з виведення російських військ із "
        "Запорізької та Херсонської областей.",
        "",
        "схоже: вимога України",
    ),
    (
        "Київ наполягає",
        "Київ наполягає, щоб Росія залишила Крим і окуповані частини Донеччини та Луганщини.",
        "",
        "схоже: вимога України",
    ),
    (
        "Нічні обстріли",
        "Російські війська обстріляли Харків уночі та просунулися біля кордону Сумщини, "
        "повідомив Генштаб.",
        "",
        "схоже: бойові дії",
    ),
    (
        "Трамп про Крим",
        "Трамп припустив, що Україні доведеться віддати Крим.",
        "",
        "схоже: вимога іншої країни",
    ),
    (
        "МАГАТЕ про станцію",
        "МАГАТЕ вимагає, щоб російський персонал залишив Запорізьку АЕС.",
        "",
        "схоже: персонал АЕС",
    ),
    (
        "Евакуація",
        "Влада оголосила обов'язкову евакуацію родин з дітьми з 11 сіл Сумщини.",
        "",
        "схоже: евакуація",
    ),
    (
        "Херсон 2022",
        "У листопаді 2022 року російські війська відступили з правобережжя Херсонщини.",
        "",
        "схоже: історія бойових дій",
    ),
    (
        "Вихід з села",
        "Українські військові вийшли з села на Донеччині, щоб уникнути оточення.",
        "",
        "схоже: відхід на фронті",
    ),
    (
        "Промова 2024 року",
        "Путін пообіцяв припинити вогонь, щойно Київ почне виводити війська з ДНР, ЛНР, "
        "Запорізької та Херсонської областей.",
        "withdraw=four",
        "щойно",
    ),
    (
        "Медведєв: силою",
        "Росія захопить усю Запорізьку область силою, якщо Київ не погодиться на умови, заявив "
        "Медведєв.",
        "seize_threat=zaporizhzhia",
        "пряма погроза",
    ),
    (
        "Погрожував наступом",
        "Мединський погрожував подальшим наступом на Харківщину і Сумщину, розповіли члени "
        "української делегації.",
        "seize_threat=kharkiv,sumy",
        "HARD: наступом на",
    ),
    (
        "Апетити Кремля",
        "У Кремлі вже говорять про захоплення Одеси та Миколаєва.",
        "seize_threat=odesa,mykolaiv",
        "HARD: говорять про захоплення",
    ),
    (
        "Вимога Польщі",
        "Польща вимагає, щоб Росія вивела війська з усієї України, включно з Кримом.",
        "",
        "схоже: вимога іншої країни",
    ),
    (
        "Лавров про перемир'я",
        "Перемир'я можливе лише якщо українські підрозділи залишать Херсонщину та Запоріжжя, "
        "сказав Лавров.",
        "withdraw=kherson,zaporizhzhia",
        "лише якщо",
    ),
    (
        "Зеленський: хочуть, щоб ми пішли",
        "«Росіяни хочуть, щоб ми пішли з Донбасу, але ми не підемо», — сказав Зеленський.",
        "withdraw=donbas",
        "HARD: вимога Росії в цитаті Зеленського",
    ),
    (
        "Вимога і дрони",
        "Росія вимагає вивести війська з Луганщини, тоді як її дрони атакували Одесу.",
        "withdraw=luhansk",
        "тоді як",
    ),
    (
        "Кремль вимагає від Києва віддати Запоріжжя",
        "У Кремлі заявили, що місто належить Росії за її конституцією.",
        "recognise=zaporizhzhia",
        "вимога в заголовку",
    ),
    (
        "Ультиматум Путіна",
        "Ультиматум Путіна: Київ має піти з чотирьох регіонів і відмовитися від НАТО.",
        "withdraw=four",
        "чотирьох регіонів",
    ),
    (
        "МЗС відкинуло вимогу",
        "МЗС України відкинуло вимогу Москви поступитися Херсонщиною.",
        "recognise=kherson",
        "HARD: вимога Росії у відмові",
    ),
    (
        "Претензії на Одесу",
        "Медведєв заявив, що Росія має претензії на Одесу.",
        "other=odesa",
        "претензії на",
    ),
    (
        "Буферна зона в Лівані",
        "Ізраїль хоче зберегти буферну зону на півдні Лівану.",
        "",
        "схоже: буферна зона деінде",
    ),
    (
        "Санітарна зона",
        "Москва вимагає відсунути лінію фронту від кордону й утворити «санітарну зону» на Сумщині.",
        "buffer_zone=sumy",
        "санітарна зона",
    ),
    (
        "Позиція Ушакова",
        "Україна повинна визнати Донбас російським — такою є позиція Кремля, заявив Ушаков.",
        "recognise=donbas",
        "актор після",
    ),
    (
        "Мединський: заберемо",
        "Мединський: якщо Київ не погодиться, Росія забере ще й Харківщину.",
        "seize_threat=kharkiv",
        "забере",
    ),
]

RU = [
    (
        "Москва настаивает на выходе из Донецкой области",
        "Москва настаивает, чтобы Киев вывел войска из Донецкой области, заявил Песков.",
        "withdraw=donetsk",
        "настаивает",
    ),
    (
        "Россия хочет остаток Донбасса",
        "Россия хочет, чтобы Украина отдала оставшуюся часть Донбасса.",
        "recognise=donbas",
        "хочет, отдала",
    ),
    (
        "Что предусматривает меморандум",
        "Российский меморандум предусматривает вывод украинских войск из Донецкой, Луганской, "
        "Запорожской и Херсонской областей.",
        "withdraw=four",
        "HARD: предусматривает + отглагольное",
    ),
    (
        "Условия Кремля",
        "В числе условий Кремля — признание Крыма и четырех регионов российскими.",
        "recognise=crimea,four",
        "условия, четырех регионов",
    ),
    (
        "Требования меморандума",
        "В меморандуме, переданном в Стамбуле, перечислены требования:\n\n"
        "• признание Крыма, ДНР и ЛНР частью России;\n"
        "• вывод ВСУ из Запорожской и Херсонской областей;\n"
        "• нейтральный статус Украины.",
        "recognise=crimea,donetsk,luhansk; withdraw=zaporizhzhia,kherson",
        "список требований",
    ),
    (
        "Путин повторил требование",
        "Путин вновь заявил, что Украина должна уйти из четырех регионов, если хочет прекращения "
        "огня.",
        "withdraw=four",
        "четырех регионов",
    ),
    (
        "Лавров о новых регионах",
        "Лавров назвал признание «новых регионов» обязательным условием мира.",
        "recognise=four",
        "новых регионов",
    ),
    (
        "Ультиматум 2022 года",
        "В марте 2022 года Кремль выдвинул ультиматум: Киев должен признать Крым российским, а ДНР "
        "и ЛНР — независимыми.",
        "recognise=crimea,donetsk,luhansk",
        "ультиматум 2022",
    ),
    (
        "Мединский о Запорожье",
        "Мединский заявил, что Украина должна передать России Запорожье и Херсонскую область.",
        "recognise=zaporizhzhia,kherson",
        "передать",
    ),
    (
        "Медведев в Telegram",
        "Запорожская и Херсонская области должны быть переданы России полностью, написал Медведев.",
        "recognise=zaporizhzhia,kherson",
        "HARD: пассив, регионы перед глаголом",
    ),
    (
        "Главное условие",
        "Главным условием Кремля остается вывод украинских войск из Донбасса.",
        "withdraw=donbas",
        "отглагольное",
    ),
    (
        "Угроза Мединского",
        "Мединский пригрозил, что Россия может взять также Харьковскую и Сумскую области.",
        "seize_threat=kharkiv,sumy",
        "пригрозил, взять",
    ),
    (
        "Следующие области",
        "Медведев написал, что следующими могут стать Днепропетровская область и Одесса.",
        "seize_threat=dnipropetrovsk,odesa",
        "HARD: без глагола захвата",
    ),
    (
        "Буферная зона",
        "Путин поручил создать буферную зону на территории Сумской и Харьковской областей.",
        "buffer_zone=sumy,kharkiv",
        "поручил создать",
    ),
    (
        "Демилитаризованная зона",
        "Российская делегация потребовала создать демилитаризованную зону в Харьковской области.",
        "buffer_zone=kharkiv",
        "HARD: демилитаризованная зона",
    ),
    (
        "Песков о переговорах",
        "Пресс-секретарь Кремля Дмитрий Песков прокомментировал переговоры. По его словам, "
        "украинская армия должна покинуть Донецкую и Луганскую области.",
        "withdraw=donetsk,luhansk",
        "актор в предыдущем предложении",
    ),
    (
        "Позиция Кремля",
        "Кремль повторил свою позицию. Киев, по словам представителя, обязан отказаться от "
        "Херсонской и Запорожской областей.",
        "recognise=kherson,zaporizhzhia",
        "актор в предыдущем предложении",
    ),
    (
        "Длинный перечень",
        "Россия требует, чтобы Украина уступила Донецкую, Луганскую, Запорожскую, Херсонскую "
        "области и Крым.",
        "recognise=four,crimea",
        "перечень",
    ),
    (
        "Признать Крым",
        "Кремль хочет, чтобы Вашингтон признал Крым российским.",
        "recognise=crimea",
        "признать российским",
    ),
    (
        "Путин и Уиткофф",
        "Путин сказал Уиткоффу, что Украина должна отказаться от Донбасса.",
        "recognise=donbas",
        "отказаться от",
    ),
    (
        "Требование и упоминание",
        "Москва потребовала вывода ВСУ из Донецкой области. Зеленский отказался и заявил, что "
        "украинские военные продолжат оборонять Харьков.",
        "withdraw=donetsk",
        "упоминание рядом",
    ),
    (
        "Условие Зеленского",
        "Зеленский заявил, что любое соглашение должно начинаться с вывода российских войск из "
        "Запорожской и Херсонской областей.",
        "",
        "похожее: требование Украины",
    ),
    (
        "Киев настаивает",
        "Киев настаивает, чтобы Россия ушла из Крыма и оккупированных районов Донецкой и "
        "Луганской областей.",
        "",
        "похожее: требование Украины",
    ),
    (
        "Ночные обстрелы",
        "Российские войска ночью обстреляли Харьков и продвинулись у границы Сумской области, "
        "сообщил Генштаб ВСУ.",
        "",
        "похожее: боевые действия",
    ),
    (
        "Трамп о Крыме",
        "Трамп допустил, что Украине придется отдать Крым.",
        "",
        "похожее: требование другой страны",
    ),
    (
        "МАГАТЭ о станции",
        "МАГАТЭ призвало вывести российский персонал с Запорожской АЭС.",
        "",
        "похожее: персонал АЭС",
    ),
    (
        "Эвакуация",
        "Власти объявили обязательную эвакуацию семей с детьми из 11 сел Сумской области.",
        "",
        "похожее: эвакуация",
    ),
    (
        "Херсон 2022",
        "В ноябре 2022 года российские войска ушли с правого берега Днепра и из Херсона.",
        "",
        "похожее: история боевых действий",
    ),
    (
        "Выход из села",
        "Украинские военные вышли из села в Донецкой области, чтобы избежать окружения.",
        "",
        "похожее: отход на фронте",
    ),
    (
        "Речь 2024 года",
        "Путин пообещал прекратить огонь, как только Киев начнет выводить войска из ДНР, ЛНР, "
        "Запорожской и Херсонской областей.",
        "withdraw=four",
        "как только",
    ),
    (
        "Медведев: силой",
        "Россия захватит всю Запорожскую область силой, если Киев не согласится на условия, "
        "заявил Медведев.",
        "seize_threat=zaporizhzhia",
        "прямая угроза",
    ),
    (
        "Угрожал наступлением",
        "Мединский угрожал дальнейшим наступлением на Харьковщину и Сумщину, рассказали члены "
        "украинской делегации.",
        "seize_threat=kharkiv,sumy",
        "HARD: наступлением на",
    ),
    (
        "Аппетиты Кремля",
        "В Кремле уже говорят о взятии Одессы и Николаева.",
        "seize_threat=odesa,mykolaiv",
        "HARD: говорят о взятии",
    ),
    (
        "Требование Польши",
        "Польша требует, чтобы Россия вывела войска со всей территории Украины, включая Крым.",
        "",
        "похожее: требование другой страны",
    ),
    (
        "Лавров о перемирии",
        "Перемирие возможно только если украинские подразделения покинут Херсонскую область и "
        "Запорожье, сказал Лавров.",
        "withdraw=kherson,zaporizhzhia",
        "только если",
    ),
    (
        "Зеленский: хотят, чтобы мы ушли",
        "«Русские хотят, чтобы мы ушли из Донбасса, но мы не уйдем», — сказал Зеленский.",
        "withdraw=donbas",
        "HARD: требование России в цитате Зеленского",
    ),
    (
        "Требование и дроны",
        "Россия требует вывести войска из Луганской области, тогда как ее дроны атаковали Одессу.",
        "withdraw=luhansk",
        "тогда как",
    ),
    (
        "Кремль требует от Киева отдать Запорожье",
        "В Кремле заявили, что город принадлежит России по ее конституции.",
        "recognise=zaporizhzhia",
        "требование в заголовке",
    ),
    (
        "Ультиматум Путина",
        "Ультиматум Путина: Киев должен уйти из четырех регионов и отказаться от НАТО.",
        "withdraw=four",
        "четырех регионов",
    ),
    (
        "МИД отверг требование",
        "МИД Украины отверг требование Москвы уступить Херсонскую область.",
        "recognise=kherson",
        "HARD: требование России в отказе",
    ),
    (
        "Претензии на Одессу",
        "Медведев заявил, что Россия претендует на Одессу.",
        "other=odesa",
        "претендует на",
    ),
    (
        "Буферная зона в Ливане",
        "Израиль намерен сохранить буферную зону на юге Ливана.",
        "",
        "похожее: буферная зона в другом месте",
    ),
    (
        "Санитарная зона",
        "Москва требует отодвинуть линию фронта от границы и создать «санитарную зону» в Сумской "
        "области.",
        "buffer_zone=sumy",
        "санитарная зона",
    ),
    (
        "Позиция Ушакова",
        "Украина должна признать Донбасс российским — такова позиция Кремля, заявил Ушаков.",
        "recognise=donbas",
        "актор после",
    ),
    (
        "Мединский: заберем",
        "Мединский: если Киев не согласится, Россия заберет еще и Харьковщину.",
        "seize_threat=kharkiv",
        "заберет",
    ),
]


def parse_claims(spec: str) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for part in filter(None, (p.strip() for p in spec.split(";"))):
        action, regions = part.split("=")
        for region in regions.split(","):
            for r in FOUR if region == "four" else [region]:
                item = {"region": r, "action": action}
                if item not in out:
                    out.append(item)
    return out


def main() -> None:
    tune, held = [], []
    for lang, items in (("en", EN), ("uk", UK), ("ru", RU)):
        for i, (title, text, claims, note) in enumerate(items):
            row = {
                "id": f"cd2-{lang}-{i + 1:03d}",
                "lang": lang,
                "title": title,
                "text": text,
                "claims": parse_claims(claims),
                "note": note,
            }
            (held if i % 3 == 2 else tune).append(row)
    for name, rows in (("claims_dev2.jsonl", tune), ("claims_dev2_heldout.jsonl", held)):
        with (HERE / name).open("w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(name, len(rows), sum(len(r["claims"]) for r in rows))


if __name__ == "__main__":
    main()
