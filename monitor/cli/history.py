"""What the service did: `alerts`, `deliveries` and `retry`. They read the database beside a running service
and never create one: a folder where no service has run is an error that says so (monitor.store.NoDatabase,
one line and exit 2 from monitor.cli.main). `alerts` and `deliveries` open it read-only."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from monitor.cli.table import clean, eastern, short, table
from monitor.core.clock import EASTERN, eastern_timestamp
from monitor.models import Alert, Delivery
from monitor.store.history import AlertDetail, AlertFilter, History
from monitor.store.lock import service_running
from monitor.store.store import Store

T = TypeVar("T")
EXIT_INPUT = 2  # an id that names nothing, like every input the command cannot use (monitor.cli)


def read(data_dir: Path, query: Callable[[Store], T], write: bool = False) -> T:
    """Run one query against the folder's database (read-only unless `write`). Raises NoDatabase when there is
    none, DataFolderError when it cannot be used."""
    store = Store.open_existing(data_dir, read_only=not write)
    try:
        return query(store)
    finally:
        store.close()


def _document(alert: Alert) -> str:
    return short(alert.document.number, 32)


def recent_alerts(history: History, where: AlertFilter, limit: int) -> list[AlertDetail]:
    """The newest alerts that pass `where`, each with its deliveries: the console's filters, for the terminal."""
    return [d for s in history.alerts(where, 1, limit).alerts if (d := history.alert(s.id)) is not None]


def _delivery_text(delivery: Delivery) -> str:
    error = f": {delivery.last_error}" if delivery.last_error else ""
    return f"delivery {delivery.id} to {delivery.target}: {delivery.state}, {delivery.attempts} attempt(s){error}"


def show_alerts(
    data_dir: Path, limit: int, watchlist: str | None, event: str | None, since: str | None, as_json: bool
) -> int:
    since_at = eastern_timestamp(since) if since else None
    where = AlertFilter(watchlist=watchlist, event=event, since=since_at)
    rows = read(data_dir, lambda store: recent_alerts(History(store), where, limit))
    if as_json:
        print(
            json.dumps(
                [
                    {
                        "alert_id": row.id,
                        "created_at": datetime.fromtimestamp(row.created_at, EASTERN).isoformat(),
                        "event": row.alert.event,
                        "watchlist": row.alert.watchlist,
                        "source": row.alert.document.source,
                        "document_number": row.alert.document.number,
                        "title": row.alert.document.title,
                        "silenced": row.silence_id is not None,
                        "silence_id": row.silence_id,
                        "deliveries": [
                            {
                                "delivery_id": d.id,
                                "target": d.target,
                                "state": d.state,
                                "attempts": d.attempts,
                                "last_error": d.last_error,
                            }
                            for d in row.deliveries
                        ],
                    }
                    for row in rows
                ],
                indent=2,
            )
        )
        return 0
    if not rows:
        print("no alerts" + (" match those filters" if watchlist or event or since else " yet"))
        return 0
    body = table(
        ["ALERT", "TIME", "EVENT", "WATCHLIST", "DOCUMENT", "TITLE"],
        [
            [
                str(r.id),
                eastern(r.created_at),
                r.alert.event,
                r.alert.watchlist,
                _document(r.alert),
                (f"(silenced by silence {r.silence_id}) " if r.silence_id is not None else "") + r.alert.document.title,
            ]
            for r in rows
        ],
        [0, 0, 0, 24, 32, 70],
    )
    print(body)
    print("\ndeliveries (retry one with `fr-monitor retry DELIVERY`):")
    for row in rows:
        if row.silence_id is not None:
            print(f"  alert {row.id}: silenced by silence {row.silence_id}, delivered to no target")
        for delivery in row.deliveries:
            print(f"  alert {row.id}: {clean(_delivery_text(delivery))[:160]}")
    return 0


def show_deliveries(data_dir: Path, state: str | None, limit: int) -> int:
    rows = read(data_dir, lambda store: store.outbox.load_deliveries(state, limit))
    if not rows:
        print("no deliveries" + (f" in state {state}" if state else ""))
        return 0
    print(
        table(
            [
                "DELIVERY",
                "ALERT",
                "TARGET",
                "STATE",
                "ATTEMPTS",
                "NEXT ATTEMPT",
                "EVENT",
                "WATCHLIST",
                "DOCUMENT",
                "LAST ERROR",
            ],
            [
                [
                    str(d.id),
                    str(d.alert_id),
                    d.target,
                    d.state,
                    str(d.attempts),
                    eastern(d.next_attempt_at) if d.state == "pending" else "-",
                    a.event,
                    a.watchlist,
                    _document(a),
                    d.last_error or "-",
                ]
                for d, a in rows
            ],
            [0, 0, 20, 0, 0, 0, 0, 24, 32, 80],
        )
    )
    return 0


def retry(data_dir: Path, delivery_id: int | None, now: float) -> int:
    queued = read(data_dir, lambda store: store.outbox.retry_deliveries(now, delivery_id), write=True)
    if delivery_id is not None and not queued:
        print(f"fr-monitor: no unsent delivery with id {delivery_id} (see `fr-monitor deliveries`)", file=sys.stderr)
        return EXIT_INPUT
    if not queued:
        print("no dead deliveries: nothing to queue again")
        return 0
    for delivery, alert in queued:
        print(
            f"queued again: delivery {delivery.id} to {delivery.target} (was {delivery.state}, "
            f"{delivery.attempts} attempt(s)): {alert.event} {short(alert.document.number, 40)} "
            f"{short(alert.document.title, 60)}"
        )
    if service_running(data_dir):
        print(f"{len(queued)} queued with a fresh set of attempts; the running service sends them within a minute")
    else:
        print(
            f"{len(queued)} queued with a fresh set of attempts; no service is running on {data_dir}: "
            "they are sent when one starts (`fr-monitor run`), or now with `fr-monitor run --once`"
        )
    return 0
