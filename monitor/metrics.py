"""Prometheus metrics: counters the service updates as it works, and outbox gauges read at scrape time.

Each App has its own registry (no process-wide globals), so tests can run several and a reload starts clean
counters only where it should. Metric names are fixed; labels never carry URLs or other secrets.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from monitor.store.store import Store


class _OutboxCollector(Collector):
    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self) -> Iterator[GaugeMetricFamily]:
        counts = self.store.outbox.count_deliveries()
        by_state = GaugeMetricFamily("frmonitor_deliveries", "Deliveries by state", labels=["state"])
        for state in ("pending", "sent", "dead"):
            by_state.add_metric([state], counts.get(state, 0))
        yield by_state
        yield GaugeMetricFamily("frmonitor_outbox_pending", "Deliveries waiting to be sent", counts.get("pending", 0))
        oldest = self.store.outbox.oldest_pending_created_at()
        age = max(0.0, time.time() - oldest) if oldest is not None else 0.0
        yield GaugeMetricFamily("frmonitor_outbox_oldest_age_seconds", "Age of the oldest pending delivery", age)


class Metrics:
    def __init__(self, store: Store) -> None:
        self.registry = CollectorRegistry()
        self.polls = Counter(
            "frmonitor_polls", "Polls by source and outcome", ["source", "outcome"], registry=self.registry
        )
        self.poll_failures = Counter(
            "frmonitor_poll_failures", "Failed polls by source and reason", ["source", "reason"], registry=self.registry
        )
        self.last_success = Gauge(
            "frmonitor_last_success_timestamp_seconds", "Last successful poll", ["source"], registry=self.registry
        )
        self.documents_seen = Counter(
            "frmonitor_documents_seen", "Documents returned by polls", ["source"], registry=self.registry
        )
        self.alerts = Counter("frmonitor_alerts", "Alerts queued by event", ["event"], registry=self.registry)
        self.stale_responses = Counter(
            "frmonitor_stale_responses",
            "Answers a shared cache kept longer than the poll interval (each was asked for again past the cache)",
            ["source"],
            registry=self.registry,
        )
        self.not_modified = Counter(
            "frmonitor_not_modified",
            "Conditional requests answered 304 Not Modified (nothing downloaded, nothing parsed)",
            ["source"],
            registry=self.registry,
        )
        self.loop_errors = Counter(
            "frmonitor_loop_errors",
            "Unexpected errors caught in a long-lived loop (a poll, the dispatcher, reminders, retention)",
            ["loop"],
            registry=self.registry,
        )
        self.enrichment_failures = Counter(
            "frmonitor_enrichment_failures",
            "Documents whose text a watchlist needs (full_text, linked_text) could not be read, given up on after "
            "the tries allowed and told to the ops target",
            ["kind"],
            registry=self.registry,
        )
        self.departures = Counter(
            "frmonitor_departures_resolved",
            "Documents that left the public inspection list, by how they were resolved: published, withdrawn, or "
            "gone (neither confirmed 7 days after their publication date: given up on, and logged)",
            ["resolution"],
            registry=self.registry,
        )
        self.delivery_latency = Histogram(
            "frmonitor_delivery_latency_seconds",
            "From an alert being queued to its delivery being accepted",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600),
            registry=self.registry,
        )
        self.registry.register(_OutboxCollector(store))
