"""The one place that wires concrete classes together, and the service's run loops."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import signal
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from monitor.core.lifecycle import Evaluator
from monitor.core.matching import Matcher
from monitor.notify.dispatcher import Dispatcher
from monitor.notify.sender import AppriseSender
from monitor.runner import PollOutcome, Source, poll_source, queue_reminders
from monitor.settings import Settings
from monitor.sources.federal_register import FederalRegisterSource
from monitor.sources.full_text import FULL_TEXT_RATE, FullTextFetcher
from monitor.sources.full_text import RATE_KEY as FULL_TEXT_RATE_KEY
from monitor.sources.http import HostSpacing, HttpClient
from monitor.sources.public_inspection import PublicInspectionSource
from monitor.store.store import Store
from monitor.testhooks import wall_clock

log = logging.getLogger("monitor.app")

# How long a stop waits for deliveries already being sent; Docker kills after 10 s.
STOP_GRACE_SECONDS = 7.0
REMINDER_CHECK_SECONDS = 60.0


def build_matcher(settings: Settings) -> Matcher:
    return Matcher([w.compile(settings.watchlist_targets(w.notify)) for w in settings.watchlists])


class App:
    def __init__(self, settings: Settings, clock: Callable[[], float] = wall_clock) -> None:
        self.settings = settings
        self.clock = clock
        self.store = Store.open(settings.data_dir)
        fr_host = urlsplit(settings.federal_register.base_url).netloc
        self.http = HttpClient(
            contact=settings.http.contact,
            timeout=settings.http.timeout,
            max_response_bytes=settings.http.max_response_bytes,
            spacing=HostSpacing({fr_host: 5.0, FULL_TEXT_RATE_KEY: FULL_TEXT_RATE}),
        )
        self.sources: list[Source] = []
        if settings.federal_register.enabled:
            self.sources.append(FederalRegisterSource(settings.federal_register, self.http))
        if settings.public_inspection.enabled:
            self.sources.append(
                PublicInspectionSource(settings.federal_register, settings.public_inspection, self.http)
            )
        self.evaluator = Evaluator(build_matcher(settings))
        self.full_text = FullTextFetcher(
            self.http, self.store, settings.federal_register.base_url, settings.federal_register.full_text_max_chars
        )
        self.routing = settings.routing()
        self.dispatcher = Dispatcher(
            self.store,
            AppriseSender(settings.delivery.timeout, settings.allow_private_targets),
            settings.target_urls(),
            settings.delivery,
            clock=clock,
            routing=self.routing,
        )

    async def close(self) -> None:
        await self.http.close()
        self.store.close()

    async def poll(self, source: Source) -> PollOutcome:
        outcome = await poll_source(source, self.store, self.evaluator, self.clock, self.full_text, self.routing)
        if outcome.saved and outcome.saved.deliveries:
            self.dispatcher.wake.set()
        return outcome

    def remind(self) -> int:
        queued = queue_reminders(self.store, self.evaluator, self.settings.reminder_time, self.clock, self.routing)
        if queued:
            self.dispatcher.wake.set()
        return queued

    async def run_once(self) -> list[PollOutcome]:
        """Poll every enabled source once, queue the reminders due, then send what is due."""
        outcomes = [await self.poll(source) for source in self.sources]
        self.remind()
        await self.dispatcher.dispatch_due()
        return outcomes

    async def _remind_forever(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.remind()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=REMINDER_CHECK_SECONDS)

    async def _poll_forever(self, source: Source, stop: asyncio.Event) -> None:
        # Ticks are counted from one start time, so slow polls never push the schedule later (no drift);
        # a little jitter keeps several instances from hitting the API in the same second.
        start = time.monotonic()
        tick = 0
        while not stop.is_set():
            outcome = await self.poll(source)
            tick += 1
            next_at = start + tick * source.interval + random.uniform(0, min(5.0, source.interval * 0.05))  # noqa: S311
            if outcome.retry_after is not None:
                next_at = max(next_at, time.monotonic() + outcome.retry_after)
            while next_at < time.monotonic():  # a poll longer than the interval skips ticks, never bunches
                tick += 1
                next_at += source.interval
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=max(0.0, next_at - time.monotonic()))

    async def run_forever(self, stop: asyncio.Event) -> None:
        pollers = [asyncio.create_task(self._poll_forever(s, stop), name=s.name) for s in self.sources]
        pollers.append(asyncio.create_task(self._remind_forever(stop), name="reminders"))
        dispatcher = asyncio.create_task(self.dispatcher.run(stop), name="dispatcher")
        await stop.wait()
        log.info("stopping: no new polls; waiting up to %.0fs for deliveries in flight", STOP_GRACE_SECONDS)
        for task in pollers:
            task.cancel()
        await asyncio.gather(*pollers, return_exceptions=True)
        try:
            await asyncio.wait_for(dispatcher, timeout=STOP_GRACE_SECONDS)
        except TimeoutError:
            log.warning("deliveries still in flight at stop are left pending and will be sent after restart")


async def run_service(settings: Settings, once: bool) -> int:
    app = App(settings)
    try:
        if once:
            await app.run_once()
            return 0
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        log.info(
            "fr-monitor running: sources %s; %d watchlists; targets %s",
            ", ".join(s.name for s in app.sources) or "(none)",
            len(settings.watchlists),
            ", ".join(settings.targets) or "(none)",
        )
        await app.run_forever(stop)
        return 0
    finally:
        await app.close()
