"""What the web server may see of the running service: a narrow view, not the whole service."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from monitor.metrics import Metrics
from monitor.operations import Loops
from monitor.settings.model import Settings
from monitor.sources.protocols import Source
from monitor.store.store import Store


class ServiceView(Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def store(self) -> Store: ...

    @property
    def metrics(self) -> Metrics: ...

    @property
    def sources(self) -> Sequence[Source]: ...

    @property
    def started_at(self) -> float: ...

    @property
    def next_poll(self) -> Mapping[str, float]:
        """Source name -> when it is polled next (Unix time)."""
        ...

    def clock(self) -> float: ...

    @property
    def loops(self) -> Loops:
        """The long-lived loops' health: those failing make /readyz say so."""
        ...
