"""The demo corpus as data: each article's outlet, language, date, expected topics and body.

`python -m seeds.build` renders these into `seeds/site/` (HTML pages with each outlet's
navigation, ads, cookie banner and comments around the body, and the feeds that list them).
"""

from __future__ import annotations

SEED = {
    "slug": "isw-territorial-demands",
    "outlet": "kyiv-wire",
    "lang": "en",
    "date": "2025-05-18T09:40:00+00:00",
    "author": "Olena Hrytsenko",
    "topics": ["istanbul_talks", "territorial_demands"],
    "feeds": ["world", "ukraine"],
    "title": "If Ukraine gives up territory, Russia will push for further concessions – ISW",
    "body": """Russia’s threats during the Istanbul negotiations to seize more Ukrainian territory suggest the Kremlin may push for even tougher territorial demands, according to the Institute for the Study of War (ISW).
ISW recalled that during the May 16 talks in Istanbul, the Russian delegation threatened to capture Ukraine’s Kharkiv and Sumy regions. Analysts believe this tactic signals that if Ukraine agrees to the Kremlin’s initial terms, Russia will put forward even tougher territorial demands.
Despite repeated calls from the US, Ukraine, and the EU for a ceasefire to launch negotiations to end the war, Russia continues to reject such a course of action. The Kremlin likely sees ceasefire talks as an instrument of pressure to obtain additional concessions from Ukraine and the West.
"Russia must show its willingness to make concessions of its own in any future bilateral negotiations, especially as the Kremlin appears to be setting conditions to expand its list of demands amid the peace talks," ISW stated.
At the meeting, Putin’s representatives stated that Ukraine must hand over full control of the Luhansk, Donetsk, Zaporizhzhia, and Kherson regions to Russia before Moscow agrees to a ceasefire.
Analysts note that such territorial demands are typically the subject of final peace negotiations, not preconditions for a ceasefire. At the same time, Russia introduced additional demands and threatened to seize the Kharkiv and Sumy regions.
This tactic suggests that during future talks to end the war, Russian President Vladimir Putin is likely to make even tougher territorial demands if Ukraine agrees to the Kremlin's initial ceasefire conditions.
Negotiations between Ukraine and Russia took place on Friday, May 16. Then the parties agreed to exchange prisoners - 1000 for 1000 people. The Russian delegation told their Ukrainian counterparts that Ukraine must concede territory, or else even more land would be occupied.
Yesterday, after US President Donald Trump spoke with Putin, he said that Russia was ready to work with the Ukrainian side on a memorandum regarding a possible future peace agreement.
President Zelenskyy responded that Trump and Putin discussed a memorandum that could be adopted in a bilateral format. This memorandum "could eventually lead to a roadmap toward ending the war and a peace agreement".""",
}

