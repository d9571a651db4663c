"""One poll of one source, as a story: fetch -> diff -> match -> save and enqueue (one transaction).

A source error is caught here and nowhere deeper: it is logged with the source's name, recorded as a failed
poll, and nothing stored changes. The first successful poll of a source is a silent baseline.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from monitor.core.alerts import build_alerts
from monitor.core.diffing import diff_document
from monitor.core.matching import Matcher
from monitor.crashpoints import crash_point
from monitor.models import Document
from monitor.sources.http import SourceError
from monitor.store.store import SavedPoll, Store

log = logging.getLogger("monitor.runner")


class Source(Protocol):
    name: str
    interval: float

    async def fetch(self, now: datetime) -> list[Document]: ...


@dataclass(frozen=True, slots=True)
class PollOutcome:
    source: str
    ok: bool
    saved: SavedPoll | None = None
    error: str = ""
    reason: str = ""
    retry_after: float | None = None


async def poll_source(
    source: Source, store: Store, matcher: Matcher, clock: Callable[[], float] = time.time
) -> PollOutcome:
    started = clock()
    try:
        documents = await source.fetch(datetime.fromtimestamp(started, UTC))
    except SourceError as exc:
        store.save_source_failure(source.name, str(exc), clock())
        log.warning("poll failed: %s", exc, extra={"source": source.name, "error": exc.reason})
        return PollOutcome(source.name, False, error=str(exc), reason=exc.reason, retry_after=exc.retry_after)
    crash_point("after_fetch")

    # Most polls change nothing: compare hashes first and decode only the snapshots that differ.
    stored = store.load_snapshot_hashes(source.name, (d.number for d in documents))
    candidates = [d for d in documents if stored.get(d.number) != d.content_hash()]
    previous = store.load_snapshots(source.name, (d.number for d in candidates if d.number in stored))
    changes = [c for d in candidates if (c := diff_document(previous.get(d.number), d)) is not None]
    alerts = build_alerts(changes, matcher, previous)
    saved = store.save_poll(source.name, changes, alerts, clock())
    crash_point("after_commit")

    if saved.baseline:
        log.info(
            "baseline recorded: %d documents, no alerts for what already existed",
            len(documents),
            extra={"source": source.name},
        )
    elif saved.changes or saved.alerts:
        log.info(
            "poll: %d documents, %d changed, %d new alerts",
            len(documents),
            saved.changes,
            saved.alerts,
            extra={"source": source.name},
        )
    return PollOutcome(source.name, True, saved)
