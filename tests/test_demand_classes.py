"""Issue 22, fifth pass: classes of Russian territorial demands the rules must read, and their
look-alikes, one sentence each in en/uk/ru, written for this file and outside every labelled set
(docs/RULES.md, "fifth pass")."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import pytest

from pipelines.config import DEFAULT_CONFIG_DIR
from pipelines.rules import load_ruleset


@lru_cache(maxsize=1)
def shipped():  # type: ignore[no-untyped-def]
    """The shipped rule set, loaded once for the module."""
    return load_ruleset(DEFAULT_CONFIG_DIR / "rules.yaml", DEFAULT_CONFIG_DIR / "entities.yaml")


CLASSES = [
    # A numbered points / option lists
    (
        "The Russian memorandum sets out two options for a ceasefire: 1) the full "
        "withdrawal of Ukrainian forces from the Donetsk, Luhansk, Zaporizhzhia and "
        "Kherson regions; 2) a ban on mobilisation.",
        True,
    ),
    (
        "Point 2 of Moscow's draft: Ukraine pulls its army out of the Luhansk and Donetsk"
        " regions within 30 days.",
        True,
    ),
    (
        "Російська сторона запропонувала два варіанти перемир'я. Перший: Україна виводить"
        " війська з Донецької, Луганської, Запорізької та Херсонської областей. Другий: "
        "Україна припиняє мобілізацію.",
        True,
    ),
    (
        "Пункт третий российского документа: Украина выводит войска с территории ДНР и "
        "ЛНР в течение месяца.",
        True,
    ),
    (
        "Russia's list of terms, handed over by Medinsky:\n1. Ukrainian troops leave "
        "Zaporizhzhia and Kherson regions.\n2. Ukraine stays neutral.",
        True,
    ),
    ("Російський документ, пункт 1: Київ передає Росії Донбас.", True),
    # B sovereignty as condition
    ("Lavrov said the four regions are part of Russia and this is not negotiable.", True),
    (
        "Peskov said the status of Crimea and Donbas as Russian territory is not up for "
        "discussion in any talks.",
        True,
    ),
    ("Лавров заявив, що Крим і Донбас є частиною Росії, і це питання не обговорюється.", True),
    ("Песков: признание Крыма и новых регионов российскими — обязательное условие мира.", True),
    (
        "Ушаков заявил, что условием мира является признание Донбасса и Новороссии российскими.",
        True,
    ),
    ("Мединський: визнання Криму і Донбасу російськими є умовою будь-якої угоди.", True),
    # C future tense threats without modal
    (
        "Medvedev said Russian troops will take Sumy and Kharkiv unless Kyiv accepts "
        "Moscow's terms.",
        True,
    ),
    (
        "«Россия заберёт Харьков и Одессу, если Киев откажется от наших условий», — "
        "заявил Медведев.",
        True,
    ),
    ("Медведєв: Росія забере Харків і Суми, якщо Київ не погодиться на наші умови.", True),
    (
        "Мединский пригрозил, что Россия займёт Сумскую и Харьковскую области, если "
        "Украина не примет условия.",
        True,
    ),
    ("Medinsky told the Ukrainian delegation Russia will seize Kharkiv and Sumy next.", True),
    ("«Мы возьмём Харьков», — сказал Медведев.", True),
    # D reported speech
    ("По словам Пескова, Киев должен вывести войска из Донбасса.", True),
    ("Ушаков заявил, что Киев должен уйти из Донбасса, если хочет мира.", True),
    ("Ushakov said Kyiv must withdraw its troops from the remaining part of Donetsk.", True),
    ("За словами Ушакова, Київ має вивести війська з Донеччини.", True),
    (
        "Lavrov told reporters that Ukraine has to leave the Zaporizhzhia and Kherson regions.",
        True,
    ),
    (
        "Как заявил Лавров, украинские войска должны покинуть Херсонскую и Запорожскую области.",
        True,
    ),
    # E passive
    ("Ukraine is being asked by Moscow to give up Donbas in exchange for a ceasefire.", True),
    (
        "Under the Kremlin's plan, Ukraine would be required to hand over the rest of the"
        " Donetsk region.",
        True,
    ),
    ("Від України вимагають віддати Донбас, заявив Пєсков.", True),
    ("От Киева требуют отказаться от Запорожья и Херсона, сообщили в Кремле.", True),
    ("Kyiv is expected to cede the Luhansk region under Moscow's proposal.", True),
    ("Украине предложено передать России Донбасс, сообщил Ушаков.", True),
    # F hand over/cede/surrender/передать/відмовитися
    ("Moscow wants Kyiv to cede the Zaporizhzhia and Kherson regions.", True),
    ("Кремль хоче, щоб Київ відмовився від Донеччини.", True),
    ("Москва требует передать ей Херсонскую область.", True),
    ("Russia demanded that Ukraine surrender Kherson and Zaporizhzhia.", True),
    ("Росія наполягає, щоб Україна передала їй Запорізьку область.", True),
    ("Кремль настаивает, чтобы Украина отказалась от Донбасса.", True),
    # G attributed to Moscow/Kremlin/Russian side/delegation/Medinsky
    ("The Russian side insists that Kyiv withdraw from Donbas.", True),
    ("Російська делегація наполягала на виході ЗСУ з Луганщини.", True),
    ("Российская сторона требует вывода войск из Донбасса.", True),
    ("The Kremlin wants Ukraine out of the Donetsk region before any truce.", True),
    ("Medinsky demanded the withdrawal of Ukrainian forces from Kherson.", True),
    ("Мединський вимагав виведення ЗСУ з Херсонщини.", True),
    ("Российская делегация настаивала на отводе украинских войск из Запорожья.", True),
    # NEGATIVES: battlefield
    ("Russian troops will take Pokrovsk within weeks, Ukrainian analysts warned.", False),
    (
        "Ukraine withdrew troops from two villages in the Donetsk region, the General Staff said.",
        False,
    ),
    ("Російські війська захопили село на Харківщині, повідомило Міноборони Росії.", False),
    (
        "Российские войска займут Купянск в Харьковской области к концу месяца, считают аналитики.",
        False,
    ),
    ("ЗСУ відійшли з двох сіл на Донеччині, повідомив Генштаб.", False),
    (
        "Russian forces will push into Sumy region in summer, Ukraine's intelligence chief said.",
        False,
    ),
    # NEGATIVES: Ukraine's own demands
    (
        "Zelensky said Russia must hand over the Zaporizhzhia nuclear plant and withdraw "
        "from Kherson.",
        False,
    ),
    ("Київ вимагає, щоб Росія повернула Крим і вивела війська з Донбасу.", False),
    ("Украина требует вывода российских войск из Запорожской области.", False),
    ("По словам Зеленского, Россия должна уйти из Донбасса.", False),
    (
        "Ukraine's peace plan requires Moscow to withdraw from the Donetsk and Luhansk regions.",
        False,
    ),
    ("Зеленський: умовою миру є виведення російських військ з Херсонщини.", False),
    # NEGATIVES: other countries
    ("Azerbaijan demanded that Armenia hand over the villages in Tavush.", False),
    ("Trump said Ukraine would have to cede Crimea.", False),
    ("Serbia said Kosovo is part of Serbia and this is not negotiable.", False),
    ("Китай заявил, что Тайвань является частью Китая и это не обсуждается.", False),
    # NEGATIVES: retrospectives
    ("In 2014 Russia annexed Crimea after a disputed referendum.", False),
    ("In September 2022 Putin declared the four regions part of Russia.", False),
    ("У 2022 році Путін оголосив чотири області частиною Росії.", False),
    ("В 2022 году Россия объявила о присоединении четырех регионов.", False),
    # NEGATIVES: refusals, evacuations, passive look-alikes
    (
        "Residents are being asked to leave villages in the Kharkiv region as shelling "
        "intensifies.",
        False,
    ),
    ("Ukraine will take back Kherson, Zelensky vowed.", False),
    ("ЗСУ заберуть Крим назад, заявив Буданов.", False),
    ("Zelensky said Ukraine will never accept Crimea and Donbas as part of Russia.", False),
    ("Україна ніколи не визнає Крим російським, заявив Зеленський.", False),
    ("Украина не откажется от Донбасса, заявил Зеленский в ответ на слова Пескова.", False),
    # D2 speaker named in the sentence before, or the listener foreign
    (
        "Sergei Lavrov spoke after the meeting. He said Ukrainian forces have to quit the"
        " Kherson region before any truce.",
        True,
    ),
    (
        "Кремль виступив із заявою. За його словами, Київ мусить вивести війська із "
        "Запорізької області.",
        True,
    ),
    (
        "МИД России выступил с заявлением. По словам представителя, Киев обязан "
        "отказаться от Луганской области.",
        True,
    ),
    ("Putin told Rubio that Ukraine must abandon the Luhansk region.", True),
    ("Путін сказав Трампу, що Україна має вийти з Луганщини.", True),
    # H threats of an offensive, officials speaking of taking
    (
        "Medvedev threatened a new offensive on the Odesa and Mykolaiv regions if talks fail.",
        True,
    ),
    ("Медведєв погрожував новим наступом на Одещину.", True),
    ("Медведев угрожал наступлением на Николаев и Одессу.", True),
    ("Kremlin officials now talk openly of taking Kharkiv.", True),
    ("Syrskyi said Russian troops are preparing an offensive on the Sumy region.", False),
    ("Сирський: російські війська готують наступ на Харківщину.", False),
    # I a claim to a region
    ("Lavrov said Russia had a legitimate claim to Kharkiv.", True),
    ("Пєсков заявив, що Росія претендує на Харківщину.", True),
    ("Медведев заявил, что у России есть претензии на Николаев.", True),
    ("Russia's claim to Crimea is not recognised by the UN General Assembly.", False),
    ("Ukraine's claim to Crimea is backed by international law, the UN said.", False),
    # J land beyond the four as part of Russia
    ("Medvedev said that Odesa and Kharkiv are an integral part of Russia.", True),
    ("Медведєв заявив, що Одеса і Миколаїв є невід'ємною частиною Росії.", True),
    ("Медведев назвал Харьков и Одессу неотъемлемой частью России.", True),
    ("Zelensky said Odesa and Kharkiv are an integral part of Ukraine.", False),
    # look-alikes of the fifth pass's rules
    (
        "Ukrainian troops leave positions in the Donetsk region as Russia's offensive "
        "plan unfolds, the General Staff said.",
        False,
    ),
    (
        "Zelensky said: we will take back every village of the Kharkiv region, whatever "
        "Putin says.",
        False,
    ),
    ("Putin said Russia has the right to defend Crimea.", False),
    ("Ukrainian officials say Moscow plans to capture Kharkiv this summer.", False),
    ("Медведев заявил, что в России ответят на удары, и пригрозил Харькову ракетами.", False),
    ("Putin said in 2022 that the four regions would be part of Russia forever.", False),
    ("Lavrov said Russia has no claims to Odesa or Kharkiv.", False),
    ("The Kremlin said Ukrainian drones attacked Russian territory from the Sumy region.", False),
    # K a condition stated as "no truce without / until / after" the withdrawal
    (
        "Lavrov: without the exit of Ukrainian forces from Luhansk there will be no ceasefire.",
        True,
    ),
    ("Ушаков: мир можливий лише після відведення ЗСУ із Запорізької області.", True),
    ("Песков: без отвода украинских войск из Херсонской области перемирия не будет.", True),
    # L demilitarised strips and the future passive of taking
    ("The Kremlin wants a demilitarised zone along the border inside the Kharkiv region.", True),
    ("Кремль хоче демілітаризовану смугу на Сумщині.", True),
    ("Medvedev warned that Dnipropetrovsk region could be taken next if Kyiv stalls.", True),
    ("Лавров: Россия может взять Николаев, если Киев откажется от переговоров.", True),
    (
        "Analysts said Russian forces could be taken by surprise near Kupiansk in the "
        "Kharkiv region.",
        False,
    ),
    # M look-alikes: Russia's own border regions, the EU asking, a refusal to recognise
    ("Russia demanded that Ukraine pull its forces out of the Belgorod region.", False),
    ("The European Union demanded that Russia give back Crimea.", False),
    ("Ukraine's parliament will never recognise Crimea and Donbas as Russian.", False),
    ("Washington could recognise Crimea as Russian territory in a deal with Moscow.", False),
    (
        "Ushakov warned that if the four regions are not recognised as Russian, Russia "
        "will ask for more.",
        True,
    ),
    # memorandum points / option lists
    (
        "Moscow's memorandum offers Kyiv two options. Under the first, Ukrainian troops "
        "pull out of the four regions; under the second, Ukraine halts mobilisation and "
        "arms deliveries.",
        True,
    ),
    (
        "Російський меморандум передбачає два варіанти: або ЗСУ залишають Донбас, або "
        "Україна погоджується на демобілізацію.",
        True,
    ),
    (
        "Российский меморандум содержит два варианта: либо ВСУ покидают территорию новых "
        "регионов, либо Киев прекращает мобилизацию.",
        True,
    ),
    (
        "The Kremlin's document lists three points, the first being the departure of "
        "Ukrainian forces from Donetsk and Luhansk.",
        True,
    ),
    (
        "Перший пункт вимог Кремля — вихід української армії з Донецької та Луганської областей.",
        True,
    ),
    (
        "Первый пункт требований Кремля — уход украинской армии из Донецкой и Луганской областей.",
        True,
    ),
    # sovereignty as condition
    (
        "Песков: статус Крыма и Донбасса как российских регионов не может быть предметом "
        "переговоров.",
        True,
    ),
    (
        "Пєсков: статус Криму та Донбасу як російських регіонів не може бути предметом "
        "переговорів.",
        True,
    ),
    (
        "Lavrov said any deal must start from the fact that Crimea, Donetsk, Luhansk, "
        "Zaporizhzhia and Kherson are Russian regions.",
        True,
    ),
    (
        "Лавров: любое соглашение должно исходить из того, что Крым и Донбасс — "
        "российские регионы.",
        True,
    ),
    ("Лавров: будь-яка угода має виходити з того, що Крим і Донбас — російські регіони.", True),
    # future tense without modal
    (
        "Medvedev: Russian troops will enter Odesa if Kyiv keeps refusing peace on our terms.",
        True,
    ),
    (
        "Медведев: российские войска войдут в Одессу, если Киев продолжит отказываться от"
        " мира на наших условиях.",
        True,
    ),
    ("Медведєв: російські війська увійдуть в Одесу, якщо Київ і далі відмовлятиметься.", True),
    (
        "Peskov said the buffer zone will be extended into the Sumy and Kharkiv regions "
        "if attacks continue.",
        True,
    ),
    # reported speech
    (
        "Russia's foreign ministry spokeswoman said Kyiv would have to give up Zaporizhzhia.",
        True,
    ),
    (
        "В МИД России заявили, что Киеву придется отказаться от претензий на Крым и Донбасс.",
        True,
    ),
    ("У МЗС Росії заявили, що Києву доведеться відмовитися від Криму і Донбасу.", True),
    (
        "According to the Kremlin, Ukrainian forces must leave the Kherson and "
        "Zaporizhzhia regions.",
        True,
    ),
    (
        "Как передает ТАСС со ссылкой на Ушакова, Москва настаивает на выводе украинских "
        "войск из Донбасса.",
        True,
    ),
    # passive
    ("Ukraine would be obliged to withdraw from Donbas under the Russian draft.", True),
    ("Згідно з російським проєктом, Україна мала б вивести війська з Донбасу.", True),
    ("Согласно российскому проекту, Украина была бы обязана вывести войска из Донбасса.", True),
    ("Kyiv has been told by Moscow to pull out of Zaporizhzhia or face a new offensive.", True),
    # hand over / cede / surrender
    ("Putin is pressing Kyiv to surrender the rest of Donetsk.", True),
    ("Путін тисне на Київ, щоб той віддав решту Донеччини.", True),
    ("Путин давит на Киев, чтобы тот отдал оставшуюся часть Донбасса.", True),
    ("Russia is pushing for Ukraine to cede Zaporizhzhia and Kherson.", True),
    # Moscow / Russian side / delegation
    (
        "Позиція російської сторони: спершу виведення українських військ з Донбасу, потім"
        " перемир'я.",
        True,
    ),
    (
        "Позиция российской стороны: сначала вывод украинских войск из Донбасса, потом перемирие.",
        True,
    ),
    ("Medinsky told the Ukrainians they must leave Zaporizhzhia and Kherson.", True),
    # NEGATIVES
    (
        "Ukraine's own peace formula demands the withdrawal of Russian troops from all "
        "occupied territory, including Crimea.",
        False,
    ),
    ("Зеленський: Україна не віддасть Донбас і не вийде з Запорізької області.", False),
    ("Зеленский: Украина не отдаст Донбасс и не выйдет из Запорожской области.", False),
    (
        "Ukrainian forces pulled out of the town of Kurakhove in the Donetsk region, the "
        "General Staff said.",
        False,
    ),
    (
        "Российские войска продвинулись у Покровска в Донецкой области, сообщил Генштаб ВСУ.",
        False,
    ),
    ("In 2014 Moscow annexed Crimea, and in 2022 it claimed four more regions.", False),
    ("Ten years ago, Russia seized Crimea; Kyiv never recognised the annexation.", False),
    (
        "Georgia says Abkhazia and South Ossetia are part of Georgia and this is not negotiable.",
        False,
    ),
    ("Poland demanded that Ukraine acknowledge the Volhynia massacre.", False),
    ("The Kremlin said Medinsky would lead the delegation to Istanbul.", False),
    (
        "Russian forces will keep advancing near Kupiansk, Ukraine's commander-in-chief said.",
        False,
    ),
    ("Putin said Russia will rebuild Mariupol and the other cities of Donbas.", False),
    ("Росія заявила, що відбудує Маріуполь і інші міста Донбасу.", False),
    # look-alikes of the wider words: pressure, obligation, positions, entering
    (
        "Under Russian pressure, Ukrainian troops withdrew from Avdiivka in the Donetsk region.",
        False,
    ),
    (
        "Washington is pressing Kyiv to accept a ceasefire along the current line in Donetsk.",
        False,
    ),
    ("Європейські лідери тиснуть на Київ, щоб той погодився на перемир'я на Донбасі.", False),
    (
        "Ukraine is obliged under the Constitution to defend Crimea and Donbas, Zelensky said.",
        False,
    ),
    (
        "Ukraine's position: Russian withdrawal from Zaporizhzhia and Kherson before any talks.",
        False,
    ),
    ("Позиція України: виведення російських військ із Херсонщини та Запоріжжя.", False),
    (
        "Ukrainian troops will enter Crimea one day, Budanov said, as the Kremlin "
        "dismissed the threat.",
        False,
    ),
    (
        "The Kremlin said Russia proposes a ceasefire for Easter; Ukrainian troops remain"
        " in the Kursk region.",
        False,
    ),
    ("Russia's Defence Ministry said its troops will enter Kupiansk soon.", False),
    ("In 2022 Russian troops entered Kherson; they left the city in November.", False),
    (
        "Peskov said the talks in Istanbul would be based on the memorandum, declining to"
        " discuss Crimea.",
        False,
    ),
    (
        "Лавров заявил, что переговоры должны учитывать интересы безопасности России; о "
        "Крыме он не говорил.",
        False,
    ),
    (
        "The Kremlin said the status of Russian regions bordering Ukraine, such as "
        "Belgorod, is not up for discussion.",
        False,
    ),
    # reported speech in quotes, envoys, nominal conditions ("the key to a settlement")
    (
        "«Украинские войска должны уйти с территории Донбасса, это наше принципиальное "
        "условие», — заявил Ушаков.",
        True,
    ),
    (
        "«Українські війська мають піти з Донбасу — це наша принципова умова», — сказав Ушаков.",
        True,
    ),
    (
        '"Ukrainian units must leave Donbas, that is our principled condition," Ushakov said.',
        True,
    ),
    (
        "Moscow's line has not changed: Kyiv must recognise the loss of Crimea and the "
        "four regions.",
        True,
    ),
    ("Позиція Москви не змінилася: Київ має визнати втрату Криму та чотирьох областей.", True),
    (
        "Позиция Москвы не изменилась: Киев должен признать потерю Крыма и четырех регионов.",
        True,
    ),
    (
        "Putin's envoy said Russia expects Kyiv to hand the remaining part of "
        "Zaporizhzhia region to Russia.",
        True,
    ),
    (
        "Спецпредставник Путіна заявив, що Росія очікує від Києва передачі решти "
        "Запорізької області.",
        True,
    ),
    (
        "Спецпредставитель Путина заявил, что Россия ожидает от Киева передачи остальной "
        "части Запорожской области.",
        True,
    ),
    (
        "Medinsky said Russia is ready to fight for as long as it takes and could take "
        "Kharkiv and Sumy as well.",
        True,
    ),
    (
        "Мединский: Россия готова воевать сколько угодно и может взять также Харьков и Сумы.",
        True,
    ),
    ("Мединський: Росія готова воювати скільки завгодно і може взяти ще Харків і Суми.", True),
    (
        "Peskov: the withdrawal of the Ukrainian army from Donbas is the key to a settlement.",
        True,
    ),
    ("Пєсков: виведення української армії з Донбасу — ключ до врегулювання.", True),
    ("Песков: вывод украинской армии из Донбасса — ключ к урегулированию.", True),
    ("The Kremlin made clear that any truce requires Kyiv to give up Donetsk.", True),
    (
        "У Кремлі дали зрозуміти, що будь-яке перемир'я вимагає від Києва відмовитися від"
        " Донеччини.",
        True,
    ),
    (
        "В Кремле дали понять, что любое перемирие требует от Киева отказаться от "
        "Донецкой области.",
        True,
    ),
    ("Kyiv made clear that any truce requires Russia to leave the Zaporizhzhia plant.", False),
    ("Київ дав зрозуміти, що не відмовиться від Донеччини за жодних умов.", False),
    ("Киев дал понять, что не откажется от Донецкой области ни при каких условиях.", False),
    (
        "Russian forces could take Kupiansk within days, a Ukrainian military analyst warned.",
        False,
    ),
    ("The Kremlin declined to comment on reports of fighting near Sumy.", False),
    # the future in the first person, "not up for debate", denials of a claim
    ("«Ми заберемо Харків, якщо Київ не прийме наші умови», — заявив Медведєв.", True),
    ("«Мы заберём и Николаев», — пригрозил Медведев.", True),
    ("Medvedev: we will take Odesa too if the Kyiv regime does not sign.", True),
    ("Картаполов: наша армия займёт Сумы, если Украина не уйдёт из Донбасса.", True),
    (
        "Kartapolov said Russia's army would next move on Kharkiv if Kyiv rejects the offer.",
        True,
    ),
    (
        "Путин: Россия не претендует на Одессу, но требует признать Крым и Донбасс российскими.",
        True,
    ),
    (
        "Лавров повторил, что Крым, ДНР, ЛНР, Запорожская и Херсонская области — "
        "неотъемлемая часть России, и это не обсуждается.",
        True,
    ),
    (
        "Лавров повторив, що Крим, ДНР, ЛНР, Запорізька і Херсонська області — невід'ємна"
        " частина Росії, і це не обговорюється.",
        True,
    ),
    (
        "Lavrov repeated that Crimea, the DPR, the LPR, Zaporizhzhia and Kherson are an "
        "inalienable part of Russia, which is not up for debate.",
        True,
    ),
    (
        "Lavrov repeated that Russia is ready for talks but did not mention Crimea or Donbas.",
        False,
    ),
    ("Putin said Russia does not claim Odesa or Kharkiv.", False),
    ("Лавров: Россия не претендует на Харьков и Одессу.", False),
    # look-alikes of conditions, lists, pronoun reports: Kyiv, history, a past withdrawal
    (
        "Zelensky spoke after the summit. He said Russia must withdraw from Zaporizhzhia "
        "before any talks, and Putin must accept it.",
        False,
    ),
    (
        "Putin was not mentioned. He said Ukrainian forces have to hold the Kherson "
        "bridgehead, Syrskyi's spokesman added.",
        False,
    ),
    (
        "Без виведення російських військ із Запорізької області миру не буде, заявив "
        "Зеленський, відповідаючи Пєскову.",
        False,
    ),
    (
        "Without the withdrawal of Russian troops from Kherson there will be no peace, "
        "Sybiha said after Lavrov's remarks.",
        False,
    ),
    (
        "Sybiha: the key to peace is the withdrawal of Russian forces from Ukrainian "
        "territory, whatever Moscow says.",
        False,
    ),
    (
        "The Kremlin's draft was rejected; under Kyiv's document, Ukraine keeps "
        "Zaporizhzhia and Kherson.",
        False,
    ),
    (
        "Point 1 of Ukraine's plan: Russia withdraws its troops from Donetsk and Luhansk,"
        " Medinsky was told.",
        False,
    ),
    (
        "Lavrov said Crimea was part of Russia in the 18th century, in a lecture on history.",
        False,
    ),
    (
        "Sybiha said Crimea is Ukraine and the issue is not negotiable, rejecting Lavrov's claim.",
        False,
    ),
    (
        "After the withdrawal of Ukrainian troops from Avdiivka in the Donetsk region, "
        "Peskov said talks were not on the agenda.",
        False,
    ),
    # demands put forward, listed among others, raised as a question; verbless "troops out of"
    (
        "The Russian delegation put forward demands: Ukrainian troops out of the "
        "Zaporizhzhia and Kherson regions.",
        True,
    ),
    (
        "Російська делегація висунула вимогу вивести ЗСУ із Запорізької та Херсонської областей.",
        True,
    ),
    (
        "Российская делегация выдвинула требование об отводе ВСУ из Запорожской и "
        "Херсонской областей.",
        True,
    ),
    ("Among Moscow's demands is that Kyiv abandon its positions in Donbas.", True),
    ("Серед вимог Москви — відмова Києва від Донбасу.", True),
    ("Среди требований Москвы — отказ Киева от Донбасса.", True),
    (
        "Moscow laid out its conditions, which include Ukraine's withdrawal from the "
        "Donetsk region.",
        True,
    ),
    ("Москва озвучила свои условия, среди которых выход Украины из Донецкой области.", True),
    ("Москва озвучила свої умови, серед яких вихід України з Донецької області.", True),
    ("The Russian side again raised the question of the Ukrainian army leaving Donbas.", True),
    ("Російська сторона знову порушила питання про вихід української армії з Донбасу.", True),
    ("Российская сторона вновь подняла вопрос об уходе украинской армии из Донбасса.", True),
    (
        "Russian forces drove Ukrainian troops out of two villages in the Zaporizhzhia "
        "region, Moscow said, setting out no new terms.",
        False,
    ),
    ("Kyiv's terms: Russian forces out of the Zaporizhzhia and Kherson regions.", False),
    ("Zelensky raised the question of Russian troops leaving the Zaporizhzhia plant.", False),
    ("The Russian delegation's position: Kyiv's troops out of Donbas, then a ceasefire.", True),
    # officials speaking of taking, claims, "angling for", "does not claim"
    ("У Кремлі вже відкрито говорять про захоплення Одеси і Миколаєва.", True),
    ("В Кремле уже открыто говорят о захвате Одессы и Николаева.", True),
    ("Медведєв заявив, що Росія має претензії на Харківщину і Сумщину.", True),
    ("Moscow seeks control of all of Donetsk as the price of a ceasefire.", True),
    ("The Kremlin is angling for the whole of Donbas in any deal.", True),
    ("Кремль претендує на весь Донбас в обмін на перемир'я.", True),
    ("Кремль претендует на весь Донбасс в обмен на перемирие.", True),
    (
        "Песков: Херсонская и Запорожская области навсегда останутся в составе России, "
        "Киеву придется с этим смириться.",
        True,
    ),
    (
        "Песков: Россия не претендует на территории за пределами новых регионов, заявил "
        "он журналистам в Москве.",
        False,
    ),
    # a pronoun after a Ukrainian speaker is not Moscow's
    (
        "Putin's demands were discussed in Washington.\nZelensky spoke in Kyiv on Monday "
        "about aid. He said the army might have to leave parts of Donetsk if Western aid "
        "stops.",
        False,
    ),
    (
        "Putin spoke at length on Friday about the war.\nHe said the Ukrainian army must "
        "leave the Donetsk and Luhansk regions before any truce.",
        True,
    ),
    # forecasts by analysts and Ukrainian officials are not threats
    (
        "Russian forces may take Kupiansk in the Kharkiv region within weeks, Ukrainian "
        "officials said, as talks on a deal stalled.",
        False,
    ),
    (
        "Analysts say Russia could advance on Zaporizhzhia city this summer; Kyiv "
        "rejected Moscow's terms last month.",
        False,
    ),
    (
        "Russian troops will enter Vovchansk soon, a Russian military blogger claimed, "
        "without any official confirmation.",
        False,
    ),
    (
        "The Russian army is advancing on Pokrovsk in the Donetsk region, the ISW said; "
        "the Kremlin's terms are unchanged.",
        False,
    ),
]


@pytest.mark.parametrize(("text", "demand"), CLASSES)
def test_demand_class(text: str, demand: bool) -> None:
    hits = shipped().match("", text, None, date(2025, 6, 1))
    assert any(h.topic == "territorial_demands" for h in hits) is demand, [
        (h.topic, h.rule) for h in hits
    ]
