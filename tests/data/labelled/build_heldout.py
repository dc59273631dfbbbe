"""A second labelled set written after the rules were tuned on articles.jsonl, never used
for tuning: its figures are the honest estimate. Run from this folder to write heldout.jsonl."""

import json
from pathlib import Path

T, D, B, N = ["istanbul_talks"], ["territorial_demands"], ["istanbul_talks", "territorial_demands"], []
ROWS = [
("en", T, "Turkish hosts prepare palace for Russia-Ukraine round", "Security was tightened around Ciragan Palace as Turkey prepared to host another round of direct talks between Ukrainian and Russian negotiators. Hakan Fidan said Ankara would keep the channel open as long as both sides wanted it."),
("en", T, "Kyiv confirms delegation line-up for Istanbul", "Ukraine's delegation to Istanbul will include intelligence chief Kyrylo Budanov and deputy foreign minister Serhiy Kyslytsya alongside Rustem Umerov, the president's office said."),
("en", T, "Exchange of wounded prisoners follows Istanbul agreement", "Seriously wounded and sick prisoners were exchanged on Thursday, the first step in implementing the humanitarian deal reached by the delegations at the second Istanbul meeting."),
("en", T, "Russian negotiator says Istanbul format has 'exhausted' itself", "Vladimir Medinsky said the Istanbul format had produced important humanitarian results but could not by itself end the war, and suggested working groups could continue contacts online."),
("en", T, "Families wait for news after swap agreed in Turkey", "Hundreds of families gathered outside a hospital in Chernihiv waiting for soldiers freed in the exchange that Ukrainian and Russian officials agreed at the talks in Istanbul."),
("en", D, "Russia says Kyiv must give up Donetsk for peace", "Russia will not stop fighting until Ukraine gives up the entire Donetsk region, a Kremlin aide said on Sunday, dismissing proposals for a ceasefire along the front line."),
("en", D, "Moscow demands Kyiv abandon Kherson's right bank", "Moscow has demanded that Ukraine abandon the part of the Kherson region on the right bank of the Dnipro, including the city itself, according to Russian officials quoted by state media."),
("en", D, "Russian general threatens to push into Zaporizhzhia city", "A Russian general said his forces would push into the city of Zaporizhzhia unless Kyiv accepted Moscow's terms, as Russian troops advanced in the south of the region."),
("en", D, "Kremlin: no peace without recognition of Crimea", "The Kremlin said there could be no lasting peace unless Ukraine and the West recognised Crimea and the other annexed regions as Russian territory."),
("en", D, "Russia wants demilitarised zone in Kharkiv region", "Russia wants a demilitarised buffer zone in the Kharkiv region along its border, Russian officials said, a demand Ukraine's foreign ministry called a pretext for more occupation."),
("en", B, "Ukraine says Russian team in Istanbul demanded Zaporizhzhia", "Ukrainian officials said Russia's delegation in Istanbul demanded that Kyiv hand over the Zaporizhzhia and Kherson regions in full, a condition they said made the talks pointless."),
("en", B, "At Istanbul, Moscow threatened to seize more regions", "Russian negotiators in Istanbul threatened to seize more Ukrainian regions if Kyiv did not agree to withdraw from Donbas, according to two people present at the meeting."),
("en", B, "Russia's Istanbul memorandum: cede land, cut army", "Russia's memorandum delivered in Istanbul demands that Ukraine withdraw from four regions and sharply cut its armed forces, according to the text released by Moscow."),
("en", N, "Istanbul hosts UEFA final amid tight security", "Istanbul hosted the UEFA Champions League final on Saturday under heavy security, with thousands of fans from England and Italy arriving at Ataturk Olympic Stadium."),
("en", N, "Turkish and Greek officials meet over Aegean dispute", "Turkish and Greek officials held talks on their long-running dispute over territorial waters in the Aegean, agreeing to keep channels of communication open."),
("en", N, "Kharkiv metro turns into school during war", "In Kharkiv, classes are held in metro stations to protect children from Russian missile strikes. Teachers say attendance has risen since the underground schools opened."),
("en", N, "Riyadh meeting between US and Ukraine ends with minerals talk", "US and Ukrainian officials met in Riyadh and discussed a minerals agreement and air defence, without reaching a deal on a ceasefire with Russia."),
("en", N, "Sumy hit by guided bombs, three dead", "Russian guided bombs hit the city of Sumy on Tuesday, killing three people and damaging a school and a hospital, the regional military administration said."),
("en", N, "Serbia and Kosovo leaders in Brussels for talks on border", "The leaders of Serbia and Kosovo met in Brussels for EU-mediated talks on border crossings and the status of ethnic Serb municipalities."),
("en", N, "Ukraine and Russia swap prisoners in UAE-brokered deal", "Ukraine and Russia exchanged 150 prisoners each under a deal brokered by the United Arab Emirates, the 60th such exchange since the start of the full-scale invasion."),
("uk", T, "Делегації знову зустрінуться в Туреччині", "Українська та російська делегації знову зустрінуться в Стамбулі, повідомили в Офісі президента. Очікується, що сторони обговорять нові обміни полоненими."),
("uk", D, "Росія вимагає від України відмовитися від Донбасу", "Російська сторона вимагає, щоб Україна відмовилася від решти Донбасу, зокрема Краматорська і Слов'янська, заявили в МЗС України."),
("uk", B, "Джерела: у Стамбулі Росія вимагала Запоріжжя і Херсон", "За даними джерел, під час зустрічі в Стамбулі російська делегація вимагала від України повністю передати Запорізьку та Херсонську області."),
("uk", N, "Обстріл Запоріжжя: пошкоджено енергетичний об'єкт", "Російські війська обстріляли Запоріжжя, пошкоджено об'єкт енергетичної інфраструктури, повідомив очільник обласної адміністрації."),
("uk", N, "Туреччина і Греція провели переговори в Афінах", "Міністри закордонних справ Туреччини та Греції провели переговори в Афінах щодо співпраці в Егейському морі."),
("ru", T, "Мединский: следующий раунд может пройти в Стамбуле", "Владимир Мединский заявил, что следующий раунд переговоров с украинской делегацией может пройти в Стамбуле, как и предыдущие."),
("ru", D, "Кремль настаивает на выходе ВСУ из Донецкой области", "В Кремле настаивают, чтобы ВСУ покинули Донецкую область, прежде чем начнутся переговоры о перемирии, заявил источник."),
("ru", B, "На встрече в Стамбуле Россия потребовала признать Крым", "На встрече в Стамбуле российская делегация потребовала признать Крым и четыре области частью России, сообщили украинские участники переговоров."),
("ru", N, "В Стамбуле прошел футбольный финал", "В Стамбуле прошел финал Лиги чемпионов УЕФА. Матч посетили десятки тысяч болельщиков."),
("ru", N, "Херсон: обстрелы не прекращаются", "Российская армия продолжает обстреливать Херсон с левого берега Днепра, сообщили местные власти."),
]
HERE = Path(__file__).resolve().parent
with (HERE / "heldout.jsonl").open("w", encoding="utf-8") as out:
    for i, (lang, labels, title, text) in enumerate(ROWS, start=1):
        out.write(json.dumps({"id": f"heldout-{i:03d}", "lang": lang, "title": title,
                              "text": text, "labels": labels}, ensure_ascii=False) + "\n")
