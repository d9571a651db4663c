"""The service looking after itself: how its long-lived loops are doing (for /readyz), what a poll adds to the
metrics, what the ops target is told (a source that keeps failing, documents that could not be read, dates
skipped after a downtime), reminders queued and old rows pruned. monitor.app wires these parts; monitor.service
and the web endpoints use them through the public methods here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from monitor.core.lifecycle import Evaluator
from monitor.core.redaction import redact_secrets
from monitor.core.routing import Routing
from monitor.core.unread import Unread
from monitor.metrics import Metrics
from monitor.notify.dispatcher import Dispatcher
from monitor.runner import PollOutcome, queue_reminders
from monitor.settings.model import Settings
from monitor.sources.federal_register.kind import FEDERAL_REGISTER
from monitor.sources.federal_register.source import FederalRegisterSource
from monitor.sources.protocols import PartwiseSource, Rereading, Source
from monitor.store.store import Store

log = logging.getLogger("monitor.app")

# A long-lived loop that failed this many times in a row makes /readyz say so.
LOOP_FAILURES_NOT_READY = 3


@dataclass
class LoopHealth:
    """How one long-lived loop is doing: unexpected errors in a row, and the latest."""

    failures: int = 0
    last_error: str = ""


@dataclass
class Loops:
    """The long-lived loops' health, and the heartbeat that says the event loop itself is turning."""

    metrics: Metrics
    health: dict[str, LoopHealth] = field(default_factory=dict)
    heartbeat: float = field(default_factory=time.monotonic)

    def failed(self, loop: str, exc: BaseException, **context: str) -> None:
        """An unexpected error in a long-lived loop: logged with its traceback, counted, and remembered for
        /readyz. The loop itself goes on."""
        health = self.health.setdefault(loop, LoopHealth())
        health.failures += 1
        health.last_error = redact_secrets(f"{type(exc).__name__}: {exc}")  # /readyz shows it, open to all
        self.metrics.loop_errors.labels(loop).inc()
        log.error("unexpected error in %s (%d in a row)", loop, health.failures, exc_info=exc, extra=context)

    def ok(self, loop: str) -> None:
        if (health := self.health.get(loop)) is not None:
            health.failures = 0

    def failures(self, loop: str) -> int:
        """Unexpected errors in a row of `loop`."""
        health = self.health.get(loop)
        return health.failures if health is not None else 0

    def failing(self) -> list[str]:
        return [
            f"{loop}: {health.failures} unexpected errors in a row, the latest {health.last_error}"
            for loop, health in sorted(self.health.items())
            if health.failures >= LOOP_FAILURES_NOT_READY
        ]

    def beat(self) -> None:
        self.heartbeat = time.monotonic()

    def last_beat(self) -> float:
        return self.heartbeat


class Operations:
    """What follows a poll (metrics, the ops target), reminders and retention."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        dispatcher: Dispatcher,
        metrics: Metrics,
        evaluator: Evaluator,
        routing: Routing,
        clock: Callable[[], float],
    ) -> None:
        self.settings = settings
        self.evaluator = evaluator
        self.routing = routing
        self.store = store
        self.dispatcher = dispatcher
        self.metrics = metrics
        self.clock = clock

    async def after_poll(self, source: Source, outcome: PollOutcome) -> None:
        """A poll's outcome counted, and what the ops target must hear of it told."""
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
        for _, resolution in outcome.departures:
            m.departures.labels(resolution).inc()

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

    async def _tell_skipped_dates(self, source: FederalRegisterSource) -> None:
        """A downtime longer than max_catch_up_days: the dates left out are said once, with the command that
        covers them."""
        window = source.last_window
        if window is None or window.skipped is None:
            return
        first, last = window.skipped
        command = f"fr-monitor backfill --since {first} --until {last} --send"
        reach = self.settings.section(FEDERAL_REGISTER).max_catch_up_days
        text = (
            f"After a downtime, the Federal Register dates {first} to {last} are past "
            f"[federal_register] max_catch_up_days ({reach}) and were "
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
        """The reminders due queued, and the dispatcher woken for them."""
        queued = queue_reminders(self.store, self.evaluator, self.settings.reminder_time, self.clock, self.routing)
        if queued:
            self.metrics.alerts.labels("deadline").inc(queued)
            self.dispatcher.wake.set()
        return queued

    def prune(self) -> dict[str, int]:
        """Rows past their retention removed."""
        r = self.settings.retention
        removed = self.store.prune(self.clock(), r.snapshots, r.deliveries, r.full_texts)
        if any(removed.values()):
            log.info("retention: removed %s", ", ".join(f"{n} {table}" for table, n in removed.items() if n))
        return removed
