"""The one place that wires concrete classes together: settings in, a ready service out. What one step of the
service does (a poll, reminders, retention, one run) lives here too; the loops that repeat them, the signals and
reload are in monitor.service."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from monitor.core.lifecycle import Evaluator
from monitor.core.matching import Matcher
from monitor.core.unread import Unread
from monitor.metrics import Metrics
from monitor.notify.dispatcher import Dispatcher
from monitor.notify.sender import AppriseSender
from monitor.registry import build_sources
from monitor.runner import (
    Conditional,
    PartwiseSource,
    PollOutcome,
    Rereading,
    Source,
    poll_source,
    queue_reminders,
)
from monitor.settings import Settings
from monitor.sources.federal_register import FederalRegisterSource
from monitor.sources.full_text import RATE_KEY as FULL_TEXT_RATE_KEY
from monitor.sources.full_text import FullTextFetcher
from monitor.sources.http import HostSpacing, HttpClient
from monitor.store.store import Store
from monitor.testhooks import wall_clock

log = logging.getLogger("monitor.app")

# A long-lived loop that failed this many times in a row makes /readyz say so.
LOOP_FAILURES_NOT_READY = 3


@dataclass
class LoopHealth:
    """How one long-lived loop is doing: unexpected errors in a row, and the latest."""

    failures: int = 0
    last_error: str = ""


def build_matcher(settings: Settings) -> Matcher:
    return Matcher([w.compile(settings.watchlist_targets(w.notify)) for w in settings.watchlists])


class App:
    def __init__(self, settings: Settings, clock: Callable[[], float] = wall_clock, read_only: bool = False) -> None:
        """`read_only` (for `explain`): the stored history read-only (an empty one when the folder has none),
        no sources to poll and no targets, so no secret is read and nothing is written."""
        self.settings = settings
        self.clock = clock
        self.store = Store.open_for_reading(settings.data_dir) if read_only else Store.open(settings.data_dir)
        self.started_at = clock()
        self.heartbeat = time.monotonic()
        self.loops: dict[str, LoopHealth] = {}
        self.next_poll: dict[str, float] = {}  # source name -> Unix time of its next poll, for the console
        self.next_reason: dict[str, str] = {}  # source name -> why then (filing hours, quiet, back-off...)
        self.changed_at: dict[str, float] = {}  # source name -> when it last saw a change upstream
        self.metrics = Metrics(self.store)
        fr_host = urlsplit(settings.federal_register.base_url).netloc
        self.http = HttpClient(
            contact=settings.http.contact,
            timeout=settings.http.timeout,
            max_response_bytes=settings.http.max_response_bytes,
            on_stale=lambda source: self.metrics.stale_responses.labels(source).inc(),
            on_not_modified=lambda source: self.metrics.not_modified.labels(source).inc(),
            spacing=HostSpacing(
                {
                    fr_host: settings.federal_register.requests_per_second,
                    FULL_TEXT_RATE_KEY: settings.federal_register.full_text_requests_per_second,
                }
            ),
        )
        self.sources: list[Source] = [] if read_only else build_sources(settings, self.http, self.store)
        self.evaluator = Evaluator(build_matcher(settings))
        self.full_text = FullTextFetcher(
            self.http, settings.federal_register.base_url, settings.federal_register.full_text_max_chars
        )
        self.routing = settings.routing()
        self.sender = AppriseSender(settings.delivery.timeout, settings.allow_private_targets)
        self.dispatcher = Dispatcher(
            self.store,
            self.sender,
            {} if read_only else settings.target_urls(),
            settings.delivery,
            self.routing,
            clock=clock,
            on_sent=self.metrics.delivery_latency.observe,
        )

    # -- for backfill and explain (monitor.tuning.Workbench) --------------------------------------------

    @property
    def matcher(self) -> Matcher:
        return self.evaluator.matcher

    def federal_register_api(self) -> FederalRegisterSource:
        """A documents-API client with the configured settings, whether or not the source itself is polled."""
        return FederalRegisterSource(self.settings.federal_register, self.http)

    async def send_due(self) -> int:
        return await self.dispatcher.dispatch_due()

    async def close(self) -> None:
        await self.http.close()
        await self.sender.close()
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
        if outcome.saved and outcome.saved.deliveries:
            self.dispatcher.wake.set()  # first: what follows is bookkeeping, and the alerts are committed
        if isinstance(source, Conditional) and source.upstream_changed_at is not None:
            self.changed_at[source.name] = source.upstream_changed_at  # upstream's own word
        elif outcome.saved and outcome.saved.changes:
            self.changed_at[source.name] = self.clock()
        self._count(outcome)
        if outcome.ok and isinstance(source, FederalRegisterSource):
            await self._tell_skipped_dates(source)
        if outcome.ok and isinstance(source, (PartwiseSource, Rereading)):
            await self._track_parts(source, outcome)
        if outcome.given_up:
            await self._tell_unread(source.name, outcome.given_up)
        if not outcome.ok:
            await self._tell_ops_if_stuck(
                source.name,
                f"fr-monitor: source {source.name} is failing",
                outcome.error,
                "Nothing stored was changed; polling goes on.",
            )
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
        """Parts of a source that fail while the others poll: each counted, its failures in a row kept in the
        store as a source's are (so `run --once` under cron counts them too), and the ops target told once when
        one keeps failing."""
        failed = {f"{source.name} {part}": error for part, error in outcome.failed_parts}
        self.store.clear_failures(f"{source.name} ", failed)
        for name, error in failed.items():
            self.metrics.poll_failures.labels(source.name, error.reason).inc()
            self.store.save_source_failure(name, str(error), self.clock())
            await self._tell_ops_if_stuck(
                name,
                f"fr-monitor: {name} is failing",
                str(error),
                f"The other parts of {source.name} are polled as usual.",
            )

    async def _tell_unread(self, source: str, given_up: Sequence[Unread]) -> None:
        """Documents whose text could not be read after MAX_TEXT_TRIES: counted, and the ops target told once."""
        for unread in given_up:
            self.metrics.enrichment_failures.labels(unread.kind).inc()
            log.error("%s", unread.describe(), extra={"source": source, "document_number": unread.number})
        lines = "\n".join(f"- {unread.describe()}" for unread in given_up)
        await self.dispatcher.tell_ops(
            f"fr-monitor: {len(given_up)} document{'s' if len(given_up) != 1 else ''} of {source} could not be read",
            f"{lines}\nWatchlists that match without the text were alerted, with a note saying so; those that "
            "need the text have not been. Each is read again once a day for a week; `fr-monitor status` lists "
            "them until then.",
        )

    def unread(self) -> list[Unread]:
        """Documents of the enabled sources held for a text that could not be read: outstanding."""
        return self.store.load_unread([source.name for source in self.sources])

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

    async def _tell_ops_if_stuck(self, name: str, title: str, error: str, consequence: str) -> None:
        """After several failed polls in a row (of a source, or of one part of it) the ops target hears once, not
        again until a success."""
        status = self.store.load_source_status(name)
        if status is None or status.consecutive_failures != self.settings.ops_alert_after_failures:
            return
        log.error("%d polls in a row failed: %s", status.consecutive_failures, error, extra={"source": name})
        await self.dispatcher.tell_ops(
            title, f"The last {status.consecutive_failures} polls of {name} failed; the latest: {error}. {consequence}"
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

    def planned(self, source: str, when: float, reason: str) -> None:
        """The next check of `source`, and why: for the console, and in the store for `status`."""
        self.next_poll[source] = when
        self.next_reason[source] = reason
        self.store.save_schedule(source, when, reason, self.changed_at.get(source))

    def beat(self) -> None:
        self.heartbeat = time.monotonic()

    def last_beat(self) -> float:
        return self.heartbeat
