"""Thin commands: parse arguments, load settings once, hand them down.

Exit codes: 0 done; 1 the command ran into a problem; 2 the configuration (or the command line) is invalid.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from monitor import __version__
from monitor.logs import setup_logging
from monitor.settings import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from monitor.tuning import Progress

EXIT_CONFIG = 2


def _add_log_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--log-format", choices=["text", "json"], default=argparse.SUPPRESS, help="log lines as text or JSON"
    )


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
    _add_log_format(parser)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run the service (poll, match, alert)",
        description="Run the service until SIGTERM or SIGINT, or with --once poll every enabled source once.",
        epilog=(
            "exit codes with --once: 0 when every enabled source polled and due deliveries were attempted, "
            "1 when a source failed (each named on stderr), 2 on a configuration error"
        ),
    )
    _add_config(run)
    _add_log_format(run)
    run.add_argument("--once", action="store_true", help="poll every enabled source once, send what is due, exit")

    check = commands.add_parser("check-config", help="validate the configuration and print a summary")
    _add_config(check)

    health = commands.add_parser("healthcheck", help="exit 0 when the running service answers /healthz")
    _add_config(health)

    alerts = commands.add_parser("alerts", help="list recent alerts and their delivery states")
    _add_config(alerts)
    alerts.add_argument("--limit", type=int, default=20, metavar="N", help="how many (default 20)")

    backfill = commands.add_parser(
        "backfill", help="evaluate watchlists against past Federal Register documents (prints; sends with --send)"
    )
    _add_config(backfill)
    backfill.add_argument("--since", type=_date, required=True, metavar="DATE", help="first publication date")
    backfill.add_argument("--until", type=_date, metavar="DATE", help="last publication date (default today)")
    backfill.add_argument("--watchlist", metavar="NAME", help="only this watchlist")
    backfill.add_argument("--json", action="store_true", help="print JSON")
    backfill.add_argument("--send", action="store_true", help="send the alerts too (each at most once, ever)")

    deliveries = commands.add_parser("deliveries", help="list deliveries, optionally by state")
    _add_config(deliveries)
    deliveries.add_argument("--state", choices=["pending", "failed", "dead", "sent"], help="only this state")
    deliveries.add_argument("--limit", type=int, default=50, metavar="N", help="how many (default 50)")

    retry = commands.add_parser("retry", help="send dead deliveries (or one delivery) again")
    _add_config(retry)
    which = retry.add_mutually_exclusive_group()
    which.add_argument("--dead", action="store_true", help="every dead delivery (the default)")
    which.add_argument("id", nargs="?", type=int, help="one delivery, by the id `deliveries` shows")

    test_notify = commands.add_parser("test-notify", help="send a realistic sample alert to one target")
    _add_config(test_notify)
    test_notify.add_argument("target", metavar="TARGET", help="a target name from the configuration")

    explain = commands.add_parser("explain", help="show why each watchlist did or did not match a document")
    _add_config(explain)
    explain.add_argument("document_number", metavar="DOCUMENT_NUMBER")
    explain.add_argument("--watchlist", metavar="NAME", help="only this watchlist")
    return parser


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


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


def _healthcheck(config: str | None) -> int:
    """For the image's HEALTHCHECK: no curl in the image. It asks the running service, so a config file edited
    into an invalid state (which the running service rejects on reload) does not make a healthy service look
    sick: only the [web] address is read from it then."""
    import urllib.request

    from monitor.settings import WebSettings, load_web_settings

    try:
        web = load_settings(config).web
    except ConfigError:
        web = load_web_settings(config) or WebSettings()
    host = web.host
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 - listening on all interfaces: ask over loopback
        host = "127.0.0.1"
    url = f"http://{host}:{web.port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            healthy = response.status == 200
    except OSError as exc:
        print(f"fr-monitor: unhealthy: {exc}", file=sys.stderr)
        return 1
    print("healthy" if healthy else "unhealthy")
    return 0 if healthy else 1


def _show_deliveries(settings: Settings, state: str | None, limit: int) -> int:
    from monitor.store.store import Store

    store = Store.open(settings.data_dir)
    try:
        rows = store.load_deliveries(state, limit)
    finally:
        store.close()
    if not rows:
        print("no deliveries" + (f" in state {state}" if state else ""))
    for delivery, alert in rows:
        due = datetime.fromtimestamp(delivery.next_attempt_at, UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        when = f", next attempt {due}" if delivery.state == "pending" else ""
        error = f", last error: {delivery.last_error}" if delivery.last_error else ""
        print(
            f"{delivery.id} {delivery.target} {delivery.state} {alert.event} {alert.document.number} "
            f"[{alert.watchlist}] attempts {delivery.attempts}{when}{error}"
        )
    return 0


def _retry(settings: Settings, delivery_id: int | None) -> int:
    from monitor.store.store import Store
    from monitor.testhooks import wall_clock

    store = Store.open(settings.data_dir)
    try:
        count = store.retry_deliveries(wall_clock(), delivery_id)
    finally:
        store.close()
    if delivery_id is not None and count == 0:
        print(f"fr-monitor: no unsent delivery with id {delivery_id}", file=sys.stderr)
        return 1
    print(f"{count} deliver{'y' if count == 1 else 'ies'} queued again; the running service sends them now")
    return 0


async def _test_notify(settings: Settings, target: str) -> int:
    from monitor.notify.render import channel_of, render_alert
    from monitor.notify.samples import sample_alert
    from monitor.notify.sender import AppriseSender
    from monitor.notify.targets import privacy_url

    urls = settings.target_urls()
    if target not in urls:
        print(f"fr-monitor: no target named {target!r}; known: {', '.join(sorted(urls))}", file=sys.stderr)
        return EXIT_CONFIG
    url = urls[target]
    message = render_alert(sample_alert(test=True), channel_of(url))
    outcome = await AppriseSender(settings.delivery.timeout, settings.allow_private_targets).send(url, message)
    if outcome.ok:
        print(f"sample alert sent to {target} ({privacy_url(url)})")
        return 0
    print(f"fr-monitor: sample alert to {target} ({privacy_url(url)}) failed: {outcome.error}", file=sys.stderr)
    return 1


async def _backfill(settings: Settings, args: argparse.Namespace) -> int:
    from monitor.app import App
    from monitor.core.clock import eastern_today
    from monitor.sources.http import SourceError
    from monitor.tuning import backfill, format_hits

    until = args.until or eastern_today(datetime.now(UTC))
    if until < args.since:
        print("fr-monitor: --until is before --since", file=sys.stderr)
        return EXIT_CONFIG
    app = App(settings)
    # Progress goes to stderr, and only for a person watching: a script reading stdout gets the hits alone.
    progress = _show_progress if sys.stderr.isatty() else None
    try:
        hits = await backfill(app, args.since, until, args.watchlist, args.send, progress)
    except SourceError as exc:
        print(f"fr-monitor: backfill failed: {exc}", file=sys.stderr)
        return 1
    finally:
        await app.close()
        if progress is not None:
            print(file=sys.stderr)
    print(format_hits(hits, args.json))
    return 0


def _show_progress(progress: Progress) -> None:
    print(f"\r{progress.line()}", end="", file=sys.stderr, flush=True)


async def _explain(settings: Settings, args: argparse.Namespace) -> int:
    from monitor.app import App
    from monitor.sources.http import SourceError
    from monitor.tuning import explain, format_explanations

    app = App(settings)
    try:
        evidence, explanations = await explain(app, args.document_number, args.watchlist)
    except SourceError as exc:
        print(f"fr-monitor: cannot explain {args.document_number}: {exc}", file=sys.stderr)
        return 1
    finally:
        await app.close()
    print(format_explanations(evidence, explanations))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "healthcheck":
        return _healthcheck(getattr(args, "config", None))
    settings = _load(args)
    if settings is None:
        return EXIT_CONFIG
    if args.command == "check-config":
        print("configuration is valid")
        print(_summary(settings))
        return 0
    setup_logging(settings.log_level, getattr(args, "log_format", None) or settings.log_format)
    if args.command == "alerts":
        return _show_alerts(settings, args.limit)
    if args.command == "deliveries":
        return _show_deliveries(settings, args.state, args.limit)
    if args.command == "retry":
        return _retry(settings, args.id)
    if args.command == "test-notify":
        return asyncio.run(_test_notify(settings, args.target))
    names = {w.name for w in settings.watchlists}
    if getattr(args, "watchlist", None) and args.watchlist not in names:
        print(f"fr-monitor: no watchlist named {args.watchlist!r}; known: {', '.join(sorted(names))}", file=sys.stderr)
        return EXIT_CONFIG
    from monitor.app import run_service

    try:
        if args.command == "backfill":
            return asyncio.run(_backfill(settings, args))
        if args.command == "explain":
            return asyncio.run(_explain(settings, args))
        return asyncio.run(run_service(settings, once=args.once, config_path=getattr(args, "config", None)))
    except KeyboardInterrupt:
        return 0
    except Exception:
        logging.getLogger("monitor").exception("fr-monitor stopped on an unexpected error")
        return 1
