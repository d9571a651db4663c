"""The one place that wires concrete classes together, and the service's run loops."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from monitor.core.lifecycle import Evaluator
from monitor.core.matching import Matcher
from monitor.metrics import Metrics
from monitor.notify.dispatcher import Dispatcher
from monitor.notify.sender import AppriseSender
from monitor.notify.targets import check_targets
from monitor.runner import PollOutcome, Source, poll_source, queue_reminders
from monitor.settings import ConfigError, Settings, load_settings
from monitor.sources.federal_register import FederalRegisterSource
from monitor.sources.full_text import RATE_KEY as FULL_TEXT_RATE_KEY
from monitor.sources.full_text import FullTextFetcher
from monitor.sources.http import HostSpacing, HttpClient
from monitor.sources.public_inspection import PublicInspectionSource
from monitor.store.lock import DataFolderLock, FolderInUse
from monitor.store.store import Store
from monitor.testhooks import wall_clock
from monitor.web import start_web

log = logging.getLogger("monitor.app")

# How long a stop waits for deliveries already being sent; Docker kills after 10 s.
STOP_GRACE_SECONDS = 7.0
EXIT_CONFIG = 2
REMINDER_CHECK_SECONDS = 60.0
RETENTION_SECONDS = 3600.0
# A long-lived loop that failed this many times in a row makes /readyz say so.
LOOP_FAILURES_NOT_READY = 3
# A dispatcher that died on an unexpected error is started again after this (doubling, up to the max).
LOOP_RESTART_BASE = 1.0
LOOP_RESTART_MAX = 300.0


@dataclass
class LoopHealth:
    """How one long-lived loop is doing: unexpected errors in a row, and the latest."""

    failures: int = 0
    last_error: str = ""


def build_matcher(settings: Settings) -> Matcher:
    return Matcher([w.compile(settings.watchlist_targets(w.notify)) for w in settings.watchlists])


class App:
    def __init__(self, settings: Settings, clock: Callable[[], float] = wall_clock) -> None:
        self.settings = settings
        self.clock = clock
        self.store = Store.open(settings.data_dir)
        self.started_at = clock()
        self.heartbeat = time.monotonic()
        self.loops: dict[str, LoopHealth] = {}
        self.next_poll: dict[str, float] = {}  # source name -> Unix time of its next poll, for the console
        self.failing_parts: dict[str, int] = {}  # "15 CFR part 744" -> failed reads in a row
        self.metrics = Metrics(self.store)
        fr_host = urlsplit(settings.federal_register.base_url).netloc
        self.http = HttpClient(
            contact=settings.http.contact,
            timeout=settings.http.timeout,
            max_response_bytes=settings.http.max_response_bytes,
            on_stale=lambda source: self.metrics.stale_responses.labels(source).inc(),
            spacing=HostSpacing(
                {
                    fr_host: settings.federal_register.requests_per_second,
                    FULL_TEXT_RATE_KEY: settings.federal_register.full_text_requests_per_second,
                }
            ),
        )
        self.sources: list[Source] = []
        if settings.federal_register.enabled:
            self.sources.append(FederalRegisterSource(settings.federal_register, self.http))
        if settings.public_inspection.enabled:
            self.sources.append(
                PublicInspectionSource(settings.federal_register, settings.public_inspection, self.http)
            )
        self.sources += self._optional_sources(settings)
        self.evaluator = Evaluator(build_matcher(settings))
        self.full_text = FullTextFetcher(
            self.http, settings.federal_register.base_url, settings.federal_register.full_text_max_chars
        )
        self.routing = settings.routing()
        self.dispatcher = Dispatcher(
            self.store,
            AppriseSender(settings.delivery.timeout, settings.allow_private_targets),
            settings.target_urls(),
            settings.delivery,
            clock=clock,
            routing=self.routing,
            on_sent=self.metrics.delivery_latency.observe,
        )

    def _optional_sources(self, settings: Settings) -> list[Source]:
        """Pages, feeds, the eCFR and Regulations.gov. Their parsers (an HTML parser, feedparser) are imported
        only when configured: a service that does not use them does not carry them in memory."""
        sources: list[Source] = []
        if settings.pages:
            from monitor.sources.pages import PageSource

            sources += [
                PageSource(p.name, p.url, p.selector, p.ignore, p.interval, p.follow_links, self.http)
                for p in settings.pages
            ]
        if settings.feeds:
            from monitor.sources.feeds import FeedSource

            # A Federal Register document first seen in a feed is completed from the documents API before it alerts.
            api = FederalRegisterSource(settings.federal_register, self.http)
            sources += [FeedSource(f.name, f.url, f.interval, self.http, api.fetch_one) for f in settings.feeds]
        if (rg := settings.regulations_gov).enabled:
            from monitor.sources.regulations_gov import RegulationsGovSource

            sources.append(
                RegulationsGovSource(
                    rg.base_url, rg.resolve_api_key(), rg.agency, rg.lookback_days, rg.interval, self.http
                )
            )
        if settings.ecfr.enabled:
            from monitor.sources.ecfr import EcfrSource

            sources.append(
                EcfrSource(settings.ecfr.base_url, settings.ecfr.parts, settings.ecfr.interval, self.http, self.store)
            )
        return sources

    async def close(self) -> None:
        await self.http.close()
        self.store.close()

    def _loop_failed(self, loop: str, exc: BaseException, **context: str) -> None:
        """An unexpected error in a long-lived loop: logged with its traceback, counted, and remembered for
        /readyz. The loop itself goes on."""
        health = self.loops.setdefault(loop, LoopHealth())
        health.failures += 1
        health.last_error = f"{type(exc).__name__}: {exc}"
        self.metrics.loop_errors.labels(loop).inc()
        log.error("unexpected error in %s (%d in a row)", loop, health.failures, exc_info=exc, extra=context)

    def _loop_ok(self, loop: str) -> None:
        if (health := self.loops.get(loop)) is not None:
            health.failures = 0

    def failing_loops(self) -> list[str]:
        return [
            f"{loop}: {health.failures} unexpected errors in a row, the latest {health.last_error}"
            for loop, health in sorted(self.loops.items())
            if health.failures >= LOOP_FAILURES_NOT_READY
        ]

    async def poll(self, source: Source) -> PollOutcome:
        loop = f"poll:{source.name}"
        try:
            outcome = await poll_source(source, self.store, self.evaluator, self.clock, self.full_text, self.routing)
        except Exception as exc:  # a bug, not an upstream error: the poll failed, the schedule goes on
            self._loop_failed(loop, exc, source=source.name)
            error = f"{source.name}: unexpected error: {type(exc).__name__}: {exc}"
            self.store.save_source_failure(source.name, error, self.clock())
            outcome = PollOutcome(source.name, False, error=error, reason="internal_error")
        else:
            self._loop_ok(loop)
        self._count(outcome)
        if outcome.ok and isinstance(source, FederalRegisterSource):
            await self._tell_skipped_dates(source)
        if outcome.ok:
            await self._track_parts(source, outcome)
        if not outcome.ok:
            await self._tell_ops_if_stuck(source, outcome)
        if outcome.saved and outcome.saved.deliveries:
            self.dispatcher.wake.set()
        return outcome

    def _count(self, outcome: PollOutcome) -> None:
        m = self.metrics
        m.polls.labels(outcome.source, "ok" if outcome.ok else "failed").inc()
        if not outcome.ok:
            m.poll_failures.labels(outcome.source, outcome.reason or "error").inc()
            return
        m.last_success.labels(outcome.source).set(self.clock())
        m.documents_seen.labels(outcome.source).inc(outcome.documents)
        for event in outcome.saved.events if outcome.saved else ():
            m.alerts.labels(event).inc()

    async def _track_parts(self, source: Source, outcome: PollOutcome) -> None:
        """Parts of a source that fail while the others poll: each counted, and the ops target told once when
        one keeps failing (as for a whole source)."""
        failed = {f"{source.name} {part}": (part, error) for part, error in outcome.failed_parts}
        for key in [k for k in self.failing_parts if k not in failed and k.startswith(f"{source.name} ")]:
            del self.failing_parts[key]  # read again successfully
        for key, (part, error) in failed.items():
            self.failing_parts[key] = self.failing_parts.get(key, 0) + 1
            self.metrics.poll_failures.labels(source.name, error.reason).inc()
            if self.failing_parts[key] == self.settings.ops_alert_after_failures:
                await self.dispatcher.tell_ops(
                    f"fr-monitor: {key} is failing",
                    f"The last {self.failing_parts[key]} reads of {part} failed; the latest: {error}. "
                    f"The other parts of {source.name} are polled as usual.",
                )

    async def _tell_skipped_dates(self, source: FederalRegisterSource) -> None:
        """A downtime longer than max_catch_up_days: the dates left out are said once, with the command that
        covers them."""
        window = source.last_window
        if window is None or window.skipped is None:
            return
        first, last = window.skipped
        command = f"fr-monitor backfill --since {first} --until {last} --send"
        text = (
            f"After a downtime, the Federal Register dates {first} to {last} are past "
            f"[federal_register] max_catch_up_days ({self.settings.federal_register.max_catch_up_days}) and were "
            f"not fetched; documents published then have not alerted. To cover them, run: {command}"
        )
        log.error("%s", text, extra={"source": source.name})
        await self.dispatcher.tell_ops("fr-monitor: Federal Register dates skipped after a downtime", text)

    async def _tell_ops_if_stuck(self, source: Source, outcome: PollOutcome) -> None:
        """After several failed polls in a row the ops target hears once (not again until a success)."""
        status = self.store.load_source_status(source.name)
        if status is None or status.consecutive_failures != self.settings.ops_alert_after_failures:
            return
        log.error(
            "%d polls in a row failed: %s", status.consecutive_failures, outcome.error, extra={"source": source.name}
        )
        await self.dispatcher.tell_ops(
            f"fr-monitor: source {source.name} is failing",
            f"The last {status.consecutive_failures} polls of {source.name} failed; the latest: {outcome.error}. "
            "Nothing stored was changed; polling goes on.",
        )

    def remind(self) -> int:
        queued = queue_reminders(self.store, self.evaluator, self.settings.reminder_time, self.clock, self.routing)
        if queued:
            self.metrics.alerts.labels("deadline").inc(queued)
            self.dispatcher.wake.set()
        return queued

    def prune(self) -> dict[str, int]:
        r = self.settings.retention
        removed = self.store.prune(self.clock(), r.snapshots, r.deliveries, r.full_texts)
        if any(removed.values()):
            log.info("retention: removed %s", ", ".join(f"{n} {table}" for table, n in removed.items() if n))
        return removed

    async def run_once(self) -> list[PollOutcome]:
        """Poll every enabled source once, queue the reminders due, then send what is due."""
        outcomes = [await self.poll(source) for source in self.sources]
        self.remind()
        await self.dispatcher.dispatch_due()
        return outcomes

    async def _every(self, seconds: float, name: str, job: Callable[[], object], stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                job()
            except Exception as exc:  # logged and counted; the next round runs as planned
                self._loop_failed(name, exc)
            else:
                self._loop_ok(name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=seconds)

    async def _poll_forever(self, source: Source, stop: asyncio.Event) -> None:
        # The next poll is planned from when this one was due, not from when it ended, so slow polls never push
        # the schedule later (no drift); a little jitter keeps several instances from hitting the API together.
        due = time.monotonic()
        failures = 0
        while not stop.is_set():
            outcome = await self.poll(source)
            interval = source.next_interval(datetime.fromtimestamp(self.clock(), UTC))
            failures = 0 if outcome.ok else failures + 1
            if failures > 1:  # back off after repeated failures: double each time, up to an hour
                interval = min(interval * 2 ** (failures - 1), max(interval, 3600.0))
            due += interval
            if outcome.retry_after is not None:
                due = max(due, time.monotonic() + outcome.retry_after)
            if due < time.monotonic():  # a poll longer than the interval: skip ahead, never bunch up
                due = time.monotonic()
            jitter = random.uniform(0, min(5.0, interval * 0.05))  # noqa: S311 - jitter, not security
            self.next_poll[source.name] = self.clock() + max(0.0, due + jitter - time.monotonic())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=max(0.0, due + jitter - time.monotonic()))

    async def run_forever(self, stop: asyncio.Event) -> None:
        tasks = [asyncio.create_task(self._poll_forever(s, stop), name=s.name) for s in self.sources]
        jobs: list[tuple[float, str, Callable[[], object]]] = [
            (REMINDER_CHECK_SECONDS, "reminders", self.remind),
            (RETENTION_SECONDS, "retention", self.prune),
            (1.0, "heartbeat", self._beat),
        ]
        tasks += [asyncio.create_task(self._every(s, n, job, stop), name=n) for s, n, job in jobs]
        dispatcher = asyncio.create_task(self._dispatch_forever(stop), name="dispatcher")
        await stop.wait()
        log.info("stopping: no new polls; waiting up to %.0fs for deliveries in flight", STOP_GRACE_SECONDS)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        try:
            await asyncio.wait_for(dispatcher, timeout=STOP_GRACE_SECONDS)
        except TimeoutError:
            log.warning("deliveries still in flight at stop are left pending and will be sent after restart")

    async def _dispatch_forever(self, stop: asyncio.Event) -> None:
        """The dispatcher, started again (after a growing pause) whenever an unexpected error ends it: alerts
        must never queue up unsent behind a dead loop."""
        while not stop.is_set():
            try:
                await self.dispatcher.run(stop)
            except Exception as exc:
                self._loop_failed("dispatcher", exc)
                failures = self.loops["dispatcher"].failures
                pause = min(LOOP_RESTART_MAX, LOOP_RESTART_BASE * 2 ** (failures - 1))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=pause)
            else:
                self._loop_ok("dispatcher")

    def _beat(self) -> None:
        self.heartbeat = time.monotonic()

    def last_beat(self) -> float:
        return self.heartbeat


async def run_service(settings: Settings, once: bool, config_path: str | None = None) -> int:
    """Run until SIGTERM/SIGINT. SIGHUP reloads the configuration: a valid one replaces the running one; an
    invalid one is logged, problem by problem, and the old one keeps running."""
    try:
        lock = DataFolderLock(settings.data_dir).acquire()
    except FolderInUse as exc:
        print(f"fr-monitor: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        return await _run(settings, once, config_path)
    finally:
        lock.release()


async def _run(settings: Settings, once: bool, config_path: str | None) -> int:
    if once:
        app = App(settings)
        try:
            outcomes = await app.run_once()
        finally:
            await app.close()
        failed = [o for o in outcomes if not o.ok]
        for outcome in failed:
            print(f"fr-monitor: source {outcome.source} failed: {outcome.error}", file=sys.stderr)
        parts = [(o.source, part, error) for o in outcomes for part, error in o.failed_parts]
        for name, part, error in parts:
            print(f"fr-monitor: source {name} failed for {part}: {error}", file=sys.stderr)
        return 1 if failed or parts else 0
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
            web_runner = await start_web(app, app.last_beat) if settings.web.enabled else None
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
            "fr-monitor running: sources %s; %d watchlists; targets %s%s",
            ", ".join(s.name for s in app.sources) or "(none)",
            len(settings.watchlists),
            ", ".join(settings.targets) or "(none)",
            f"; http://{settings.web.host}:{settings.web.port}/metrics" if settings.web.enabled else "",
        )
        service = asyncio.create_task(app.run_forever(stop))
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
                check_targets(new_settings, str(config_path or "built-in defaults"))
            except ConfigError as exc:
                for problem in exc.problems:
                    log.error("reload rejected, keeping the running configuration: %s", problem)
                continue
            settings = new_settings
            log.info("configuration reloaded")
            break
        stop.set()
        await service
        if web_runner is not None:
            await web_runner.cleanup()
        await app.close()
        if terminate.is_set():
            return 0