ARTICLES: list[dict] = [
    SEED,
    {
        "slug": "istanbul-first-direct-talks",
        "outlet": "world-desk",
        "lang": "en",
        "date": "2025-05-16T17:05:00+00:00",
        "author": "Mark Ellison",
        "topics": ["istanbul_talks"],
        "feeds": ["world"],
        "title": "Russian and Ukrainian delegations meet in Istanbul for first direct talks since 2022",
        "body": """Delegations from Russia and Ukraine sat down at Dolmabahce Palace in Istanbul on Friday for their first face-to-face negotiations in more than three years, a meeting that lasted less than two hours and ended without a ceasefire.
The Ukrainian side was led by Defence Minister Rustem Umerov, while the Russian delegation was headed by presidential aide Vladimir Medinsky. Turkish Foreign Minister Hakan Fidan opened the session, telling both sides that the world was watching and that a path to peace depended on what they decided in the room.
Officials from both delegations said the only concrete result was an agreement on a large prisoner exchange. Umerov told reporters that Kyiv and Moscow would each release 1,000 prisoners of war in the coming days, the largest swap of the war so far.
The parties also agreed to set out their visions of a possible ceasefire in writing, and Medinsky said Russia was satisfied with the outcome and ready to continue contacts. Ukrainian officials were more guarded, saying the Russian side had come with positions that were unacceptable and far beyond anything discussed before.
Diplomats in Istanbul said a second round could take place within weeks if both capitals agreed on an agenda. Turkey has offered to host further meetings.
The talks were the first direct negotiations between the warring parties since the spring of 2022, when a series of meetings in Belarus and Istanbul collapsed.""",
    },
    {
        "slug": "prisoner-swap-1000-for-1000",
        "outlet": "world-desk",
        "lang": "en",
        "date": "2025-05-25T11:20:00+00:00",
        "author": "Mark Ellison",
        "topics": ["istanbul_talks"],
        "feeds": ["world"],
        "title": "Ukraine and Russia complete largest prisoner exchange agreed at Istanbul talks",
        "body": """Ukraine and Russia completed the third and final stage of a prisoner exchange on Sunday, bringing home a total of 1,000 people each under the deal struck by their delegations in Istanbul earlier this month.
Ukrainian President Volodymyr Zelensky said 303 soldiers returned on the last day, after 307 on Saturday and 390 soldiers and civilians on Friday. Russia's defence ministry confirmed the figures and said its servicemen were receiving medical and psychological care in Belarus before being flown home.
The "1000 for 1000" swap was the only concrete outcome of the May 16 negotiations at Dolmabahce Palace, where the delegations led by Rustem Umerov and Vladimir Medinsky met for less than two hours.
Relatives of missing soldiers gathered at a hospital in northern Ukraine, holding photographs and asking those who returned for any news of their loved ones. Many of the released men had been held since 2022.
Kyiv's coordination headquarters for prisoners of war said it would keep pressing for an "all for all" exchange, an idea Moscow has so far rejected. Officials on both sides said the lists for the exchange had been verified with the help of mediators.
Zelensky thanked Turkey and the United States for their role and said Ukraine was ready for further meetings if Russia came with a serious position.""",
    },
    {
        "slug": "second-round-memorandum",
        "outlet": "world-desk",
        "lang": "en",
        "date": "2025-06-02T16:45:00+00:00",
        "author": "Sarah Whitcombe",
        "topics": ["istanbul_talks", "territorial_demands"],
        "feeds": ["world", "ukraine"],
        "title": "Second round in Istanbul: Russia hands Ukraine a peace memorandum with sweeping demands",
        "body": """Russian and Ukrainian delegations met for a second round of direct talks at Ciragan Palace in Istanbul on Monday, exchanging written memoranda on how the war might end and agreeing on another humanitarian exchange.
Russia's memorandum, read out to reporters by delegation head Vladimir Medinsky, sets out two options for a ceasefire. Both would require Ukraine to withdraw its troops from the Donetsk, Luhansk, Zaporizhzhia and Kherson regions, which Moscow claims as its own, and to recognise Crimea as Russian. The document also demands limits on Ukraine's armed forces and a ban on foreign military aid.
Ukrainian Defence Minister Rustem Umerov said Kyiv would study the document but called the demands a repetition of old ultimatums. He said Ukraine had handed over its own roadmap, calling for a full and unconditional ceasefire and the return of deported children.
The two sides agreed to exchange all seriously wounded and young soldiers aged 18 to 25, and to return the bodies of 6,000 fallen soldiers to each side. Turkish President Recep Tayyip Erdogan said the meeting had gone well and offered to host a summit of leaders.
Analysts said the memorandum showed that Moscow's territorial demands had not softened since the first round in May.""",
    },
    {
        "slug": "third-round-july",
        "outlet": "kyiv-wire",
        "lang": "en",
        "date": "2025-07-23T20:10:00+00:00",
        "author": "Taras Melnyk",
        "topics": ["istanbul_talks"],
        "feeds": ["ukraine"],
        "title": "Third round of talks in Istanbul ends after 40 minutes with agreement on new exchange",
        "body": """The third round of direct negotiations between Ukraine and Russia ended in Istanbul on Wednesday evening after about 40 minutes, with both delegations agreeing to another exchange of prisoners but no progress on a ceasefire.
Ukraine's delegation was again led by Rustem Umerov, now secretary of the National Security and Defence Council, while Vladimir Medinsky headed the Russian side. The meeting took place at Ciragan Palace on the Bosphorus.
Umerov said Kyiv had proposed a meeting of the two presidents before the end of August and had handed over lists of children taken to Russia. Medinsky told journalists that the positions of the parties remained far apart, but that both sides had agreed to exchange at least 1,200 more prisoners.
Medinsky also suggested short ceasefires of 24 to 48 hours along parts of the front to allow the collection of the wounded and the dead. Ukrainian officials said they would consider any humanitarian pause but insisted that only a full ceasefire could open the way to peace.
Turkish officials who hosted the meeting said they remained ready to organise further rounds and a summit of leaders in Istanbul.""",
    },
    {
        "slug": "kremlin-demands-withdrawal",
        "outlet": "world-desk",
        "lang": "en",
        "date": "2025-06-20T08:30:00+00:00",
        "author": "Sarah Whitcombe",
        "topics": ["territorial_demands"],
        "feeds": ["world"],
        "title": "Kremlin insists Kyiv pull its troops out of four regions before any ceasefire",
        "body": """Kremlin spokesman Dmitry Peskov said on Friday that Ukraine must withdraw its forces from the Donetsk, Luhansk, Zaporizhzhia and Kherson regions before Moscow would agree to halt its offensive, repeating a demand that Kyiv has repeatedly rejected as a call for capitulation.
Speaking to reporters in Moscow, Peskov said the regions were part of Russia under its constitution and that recognition of this reality was a precondition for any lasting settlement. He added that the West must also stop supplying weapons to Ukraine.
Russian forces occupy almost all of the Luhansk region and about 70 percent of the Donetsk region, but Ukraine still controls the regional capitals of Zaporizhzhia and Kherson, home to hundreds of thousands of people.
Ukrainian Foreign Minister Andrii Sybiha said the demand showed that Russia was not interested in peace. "No Ukrainian government can hand over cities that Russia has not even captured," he said in a statement.
European officials said the conditions were unchanged from those set out by President Vladimir Putin a year ago and warned that Moscow was using the language of negotiation to press maximalist goals.""",
    },
    {
        "slug": "putin-buffer-zone-sumy",
        "outlet": "kyiv-wire",
        "lang": "en",
        "date": "2025-05-22T14:00:00+00:00",
        "author": "Taras Melnyk",
        "topics": ["territorial_demands"],
        "feeds": ["ukraine"],
        "title": "Putin orders 'buffer zone' along border as Moscow threatens to take more land",
        "body": """Russian President Vladimir Putin said on Thursday he had ordered the military to create a "security buffer zone" along the border with Ukraine, a move Ukrainian officials said amounted to a threat to seize more of the Sumy and Kharkiv regions.
Putin made the remarks during a meeting with regional governors in Kursk. He did not say how deep the zone would be, but Russian military bloggers have spoken of pushing Ukrainian forces back by tens of kilometres.
Ukraine's border guard service said Russian units had intensified attacks near several villages in the Sumy region in recent days. Regional authorities have ordered the evacuation of children from a number of settlements.
President Volodymyr Zelensky said the buffer zone statement proved that Moscow was preparing new offensives rather than peace. "They talk about a ceasefire while planning to occupy more of our land," he said in his nightly address.
Military analysts said a buffer zone would require Russia to capture territory it has not held since 2022 and would stretch forces already engaged in the Donetsk region.""",
    },
    {
        "slug": "medvedev-more-land",
        "outlet": "world-desk",
        "lang": "en",
        "date": "2025-06-10T10:15:00+00:00",
        "author": "Mark Ellison",
        "topics": ["territorial_demands"],
        "feeds": ["world"],
        "title": "Moscow warns Kyiv it will lose more regions if it rejects Russia's terms",
        "body": """Senior Russian officials warned on Tuesday that Ukraine would lose more territory if it refused Moscow's conditions for ending the war, in a series of statements that Kyiv described as open blackmail.
Foreign Minister Sergei Lavrov told a press conference that the situation on the ground would determine the borders and that each month of delay would leave Ukraine with less land. Other officials threatened to capture the Dnipropetrovsk region, where Russian forces have recently crossed the regional border for the first time.
The statements came as Russia demanded that Ukraine recognise the annexation of four regions and abandon plans to join NATO. Ukrainian officials said such demands were designed to make peace impossible.
Western diplomats said the rhetoric was intended to pressure Kyiv ahead of any new round of negotiations and to persuade Ukraine's partners that its position was hopeless.
Ukraine's defence ministry said its forces were holding positions along the border of the Dnipropetrovsk region and inflicting heavy losses on advancing Russian units.""",
    },
    {
        "slug": "stambul-zahopyty-kharkivshchynu",
        "outlet": "pravda-ua",
        "lang": "uk",
        "date": "2025-05-17T12:30:00+00:00",
        "author": "Ірина Коваль",
        "topics": ["istanbul_talks", "territorial_demands"],
        "feeds": ["ukraine"],
        "title": "У Стамбулі російська делегація погрожувала захопити Харківщину і Сумщину",
        "body": """Під час переговорів у Стамбулі 16 травня російська делегація на чолі з Володимиром Мединським погрожувала Україні захопленням Харківської та Сумської областей, якщо Київ не погодиться на умови Москви. Про це повідомили джерела в українській делегації.
За словами співрозмовників, російська сторона вимагала, щоб Україна вивела війська з Донецької, Луганської, Запорізької та Херсонської областей ще до оголошення перемир'я. Українська делегація, яку очолював міністр оборони Рустем Умєров, відкинула ці вимоги.
"Вони сказали, що наступного разу вимагатимуть ще більше територій", — розповів один із учасників зустрічі. Аналітики Інституту вивчення війни вважають, що такі погрози свідчать про намір Кремля розширювати свої територіальні вимоги.
Попри це, сторони домовилися про обмін полоненими у форматі 1000 на 1000. Президент Володимир Зеленський заявив, що Україна готова до подальших переговорів, але не визнає окупованих територій російськими.
Переговори в палаці Долмабахче тривали менше двох годин. Турецька сторона запропонувала провести наступний раунд також у Стамбулі.""",
    },
    {
        "slug": "obmin-polonenymy-stambul",
        "outlet": "pravda-ua",
        "lang": "uk",
        "date": "2025-06-10T09:00:00+00:00",
        "author": "Андрій Бойко",
        "topics": ["istanbul_talks"],
        "feeds": ["ukraine"],
        "title": "Україна повернула додому молодих військових: обмін за домовленостями зі Стамбула",
        "body": """Україна та Росія провели черговий етап обміну полоненими, про який сторони домовилися під час другого раунду переговорів у Стамбулі 2 червня. Додому повернулися військові віком до 25 років, а також важкопоранені.
Координаційний штаб з питань поводження з військовополоненими повідомив, що обмін відбуватиметься кількома етапами. Списки узгоджували делегації, які очолюють Рустем Умєров та Володимир Мединський.
"Ми повертаємо наших людей поетапно, і кожен етап потребує складної роботи", — зазначив президент Володимир Зеленський. Він подякував Туреччині за посередництво.
Окрім обміну полоненими, у Стамбулі сторони домовилися про репатріацію тіл загиблих — по шість тисяч з кожного боку. Рідні зниклих безвісти чекали автобусів із звільненими біля лікарні на Чернігівщині.
Під час переговорів сторони також обмінялися меморандумами щодо можливого припинення вогню.""",
    },
    {
        "slug": "moskva-trebuet-vyvesti-voyska",
        "outlet": "nezavisimy-ru",
        "lang": "ru",
        "date": "2025-06-05T15:20:00+00:00",
        "author": "Алексей Смирнов",
        "topics": ["territorial_demands"],
        "feeds": ["russian"],
        "title": "Москва требует, чтобы Киев вывел войска из Запорожской и Херсонской областей",
        "body": """Кремль повторил требование о выводе украинских войск из Донецкой, Луганской, Запорожской и Херсонской областей как условие прекращения огня. Об этом заявил пресс-секретарь президента Дмитрий Песков.
По его словам, эти регионы «являются неотъемлемой частью России», и любое урегулирование должно учитывать «реалии на земле». Песков также заявил, что Украина должна отказаться от вступления в НАТО.
В Киеве требования назвали ультиматумом. Министр иностранных дел Украины Андрей Сибига заявил, что ни одно украинское правительство не отдаст территории, которые Россия даже не захватила.
Российские войска контролируют почти всю Луганскую область и большую часть Донецкой, однако областные центры Запорожье и Херсон остаются под контролем Украины.
Западные дипломаты считают, что Москва использует переговоры для давления и не собирается смягчать свои позиции.""",
    },
    {
        "slug": "peregovory-v-stambule-memorandum",
        "outlet": "nezavisimy-ru",
        "lang": "ru",
        "date": "2025-06-03T07:45:00+00:00",
        "author": "Мария Орлова",
        "topics": ["istanbul_talks", "territorial_demands"],
        "feeds": ["russian"],
        "title": "Второй раунд переговоров в Стамбуле: делегации обменялись меморандумами",
        "body": """В понедельник во дворце Чыраган в Стамбуле прошел второй раунд прямых переговоров России и Украины. Российскую делегацию вновь возглавил Владимир Мединский, украинскую — Рустем Умеров.
Стороны обменялись меморандумами о возможном урегулировании. Российский документ предусматривает, что Украина должна вывести войска с территорий Донецкой, Луганской, Запорожской и Херсонской областей, а также признать Крым российским.
Украинская сторона назвала эти условия неприемлемыми и предложила безоговорочное прекращение огня на 30 дней. Умеров заявил, что Киев изучит российский меморандум.
Делегации договорились об обмене тяжелоранеными и военнопленными в возрасте от 18 до 25 лет, а также о передаче тел погибших.
Президент Турции Реджеп Тайип Эрдоган предложил провести в Стамбуле встречу лидеров.""",
    },
    # ---- look-alike negatives -----------------------------------------------------------------
    {
        "slug": "turkey-syria-trade-istanbul",
        "outlet": "world-desk",
        "lang": "en",
        "date": "2025-05-20T13:00:00+00:00",
        "author": "Deniz Aksoy",
        "topics": [],
        "feeds": ["world"],
        "title": "Turkey and Syria hold trade talks in Istanbul on reopening border crossings",
        "body": """Turkish and Syrian officials held two days of talks in Istanbul this week on reopening border crossings and restoring trade routes that were cut during Syria's long civil war.
The delegations discussed customs procedures, electricity exports and the return of refugees, according to a statement from Turkey's trade ministry. Turkish exporters hope to regain a market that was worth more than 2 billion dollars a year before 2011.
Syrian officials said they wanted Turkish investment in power plants and housing. Both sides agreed to set up working groups and to meet again in Damascus next month.
Business leaders in the southern city of Gaziantep welcomed the negotiations but said insurance and banking links would need to be restored before trade could grow. The talks were held at a hotel on the Bosphorus and were described by both sides as constructive.""",
    },
    {
        "slug": "kharkiv-drone-strike",
        "outlet": "kyiv-wire",
        "lang": "en",
        "date": "2025-06-07T06:15:00+00:00",
        "author": "Olena Hrytsenko",
        "topics": [],
        "feeds": ["ukraine"],
        "title": "Overnight drone strike on Kharkiv injures 17, damages apartment blocks",
        "body": """Russian drones struck residential areas of Kharkiv overnight, injuring at least 17 people including two children and damaging several apartment blocks, the city's mayor Ihor Terekhov said on Saturday.
Explosions were heard across the city shortly after midnight. Firefighters battled blazes on the upper floors of a nine-storey building in the Kyivskyi district, and rescuers pulled residents from a damaged staircase.
Regional governor Oleh Syniehubov said energy infrastructure had also been hit, leaving part of the city without electricity for several hours. Repair crews restored power by morning.
In the neighbouring Sumy region, authorities reported shelling of several border communities, with no casualties. Air defence units said they had shot down most of the drones launched overnight.
Residents queued at aid points for water and window film as volunteers cleared broken glass from the streets.""",
    },
    {
        "slug": "sumy-evacuation",
        "outlet": "pravda-ua",
        "lang": "uk",
        "date": "2025-06-12T10:40:00+00:00",
        "author": "Ірина Коваль",
        "topics": [],
        "feeds": ["ukraine"],
        "title": "На Сумщині оголосили примусову евакуацію дітей з ще трьох громад",
        "body": """Сумська обласна військова адміністрація оголосила обов'язкову евакуацію дітей разом із батьками з трьох прикордонних громад через постійні обстріли.
За словами очільника області, за останню добу російські війська понад сто разів обстріляли населені пункти регіону з артилерії та дронів. Пошкоджено житлові будинки, школу та лінію електропередачі.
Евакуйованих розміщують у Сумах та інших містах області, де для них підготували пункти тимчасового перебування. Волонтери допомагають із транспортом і речами першої необхідності.
Місцева влада закликає мешканців не ігнорувати сигнали повітряної тривоги та користуватися укриттями. У школах області навчання триватиме дистанційно.""",
    },
    {
        "slug": "essequibo-dispute",
        "outlet": "world-desk",
        "lang": "en",
        "date": "2025-05-28T18:00:00+00:00",
        "author": "Lucia Fernandez",
        "topics": [],
        "feeds": ["world"],
        "title": "Venezuela presses territorial claim to Guyana's Essequibo region ahead of vote",
        "body": """Venezuela has stepped up its claim to the oil-rich Essequibo region of neighbouring Guyana, holding elections for a governor of the territory it does not control and warning that it would defend what it calls its historic rights.
Guyana's president said the move was a threat to peace in the region and asked the International Court of Justice to reaffirm the border set by an 1899 arbitration award. The court has ordered Venezuela not to take any action that would change the situation on the ground.
The dispute has intensified since large offshore oil discoveries turned Guyana into one of the fastest-growing economies in the world. Caracas rejects the court's jurisdiction.
Brazil and other South American neighbours have urged both sides to settle the disagreement through dialogue. Diplomats said the demands from Caracas were mainly aimed at a domestic audience.""",
    },
    {
        "slug": "istanbul-2022-retrospective",
        "outlet": "world-desk",
        "lang": "en",
        "date": "2025-04-02T09:00:00+00:00",
        "author": "Sarah Whitcombe",
        "topics": [],
        "feeds": ["world"],
        "title": "Three years on: what happened to the Istanbul communique of March 2022",
        "body": """In late March 2022, a month after the full-scale invasion began, Ukrainian and Russian negotiators met at Dolmabahce Palace in Istanbul and produced a draft communique that briefly raised hopes of an early end to the war.
The document, drawn up in March 2022, sketched a neutral Ukraine with international security guarantees and left the status of Crimea to talks over 15 years. Within weeks, after the discovery of atrocities in Bucha, the process stalled and was abandoned.
Historians still disagree about how close the two sides came to a deal in 2022. Some participants say the drafts were never more than a framework; others argue that Western pressure ended the talks.
Archives of the 2022 negotiations show that the issues dividing the parties were fundamental: the size of Ukraine's army, the identity of the guarantors and the future of occupied territory. Those questions remain unresolved.""",
    },
    {
        "slug": "kyiv-book-festival",
        "outlet": "kyiv-wire",
        "lang": "en",
        "date": "2025-05-30T16:00:00+00:00",
        "author": "Taras Melnyk",
        "topics": [],
        "feeds": ["ukraine"],
        "title": "Kyiv book arsenal draws crowds despite air raid alerts",
        "body": """Thousands of visitors crowded into Kyiv's Mystetskyi Arsenal this weekend for the annual book festival, browsing new Ukrainian novels, poetry and history titles between air raid alerts.
Publishers said sales of Ukrainian-language books had grown every year since 2022, with readers turning to authors who write about identity and memory. Children's books and comics were among the most popular stands.
Organisers moved some events to a shelter below the venue so readings could continue when sirens sounded. Foreign publishers from Poland, Lithuania and Germany also took part.
The festival's programme included discussions on translation, the future of libraries in frontline cities, and the work of writers serving in the armed forces.""",
    },
    {
        "slug": "kharkov-obstrel-ru",
        "outlet": "nezavisimy-ru",
        "lang": "ru",
        "date": "2025-06-14T05:50:00+00:00",
        "author": "Алексей Смирнов",
        "topics": [],
        "feeds": ["russian"],
        "title": "Харьков снова под ударом: ночью повреждены жилые дома",
        "body": """Ночью Харьков подвергся массированной атаке беспилотников. По данным городских властей, пострадали восемь человек, повреждены жилые дома и автомобили.
Мэр города сообщил, что в нескольких районах возникли пожары, которые спасатели потушили к утру. На месте работают коммунальные службы, жителям раздают материалы для временного закрытия окон.
В соседней Сумской области также фиксировались обстрелы приграничных сел. Местные власти призвали жителей оставаться в укрытиях во время воздушной тревоги.
Экономисты отмечают, что постоянные атаки на энергетическую инфраструктуру региона осложняют работу предприятий и школ.""",
    },
    {
        "slug": "south-china-sea-standoff",
        "outlet": "world-desk",
        "lang": "en",
        "date": "2025-06-18T03:30:00+00:00",
        "author": "Lucia Fernandez",
        "topics": [],
        "feeds": ["world"],
        "title": "Philippines protests Chinese coast guard manoeuvres near disputed shoal",
        "body": """The Philippines lodged a diplomatic protest on Wednesday after Chinese coast guard vessels used water cannon against a Philippine supply boat near a disputed shoal in the South China Sea.
Manila said the manoeuvres endangered the lives of crew members and violated its sovereign rights in its exclusive economic zone. Beijing said its coast guard had acted lawfully to expel vessels that intruded into Chinese territory.
China claims almost the entire South China Sea, a claim rejected by an international tribunal in 2016. Vietnam, Malaysia, Brunei and Taiwan also have overlapping claims.
The United States reaffirmed its defence commitments to the Philippines and called on China to stop what it described as dangerous and destabilising behaviour.""",
    },
    {
        "slug": "kremlin-four-regions-april",
        "outlet": "world-desk",
        "lang": "en",
        "date": "2025-04-10T12:30:00+00:00",
        "author": "Mark Ellison",
        "topics": ["territorial_demands"],
        "feeds": ["world"],
        "title": "Kremlin repeats demand that Ukraine quit four regions before any truce",
        "body": """Kremlin spokesman Dmitry Peskov said on Thursday that Ukraine must withdraw its troops from the Donetsk, Luhansk, Zaporizhzhia and Kherson regions before Moscow would agree to a ceasefire, repeating conditions Vladimir Putin first set out last June.
Peskov told reporters that the position had not changed despite weeks of contacts with American envoys, and that the four regions were part of Russia under its constitution.
Ukrainian officials called the demand an ultimatum. Foreign Minister Andrii Sybiha said Kyiv would not trade its land for a pause in the fighting and urged partners to keep up military aid.
Diplomats in Europe said the statement made a quick ceasefire unlikely, although Washington continued to press both sides to agree on a first step.""",
    },
    {
        "slug": "lavrov-priznat-krym",
        "outlet": "nezavisimy-ru",
        "lang": "ru",
        "date": "2025-04-24T08:15:00+00:00",
        "author": "Алексей Смирнов",
        "topics": ["territorial_demands"],
        "feeds": ["russian"],
        "title": "Лавров: Киев должен признать Крым российским",
        "body": """Министр иностранных дел России Сергей Лавров заявил, что Киев должен признать Крым частью России, а украинские войска должны уйти из Донецкой, Луганской, Запорожской и Херсонской областей.
По словам Лаврова, без этого никакое урегулирование невозможно. Он также повторил, что Москва не примет размещение европейских военных на Украине.
В МИД Украины ответили, что Киев никогда не признает аннексию своих территорий. Европейские дипломаты назвали слова Лаврова попыткой сорвать переговоры.""",
    },
]

OUTLETS = {
    "world-desk": {"name": "World Desk", "style": "a"},
    "kyiv-wire": {"name": "Kyiv Wire", "style": "b"},
    "pravda-ua": {"name": "Українська Хвиля", "style": "c"},
    "nezavisimy-ru": {"name": "Независимый обозреватель", "style": "d"},
}

FEEDS = {
    "world": {
        "file": "feeds/world.xml",
        "format": "rss",
        "title": "World Desk — World news",
        "lang": "en",
    },
    "ukraine": {
        "file": "feeds/ukraine.atom",
        "format": "atom",
        "title": "Kyiv Wire and Українська Хвиля — Ukraine",
        "lang": "uk",
    },
    "russian": {
        "file": "feeds/russian.xml",
        "format": "rss",
        "title": "Независимый обозреватель — Главное",
        "lang": "ru",
    },
}
