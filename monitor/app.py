"""The one place that wires concrete classes together: settings in, a ready service out. What one step of the
service does is told here in a few lines (a poll and what follows it, one run); health, the ops target,
reminders and retention are in monitor.operations; the loops that repeat them, the signals and reload are in
monitor.service."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from monitor.core.clock import Clock
from monitor.core.lifecycle import Evaluator
from monitor.core.matching import Matcher
from monitor.core.redaction import redact_secrets
from monitor.core.schedule import ByteBudget
from monitor.core.unread import Unread
from monitor.metrics import Metrics
from monitor.notify.dispatcher import Dispatcher
from monitor.notify.sender import AppriseSender
from monitor.operations import Loops, Operations
from monitor.registry import build_sources
from monitor.runner import PollOutcome, poll_source
from monitor.settings.model import Settings
from monitor.sources.federal_register.kind import FEDERAL_REGISTER
from monitor.sources.federal_register.source import FederalRegisterSource
from monitor.sources.full_text import RATE_KEY as FULL_TEXT_RATE_KEY
from monitor.sources.full_text import FullTextFetcher
from monitor.sources.http import HostSpacing, HttpClient, host_of
from monitor.sources.protocols import Budgeted, Conditional, Source
from monitor.store.store import Store
from monitor.testhooks import SYSTEM_CLOCK

log = logging.getLogger("monitor.app")


def build_matcher(settings: Settings) -> Matcher:
    return Matcher([w.compile(settings.watchlist_targets(w.notify)) for w in settings.watchlists])


class App:
    def __init__(self, settings: Settings, clock: Callable[[], float] = SYSTEM_CLOCK, read_only: bool = False) -> None:
        """`clock` is the app's time; when it is a whole Clock (monitor.core.clock) the HTTP layer's waits pass
        on it too, and a bare function of time (a test that only sets the time of day) leaves them on the
        system's. `read_only` (for `explain`): the stored history read-only (an empty one when the folder has
        none), no sources to poll and no targets, so no secret is read and nothing is written."""
        self.settings = settings
        self.clock = clock
        self.store = Store.open_for_reading(settings.data_dir) if read_only else Store.open(settings.data_dir)
        self.started_at = clock()
        self.next_poll: dict[str, float] = {}  # source name -> Unix time of its next poll, for the console
        self.next_reason: dict[str, str] = {}  # source name -> why then (filing hours, quiet, back-off...)
        self.changed_at: dict[str, float] = {}  # source name -> when it last saw a change upstream
        self.metrics = Metrics(self.store)
        self.loops = Loops(self.metrics)  # the long-lived loops' health and heartbeat, for /healthz and /readyz
        fr = settings.section(FEDERAL_REGISTER)
        fr_host = host_of(fr.base_url)
        waits = clock if isinstance(clock, Clock) else SYSTEM_CLOCK
        self.http = HttpClient(
            contact=settings.http.contact,
            timeout=settings.http.timeout,
            max_response_bytes=settings.http.max_response_bytes,
            on_stale=lambda source: self.metrics.stale_responses.labels(source).inc(),
            on_not_modified=lambda source: self.metrics.not_modified.labels(source).inc(),
            spacing=HostSpacing(
                {
                    fr_host: fr.requests_per_second,
                    FULL_TEXT_RATE_KEY: fr.full_text_requests_per_second,
                },
                clock=waits,
            ),
            clock=waits,
        )
        self.sources: list[Source] = [] if read_only else build_sources(settings, self.http, self.store.snapshots)
        self.budgets_saved: dict[str, tuple[date, float]] = {}  # source name -> its byte budget as last stored
        self._load_budgets()
        self.evaluator = Evaluator(build_matcher(settings))
        self.full_text = FullTextFetcher(self.http, fr.base_url, fr.full_text_max_chars)
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
        # What follows a poll (metrics, the ops target), reminders and retention.
        self.operations = Operations(
            settings, self.store, self.dispatcher, self.metrics, self.evaluator, self.routing, clock
        )

    # -- for backfill and explain (monitor.tuning.Workbench) --------------------------------------------

    @property
    def matcher(self) -> Matcher:
        return self.evaluator.matcher

    def federal_register_api(self) -> FederalRegisterSource:
        """A documents-API client with the configured settings, whether or not the source itself is polled."""
        return FederalRegisterSource(self.settings.section(FEDERAL_REGISTER), self.http)

    async def send_due(self) -> int:
        return await self.dispatcher.dispatch_due()

    async def close(self) -> None:
        await self.http.close()
        await self.sender.close()
        self.store.close()

    async def poll(self, source: Source) -> PollOutcome:
        loop = f"poll:{source.name}"
        try:
            outcome = await poll_source(source, self.store, self.evaluator, self.clock, self.full_text, self.routing)
        except Exception as exc:  # a bug, not an upstream error: the poll failed, the schedule goes on
            self.loops.failed(loop, exc, source=source.name)
            error = redact_secrets(f"{source.name}: unexpected error: {type(exc).__name__}: {exc}")
            self.store.save_source_failure(source.name, error, self.clock())
            outcome = PollOutcome(source.name, False, error=error, reason="internal_error")
        else:
            self.loops.ok(loop)
        if outcome.saved and outcome.saved.deliveries:
            self.dispatcher.wake.set()  # first: what follows is bookkeeping, and the alerts are committed
        if isinstance(source, Budgeted):
            self._save_budget(source.name, source.budget)
        if isinstance(source, Conditional) and source.upstream_changed_at is not None:
            self.changed_at[source.name] = source.upstream_changed_at  # upstream's own word
        elif outcome.saved and outcome.saved.changes:
            self.changed_at[source.name] = self.clock()
        await self.operations.after_poll(source, outcome)
        return outcome

    def _load_budgets(self) -> None:
        """The day's spending so far, as stored: a restart goes on from it, never from zero (a service started
        again and again would otherwise download a whole day's budget each time)."""
        for source in self.sources:
            if isinstance(source, Budgeted) and (saved := self.store.load_budget(source.name)) is not None:
                source.budget.day, source.budget.spent = saved
                self.budgets_saved[source.name] = saved

    def _save_budget(self, name: str, budget: ByteBudget) -> None:
        """The budget stored whenever a poll changed it. A failure to store it is logged and counted (the poll
        itself is stored), and it is stored again after the next poll."""
        if budget.day is None or self.budgets_saved.get(name) == (budget.day, budget.spent):
            return
        loop = f"byte budget:{name}"
        try:
            self.store.save_budget(name, budget.day, budget.spent)
        except Exception as exc:
            self.loops.failed(loop, exc, source=name)
        else:
            self.loops.ok(loop)
            self.budgets_saved[name] = (budget.day, budget.spent)

    def unread(self) -> list[Unread]:
        """Documents of the enabled sources held for a text that could not be read: outstanding."""
        return self.store.unread.load_unread([source.name for source in self.sources])

    async def run_once(self) -> list[PollOutcome]:
        """Poll every enabled source once, queue the reminders due, then send what is due."""
        outcomes = [await self.poll(source) for source in self.sources]
        self.operations.remind()
        await self.dispatcher.dispatch_due()
        return outcomes

    def planned(self, source: str, when: float, reason: str) -> None:
        """The next check of `source`, and why: for the console, and in the store for `status`."""
        self.next_poll[source] = when
        self.next_reason[source] = reason
        self.store.save_schedule(source, when, reason, self.changed_at.get(source))
