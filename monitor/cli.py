"""Thin commands: parse arguments, load settings once, hand them down.

Exit codes: 0 done; 1 the command ran into a problem; 2 the configuration (or the command line) is invalid.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from monitor import __version__
from monitor.logs import setup_logging
from monitor.settings import ConfigError, Settings, load_settings

EXIT_CONFIG = 2


def _add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="TOML config file (default: $MONITOR_CONFIG, else built-in defaults)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fr-monitor", description="Watch US federal sources for AI-related rules and send alerts."
    )
    parser.add_argument("--version", action="version", version=f"fr-monitor {__version__}")
    _add_config(parser)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the service (poll, match, alert)")
    _add_config(run)
    run.add_argument("--once", action="store_true", help="poll every enabled source once, send what is due, exit")

    check = commands.add_parser("check-config", help="validate the configuration and print a summary")
    _add_config(check)

    alerts = commands.add_parser("alerts", help="list recent alerts and their delivery states")
    _add_config(alerts)
    alerts.add_argument("--limit", type=int, default=20, metavar="N", help="how many (default 20)")
    return parser


def _load(args: argparse.Namespace) -> Settings | None:
    try:
        return load_settings(getattr(args, "config", None))
    except ConfigError as exc:
        print("fr-monitor: invalid configuration:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return None


def _summary(settings: Settings) -> str:
    from monitor.notify.targets import privacy_url  # apprise is only needed by commands that show targets

    fr = settings.federal_register
    lines = [f"data_dir: {settings.data_dir}", "sources:"]
    state = f"every {fr.interval:g}s, last {fr.lookback_days} days" if fr.enabled else "disabled"
    lines.append(f"  federal_register: {state} ({fr.base_url})")
    lines.append("targets:")
    for name, url in settings.target_urls().items():
        lines.append(f"  {name}: {privacy_url(url)}")
    lines.append("watchlists:")
    for w in settings.watchlists:
        lines.append(f"  {w.name}: notify {', '.join(settings.watchlist_targets(w.notify)) or '(nobody)'}")
        lines.append(f"    query: {w.query}")
        if w.agencies:
            lines.append(f"    agencies: {', '.join(w.agencies)}")
        if w.types:
            lines.append(f"    types: {', '.join(w.types)}")
    return "\n".join(lines)


def _show_alerts(settings: Settings, limit: int) -> int:
    from monitor.store.store import Store

    store = Store.open(settings.data_dir)
    try:
        rows = store.load_recent_alerts(limit)
    finally:
        store.close()
    if not rows:
        print("no alerts yet")
    for row in rows:
        when = datetime.fromtimestamp(row.created_at, UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        alert = row.alert
        print(f"#{row.id} {when} {alert.event} {alert.document.number} [{alert.watchlist}] {alert.document.title}")
        for d in row.deliveries:
            error = f" ({d.last_error})" if d.last_error else ""
            print(f"    {d.target}: {d.state}, {d.attempts} attempt(s){error}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = _load(args)
    if settings is None:
        return EXIT_CONFIG
    if args.command == "check-config":
        print("configuration is valid")
        print(_summary(settings))
        return 0
    setup_logging(settings.log_level)
    if args.command == "alerts":
        return _show_alerts(settings, args.limit)
    from monitor.app import run_service

    try:
        return asyncio.run(run_service(settings, once=args.once))
    except KeyboardInterrupt:
        return 0
    except Exception:
        logging.getLogger("monitor").exception("fr-monitor stopped on an unexpected error")
        return 1
