"""The dashboard on databases landed by real `newswatch run`s from a loopback site: hostile
titles render as text, and a run lands while the dashboard is polled in a loop."""

from __future__ import annotations

import html
import random
import re
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx

from tests.store_reader import open_reader
from tests.ui.conftest import Browser, Site, newswatch, serve_ui

HOSTILE = "<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">"
BODY = (
    "Kremlin spokesman Dmitry Peskov said on Friday that Ukraine must withdraw its forces from "
    "the Kharkiv and Sumy regions before Moscow would agree to halt its offensive, repeating a "
    "demand that Kyiv has repeatedly rejected as a call for capitulation.\n"
    "Speaking to reporters in Moscow, Peskov said the regions were part of a buffer zone and "
    "that recognition of this reality was a precondition for any lasting settlement.\n"
    "Ukrainian officials said the demand showed that Russia was not interested in peace, and "
    "European officials warned that Moscow was using the language of negotiation to press "
    "maximalist goals while its forces attacked villages near the border."
)


def _page(title: str, body: str) -> bytes:
    paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in body.split("\n"))
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body><article>"
        f"<h1>{html.escape(title)}</h1>\n{paragraphs}</article></body></html>"
    ).encode()


_WORDS = [
    "harvest",
    "river",
    "council",
    "bridge",
    "winter",
    "school",
    "railway",
    "factory",
    "museum",
    "theatre",
    "orchard",
    "village",
    "market",
    "harbour",
    "festival",
    "library",
    "tractor",
    "meadow",
    "forest",
    "clinic",
    "stadium",
]


def _distinct(i: int) -> str:
    """BODY (which matches) and a paragraph of its own, so that no two articles are near
    duplicates (they would fold into one story)."""
    words = random.Random(i).choices(_WORDS, k=120)
    return BODY + "\n" + " ".join(words).capitalize() + "."


def _at(text: str, needle: str) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(needle), text)]


def publish(site: Site, articles: list[tuple[str, str, str]]) -> None:
    """Serve an RSS feed of (slug, title, body) articles and their pages."""
    now = datetime.now(UTC)
    items = []
    for i, (slug, title, body) in enumerate(articles):
        url = f"{site.base}/articles/{slug}.html"
        site.pages[f"/articles/{slug}.html"] = ("text/html; charset=utf-8", _page(title, body))
        items.append(
            f"<item><title>{html.escape(title)}</title><link>{url}</link>"
            f'<guid isPermaLink="false">{slug}</guid>'
            f"<pubDate>{format_datetime(now - timedelta(hours=i))}</pubDate></item>"
        )
    feed = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Loopback Wire</title><link>{site.base}/</link><description>t</description>"
        + "".join(items)
        + "</channel></rss>"
    )
    site.pages["/feed.xml"] = ("application/rss+xml", feed.encode())


def config_dir(tmp_path: Path, site: Site) -> Path:
    config = tmp_path / "config"
    config.mkdir()
    (config / "feeds.yaml").write_text(
        f"feeds:\n  - url: {site.base}/feed.xml\n    name: Loopback Wire\n    language: en\n"
    )
    (config / "settings.yaml").write_text("fetch:\n  allow_private_networks: true\n")
    return config


def run(config: Path, db: Path) -> None:
    done = newswatch("run", "--config-dir", str(config), "--db", str(db), "--all")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Traceback" not in done.stdout + done.stderr


def test_a_hostile_title_renders_as_text(tmp_path: Path, site: Site, browser: Browser) -> None:
    title = f"{HOSTILE} Kremlin demands Kharkiv and Sumy"
    publish(site, [("hostile", title, f"{HOSTILE}\n{BODY}")])
    config, db = config_dir(tmp_path, site), tmp_path / "hostile.duckdb"
    run(config, db)
    con = open_reader(db)
    try:
        stored = con.execute(
            "SELECT a.article_id, a.title FROM articles a JOIN matches USING (article_id)"
        ).fetchall()
    finally:
        con.close()
    assert stored and "<script>" in stored[0][1] and "onerror" in stored[0][1], stored
    with serve_ui(db) as url:
        for path in ("/", f"/article/{stored[0][0]}", "/?q=Kremlin"):
            dom = browser.dom(url + path)
            # the markup arrives as text: escaped in the DOM, no element made of it
            assert "&lt;script&gt;document.title='pwned'&lt;/script&gt;" in dom, path
            assert "<img" not in dom, [dom[max(0, i - 200) : i + 50] for i in _at(dom, "<img")]
            assert "<title>pwned</title>" not in dom
        browser.screenshot(url + "/", "hostile-title")


def test_a_run_lands_while_the_dashboard_is_polled(
    tmp_path: Path, site: Site, browser: Browser
) -> None:
    first = ("first-demand", "Kremlin demands Kyiv give up Kharkiv region", BODY)
    publish(site, [first])
    config, db = config_dir(tmp_path, site), tmp_path / "live.sqlite"
    run(config, db)
    later = [
        (f"later-{i}", f"Moscow repeats demand for Sumy region, statement {i}", _distinct(i))
        for i in range(12)
    ]
    publish(site, [*later, first])
    with serve_ui(db) as url:
        statuses: list[int] = []
        stop = threading.Event()

        def poll() -> None:
            with httpx.Client(timeout=30) as client:
                while not stop.is_set():
                    for path in ("/", "/trends", "/operations"):
                        statuses.append(client.get(url + path).status_code)

        poller = threading.Thread(target=poll)
        poller.start()
        try:
            run(config, db)  # exits 0 although the dashboard keeps reading the file
        finally:
            stop.set()
            poller.join(timeout=60)
        assert len(statuses) >= 3
        # every answer was a page or "updating…" (503, it retries), never an error
        assert set(statuses) <= {200, 503}, statuses
        dom = html.unescape(browser.dom(url + "/"))
        shown = set(re.findall(r"Moscow repeats demand for Sumy region, statement (\d+)", dom))
        assert shown == {str(i) for i in range(12)}
        assert "Kremlin demands Kyiv give up Kharkiv region" in dom
        # the trends page, polled (and kept) before the run, counts the new matches too
        con = open_reader(db)
        try:
            (matched,) = con.execute(
                "SELECT count(*) FROM matches WHERE topic = 'territorial_demands'"
            ).fetchone()
        finally:
            con.close()
        assert matched == 13
        totals = httpx.get(url + "/trends").text
        assert re.search(r"territorial demands</span></td><td>13</td>", totals), totals[-3000:]
