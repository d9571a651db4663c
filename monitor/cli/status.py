"""`fr-monitor status`: the console's overview in the terminal. Reads the database beside a running service,
read-only, and needs none of the targets' secrets (an operator's shell rarely has them). The table may cut a
long error to fit; `--json` has every error whole."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from monitor.cli.asking import ask_readiness
from monitor.cli.table import eastern, short, table
from monitor.core.clock import EASTERN
from monitor.core.unread import TEXT_LABELS
from monitor.settings.model import Settings
from monitor.store.history import AlertFilter, History, SourceRow
from monitor.store.lock import service_running
from monitor.store.store import Store
from monitor.summary import summarise

ERROR_WIDTH = 80


def _iso(timestamp: float | None) -> str | None:
    return datetime.fromtimestamp(timestamp, EASTERN).isoformat() if timestamp is not None else None


def next_check(status: SourceRow | None) -> str:
    """When the running service checks the source next, and why."""
    if status is None or status.next_check_at is None:
        return "not planned yet"
    return f"{eastern(status.next_check_at)} ({status.next_check_reason})"


def _verdict(problems: list[str] | None) -> str:
    if problems is None:
        return ""
    if not problems:
        return "; ready"
    return f"; not ready: {len(problems)} problem(s), as /readyz says (`fr-monitor healthcheck` lists them)"


def show_status(settings: Settings, as_json: bool = False) -> int:
    store = Store.open_existing(settings.data_dir, read_only=True)
    try:
        history = History(store)
        statuses = history.sources()
        outbox = history.outbox()
        health = history.target_health()
        last_sent = history.target_last_sent(list(settings.targets))
        latest = history.alerts(AlertFilter(), 1, 10).alerts
        unread = store.unread.load_unread()
    finally:
        store.close()
    summary = summarise(settings)
    running = service_running(settings.data_dir)
    # The running service's own verdict, as /readyz and the console's overview give it (None: no answer).
    problems = ask_readiness(settings.web) if running and settings.web.enabled else None
    if as_json:
        report: dict[str, Any] = {
            "service": "running" if running else "not running",
            "ready": None if problems is None else not problems,
            "readiness_problems": problems or [],
            "data_dir": str(settings.data_dir.absolute()),
            "sources": [
                {
                    "name": source["name"],
                    "interval": source["interval"],
                    "last_success_at": _iso(status.last_success_at) if status else None,
                    "last_error_at": _iso(status.last_error_at) if status else None,
                    "last_error": status.last_error if status else "",
                    "failures_in_a_row": status.consecutive_failures if status else 0,
                    "next_check_at": _iso(status.next_check_at) if status and running else None,
                    "next_check_why": status.next_check_reason if status and running else "",
                    "upstream_changed_at": _iso(status.changed_at) if status else None,
                }
                for source in summary["sources"]
                for status in [statuses.get(source["name"])]
            ],
            "unread_texts": [
                {
                    "source": u.source,
                    "document_number": u.number,
                    "text": TEXT_LABELS[u.kind],
                    "tries": u.tries,
                    "first_failed_at": _iso(u.first_failed_at),
                    "given_up_at": _iso(u.given_up_at),
                    "last_error": u.reason,
                }
                for u in unread
            ],
            "outbox": outbox,
            "targets": [
                {
                    "name": target["name"],
                    "url": target["url"],
                    "failing_since": _iso(health.get(target["name"], (None, ""))[0]),
                    "error": health.get(target["name"], (None, ""))[1],
                    "last_accepted_at": _iso(last_sent.get(target["name"])),
                }
                for target in summary["targets"]
            ],
            "watchlists": [{"name": w["name"], "notify": w["notify"]} for w in summary["watchlists"]],
            "latest_alerts": [
                {
                    "alert_id": a.id,
                    "created_at": _iso(a.created_at),
                    "event": a.event,
                    "watchlist": a.watchlist,
                    "document_number": a.document_number,
                    "title": a.title,
                }
                for a in latest
            ],
        }
        print(json.dumps(report, indent=2))
        return 0
    print(f"service: {'running' if running else 'not running'} on {settings.data_dir.absolute()}{_verdict(problems)}")
    print("\nsources:")
    rows = []
    for source in summary["sources"]:
        status = statuses.get(source["name"])
        rows.append(
            [
                source["name"],
                f"every {source['interval']}",
                eastern(status.last_success_at) if status else "never",
                f"{eastern(status.last_error_at)}: {status.last_error}" if status and status.last_error else "none",
                str(status.consecutive_failures) if status else "0",
                next_check(status) if running else "when the service runs",
                eastern(status.changed_at) if status and status.changed_at else "not seen",
            ]
        )
    print(
        table(
            ["SOURCE", "INTERVAL", "LAST SUCCESS", "LAST ERROR", "FAILURES IN A ROW", "NEXT CHECK", "UPSTREAM CHANGED"],
            rows,
            [40, 0, 0, ERROR_WIDTH, 0, 60, 0],
        )
    )
    if any(len(row[3]) > ERROR_WIDTH for row in rows):
        print("(errors cut to fit: `fr-monitor status --json` has them whole)")
    if unread:
        print("\ntexts not read (evaluated again on the next polls; `run --once` exits 1 while any is listed):")
        print(
            table(
                ["SOURCE", "DOCUMENT", "TEXT", "TRIES", "FIRST FAILED", "STATE", "LAST ERROR"],
                [
                    [
                        u.source,
                        short(u.number, 32),
                        TEXT_LABELS[u.kind],
                        str(u.tries),
                        eastern(u.first_failed_at),
                        f"given up {eastern(u.given_up_at)}, read daily" if u.given_up_at else "read every poll",
                        u.reason,
                    ]
                    for u in unread
                ],
                [40, 32, 0, 0, 0, 0, 80],
            )
        )
    print(
        f"\noutbox: {outbox['pending']} pending ({outbox['failed']} after a failed attempt), "
        f"{outbox['dead']} dead, {outbox['sent']} sent"
    )
    print("\ntargets:")
    target_rows = []
    for target in summary["targets"]:
        failing_since, error = health.get(target["name"], (None, ""))
        state = f"failing since {eastern(failing_since)}: {error}" if failing_since else "ok"
        target_rows.append([target["name"], target["url"], state, eastern(last_sent.get(target["name"]))])
    print(table(["TARGET", "WHERE", "HEALTH", "LAST ACCEPTED"], target_rows, [0, 50, 80, 0]))
    print("\nwatchlists:")
    for watchlist in summary["watchlists"]:
        print(f"  {watchlist['name']} -> {', '.join(watchlist['notify']) or 'nobody'}")
    print("\nlatest alerts:")
    if not latest:
        print("  none yet")
    else:
        print(
            table(
                ["ALERT", "TIME", "EVENT", "WATCHLIST", "DOCUMENT", "TITLE"],
                [
                    [str(a.id), eastern(a.created_at), a.event, a.watchlist, short(a.document_number, 32), a.title]
                    for a in latest
                ],
                [0, 0, 0, 24, 32, 60],
            )
        )
    return 0
