"""Draining the outbox: send each due delivery, and only then mark it sent.

The order is what makes delivery at-least-once: load a pending delivery -> send it -> mark it sent. A crash
before the mark leaves it pending, so it is sent again after a restart (the only case where a receiver may see
an alert twice); a crash anywhere else loses nothing and repeats nothing. Failures are retried with exponential
backoff and jitter (never sooner than a Retry-After, and not at once after a timeout that may have delivered)
until `max_attempts`, then the delivery is `dead`: kept, visible, never silently dropped. A permanent
rejection (bad token, unknown channel, other 4xx) is dead at once.

Digest targets receive one message per period: all their due deliveries, grouped, sent once, marked together.
An urgent alert is sent to a digest target at once, on its own; it stays pending (with the time it was sent)
until the target's next digest, which lists it again, marked as sent already.
The `ops` target, when configured, hears once when a target starts failing and once when it recovers.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from monitor.core.backoff import next_retry_delay
from monitor.core.routing import Routing
from monitor.models import Alert, Delivery
from monitor.notify.render import Message, channel_of, render_alert, render_digest, render_ops
from monitor.notify.sender import SendOutcome
from monitor.notify.targets import privacy_url
from monitor.settings import DeliverySettings
from monitor.store.store import Store
from monitor.testhooks import crash_point

log = logging.getLogger("monitor.dispatcher")

OPS_TARGET = "ops"
# After a timeout the receiver may already have the message: wait at least this long before trying again.
MAYBE_DELIVERED_MIN_DELAY = 300.0


def _at_once(delivery: Delivery, alert: Alert) -> bool:
    """An urgent alert not sent yet: sent on its own, now, even to a digest target."""
    return alert.urgent and delivery.sent_at is None


class Sender(Protocol):
    async def send(self, url: str, message: Message) -> SendOutcome: ...


class Dispatcher:
    def __init__(
        self,
        store: Store,
        sender: Sender,
        target_urls: Mapping[str, str],
        settings: DeliverySettings,
        routing: Routing,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        on_sent: Callable[[float], object] | None = None,
    ) -> None:
        self.store = store
        self.sender = sender
        self.target_urls = dict(target_urls)
        self.settings = settings
        self.clock = clock
        self.rng = rng or random.Random()  # noqa: S311 - jitter only
        self.routing = routing  # required: leaving it out would silently skip digests
        self.on_sent = on_sent
        self.wake = asyncio.Event()
        self._semaphore = asyncio.Semaphore(settings.concurrency)

    async def dispatch_due(self) -> int:
        """Send every delivery due now; returns how many were attempted."""
        attempted = 0
        while due := self.store.outbox.load_due_deliveries(self.clock(), limit=self.settings.concurrency * 4):
            batched = [(d, a) for d, a in due if self.routing.digest_of(d.target) and not _at_once(d, a)]
            digests = sorted({d.target for d, _ in batched})
            single = [(d, a) for d, a in due if (d, a) not in batched]
            await asyncio.gather(*(self._deliver(d, a) for d, a in single), *(self._deliver_digest(t) for t in digests))
            attempted += len(due)
        return attempted

    async def _deliver(self, delivery: Delivery, alert: Alert) -> None:
        if delivery.sent_at is not None:  # sent at once; its target has no digest any more (a reload): done
            self.store.outbox.mark_sent(delivery.id, self.clock())
            return
        url = self.target_urls.get(delivery.target)
        if url is None:
            self.store.outbox.mark_failed(delivery.id, "target is no longer configured", self.clock(), None)
            log.warning("delivery dead: target no longer configured", extra={"target": delivery.target})
            return
        message = self._rendered(delivery, functools.partial(render_alert, alert, channel_of(url), delivery.alert_id))
        if message is not None:
            digest = self.routing.digest_of(delivery.target) is not None
            await self._send([delivery], url, message, alert.watchlist, until_digest=digest and alert.urgent)

    def _rendered(self, delivery: Delivery, render: Callable[[], Message]) -> Message | None:
        """The message, or None when the alert cannot be rendered: then its delivery is given up (one alert that
        cannot be rendered must not hold up the others)."""
        try:
            return render()
        except Exception as exc:
            self._unrenderable(delivery, exc)
            return None

    def _unrenderable(self, delivery: Delivery, exc: Exception) -> None:
        """Dead at once: rendering is pure, so a retry would fail the same way. Kept, visible, retryable by hand
        after an upgrade (`fr-monitor retry ID`)."""
        error = f"cannot render the alert: {type(exc).__name__}: {exc}"
        self.store.outbox.mark_failed(delivery.id, error, self.clock(), None)
        log.error(
            "delivery dead: %s",
            error,
            exc_info=exc,
            extra={"alert_id": delivery.alert_id, "target": delivery.target, "error": "render"},
        )

    async def _deliver_digest(self, target: str) -> None:
        url = self.target_urls.get(target)
        batch = [
            (d, a) for d, a in self.store.outbox.load_pending_for_target(target, self.clock()) if not _at_once(d, a)
        ]
        if not batch:
            return
        if url is None:
            for delivery, _ in batch:
                self.store.outbox.mark_failed(delivery.id, "target is no longer configured", self.clock(), None)
            return
        period = (self.routing.digest_of(target) or "").split()[0]
        channel = channel_of(url)
        sent = frozenset(a.key for d, a in batch if d.sent_at is not None)
        try:
            message = render_digest([a for _, a in batch], channel, period, sent)
        except Exception:
            # Find the alerts that cannot be rendered, give them up, and send the others.
            batch = [
                (d, a)
                for d, a in batch
                if self._rendered(d, functools.partial(render_digest, [a], channel, period, sent)) is not None
            ]
            if not batch:
                return
            message = render_digest([a for _, a in batch], channel, period, sent)
        await self._send([d for d, _ in batch], url, message, "")

    async def _send(
        self, deliveries: Sequence[Delivery], url: str, message: Message, watchlist: str, until_digest: bool = False
    ) -> None:
        """Send one message for `deliveries` and record the outcome; `until_digest`: an urgent alert sent at once
        to a digest target, pending again until that digest."""
        first = deliveries[0]
        context = {"alert_id": first.alert_id, "target": first.target, "attempt": first.attempts + 1}
        async with self._semaphore:
            if log.isEnabledFor(logging.DEBUG):  # the privacy form costs an Apprise parse: only when it is shown
                log.debug("sending %d alert(s) to %s", len(deliveries), privacy_url(url), extra=context)
            crash_point("before_send")
            try:
                outcome = await self.sender.send(url, message)
            except Exception as exc:  # one broken plugin must not stop the other deliveries
                outcome = SendOutcome(ok=False, error=f"sender failed: {type(exc).__name__}")
            crash_point("after_send")
        now = self.clock()
        if outcome.ok:
            for delivery in deliveries:
                if until_digest:
                    digest_at = self.routing.first_attempt_at(delivery.target, now)
                    self.store.outbox.mark_sent_until_digest(delivery.id, now, digest_at)
                else:
                    self.store.outbox.mark_sent(delivery.id, now)
                if self.on_sent is not None and delivery.sent_at is None:  # a digest's repeat is not a new send
                    self.on_sent(max(0.0, now - delivery.created_at))
            crash_point("after_mark")
            log.info("alert delivered", extra={**context, "watchlist": watchlist} if watchlist else context)
            await self._health(first.target, None)
            return
        # One draw of jitter per delivery: what is stored is what the log line says.
        retry_ats = [self._retry_at(delivery, outcome, now) for delivery in deliveries]
        for delivery, when in zip(deliveries, retry_ats, strict=True):
            self.store.outbox.mark_failed(delivery.id, outcome.error, now, when)
        retry_at = retry_ats[0]
        log.warning(
            "delivery failed to %s: %s; %s",
            privacy_url(url),
            outcome.error,
            f"retry in {retry_at - now:.0f}s" if retry_at is not None else "giving up (dead)",
            extra={**context, "error": outcome.error},
        )
        await self._health(first.target, outcome.error)

    def _retry_at(self, delivery: Delivery, outcome: SendOutcome, now: float) -> float | None:
        attempts = delivery.attempts + 1
        if not outcome.retryable or attempts >= self.settings.max_attempts:
            return None
        delay = next_retry_delay(attempts, self.settings.backoff_base, self.settings.backoff_max, self.rng)
        if outcome.retry_after is not None:
            delay = max(delay, outcome.retry_after)
        if outcome.maybe_delivered:  # whatever the backoff settings: a repeat must not follow at once
            delay = max(delay, MAYBE_DELIVERED_MIN_DELAY)
        return now + delay

    async def _health(self, target: str, error: str | None) -> None:
        """Tell the ops target when `target` starts failing or recovers: once each, never per alert."""
        if target == OPS_TARGET or not self.store.outbox.save_target_health(target, error, self.clock()):
            return
        if error is None:
            await self.tell_ops(f"fr-monitor: target {target} recovered", f"Deliveries to {target} succeed again.")
        else:
            await self.tell_ops(
                f"fr-monitor: target {target} is failing",
                f"Deliveries to {target} fail: {error}. They are retried with backoff; "
                "see `fr-monitor deliveries --state failed`.",
            )

    async def tell_ops(self, title: str, body: str) -> None:
        """A best-effort operational message to the `ops` target, when one is configured."""
        ops_url = self.target_urls.get(OPS_TARGET)
        if ops_url is None:
            return
        try:
            outcome = await self.sender.send(ops_url, render_ops(title, body))
        except Exception as exc:
            outcome = SendOutcome(ok=False, error=type(exc).__name__)
        if not outcome.ok:
            log.warning("could not tell the ops target: %s", outcome.error, extra={"target": OPS_TARGET})

    async def run(self, stop: asyncio.Event) -> None:
        """Dispatch as deliveries fall due, until `stop` is set; woken early when new ones are queued."""
        while not stop.is_set():
            self.wake.clear()  # before dispatching: a wake-up that arrives meanwhile is kept
            await self.dispatch_due()
            due = self.store.outbox.next_delivery_due_at()
            timeout = 60.0 if due is None else max(0.0, min(60.0, due - self.clock()))
            waiters = [asyncio.ensure_future(self.wake.wait()), asyncio.ensure_future(stop.wait())]
            try:
                await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waiters:
                    waiter.cancel()
