"""The dashboard's web layer: routes that open a short-lived read-only connection, call a read
model of `pipelines.dashboard` and render a Jinja2 template (autoescaped: article text is
untrusted HTML from the web and is only ever rendered as text)."""

from __future__ import annotations

import calendar
import os
import shlex
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

import jinja2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pipelines.dashboard import article, now, operations, trends
from pipelines.dashboard.connection import file_state, read_connection
from pipelines.errors import StoreError, StoreLockedError
from pipelines.rules import RuleSet, TopicHit

HERE = Path(__file__).parent
T = TypeVar("T")
BUSY_RETRY_S = 2

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


@dataclass(frozen=True)
class UiSettings:
    db_path: Path
    ruleset: RuleSet | None = None
    """The rules to explain and re-run matches with (None: stored evidence only)."""
    prefect_ui_url: str | None = None
    search_command: str = "newswatch search"
    """How to call `newswatch search` on this database from the user's shell (the dashboard
    names it where the full-text index is missing or behind)."""


def prefect_ui_url(environ: dict[str, str] | None = None) -> str | None:
    """Where the Prefect UI is: PREFECT_UI_URL, else PREFECT_API_URL without its /api."""
    env = os.environ if environ is None else environ
    ui = env.get("PREFECT_UI_URL") or ""
    if not ui and env.get("PREFECT_API_URL"):
        ui = env["PREFECT_API_URL"].rstrip("/").removesuffix("/api")
    return ui.rstrip("/") or None


def _when(value: datetime | date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def _web_url(url: str | None) -> str | None:
    """The URL when it is http(s), else None: a stored URL never becomes a javascript: link."""
    if not url:
        return None
    return url if urlsplit(url).scheme.lower() in ("http", "https") else None


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    env.filters["web_url"] = _web_url
    env.filters["topic_label"] = lambda t: t.replace("_", " ")
    env.filters["shell_quote"] = shlex.quote
    return env


class SecurityHeaders:
    """Adds the CSP and related headers to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, with_headers)


def _date(value: str | None, name: str, problems: list[str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(f"{name}: {value!r} is not a date (YYYY-MM-DD); ignored")
        return None


class UntilChanged:
    """Results that aggregate the whole store (the trends, the filter menus), kept for as long
    as the database file is unchanged: any landing changes it, so they are never stale."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self._kept: dict[str, tuple[tuple[int, ...], Any]] = {}

    def get(self, name: str, con: Any, compute: Callable[[Any], T]) -> T:
        # Read while `con` is open: no other process can write the file meanwhile.
        state = file_state(self.db_path)
        kept = self._kept.get(name)
        if kept is not None and kept[0] == state:
            return kept[1]
        value = compute(con)
        self._kept[name] = (state, value)
        return value


def create_app(settings: UiSettings) -> Starlette:
    env = _environment()
    memo = UntilChanged(settings.db_path)
    ruleset = settings.ruleset
    rule_queries = (
        {(t.id, r.id): " ".join(r.query.split()) for t in ruleset.topics for r in t.rules}
        if ruleset
        else {}
    )
    rematch_lock = threading.Lock()

    def rematch(title: str, text: str, lang: str | None) -> list[TopicHit]:
        """The matcher keeps statistics as it goes: one request at a time uses it."""
        assert ruleset is not None
        with rematch_lock:
            return ruleset.match(title, text, lang)

    regions: list[str] = []
    labels: dict[str, str] = {}
    if ruleset:
        regions = list(ruleset.loaded.groups.get("ukrainian_regions", ()))
        labels = {e.id: e.aliases[0] if e.aliases else e.id for e in ruleset.entities.values()}

    def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = env.get_template(template).render(
            request_path=request.url.path,
            db_path=str(settings.db_path),
            search_command=settings.search_command,
            **context,
        )
        return HTMLResponse(html, status_code=status)

    def with_store(
        request: Request, build: Callable[[Any], dict[str, Any] | None], template: str
    ) -> Response:
        """Render `template` with what `build(connection)` returns; "updating…" while the
        monitor holds the file, 404 when `build` finds nothing."""
        try:
            with read_connection(settings.db_path) as con:
                context = build(con)
        except StoreLockedError:
            response = page(request, "busy.html", 503, retry_s=BUSY_RETRY_S, title="Updating…")
            response.headers["retry-after"] = str(BUSY_RETRY_S)
            return response
        except StoreError as exc:
            return page(request, "error.html", 500, message=str(exc), title="Error")
        if context is None:
            return page(request, "error.html", 404, message="No such article.", title="Not found")
        return page(request, template, **context)

    def now_page(request: Request) -> Response:
        args = request.query_params
        problems: list[str] = []
        try:
            number = max(1, int(args.get("page") or 1))
        except ValueError:
            number = 1
        filters = now.NowFilters(
            topic=args.get("topic") or None,
            outlet=args.get("outlet") or None,
            lang=args.get("lang") or None,
            since=_date(args.get("since"), "from", problems),
            until=_date(args.get("until"), "to", problems),
            page=number,
        )
        query = "".join(ch for ch in args.get("q") or "" if ch.isprintable()).strip()

        def build(con: Any) -> dict[str, Any]:
            kept = {k: v for k, v in args.items() if v and k != "page"}
            return {
                "title": "Now",
                "filters": filters,
                "options": memo.get("filter options", con, now.filter_options),
                "result": now.latest_stories(con, filters) if not query else None,
                "search": now.search_articles(con, query) if query else None,
                "query": query,
                "problems": problems,
                "page_link": lambda n: "/?" + urlencode({**kept, "page": n}),
            }

        return with_store(request, build, "now.html")

    def article_page(request: Request) -> Response:
        article_id = request.path_params["article_id"]

        def build(con: Any) -> dict[str, Any] | None:
            view = article.article_view(con, article_id, rematch if ruleset else None, rule_queries)
            return None if view is None else {"title": view.title, "a": view}

        return with_store(request, build, "article.html")

    def trends_page(request: Request) -> Response:
        def build(con: Any) -> dict[str, Any]:
            return memo.get("trends", con, compute)

        def compute(con: Any) -> dict[str, Any]:
            days = trends.matches_per_topic_day(con)
            chart = {
                "x": [calendar.timegm(d.timetuple()) for d in days.days],
                "series": days.series,
            }
            return {
                "title": "Over time",
                "days": days,
                "chart": chart,
                "esc": trends.escalation(con, regions, labels),
                "levels": trends.LEVELS,
            }

        return with_store(request, build, "trends.html")

    def operations_page(request: Request) -> Response:
        def build(con: Any) -> dict[str, Any]:
            return {
                "title": "Operations",
                "ops": operations.operations(con),
                "prefect_ui": settings.prefect_ui_url,
            }

        return with_store(request, build, "operations.html")

    routes = [
        Route("/", now_page),
        Route("/article/{article_id}", article_page),
        Route("/trends", trends_page),
        Route("/operations", operations_page),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes)
    app.add_middleware(SecurityHeaders)
    return app
