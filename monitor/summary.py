"""What a configuration watches, whom it tells and how: the `check-config` summary, for people and for scripts.

Everything enabled is listed (each page and feed by name) with intervals in human units; targets only in their
privacy form (secrets masked, host shown); watchlists with every filter they set.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from monitor.core.redaction import redact_secrets
from monitor.registry import describe_sources
from monitor.settings import WatchlistSettings
from monitor.settings.model import Settings
from monitor.settings.types import human_duration


def _sources(settings: Settings, now: datetime) -> tuple[list[dict[str, Any]], list[str]]:
    """The enabled sources, each described with its next check were it started `now`, and the names of those
    turned off."""
    described, off = describe_sources(settings, now)
    return [
        {
            "name": d.name,
            "interval": human_duration(d.interval),
            "what": d.what,
            "url": redact_secrets(d.url),  # a page or feed URL may hold a user and password, or a key
            "next": {"in": human_duration(d.next.delay), "why": d.next.reason},
        }
        for d in described
    ], off


def _targets(settings: Settings) -> list[dict[str, Any]]:
    from monitor.notify.targets import privacy_url  # Apprise: only for commands that show targets

    targets = []
    for name, target in settings.targets.items():
        try:
            where = privacy_url(target.resolve_url())
        except ValueError as exc:  # `status` runs without the secrets: say where the URL would come from
            where = f"(not readable here: {exc})"
        targets.append(
            {
                "name": name,
                "url": where,
                "events": list(target.events) or "all",
                "digest": target.digest or "immediate",
            }
        )
    return targets


def _watchlist(settings: Settings, w: WatchlistSettings) -> dict[str, Any]:
    filters = {
        key: value
        for key, value in (
            ("agencies", w.agencies),
            ("types", w.types),
            ("cfr", w.cfr),
            ("rins", w.rins),
            ("dockets", w.dockets),
            ("significant", w.significant),
            ("sources", w.sources),
        )
        if value not in ([], None)
    }
    return {
        "name": w.name,
        "query": w.query,
        "regex": w.regex,
        "fields": w.fields,
        "full_text": w.full_text,
        "filters": filters,
        "events": list(w.events) or "all",
        "notify": list(settings.watchlist_targets(w.notify)),
        "follow": w.follow,
        "reminders": w.reminders,
        "urgent": list(w.urgent),
    }


def summarise(settings: Settings, now: datetime | None = None) -> dict[str, Any]:
    sources, off = _sources(settings, now or datetime.now(UTC))
    web = settings.web
    return {
        "data_dir": str(settings.data_dir.absolute()),
        "sources": sources,
        "disabled": off,
        "targets": _targets(settings),
        "watchlists": [_watchlist(settings, w) for w in settings.watchlists],
        "web": f"http://{web.host}:{web.port}/" if web.enabled else "disabled",
    }


def format_summary(summary: dict[str, Any]) -> str:
    lines = [f"data_dir: {summary['data_dir']}", f"web: {summary['web']}", "sources:"]
    for s in summary["sources"]:
        lines.append(f"  {s['name']}: every {s['interval']}, {s['what']}")
        lines.append(f"    right now: {s['next']['in']} between checks ({s['next']['why']})")
        lines.append(f"    {s['url']}")
    if summary["disabled"]:
        lines.append(f"  turned off: {', '.join(summary['disabled'])}")
    lines.append("targets:")
    for t in summary["targets"]:
        events = t["events"] if t["events"] == "all" else ", ".join(t["events"])
        lines.append(f"  {t['name']}: {t['url']} (events: {events}; {t['digest']})")
    lines.append("watchlists:")
    for w in summary["watchlists"]:
        lines.append(f"  {w['name']}: notify {', '.join(w['notify']) or '(nobody)'}")
        if w["query"]:
            lines.append(f"    query: {w['query']}")
        if w["regex"]:
            lines.append(f"    regex: {', '.join(w['regex'])}")
        full_text = "" if w["full_text"] == "never" else f"; full text: {w['full_text']}"
        lines.append(f"    searches: {', '.join(w['fields'])}{full_text}")
        for key, value in w["filters"].items():
            shown = ", ".join(value) if isinstance(value, list) else str(value).lower()
            lines.append(f"    {key}: {shown}")
        events = w["events"] if w["events"] == "all" else ", ".join(w["events"])
        follow = "follows RINs and dockets" if w["follow"] else "does not follow RINs or dockets"
        lines.append(f"    events: {events}; {follow}; reminders {', '.join(w['reminders']) or 'none'}")
        urgent = ", ".join(w["urgent"]) or "never (every alert follows its targets' digests)"
        lines.append(f"    urgent: {urgent}")
    return "\n".join(lines)


def summary_json(settings: Settings) -> str:
    return json.dumps(summarise(settings), indent=2)
