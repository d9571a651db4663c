"""The console: what is watched, what happened and why. Server-rendered, read-only, usable without JavaScript.

/                    each source's last success and last error, failures in a row, next poll; the texts a
                     watchlist needs that could not be read (monitor.core.unread); the outbox; each
                     target's health; the watchlists; the latest alerts
/alerts              the history, newest first, paged, filtered (watchlist, event, source, delivery state, dates,
                     text)
/alerts/{id}         the alert as each channel received it, its delivery receipts, what matched and where, and the
                     evidence (source, URL, when it was fetched, the stored snapshot's hash)
/documents/{number}  the life of one document (also CFR sections and page entries)
/watchlists          each watchlist, its alerts over 7 and 30 days, and a form to try a query on stored documents
/silences            the silences (active first), with who, why, until when and how many alerts each silenced
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlencode

from aiohttp import web

from monitor.core.clock import (
    EASTERN,
    eastern_timestamp,
    eastern_today,
    format_eastern_instant,
    format_eastern_time,
)
from monitor.core.deadlines import DEADLINE_FIELDS
from monitor.core.unread import TEXT_LABELS
from monitor.models import EVENTS, Sources
from monitor.store.history import AlertFilter, History
from monitor.web.health import readiness

if TYPE_CHECKING:
    from monitor.web.view import ServiceView

STATES = ("pending", "failed", "dead", "sent")
TRY_LIMIT = 100


def _when(timestamp: float | None) -> str:
    return format_eastern_time(timestamp) if timestamp else "never"


def _when_iso(iso: str | None) -> str:
    """An ISO 8601 instant (public inspection's filed_at) in US Eastern."""
    if not iso:
        return "unknown"
    return format_eastern_instant(iso)


def _document_path(number: str) -> str:
    return "/documents/" + quote(number, safe="")


@cache
def templates() -> Any:
    """The templates, loaded on the first page asked for: a service nobody looks at carries no Jinja2."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("monitor.web", "templates"),
        autoescape=True,  # every value is text unless a template says otherwise, and none does
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters |= {"when": _when, "when_iso": _when_iso, "document_path": _document_path}
    return environment


def page(template: str, **context: Any) -> web.Response:
    html = templates().get_template(template).render(**context)
    return web.Response(text=html, content_type="text/html", charset="utf-8")


def error_page(status: int, message: str, path: str) -> web.Response:
    """An error (a 404: an unknown alert, document or page) inside the console's layout, with the way back."""
    search = path.removeprefix("/documents/") if path.startswith("/documents/") else None
    titles = {404: "Not found", 405: "Not allowed"}
    html = (
        templates()
        .get_template("error.html")
        .render(title=titles.get(status, f"Error {status}"), message=message, search=search and unquote(search))
    )
    return web.Response(status=status, text=html, content_type="text/html", charset="utf-8")


def _eastern_midnight(day: str) -> float | None:
    try:
        return eastern_timestamp(date.fromisoformat(day).isoformat())  # a date only: the form's fields give one
    except ValueError:
        return None


class Console:
    def __init__(self, service: ServiceView) -> None:
        self.service = service

    @property
    def history(self) -> History:
        return History(self.service.store)

    @cached_property
    def summary(self) -> dict[str, Any]:
        """What the configuration watches and whom it tells: fixed for this service's life (a reload builds a new
        one), so computed once, not on every page (each target's privacy form is an Apprise parse)."""
        from monitor.summary import summarise

        return summarise(self.service.settings)

    async def overview(self, _: web.Request) -> web.Response:
        service, history = self.service, self.history
        statuses = history.sources()
        sources = []
        for source in service.sources:
            status = statuses.get(source.name)
            sources.append(
                {
                    "name": source.name,
                    "last_success": status.last_success_at if status else None,
                    "last_error": status.last_error if status else "",
                    "last_error_at": status.last_error_at if status else None,
                    "failures": status.consecutive_failures if status else 0,
                    "next_poll": service.next_poll.get(source.name),
                    "next_reason": status.next_check_reason if status else "",
                    "changed_at": status.changed_at if status else None,
                }
            )
        health = history.target_health()
        last_sent = history.target_last_sent(list(service.settings.targets))
        summary = self.summary
        targets = [
            {
                **t,
                "failing_since": health.get(t["name"], (None, ""))[0],
                "last_error": health.get(t["name"], (None, ""))[1],
                "last_sent": last_sent.get(t["name"]),
            }
            for t in summary["targets"]
        ]
        return page(
            "overview.html",
            title="Overview",
            sources=sources,
            outbox=history.outbox(),
            targets=targets,
            watchlists=summary["watchlists"],
            latest=history.alerts(AlertFilter(), 1, 10).alerts,
            health=readiness(service),
            unread=service.store.unread.load_unread([source.name for source in service.sources]),
            text_labels=TEXT_LABELS,
        )

    async def alerts(self, request: web.Request) -> web.Response:
        q = request.query
        since = _eastern_midnight(q.get("from", ""))
        until = _eastern_midnight(q.get("to", ""))
        where = AlertFilter(
            watchlist=q.get("watchlist") or None,
            event=q.get("event") if q.get("event") in EVENTS else None,
            source=q.get("source") or None,
            state=q.get("state") if q.get("state") in STATES else None,
            since=since,
            until=until + 86400 if until is not None else None,
            text=(q.get("q") or "").strip()[:200] or None,
            silence=int(q["silence"]) if q.get("silence", "").isdigit() else None,
        )
        try:
            number = int(q.get("page", "1"))
        except ValueError:
            number = 1
        result = self.history.alerts(where, number)
        kept = {k: v for k, v in q.items() if k != "page" and v}

        def link(n: int) -> str:
            return "/alerts?" + urlencode({**kept, "page": str(n)})

        return page(
            "alerts.html",
            title="Alerts",
            result=result,
            query=q,
            events=EVENTS,
            states=STATES,
            watchlists=[w.name for w in self.service.settings.watchlists],
            sources=[s.name for s in self.service.sources],
            previous=link(result.page - 1) if result.page > 1 else None,
            next=link(result.page + 1) if result.page < result.pages else None,
        )

    async def alert(self, request: web.Request) -> web.Response:
        from monitor.notify.render import document_link, render_alert

        try:
            alert_id = int(request.match_info["id"])
        except ValueError:
            raise web.HTTPNotFound(text="no such alert") from None
        detail = self.history.alert(alert_id)
        if detail is None:
            raise web.HTTPNotFound(text="no such alert")
        alert = detail.alert
        channels = []
        for channel, label in (("slack", "Slack"), ("email", "E-mail (HTML part)"), ("webhook", "Webhook (JSON)")):
            message = render_alert(alert, channel, detail.id)  # type: ignore[arg-type]
            body = message.body
            if channel == "webhook":
                body = json.dumps(json.loads(body), indent=2, ensure_ascii=False)
            channels.append({"label": label, "title": message.title, "body": body})
        document = alert.document
        return page(
            "alert.html",
            title=f"Alert {detail.id}",
            detail=detail,
            alert=alert,
            channels=channels,
            link=document_link(document),
            stored_hash=self.history.snapshot_hash(document.source, document.number),
            alert_hash=document.content_hash(),
        )

    async def document(self, request: web.Request) -> web.Response:
        number = request.match_info["number"]
        life = self.history.document(number)
        if life is None:
            raise web.HTTPNotFound(text="this monitor has stored nothing under that number")
        by_source = {s.source: s for s in life.snapshots}
        filed = by_source.get(Sources.PUBLIC_INSPECTION)
        published = by_source.get(Sources.FEDERAL_REGISTER)
        lead = None
        if filed and filed.document.filed_at and published and published.document.publication_date:
            filed_day = datetime.fromisoformat(filed.document.filed_at).astimezone(EASTERN).date()
            lead = (published.document.publication_date - filed_day).days
        main = (published or filed or life.snapshots[0]).document if life.snapshots else None
        today = eastern_today(datetime.fromtimestamp(self.service.clock(), EASTERN))
        deadlines = []
        if main is not None:
            for label, day in (("Comments close", main.comments_close_on), ("Effective", main.effective_on)):
                if day is not None:
                    deadlines.append({"label": label, "day": day, "past": day < today, "in_days": (day - today).days})
        return page(
            "document.html",
            title=number,
            life=life,
            main=main,
            filed=filed,
            published=published,
            lead=lead,
            deadlines=deadlines,
            date_labels=DEADLINE_FIELDS,
        )

    async def watchlists(self, request: web.Request) -> web.Response:
        from monitor.core.matching import Matcher
        from monitor.core.watchlist import Watchlist, WatchlistError

        now = self.service.clock()
        history = self.history
        week, month = history.watchlist_counts(now - 7 * 86400), history.watchlist_counts(now - 30 * 86400)
        trial: dict[str, Any] | None = None
        query = request.query.get("query", "").strip()
        try:
            days = max(1, min(365, int(request.query.get("days", "30"))))
        except ValueError:
            days = 30
        if query:
            try:
                matcher = Matcher([Watchlist.build("try", query[:2000])])
            except WatchlistError as exc:
                trial = {"error": exc.detail, "pointer": exc.pointer, "days": days}
            else:
                documents = history.recent_documents(now - days * 86400)
                found = []
                for document in documents:
                    (explanation,) = matcher.explain(document)
                    if explanation.matched:
                        found.append({"document": document, "explanation": explanation})
                        if len(found) >= TRY_LIMIT:
                            break
                trial = {"error": None, "days": days, "searched": len(documents), "found": found, "limit": TRY_LIMIT}
        return page(
            "watchlists.html",
            title="Watchlists",
            watchlists=self.summary["watchlists"],
            week=week,
            month=month,
            query=query,
            days=days,
            trial=trial,
        )

    async def silences(self, _: web.Request) -> web.Response:
        from monitor.core.silence import listed

        now = self.service.clock()
        silences = [
            {**dataclasses.asdict(s), "active": s.active(now), "matchers": s.matchers()}
            for s in listed(self.service.store.silences.load_silences(), now)
        ]
        active = sum(1 for s in silences if s["active"])
        return page("silences.html", title="Silences", silences=silences, active=active)


STATIC = {"console.css": "text/css", "favicon.svg": "image/svg+xml"}


async def static_file(request: web.Request) -> web.Response:
    from importlib.resources import files

    name = request.match_info["name"]
    if name not in STATIC:
        raise web.HTTPNotFound(text="no such file")
    body = files("monitor.web").joinpath(f"static/{name}").read_text(encoding="utf-8")
    return web.Response(text=body, content_type=STATIC[name], headers={"Cache-Control": "max-age=3600"})


def add_routes(app: web.Application, service: ServiceView) -> None:
    console = Console(service)
    for path, handler in (
        ("/", console.overview),
        ("/alerts", console.alerts),
        ("/alerts/{id}", console.alert),
        ("/documents/{number:.+}", console.document),
        ("/watchlists", console.watchlists),
        ("/silences", console.silences),
        ("/static/{name}", static_file),
    ):
        app.router.add_get(path, handler, allow_head=False)


__all__ = ["add_routes"]
