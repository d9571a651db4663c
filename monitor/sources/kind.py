"""What a kind of source is to the rest of the service, defined once in its own folder
(monitor/sources/<kind>/kind.py) and listed in monitor.registry: its name, its table in the settings, whether it
is on, how its sources are built and how `check-config` and `status` describe them.

A kind sees the settings through `Sections`: its own table, or another kind's (public inspection reads the
documents API's base_url), asked for by kind. Building imports the kind's source module only then, so a service
that does not use a kind does not carry its parser in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from monitor.core.schedule import Check
from monitor.sources.known import StoredSnapshots

if TYPE_CHECKING:
    from monitor.sources.http import HttpClient
    from monitor.sources.protocols import Source

T = TypeVar("T")


class Sections(Protocol):
    """The settings, as a kind of source reads them: any kind's table, by kind."""

    def section(self, kind: SourceKind[T]) -> T: ...


@dataclass(frozen=True, slots=True)
class Described:
    """One source as `check-config` and `status` list it."""

    name: str
    interval: float  # seconds
    what: str
    url: str
    next: Check  # its next check, were the service started at the time asked about


def every(interval: float) -> Check:
    """The next check of a source polled at a steady interval."""
    return Check(interval, "interval")


@dataclass(frozen=True, slots=True)
class SourceKind(Generic[T]):
    """A kind of source, whose table in the settings is a T (a section, or a list of pages or feeds)."""

    name: str  # the source's name, or the prefix of its sources' names (one per configured page or feed)
    section: str  # its table in the settings
    table: Any  # the table's type (T), as the settings model declares the field
    default: Callable[[], T]  # the table when the config file leaves it out
    enabled: Callable[[T], bool]
    build: Callable[[Sections, HttpClient, StoredSnapshots], list[Source]]
    describe: Callable[[Sections, datetime], list[Described]]
    # For kinds with one source per configured entry (pages, feeds): the entries' names. Each names a source
    # (`name` + entry, what a watchlist's `sources` may name; settings.loading checks both), and two entries
    # may not share one.
    entries: Callable[[T], list[str]] | None = None
    # Secrets the kind's table names that cannot be read (a missing API key), each a message saying where
    # the secret should be; checked at load unless a command reads no secret.
    unreadable_secrets: Callable[[T], list[str]] = lambda table: []
    listed_when_off: bool = True  # `check-config` names it under "turned off" when it is
