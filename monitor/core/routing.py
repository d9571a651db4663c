"""Routing alerts to targets: which target hears which event, and when a digest target's batch goes out.

A target may narrow the events it receives (`events`), and may batch them (`digest`): "hourly" sends at the
top of each hour, "daily HH:MM" once a day at that US Eastern time. A batched delivery waits, stored, until its
digest is due; a restart changes nothing about when or whether it is sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from monitor.core.clock import EASTERN
from monitor.models import Alert

_DAILY = re.compile(r"^daily\s+([01]\d|2[0-3]):([0-5]\d)$")


def parse_digest(spec: str) -> tuple[int, int] | None:
    """'hourly' -> None; 'daily HH:MM' -> (hour, minute); anything else is a ValueError."""
    spec = spec.strip().lower()
    if spec == "hourly":
        return None
    if found := _DAILY.match(spec):
        return int(found[1]), int(found[2])
    raise ValueError(f"digest {spec!r} must be 'hourly' or 'daily HH:MM' (US Eastern)")


def next_digest_at(spec: str, now: datetime) -> datetime:
    """The first digest time strictly after `now`."""
    at = parse_digest(spec)
    local = now.astimezone(EASTERN)
    if at is None:
        return (local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)).astimezone(UTC)
    hour, minute = at
    candidate = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if candidate <= local:
        # Add a calendar day in Eastern wall time (not 24 hours: a DST change in between keeps HH:MM).
        day = (local + timedelta(days=1)).date()
        candidate = datetime(day.year, day.month, day.day, hour, minute, tzinfo=EASTERN)
    return candidate.astimezone(UTC)


@dataclass(frozen=True)
class TargetRoute:
    events: frozenset[str] = frozenset()
    digest: str | None = None


@dataclass(frozen=True)
class Routing:
    routes: Mapping[str, TargetRoute] = field(default_factory=dict)

    def targets_for(self, alert: Alert) -> tuple[str, ...]:
        return tuple(
            t for t in alert.notify if not (r := self.routes.get(t)) or not r.events or alert.event in r.events
        )

    def first_attempt_at(self, target: str, now: float) -> float:
        route = self.routes.get(target)
        if route is None or route.digest is None:
            return now
        return next_digest_at(route.digest, datetime.fromtimestamp(now, UTC)).timestamp()

    def digest_of(self, target: str) -> str | None:
        route = self.routes.get(target)
        return route.digest if route else None
