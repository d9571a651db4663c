"""The service: its long-lived loops (each guarded), signals, reload, and one service per data folder.

Polls keep to their interval without drift; each loop catches an unexpected error, logs and counts it, backs
off and goes on (monitor.app keeps each loop's health for /readyz). SIGTERM/SIGINT stop it: no new polls,
deliveries in flight get STOP_GRACE_SECONDS. SIGHUP reloads the configuration: a valid one replaces the
running one; an invalid one is logged, problem by problem, and the old one keeps running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from monitor import config_file
from monitor.app import App
from monitor.core.backoff import doubling
from monitor.core.schedule import BUDGET_REASON, Check, next_retry
from monitor.notify.targets import check_targets
from monitor.runner import PollOutcome
from monitor.settings.loading import ConfigError, load_settings
from monitor.settings.model import Settings
from monitor.sources.protocols import Budgeted, Scheduled, Source
from monitor.store.base import DB_FILENAME
from monitor.store.lock import DataFolderLock, FolderInUse
from monitor.web import start_web

log = logging.getLogger("monitor.service")

# How long a stop waits for deliveries already being sent; Docker kills after 10 s.
STOP_GRACE_SECONDS = 7.0
EXIT_CONFIG = 2
REMINDER_CHECK_SECONDS = 60.0
RETENTION_SECONDS = 3600.0
# A dispatcher that died on an unexpected error is started again after this (doubling, up to the max).
LOOP_RESTART_BASE = 1.0
LOOP_RESTART_MAX = 300.0


async def every(app: App, seconds: float, name: str, job: Callable[[], object], stop: asyncio.Event) -> None:
    """Run `job` every `seconds` until `stop`; an unexpected error is logged and counted, and the next round runs."""
    while not stop.is_set():
        try:
            job()
        except Exception as exc:  # logged and counted; the next round runs as planned
            app.loops.failed(name, exc)
        else:
            app.loops.ok(name)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=seconds)


def next_check(source: Source, now: datetime, failures: int = 0, retry_after: float | None = None) -> Check:
    """When `source` checks next and why: its own plan (a source that has one says why: filing hours, quiet,
    issue window...), else its interval; after a failed poll, back-off (soon at first, growing, never later than
    the plan)."""
    planned = source.next_check(now) if isinstance(source, Scheduled) else Check(source.next_interval(now), "interval")
    return next_retry(failures, planned, retry_after) if failures else planned


async def wait_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def poll_forever(
    app: App,
    source: Source,
    stop: asyncio.Event,
    wait: Callable[[asyncio.Event, float], Awaitable[None]] = wait_or_stop,
) -> None:
    # The next poll is planned from when this one was due, not from when it ended, so slow polls never push
    # the schedule later (no drift); a little jitter keeps several instances from hitting the API together.
    # A failed poll is tried again from when it failed, with back-off. Time is the app's (injectable) clock.
    # app.poll catches every error of a poll; what follows it (storing a failure, metrics, the ops target) and
    # planning the next one are guarded here too, so that a bug or a store error there is logged, counted and
    # named by /readyz, and the source is polled again instead of going quiet.
    due = app.clock()
    failures = 0
    loop = f"{source.name} schedule"
    if isinstance(source, Budgeted):  # started again with the day's bytes spent: the first check waits too
        first = source.budget.wait(datetime.fromtimestamp(due, UTC))
        if first > 0:
            due += first
            try:
                app.planned(source.name, due, BUDGET_REASON)
            except Exception as exc:
                app.loops.failed(loop, exc, source=source.name)
            await wait(stop, first)
    while not stop.is_set():
        try:
            outcome = await app.poll(source)
        except Exception as exc:  # what follows a poll failed (storing its failure, its metrics, the ops target)
            # Counted under a name of its own: a poll's own bug is counted as "poll:NAME" by app.poll already.
            app.loops.failed(f"{source.name} after poll", exc, source=source.name)
            outcome = PollOutcome(source.name, False, error=f"{type(exc).__name__}", reason="internal_error")
        now = app.clock()
        failures = 0 if outcome.ok else failures + 1
        try:
            check = next_check(source, datetime.fromtimestamp(now, UTC), failures, outcome.retry_after)
            due = due + check.delay if outcome.ok else now + check.delay
            if due < now:  # a poll longer than the interval: skip ahead, never bunch up
                due = now
            jitter = random.uniform(0, min(5.0, check.delay * 0.05))  # noqa: S311 - jitter, not security
            app.planned(source.name, due + jitter, check.reason)
        except Exception as exc:
            app.loops.failed(loop, exc, source=source.name)
            pause = doubling(app.loops.failures(loop), LOOP_RESTART_BASE, LOOP_RESTART_MAX)
            due, jitter, check = now + pause, 0.0, Check(pause, "after an unexpected error")
        else:
            app.loops.ok(loop)
        # Never more than the planned delay, even if the wall clock jumped back meanwhile.
        await wait(stop, min(max(0.0, due + jitter - app.clock()), check.delay + jitter))


async def run_forever(app: App, stop: asyncio.Event, reloading: Callable[[], bool] = lambda: False) -> None:
    """Every loop of the service, until `stop`: then no new polls, and deliveries in flight get a grace period.
    `reloading` says whether the service starts again at once with a new configuration (the log says so)."""
    tasks = [asyncio.create_task(poll_forever(app, s, stop), name=s.name) for s in app.sources]
    jobs: list[tuple[float, str, Callable[[], object]]] = [
        (REMINDER_CHECK_SECONDS, "reminders", app.operations.remind),
        (RETENTION_SECONDS, "retention", app.operations.prune),
        (1.0, "heartbeat", app.loops.beat),
    ]
    tasks += [asyncio.create_task(every(app, s, n, job, stop), name=n) for s, n, job in jobs]
    dispatcher = asyncio.create_task(dispatch_forever(app, stop), name="dispatcher")
    await stop.wait()
    if reloading():
        log.info("reloading: polls pause; waiting up to %.0fs for deliveries in flight", STOP_GRACE_SECONDS)
    else:
        log.info("stopping: no new polls; waiting up to %.0fs for deliveries in flight", STOP_GRACE_SECONDS)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    try:
        await asyncio.wait_for(dispatcher, timeout=STOP_GRACE_SECONDS)
    except TimeoutError:
        log.warning("deliveries still in flight at stop are left pending and will be sent after restart")


async def dispatch_forever(app: App, stop: asyncio.Event) -> None:
    """The dispatcher, started again (after a growing pause) whenever an unexpected error ends it: alerts
    must never queue up unsent behind a dead loop."""
    while not stop.is_set():
        try:
            await app.dispatcher.run(stop)
        except Exception as exc:
            app.loops.failed("dispatcher", exc)
            pause = doubling(app.loops.failures("dispatcher"), LOOP_RESTART_BASE, LOOP_RESTART_MAX)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=pause)
        else:
            app.loops.ok("dispatcher")


def tell_where_the_history_is(data_dir: Path, config: Path | None) -> None:
    """A service about to start a new, empty history (its first polls a silent baseline) while one exists in
    the other place a data folder is commonly left says so loudly, naming it: moving from the quick start to a
    config file (or back) must not silently lose the history and its baseline. The places: ./data where the
    service starts (the default) and ./data beside the config file (what `data_dir = "./data"` in it means)."""
    here = data_dir.resolve()
    if (here / DB_FILENAME).exists():
        return
    places = [config_file.DEFAULT_DATA_DIR.resolve()]
    if config is not None:
        places.append((config.resolve().parent / config_file.DEFAULT_DATA_DIR).resolve())
    for place in dict.fromkeys(places):
        if place != here and (place / DB_FILENAME).exists():
            log.warning(
                "starting a new, empty history in %s (its first polls are a silent baseline), but an earlier "
                'history is in %s: to go on with it, stop and set data_dir = "%s" (or MONITOR_DATA_DIR=%s)',
                here,
                place,
                place,
                place,
            )


async def run_service(settings: Settings, once: bool, config_path: str | None = None) -> int:
    """Run until SIGTERM/SIGINT. SIGHUP reloads the configuration: a valid one replaces the running one; an
    invalid one is logged, problem by problem, and the old one keeps running."""
    try:
        lock = DataFolderLock(settings.data_dir).acquire()
    except FolderInUse as exc:
        print(f"fr-monitor: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    tell_where_the_history_is(settings.data_dir, config_file.config_path(config_path))
    try:
        return await _run(settings, once, config_path, lock)
    finally:
        lock.release()


def _moved_lock(old: Settings, new: Settings) -> DataFolderLock | None:
    """A reload that moves data_dir takes the new folder's lock before anything stops (the old folder's is let
    go once the old configuration stopped); None when data_dir stays. ConfigError when another process holds
    the new folder, or it cannot be locked: the reload is refused and the running configuration stays."""
    if new.data_dir.resolve() == old.data_dir.resolve():
        return None
    try:
        return DataFolderLock(new.data_dir).acquire()
    except FolderInUse as exc:
        raise ConfigError([f"data_dir: {exc}"]) from None
    except OSError as exc:
        raise ConfigError([f"data_dir: cannot lock {new.data_dir}: {exc.strerror or exc}"]) from None


async def _run(settings: Settings, once: bool, config_path: str | None, lock: DataFolderLock) -> int:
    if once:
        app = App(settings)
        try:
            outcomes = await app.run_once()
            unread = app.unread()
        finally:
            await app.close()
        failed = [o for o in outcomes if not o.ok]
        for outcome in failed:
            print(f"fr-monitor: source {outcome.source} failed: {outcome.error}", file=sys.stderr)
        parts = [(o.source, part, error) for o in outcomes for part, error in o.failed_parts]
        for name, part, error in parts:
            print(f"fr-monitor: source {name} failed for {part}: {error}", file=sys.stderr)
        for held in unread:  # evaluated again on the next runs until read
            print(f"fr-monitor: source {held.source}: {held.describe()}", file=sys.stderr)
        return 1 if failed or parts or unread else 0
    loop = asyncio.get_running_loop()
    terminate = asyncio.Event()
    reload = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, terminate.set)
    loop.add_signal_handler(signal.SIGHUP, reload.set)
    while True:
        app = App(settings)
        stop = asyncio.Event()
        try:
            web_runner = await start_web(app, app.loops.last_beat) if settings.web.enabled else None
        except OSError as exc:
            await app.close()
            log.error(
                "cannot listen on %s:%d for /healthz, /readyz and /metrics: %s; set [web] port (or enabled = false)",
                settings.web.host,
                settings.web.port,
                exc.strerror,
            )
            return 1
        log.info(
            "fr-monitor running: sources %s; %d watchlists; targets %s; %s; data in %s",
            ", ".join(s.name for s in app.sources) or "(none)",
            len(settings.watchlists),
            ", ".join(settings.targets) or "(none)",
            f"console http://{settings.web.host}:{settings.web.port}/ (and /healthz, /readyz, /metrics)"
            if settings.web.enabled
            else "no console ([web] enabled = false)",
            settings.data_dir.resolve(),
        )
        service = asyncio.create_task(run_forever(app, stop, reloading=lambda: not terminate.is_set()))
        moved: DataFolderLock | None = None
        while True:
            reload.clear()
            waiters = [asyncio.ensure_future(terminate.wait()), asyncio.ensure_future(reload.wait())]
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
            if terminate.is_set():
                break
            try:
                new_settings = load_settings(config_path)
                check_targets(
                    new_settings.targets, new_settings.allow_private_targets, str(config_path or "built-in defaults")
                )
                moved = _moved_lock(settings, new_settings)
            except ConfigError as exc:
                for problem in exc.problems:
                    log.error("reload rejected, keeping the running configuration: %s", problem)
                continue
            if moved is not None:
                log.info("data_dir moves from %s to %s: its lock is taken", settings.data_dir, new_settings.data_dir)
                tell_where_the_history_is(new_settings.data_dir, config_file.config_path(config_path))
            settings = new_settings
            source = config_file.config_path(config_path) or "built-in defaults"
            log.info("reloading: configuration reloaded from %s; the service restarts with it", source)
            break
        stop.set()
        await service
        if web_runner is not None:
            await web_runner.cleanup()
        await app.close()
        if moved is not None:  # the old folder is let go only now that nothing runs on it
            lock.take_over(moved)
        if terminate.is_set():
            return 0
