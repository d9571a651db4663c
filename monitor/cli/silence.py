"""`fr-monitor silence add | list | expire`: quiet a document, a docket, a RIN, a query or a whole watchlist for a
while, from a shell, while the service runs. The silence is stored in the data folder (no reload, no config
edit) and counts from the next alert the service queues. See monitor.core.silence for how one matches.

Bad input (no matcher, a bad duration, a date that has passed, an unknown id...) prints one line naming what is
wrong and exits 2, like every command's bad input.
"""

from __future__ import annotations

import getpass
import json
import sys
from datetime import date, datetime
from pathlib import Path

from monitor.cli.table import clean, eastern, table
from monitor.core.clock import EASTERN
from monitor.core.silence import MATCHERS, Silence, SilenceError, check_query, listed, silence_end
from monitor.store.lock import service_running
from monitor.store.store import Store

EXIT_INPUT = 2


def login_name() -> str:
    """Who is adding or expiring a silence, when --author does not say: the login name, or "unknown" where the
    system cannot tell (a container user with no passwd entry and no LOGNAME)."""
    try:
        return getpass.getuser() or "unknown"
    except Exception:  # getpass raises OSError (KeyError before 3.13) when nothing names the user
        return "unknown"


def _refuse(message: str) -> int:
    print(f"fr-monitor: silence: {message}", file=sys.stderr)
    return EXIT_INPUT


def add(
    data_dir: Path,
    matchers: dict[str, str | None],
    for_: str | None,
    until: date | None,
    comment: str | None,
    author: str | None,
    watchlists: set[str],
    now: float,
) -> int:
    given = {name: value.strip() for name, value in matchers.items() if value is not None and value.strip()}
    if not given:
        return _refuse("say what to silence: one or more of --watchlist, --document, --rin, --docket, --query")
    if not comment or not comment.strip():
        return _refuse("--comment TEXT is required: say why, for whoever reads `fr-monitor silence list` later")
    if "watchlist" in given and given["watchlist"] not in watchlists:
        return _refuse(f"no watchlist named {given['watchlist']!r}; known: {', '.join(sorted(watchlists))}")
    try:
        if "query" in given:
            check_query(given["query"])
        ends_at = silence_end(now, for_, until)
    except SilenceError as exc:
        return _refuse(str(exc).splitlines()[0])
    store = Store.open_existing(data_dir)  # missing or unusable: one line, exit 2 (monitor.cli)
    try:
        silence = store.silences.save_silence(
            given, comment.strip(), (author or "").strip() or login_name(), now, ends_at
        )
    finally:
        store.close()
    print(f"silence {silence.id} added: {silence.describe()}, until {eastern(silence.ends_at)}")
    if not service_running(data_dir):
        print(f"(no service is running on {data_dir}; it counts from the next alert queued once one runs)")
    return 0


def _as_json(silence: Silence, now: float) -> dict[str, object]:
    def iso(timestamp: float | None) -> str | None:
        return datetime.fromtimestamp(timestamp, EASTERN).isoformat() if timestamp is not None else None

    return {
        "id": silence.id,
        "active": silence.active(now),
        **{name: getattr(silence, name) for name in MATCHERS},
        "comment": silence.comment,
        "author": silence.author,
        "created_at": iso(silence.created_at),
        "ends_at": iso(silence.ends_at),
        "expired_at": iso(silence.expired_at),
        "expired_by": silence.expired_by,
        "silenced": silence.silenced,
    }


def show(data_dir: Path, as_json: bool, now: float) -> int:
    store = Store.open_existing(data_dir, read_only=True)
    try:
        silences = listed(store.silences.load_silences(), now)
    finally:
        store.close()
    if as_json:
        print(json.dumps([_as_json(s, now) for s in silences], indent=2))
        return 0
    if not silences:
        print("no silences (add one with `fr-monitor silence add`)")
        return 0

    def until(silence: Silence) -> str:
        if silence.expired_at is not None and silence.expired_at < silence.ends_at:
            return f"expired {eastern(silence.expired_at)} by {silence.expired_by}"
        return eastern(silence.ends_at)

    print(
        table(
            ["ID", "STATE", "MATCHES", "UNTIL", "BY", "SILENCED", "WHY"],
            [
                [
                    str(s.id),
                    "active" if s.active(now) else "ended",
                    clean(s.describe()),
                    until(s),
                    clean(s.author),
                    str(s.silenced),
                    clean(s.comment),
                ]
                for s in silences
            ],
            [0, 0, 70, 0, 20, 0, 60],
        )
    )
    return 0


def expire(data_dir: Path, silence_id: int, author: str | None, now: float) -> int:
    store = Store.open_existing(data_dir)
    try:
        before = store.silences.expire_silence(silence_id, (author or "").strip() or login_name(), now)
    finally:
        store.close()
    if before is None:
        return _refuse(f"no silence with id {silence_id} (see `fr-monitor silence list`)")
    if not before.active(now):
        print(f"silence {silence_id} had ended already ({eastern(before.ended_at)}): nothing to do")
        return 0
    print(f"silence {silence_id} expired: {before.describe()}; the next alerts it would have silenced are delivered")
    return 0
