"""Render the demo corpus (`seeds/articles.py`) into `seeds/site/`: HTML pages and feeds.

Run `python -m seeds.build` after editing the articles. Absolute links are written with the
`{{BASE_URL}}` placeholder, which the demo server replaces with its own address.
"""

from __future__ import annotations

import html
import json
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path

import yaml

from seeds.articles import ARTICLES, FEEDS, OUTLETS

SITE = Path(__file__).resolve().parent / "site"
BASE = "{{BASE_URL}}"

COMMENTS = {
    "en": [
        "Great reporting, thanks for keeping us informed.",
        "I doubt anything will come of this. Same story every time.",
        "Can you publish the full text of the statement?",
    ],
    "uk": [
        "Дякую за оперативну інформацію!",
        "Тримаймося, все буде Україна.",
        "Чекаємо на подальші новини.",
    ],
    "ru": ["Спасибо за материал.", "Ничего нового, к сожалению.", "Интересно, что будет дальше."],
}
UI = {
    "en": {
        "home": "Home",
        "world": "World",
        "politics": "Politics",
        "business": "Business",
        "related": "Related stories",
        "comments": "Comments",
        "ad": "Advertisement",
        "cookies": "We use cookies to improve your experience. Accept all cookies?",
        "subscribe": "Subscribe to our newsletter for the day's top stories.",
    },
    "uk": {
        "home": "Головна",
        "world": "Світ",
        "politics": "Політика",
        "business": "Економіка",
        "related": "Читайте також",
        "comments": "Коментарі",
        "ad": "Реклама",
        "cookies": "Ми використовуємо файли cookie. Прийняти всі?",
        "subscribe": "Підпишіться на нашу розсилку.",
    },
    "ru": {
        "home": "Главная",
        "world": "Мир",
        "politics": "Политика",
        "business": "Экономика",
        "related": "Читайте также",
        "comments": "Комментарии",
        "ad": "Реклама",
        "cookies": "Мы используем файлы cookie. Принять все?",
        "subscribe": "Подпишитесь на нашу рассылку.",
    },
}


def _url(slug: str) -> str:
    return f"{BASE}/articles/{slug}.html"


def _paragraphs(body: str) -> str:
    return "\n".join(
        f"      <p>{html.escape(p.strip())}</p>" for p in body.split("\n") if p.strip()
    )


def _related(article: dict) -> str:
    others = [a for a in ARTICLES if a["slug"] != article["slug"]][:4]
    return "\n".join(
        f'        <li><a href="{_url(a["slug"])}">{html.escape(a["title"])}</a></li>'
        for a in others
    )


def _comments(lang: str) -> str:
    return "\n".join(
        f'        <li class="comment"><span class="user">reader{i + 1}</span> '
        f"<p>{html.escape(text)}</p></li>"
        for i, text in enumerate(COMMENTS[lang])
    )


def render(article: dict) -> str:
    outlet = OUTLETS[article["outlet"]]
    lang, ui = article["lang"], UI[article["lang"]]
    style = outlet["style"]
    title = html.escape(article["title"])
    nav = (
        f'<a href="{BASE}/">{ui["home"]}</a> <a href="{BASE}/world">{ui["world"]}</a> '
        f'<a href="{BASE}/politics">{ui["politics"]}</a> '
        f'<a href="{BASE}/business">{ui["business"]}</a>'
    )
    ld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": article["title"],
            "datePublished": article["date"],
            "author": {"@type": "Person", "name": article["author"]},
            "publisher": {"@type": "Organization", "name": outlet["name"]},
        },
        ensure_ascii=False,
    )
    head = f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
  <meta charset="utf-8">
  <title>{title} | {html.escape(outlet["name"])}</title>
  <meta name="author" content="{html.escape(article["author"])}">
  <meta name="description" content="{title}">
  <meta property="og:title" content="{title}">
  <meta property="og:type" content="article">
  <meta property="og:site_name" content="{html.escape(outlet["name"])}">
  <meta property="og:url" content="{_url(article["slug"])}">
  <meta property="article:published_time" content="{article["date"]}">
  <link rel="canonical" href="{_url(article["slug"])}">
  <script type="application/ld+json">{ld}</script>
  <script>window.dataLayer = window.dataLayer || []; function track(e) {{ dataLayer.push(e); }}</script>
