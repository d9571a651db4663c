"""`fr-monitor status`: the console's overview in the terminal. Reads the database beside a running service."""

from __future__ import annotations

from monitor.cli.history import open_store
from monitor.cli.table import eastern, short, table
from monitor.core.unread import TEXT_LABELS
from monitor.settings import Settings
from monitor.store.history import AlertFilter, History
from monitor.store.lock import service_running
from monitor.summary import summarise


def show_status(settings: Settings) -> int:
    store = open_store(settings.data_dir)
    if store is None:
        return 1
    try:
        history = History(store)
        statuses = history.sources()
        outbox = history.outbox()
        health = history.target_health()
        last_sent = history.target_last_sent(list(settings.targets))
        latest = history.alerts(AlertFilter(), 1, 10).alerts
        unread = store.load_unread()
    finally:
        store.close()
    summary = summarise(settings)
    running = service_running(settings.data_dir)
    print(f"service: {'running' if running else 'not running'} on {settings.data_dir}")
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
            ]
        )
    print(table(["SOURCE", "INTERVAL", "LAST SUCCESS", "LAST ERROR", "FAILURES IN A ROW"], rows, [40, 0, 0, 80, 0]))
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
