"""Draining the outbox: send each due delivery, and only then mark it sent.

The order is what makes delivery at-least-once: load a pending delivery -> send it -> mark it sent. A crash
before the mark leaves it pending, so it is sent again after a restart (the only case where a receiver may see
an alert twice); a crash anywhere else loses nothing and repeats nothing. Failures are retried with exponential
backoff and jitter until `max_attempts`, then the delivery is `dead`: kept, visible, never silently dropped.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Mapping
from typing import Protocol

from monitor.core.backoff import next_retry_delay
from monitor.crashpoints import crash_point
from monitor.models import Alert, Delivery
from monitor.notify.render import Message, render_alert
from monitor.notify.sender import SendOutcome
from monitor.notify.targets import privacy_url
from monitor.settings import DeliverySettings
from monitor.store.store import Store

log = logging.getLogger("monitor.dispatcher")


class Sender(Protocol):
    async def send(self, url: str, message: Message) -> SendOutcome: ...


class Dispatcher:
    def __init__(
        self,
        store: Store,
        sender: Sender,
        target_urls: Mapping[str, str],
        settings: DeliverySettings,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.sender = sender
        self.target_urls = dict(target_urls)
        self.settings = settings
        self.clock = clock
        self.rng = rng or random.Random()  # noqa: S311 - jitter only
        self.wake = asyncio.Event()
        self._semaphore = asyncio.Semaphore(settings.concurrency)

    async def dispatch_due(self) -> int:
        """Send every delivery due now; returns how many were attempted."""
        attempted = 0
        while due := self.store.load_due_deliveries(self.clock(), limit=self.settings.concurrency * 4):
            await asyncio.gather(*(self._deliver(d, a) for d, a in due))
            attempted += len(due)
        return attempted

    async def _deliver(self, delivery: Delivery, alert: Alert) -> None:
        async with self._semaphore:
            url = self.target_urls.get(delivery.target)
            context = {"alert_id": delivery.alert_id, "target": delivery.target, "attempt": delivery.attempts + 1}
            if url is None:
                self.store.mark_failed(delivery.id, "target is no longer configured", self.clock(), None)
                log.warning("delivery dead: target no longer configured", extra=context)
                return
            crash_point("before_send")
            try:
                outcome = await self.sender.send(url, render_alert(alert))
            except Exception as exc:  # one broken plugin must not stop the other deliveries
                outcome = SendOutcome(ok=False, error=f"sender failed: {type(exc).__name__}")
            crash_point("after_send")
            now = self.clock()
            if outcome.ok:
                self.store.mark_sent(delivery.id, now)
                crash_point("after_mark")
                log.info("alert delivered", extra={**context, "watchlist": alert.watchlist})
                return
            attempts = delivery.attempts + 1
            retry_at = None
            if outcome.retryable and attempts < self.settings.max_attempts:
                retry_at = now + next_retry_delay(
                    attempts, self.settings.backoff_base, self.settings.backoff_max, self.rng
                )
            self.store.mark_failed(delivery.id, outcome.error, now, retry_at)
            log.warning(
                "delivery failed to %s: %s; %s",
                privacy_url(url),
                outcome.error,
                f"retry in {retry_at - now:.0f}s" if retry_at is not None else "giving up (dead)",
                extra={**context, "error": outcome.error},
            )

    async def run(self, stop: asyncio.Event) -> None:
        """Dispatch as deliveries fall due, until `stop` is set; woken early when new ones are queued."""
        while not stop.is_set():
            self.wake.clear()  # before dispatching: a wake-up that arrives meanwhile is kept
            await self.dispatch_due()
            due = self.store.next_delivery_due_at()
            timeout = 60.0 if due is None else max(0.0, min(60.0, due - self.clock()))
            waiters = [asyncio.ensure_future(self.wake.wait()), asyncio.ensure_future(stop.wait())]
            try:
                await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waiters:
                    waiter.cancel()
