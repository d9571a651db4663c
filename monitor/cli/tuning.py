"""Trying watchlists against history: `backfill` and `explain`."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from monitor.core.clock import eastern_today
from monitor.core.matching import Matcher
from monitor.core.watchlist import Watchlist, WatchlistError
from monitor.settings.model import Settings
from monitor.tuning import Progress

if TYPE_CHECKING:
    from monitor.app import App
    from monitor.tuning import BackfillHit, SendReport

EXIT_CONFIG = 2


def _matcher(settings: Settings, args: argparse.Namespace, watchlists: list[Watchlist]) -> Matcher | None:
    if args.query is not None:
        try:
            trial = Watchlist.build("query", args.query, full_text=args.full_text)
        except WatchlistError as exc:
            pointer = "".join(f"\n    {line}" for line in exc.pointer.splitlines())
            print(f"fr-monitor: --query: {exc.detail}{pointer}", file=sys.stderr)
            return None
        return Matcher([trial])
    if args.watchlist is not None:
        watchlists = [w for w in watchlists if w.name == args.watchlist]
    return Matcher(watchlists)


def _show_progress(progress: Progress) -> None:
    print(f"\r{progress.line()}", end="", file=sys.stderr, flush=True)


async def backfill(settings: Settings, args: argparse.Namespace) -> int:
    from monitor.app import App
    from monitor.sources.federal_register.source import FIRST_DAY
    from monitor.sources.http import SourceError
    from monitor.tuning import backfill, format_hits

    until = args.until or eastern_today(datetime.now(UTC))
    if until < args.since:
        print("fr-monitor: --until is before --since", file=sys.stderr)
        return EXIT_CONFIG
    if args.since < FIRST_DAY:  # months of empty answers, back to year 1 (which ended in a traceback)
        print(
            f"fr-monitor: --since {args.since}: the Federal Register's documents API holds documents from "
            f"{FIRST_DAY} on; give a date from then",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    if args.query is not None and args.send:
        print("fr-monitor: --send goes with watchlists from the configuration, not with --query", file=sys.stderr)
        return EXIT_CONFIG
    app = App(settings)
    matcher = _matcher(settings, args, app.evaluator.matcher.watchlists)
    if matcher is None:
        await app.close()
        return EXIT_CONFIG
    # Progress goes to stderr, and only for a person watching: a script reading stdout gets the hits alone.
    progress = _show_progress if sys.stderr.isatty() else None
    try:
        hits = await backfill(app, args.since, until, matcher, progress)
        if progress is not None:
            print(file=sys.stderr)
        print(format_hits(hits, args.json))
        if args.send:
            report = await _send(app, hits, {w.name: w.notify for w in matcher.watchlists})
            print(report.line(), file=sys.stderr if args.json else sys.stdout)
    except SourceError as exc:
        print(f"fr-monitor: backfill failed: {exc}", file=sys.stderr)
        return 1
    finally:
        await app.close()
    return 0


async def _send(app: App, hits: list[BackfillHit], notify: dict[str, tuple[str, ...]]) -> SendReport:
    """Queue the hits; send what is due only while holding the data folder's lock (one sender per folder). A
    running service holds it: then it sends them, as it sends what `retry` queues."""
    from monitor.store.lock import DataFolderLock, FolderInUse
    from monitor.tuning import send_hits

    try:
        lock = DataFolderLock(app.settings.data_dir).acquire()
    except FolderInUse as exc:
        return await send_hits(app, hits, notify, sender=exc.pid or "unknown")
    try:
        return await send_hits(app, hits, notify)
    finally:
        lock.release()


async def explain(settings: Settings, args: argparse.Namespace) -> int:
    from monitor.app import App
    from monitor.sources.http import SourceError
    from monitor.tuning import explain, format_explanations

    app = App(settings, read_only=True)
    try:
        evidence, explanations = await explain(app, args.document_number, args.watchlist)
    except SourceError as exc:
        if exc.reason == "http_404":  # the documents API knows no such number: the input, not the network
            print(
                f"fr-monitor: cannot explain {args.document_number}: no Federal Register document has that number, "
                f"stored or in the documents API ({exc})",
                file=sys.stderr,
            )
            return EXIT_CONFIG
        print(f"fr-monitor: cannot explain {args.document_number}: {exc}", file=sys.stderr)
        return 1
    finally:
        await app.close()
    print(format_explanations(evidence, explanations))
    return 0