</head>"""
    cookie = f'<div id="cookie-consent" class="banner">{ui["cookies"]} <button>OK</button></div>'
    ad = f'<div class="ad-slot" data-ad="leaderboard"><span>{ui["ad"]}</span></div>'
    byline = (
        f'<p class="byline">{html.escape(article["author"])} · '
        f'<time datetime="{article["date"]}">{article["date"][:10]}</time></p>'
    )
    comments = (
        f'<section id="comments"><h3>{ui["comments"]}</h3><ul>\n'
        f"{_comments(lang)}\n      </ul></section>"
    )
    related = f'<aside class="related"><h3>{ui["related"]}</h3><ul>\n{_related(article)}\n      </ul></aside>'
    footer = (
        f"<footer><p>© 2025 {html.escape(outlet['name'])}</p><p>{ui['subscribe']}</p>"
        f'<a href="{BASE}/privacy">Privacy</a> <a href="{BASE}/terms">Terms</a></footer>'
    )
    if style == "a":
        body = f"""<body>
  {cookie}
  <header class="site-header"><div class="logo">{html.escape(outlet["name"])}</div><nav class="main-nav">{nav}</nav></header>
  {ad}
  <main>
    <article class="story">
      <h1 class="headline">{title}</h1>
      {byline}
{_paragraphs(article["body"])}
    </article>
    {related}
    {comments}
  </main>
  {footer}
</body>"""
    elif style == "b":
        body = f"""<body class="layout-b">
  <div class="topbar">{nav}</div>
  <div class="container">
    <div class="col-main">
      <div class="post">
        <h1 class="post-title">{title}</h1>
        <div class="post-meta">{byline}</div>
        <div class="post-content">
{_paragraphs(article["body"])}
        </div>
        <div class="share-buttons"><a href="#">Facebook</a> <a href="#">X</a> <a href="#">Telegram</a></div>
      </div>
      {comments}
    </div>
    <div class="col-side">{ad}{related}</div>
  </div>
  {cookie}
  {footer}
</body>"""
    else:
        body = f"""<body>
  <div id="wrapper">
    <div id="menu">{nav}</div>
    {cookie}
    <div id="content">
      <div class="news-item">
        <h1>{title}</h1>
        {byline}
        <div class="text">
{_paragraphs(article["body"])}
        </div>
      </div>
      {ad}
      <div class="tags">#новини #політика</div>
      {comments}
      {related}
    </div>
    {footer}
  </div>
</body>"""
    return head + "\n" + body + "\n</html>\n"


def _rss(feed: dict, items: list[dict]) -> str:
    entries = []
    for a in items:
        link = _url(a["slug"])
        if feed["file"] == "feeds/world.xml" and a["slug"] == "second-round-memorandum":
            link += "?utm_source=rss&amp;utm_medium=feed"
        date = format_datetime(datetime.fromisoformat(a["date"]))
        summary = html.escape(a["body"].split("\n")[0][:240])
        entries.append(f"""    <item>
      <title>{html.escape(a["title"])}</title>
      <link>{link}</link>
      <guid isPermaLink="false">{a["outlet"]}-{a["slug"]}</guid>
      <pubDate>{date}</pubDate>
      <description>{summary}</description>
    </item>""")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
  <channel>
    <title>{html.escape(feed["title"])}</title>
    <link>{BASE}/</link>
    <description>{html.escape(feed["title"])}</description>
    <language>{feed["lang"]}</language>
{chr(10).join(entries)}
  </channel>
</rss>
"""


def _atom(feed: dict, items: list[dict]) -> str:
    entries = []
    for a in items:
        entries.append(f"""  <entry>
    <title>{html.escape(a["title"])}</title>
    <link href="{_url(a["slug"])}"/>
    <id>urn:newswatch-demo:{a["slug"]}</id>
    <updated>{a["date"]}</updated>
    <author><name>{html.escape(a["author"])}</name></author>
    <summary>{html.escape(a["body"].split(chr(10))[0][:240])}</summary>
  </entry>""")
    updated = max(a["date"] for a in items)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>{html.escape(feed["title"])}</title>
  <link href="{BASE}/"/>
  <id>urn:newswatch-demo:feed:ukraine</id>
  <updated>{updated}</updated>
{chr(10).join(entries)}
</feed>
"""


def build() -> None:
    (SITE / "articles").mkdir(parents=True, exist_ok=True)
    (SITE / "feeds").mkdir(parents=True, exist_ok=True)
    for article in ARTICLES:
        (SITE / "articles" / f"{article['slug']}.html").write_text(render(article), "utf-8")
    for key, feed in FEEDS.items():
        items = sorted(
            (a for a in ARTICLES if key in a["feeds"]), key=lambda a: a["date"], reverse=True
        )
        text = _rss(feed, items) if feed["format"] == "rss" else _atom(feed, items)
        (SITE / feed["file"]).write_text(text, "utf-8")
    (SITE / "robots.txt").write_text("User-agent: *\nAllow: /\n", "utf-8")
    expected = {
        "articles": {
            f"{a['slug']}.html": {"topics": a["topics"], "lang": a["lang"]} for a in ARTICLES
        }
    }
    header = "# Generated by `python -m seeds.build` from seeds/articles.py: expected topics.\n"
    (SITE.parent / "expected.yaml").write_text(
        header + yaml.safe_dump(expected, allow_unicode=True, sort_keys=True), "utf-8"
    )


if __name__ == "__main__":
    build()
